# Turns the built libdl side module into a C++ source holding its bytes.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "// Generated from libprelink_dl.so by embed.cmake. Do not edit.\n#include <cstddef>\nnamespace wasmobj::linking {\nextern const unsigned char kLibdlModule[] = {\n${body}};\nextern const std::size_t kLibdlModuleSize = ${size};\n}\n")
