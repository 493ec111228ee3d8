# Fetches real-world dylink.0 modules at configure time (included from
# corpus/CMakeLists.txt when PRELINK_FETCH_CORPUS is ON).
#
# Source: the npm package python-wasm@0.28.1 (cowasm), obtained with `npm pack`.
# Into ${CMAKE_BINARY_DIR}/corpus/fetched/ it extracts
#   python.wasm                            (dist/python.wasm, a PIC side module)
#   hello.cpython-311-wasm32-wasi.so       (dist/)
#   lib-dynload/*.so                       25 files, from dist/python-stdlib.zip
#   numpy/**/*.so                          19 files, from dist/numpy.tar.xz
# and sets the global property PRELINK_FETCHED_MODULES to their 46 absolute paths.
#
# The tarball is kept in fetched/ and reused while its sha256 matches; if the
# environment variable PRELINK_NPM_CACHE names a directory, a matching tarball there
# is used instead of downloading, and a fresh download is copied there.
# A failed download, a checksum mismatch or unexpected contents stop the configure.

set(_pf_name "python-wasm")
set(_pf_version "0.28.1")
set(_pf_sha256 "827a6363a690336c67cb112968dd7b3b44bc274cf59a48f093dda23a28c212ed")
set(_pf_tgz_name "${_pf_name}-${_pf_version}.tgz")
set(_pf_dir "${PRELINK_CORPUS_DIR}/fetched")
set(_pf_tgz "${_pf_dir}/${_pf_tgz_name}")
set(_pf_expect_dynload 25)
set(_pf_expect_numpy 19)

file(MAKE_DIRECTORY "${_pf_dir}")

# _pf_sha_ok(<file> <out-var>): TRUE when <file> exists and has the pinned sha256.
function(_pf_sha_ok file out_var)
  set(ok FALSE)
  if(EXISTS "${file}")
    file(SHA256 "${file}" sum)
    if(sum STREQUAL _pf_sha256)
      set(ok TRUE)
    endif()
  endif()
  set(${out_var} ${ok} PARENT_SCOPE)
endfunction()

_pf_sha_ok("${_pf_tgz}" _pf_have)
if(NOT _pf_have AND DEFINED ENV{PRELINK_NPM_CACHE} AND NOT "$ENV{PRELINK_NPM_CACHE}" STREQUAL "")
  _pf_sha_ok("$ENV{PRELINK_NPM_CACHE}/${_pf_tgz_name}" _pf_cached)
  if(_pf_cached)
    message(STATUS "corpus: using $ENV{PRELINK_NPM_CACHE}/${_pf_tgz_name}")
    file(COPY_FILE "$ENV{PRELINK_NPM_CACHE}/${_pf_tgz_name}" "${_pf_tgz}")
    set(_pf_have TRUE)
  endif()
endif()

if(NOT _pf_have)
  find_program(NPM npm)
  if(NOT NPM)
    message(FATAL_ERROR "corpus: npm not found, cannot fetch ${_pf_name}@${_pf_version} "
                        "(install npm, or configure with -DPRELINK_FETCH_CORPUS=OFF)")
  endif()
  file(REMOVE "${_pf_tgz}")
  message(STATUS "corpus: npm pack ${_pf_name}@${_pf_version}")
  execute_process(
    COMMAND "${NPM}" pack "${_pf_name}@${_pf_version}"
    WORKING_DIRECTORY "${_pf_dir}"
    RESULT_VARIABLE _pf_rc
    OUTPUT_VARIABLE _pf_out
    ERROR_VARIABLE _pf_err)
  if(NOT _pf_rc EQUAL 0 OR NOT EXISTS "${_pf_tgz}")
    message(FATAL_ERROR "corpus: `npm pack ${_pf_name}@${_pf_version}` failed (exit ${_pf_rc}):\n"
                        "${_pf_out}${_pf_err}\n"
                        "The end-to-end tests need these modules; configure with "
                        "-DPRELINK_FETCH_CORPUS=OFF to build without them.")
  endif()
  file(SHA256 "${_pf_tgz}" _pf_sum)
  if(NOT _pf_sum STREQUAL _pf_sha256)
    file(REMOVE "${_pf_tgz}")
    message(FATAL_ERROR "corpus: checksum mismatch for ${_pf_tgz_name}:\n"
                        "  expected sha256 ${_pf_sha256}\n"
                        "  got      sha256 ${_pf_sum}\n"
                        "The file was removed. Configure with -DPRELINK_FETCH_CORPUS=OFF "
                        "to build without the real-world modules.")
  endif()
  if(DEFINED ENV{PRELINK_NPM_CACHE} AND NOT "$ENV{PRELINK_NPM_CACHE}" STREQUAL "")
    file(MAKE_DIRECTORY "$ENV{PRELINK_NPM_CACHE}")
    file(COPY_FILE "${_pf_tgz}" "$ENV{PRELINK_NPM_CACHE}/${_pf_tgz_name}")
  endif()
endif()

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
