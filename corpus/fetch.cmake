# Fetches real-world modules and JS glues from npm at configure time (included from
# corpus/CMakeLists.txt when PRELINK_FETCH_CORPUS is ON), each package pinned by version
# and sha256.
#
# Two functions do the fetching:
#   prelink_npm_tarball(<spec> <version> <sha256> <out-var>)
#     Obtains <spec>@<version> with `npm pack` as ${PRELINK_CORPUS_DIR}/fetched/<file>.tgz
#     (<file> is npm's: "@scope/name" -> "scope-name-<version>.tgz") and sets <out-var> to
#     its path. The tarball is kept and reused while its sha256 matches; if the environment
#     variable PRELINK_NPM_CACHE names a directory, a matching tarball there is used instead
#     of downloading, and a fresh download is copied there.
#   prelink_fetch_npm(<spec> <version> <sha256> <dir> [MEMBERS <pattern>...])
#     prelink_npm_tarball, then unpacks the tarball's members matching the patterns (all
#     when none; `*` matches across `/`) into <dir>, keeping npm's package/ layout. Unpacks
#     again only when the tarball or the member list changed (<dir>/.extracted); every
#     pattern must match.
# A failed download, a checksum mismatch or missing members stop the configure.
#
# python-wasm@0.28.1 (cowasm): into ${CMAKE_BINARY_DIR}/corpus/fetched/ it extracts
#   python.wasm                            (dist/python.wasm, a PIC side module)
#   hello.cpython-311-wasm32-wasi.so       (dist/)
#   lib-dynload/*.so                       25 files, from dist/python-stdlib.zip
#   numpy/**/*.so                          19 files, from dist/numpy.tar.xz
# and sets the global property PRELINK_FETCHED_MODULES to their 46 absolute paths.
#
# emscripten MAIN_MODULE glues and their packages (tests/glue), each unpacked into
# ${CMAKE_BINARY_DIR}/corpus/fetched/<name>-<version>/package/, the directory
# <name>-<version> in the global property named:
#   pyodide@0.26.4              all (pyodide.asm.js: emcc 3.1.58, relocatable)   PRELINK_FETCHED_PYODIDE
#   php-wasm@0.1.0              php8.3-node.mjs (emcc, relocatable, minified), its wasm
#                               846ab4c4d0999f57ac5270940b3820a9b6938633.wasm and the .mjs
#                               PhpNode.mjs imports (of 190 MB unpacked)          PRELINK_FETCHED_PHP_WASM
#   php-wasm-sqlite@0.1.0       all (side modules for php-wasm)                   PRELINK_FETCHED_PHP_WASM_SQLITE
#   php-wasm-intl@0.1.0         all (side modules for php-wasm)                   PRELINK_FETCHED_PHP_WASM_INTL
#   @php-wasm/node-8-3@3.1.56   package.json, asyncify/** (php_8_3.js: emcc 4.0.19,
#                               non-relocatable; dir php-wasm-node-8-3-3.1.56)    PRELINK_FETCHED_PHP_WASM_NODE_8_3
#   wasm-vips@0.0.19            lib/vips-node.js, vips.wasm and its three side modules
#                               (emcc 6.0.10, pthreads, non-relocatable)         PRELINK_FETCHED_WASM_VIPS

set(_pf_dir "${PRELINK_CORPUS_DIR}/fetched")
file(MAKE_DIRECTORY "${_pf_dir}")

# _pf_sha_ok(<file> <sha256> <out-var>): TRUE when <file> exists and has that sha256.
function(_pf_sha_ok file sha out_var)
  set(ok FALSE)
  if(EXISTS "${file}")
    file(SHA256 "${file}" sum)
    if(sum STREQUAL sha)
      set(ok TRUE)
    endif()
  endif()
  set(${out_var} ${ok} PARENT_SCOPE)
endfunction()

function(prelink_npm_tarball spec version sha out_var)
  string(REGEX REPLACE "^@" "" tgz_name "${spec}")
  string(REPLACE "/" "-" tgz_name "${tgz_name}")
  set(tgz_name "${tgz_name}-${version}.tgz")
  set(tgz "${_pf_dir}/${tgz_name}")
  _pf_sha_ok("${tgz}" "${sha}" have)
  if(NOT have AND DEFINED ENV{PRELINK_NPM_CACHE} AND NOT "$ENV{PRELINK_NPM_CACHE}" STREQUAL "")
    _pf_sha_ok("$ENV{PRELINK_NPM_CACHE}/${tgz_name}" "${sha}" cached)
    if(cached)
      message(STATUS "corpus: using $ENV{PRELINK_NPM_CACHE}/${tgz_name}")
      file(COPY_FILE "$ENV{PRELINK_NPM_CACHE}/${tgz_name}" "${tgz}")
      set(have TRUE)
    endif()
  endif()
  if(NOT have)
    find_program(NPM npm)
    if(NOT NPM)
      message(FATAL_ERROR "corpus: npm not found, cannot fetch ${spec}@${version} "
                          "(install npm, or configure with -DPRELINK_FETCH_CORPUS=OFF)")
    endif()
    file(REMOVE "${tgz}")
    message(STATUS "corpus: npm pack ${spec}@${version}")
    execute_process(
      COMMAND "${NPM}" pack "${spec}@${version}"
      WORKING_DIRECTORY "${_pf_dir}"
      RESULT_VARIABLE rc
      OUTPUT_VARIABLE out
      ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT EXISTS "${tgz}")
      message(FATAL_ERROR "corpus: `npm pack ${spec}@${version}` failed (exit ${rc}):\n"
                          "${out}${err}\n"
                          "The tests need these files; configure with "
                          "-DPRELINK_FETCH_CORPUS=OFF to build without them.")
    endif()
    file(SHA256 "${tgz}" sum)
    if(NOT sum STREQUAL sha)
      file(REMOVE "${tgz}")
      message(FATAL_ERROR "corpus: checksum mismatch for ${tgz_name}:\n"
                          "  expected sha256 ${sha}\n"
                          "  got      sha256 ${sum}\n"
                          "The file was removed. Configure with -DPRELINK_FETCH_CORPUS=OFF "
                          "to build without the real-world files.")
    endif()
    if(DEFINED ENV{PRELINK_NPM_CACHE} AND NOT "$ENV{PRELINK_NPM_CACHE}" STREQUAL "")
      file(MAKE_DIRECTORY "$ENV{PRELINK_NPM_CACHE}")
      file(COPY_FILE "${tgz}" "$ENV{PRELINK_NPM_CACHE}/${tgz_name}")
    endif()
  endif()
  set(${out_var} "${tgz}" PARENT_SCOPE)
endfunction()

function(prelink_fetch_npm spec version sha dir)
  cmake_parse_arguments(PARSE_ARGV 4 arg "" "" "MEMBERS")
  prelink_npm_tarball("${spec}" "${version}" "${sha}" tgz)
  set(stamp "${dir}/.extracted")
  set(want "${sha} ${arg_MEMBERS}")
  set(got "")
  if(EXISTS "${stamp}")
    file(READ "${stamp}" got)
  endif()
  if(NOT got STREQUAL want)
    message(STATUS "corpus: extracting ${spec}@${version}")
    file(REMOVE_RECURSE "${dir}")
    file(MAKE_DIRECTORY "${dir}")
    if(arg_MEMBERS)
      file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${dir}" PATTERNS ${arg_MEMBERS})
    else()
      file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${dir}")
    endif()
    foreach(m IN LISTS arg_MEMBERS)
      if(m MATCHES "[*?[]")
        file(GLOB_RECURSE found LIST_DIRECTORIES false "${dir}/${m}")
        if(NOT found)
          file(REMOVE_RECURSE "${dir}")
          message(FATAL_ERROR "corpus: ${spec}@${version} has no member matching ${m}")
        endif()
      elseif(NOT EXISTS "${dir}/${m}")
        file(REMOVE_RECURSE "${dir}")
        message(FATAL_ERROR "corpus: ${spec}@${version} has no ${m}")
      endif()
    endforeach()
    if(NOT EXISTS "${dir}/package/package.json")
      file(REMOVE_RECURSE "${dir}")
      message(FATAL_ERROR "corpus: ${spec}@${version}: no package/package.json in ${tgz}")
    endif()
    file(WRITE "${stamp}" "${want}")
  endif()
endfunction()

set(_pf_name "python-wasm")
set(_pf_version "0.28.1")
set(_pf_sha256 "827a6363a690336c67cb112968dd7b3b44bc274cf59a48f093dda23a28c212ed")
set(_pf_tgz_name "${_pf_name}-${_pf_version}.tgz")
set(_pf_expect_dynload 25)
set(_pf_expect_numpy 19)
prelink_npm_tarball("${_pf_name}" "${_pf_version}" "${_pf_sha256}" _pf_tgz)

# Extract once per tarball: the stamp records the sha256 of what was extracted.
set(_pf_stamp "${_pf_dir}/.extracted")
set(_pf_stamp_content "")
if(EXISTS "${_pf_stamp}")
  file(READ "${_pf_stamp}" _pf_stamp_content)
endif()
if(NOT _pf_stamp_content STREQUAL _pf_sha256)
  message(STATUS "corpus: extracting ${_pf_tgz_name}")
  set(_pf_pkg "${_pf_dir}/_package")
  file(REMOVE_RECURSE "${_pf_pkg}" "${_pf_dir}/lib-dynload" "${_pf_dir}/numpy"
       "${_pf_dir}/python.wasm" "${_pf_dir}/hello.cpython-311-wasm32-wasi.so")
  file(ARCHIVE_EXTRACT INPUT "${_pf_tgz}" DESTINATION "${_pf_pkg}"
       PATTERNS package/dist/python.wasm package/dist/python-stdlib.zip
                package/dist/numpy.tar.xz package/dist/hello.cpython-311-wasm32-wasi.so)
  foreach(f python.wasm python-stdlib.zip numpy.tar.xz hello.cpython-311-wasm32-wasi.so)
    if(NOT EXISTS "${_pf_pkg}/package/dist/${f}")
      message(FATAL_ERROR "corpus: ${_pf_tgz_name} has no dist/${f}")
    endif()
  endforeach()
  file(RENAME "${_pf_pkg}/package/dist/python.wasm" "${_pf_dir}/python.wasm")
  file(RENAME "${_pf_pkg}/package/dist/hello.cpython-311-wasm32-wasi.so"
       "${_pf_dir}/hello.cpython-311-wasm32-wasi.so")
  # The zip holds lib-dynload/<name>.so, the tarball numpy/<sub>/<name>.so.
  file(ARCHIVE_EXTRACT INPUT "${_pf_pkg}/package/dist/python-stdlib.zip"
       DESTINATION "${_pf_dir}" PATTERNS "lib-dynload/*.so")
  file(ARCHIVE_EXTRACT INPUT "${_pf_pkg}/package/dist/numpy.tar.xz"
       DESTINATION "${_pf_dir}" PATTERNS "numpy/*.so")
  file(REMOVE_RECURSE "${_pf_pkg}")
  file(WRITE "${_pf_stamp}" "${_pf_sha256}")
endif()

file(GLOB _pf_dynload LIST_DIRECTORIES false "${_pf_dir}/lib-dynload/*.so")
file(GLOB_RECURSE _pf_numpy LIST_DIRECTORIES false "${_pf_dir}/numpy/*.so")
list(SORT _pf_dynload)
list(SORT _pf_numpy)
list(LENGTH _pf_dynload _pf_n_dynload)
list(LENGTH _pf_numpy _pf_n_numpy)
if(NOT _pf_n_dynload EQUAL _pf_expect_dynload OR NOT _pf_n_numpy EQUAL _pf_expect_numpy
   OR NOT EXISTS "${_pf_dir}/python.wasm"
   OR NOT EXISTS "${_pf_dir}/hello.cpython-311-wasm32-wasi.so")
  file(REMOVE "${_pf_stamp}")
  message(FATAL_ERROR "corpus: unexpected contents in ${_pf_dir}: ${_pf_n_dynload} "
                      "lib-dynload modules (want ${_pf_expect_dynload}), ${_pf_n_numpy} numpy "
                      "modules (want ${_pf_expect_numpy}); reconfigure to extract again")
endif()
set(_pf_all "${_pf_dir}/python.wasm" "${_pf_dir}/hello.cpython-311-wasm32-wasi.so"
    ${_pf_dynload} ${_pf_numpy})
list(LENGTH _pf_all _pf_n_all)
set_property(GLOBAL PROPERTY PRELINK_FETCHED_MODULES "${_pf_all}")
message(STATUS "corpus: ${_pf_n_all} real-world modules in ${_pf_dir} "
               "(python.wasm, hello, ${_pf_n_dynload} lib-dynload, ${_pf_n_numpy} numpy)")

# The glues (tests/glue): spec|version|sha256|property suffix|members (comma-separated,
# none: all).
set(_pf_glues
    "pyodide|0.26.4|04c2d423c77ec87025d2a61e7d82fe00355a8f24471d60e012da5b3731e32ea5|PYODIDE|"
    "php-wasm|0.1.0|b363674a16c557719098484d846a4f192a95226dd19b0e3cb244c81c24a73d9e|PHP_WASM|package/php8.3-node.mjs,package/846ab4c4d0999f57ac5270940b3820a9b6938633.wasm,package/PhpNode.mjs,package/PhpBase.mjs,package/OutputBuffer.mjs,package/_Event.mjs,package/fsOps.mjs,package/resolveDependencies.mjs,package/package.json"
    "php-wasm-sqlite|0.1.0|728d7f10a35296e7c1b620079b385692f7c38a2128c975311dcede2d1e0037eb|PHP_WASM_SQLITE|"
    "php-wasm-intl|0.1.0|b253cf626bc71a7502fb038b4766ce87bf166768b7fb90a63144bc86e3dd38e4|PHP_WASM_INTL|"
    "@php-wasm/node-8-3|3.1.56|51d513b99e74a4a1e4b080c2b16947bbdb4b59092f53a7c0fa6915a95c6477d9|PHP_WASM_NODE_8_3|package/package.json,package/asyncify/*"
    "wasm-vips|0.0.19|0bfec00056bc72e2d37b936e4836889885fb61c8f2dbe6d028d340bee4aa5ee1|WASM_VIPS|package/package.json,package/lib/vips-node.js,package/lib/vips.wasm,package/lib/vips-jxl.wasm,package/lib/vips-heif.wasm,package/lib/vips-resvg.wasm")
foreach(_pf_entry IN LISTS _pf_glues)
  string(REPLACE "," ";" _pf_fields "${_pf_entry}")
  string(REPLACE "|" ";" _pf_fields "${_pf_fields}")
  list(GET _pf_fields 0 _pf_spec)
  list(GET _pf_fields 1 _pf_ver)
  list(GET _pf_fields 2 _pf_sum)
  list(GET _pf_fields 3 _pf_prop)
  list(SUBLIST _pf_fields 4 -1 _pf_members)
  string(REGEX REPLACE "^@" "" _pf_base "${_pf_spec}")
  string(REPLACE "/" "-" _pf_base "${_pf_base}")
  set(_pf_root "${_pf_dir}/${_pf_base}-${_pf_ver}")
  if(_pf_members)
    prelink_fetch_npm("${_pf_spec}" "${_pf_ver}" "${_pf_sum}" "${_pf_root}" MEMBERS ${_pf_members})
  else()
    prelink_fetch_npm("${_pf_spec}" "${_pf_ver}" "${_pf_sum}" "${_pf_root}")
  endif()
  set_property(GLOBAL PROPERTY PRELINK_FETCHED_${_pf_prop} "${_pf_root}")
endforeach()
# php8.3-node.mjs loads its wasm by this name (unpacked above).
get_property(_pf_php GLOBAL PROPERTY PRELINK_FETCHED_PHP_WASM)
file(READ "${_pf_php}/package/php8.3-node.mjs" _pf_php_glue)
string(FIND "${_pf_php_glue}" "846ab4c4d0999f57ac5270940b3820a9b6938633.wasm" _pf_php_at)
if(_pf_php_at EQUAL -1)
  message(FATAL_ERROR "corpus: php-wasm@0.1.0's php8.3-node.mjs does not name 846ab4c4d0999f57ac5270940b3820a9b6938633.wasm")
endif()
message(STATUS "corpus: glues of pyodide, php-wasm (+ sqlite, intl), @php-wasm/node-8-3 and wasm-vips in ${_pf_dir}")
