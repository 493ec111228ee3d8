# Turns a built libdl side module into a C++ source holding its bytes as SYMBOL.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "// Generated from ${IN} by embed.cmake. Do not edit.\n#include <cstddef>\nnamespace wasmobj::linking {\nextern const unsigned char ${SYMBOL}[] = {\n${body}};\nextern const std::size_t ${SYMBOL}Size = ${size};\n}\n")
