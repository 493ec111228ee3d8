# What `cmake --install` puts under the prefix, and the Debian package cpack makes of it
# (docs/design.md, "Using the libraries"). Nothing of tests/ or corpus/ is installed.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PRELINK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/prelink)
install(TARGETS prelink wasmobj prelinker EXPORT prelinkTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/libwasmobj/include/wasmobj ${PROJECT_SOURCE_DIR}/prelink/include/prelink
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# `cmake --install --strip` (and cpack, CPACK_STRIP_FILES) strips the CLI; the static
# libraries lose their debug information only (their symbols are what a program links).
if(CMAKE_STRIP)
  install(CODE "
    if(CMAKE_INSTALL_DO_STRIP)
      foreach(lib $<TARGET_FILE_NAME:wasmobj> $<TARGET_FILE_NAME:prelinker>)
        execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/\${lib}\" COMMAND_ERROR_IS_FATAL ANY)
      endforeach()
    endif()")
endif()
install(EXPORT prelinkTargets NAMESPACE prelink:: DESTINATION ${PRELINK_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/prelinkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/prelinkConfig.cmake INSTALL_DESTINATION ${PRELINK_CMAKE_DIR})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/prelinkConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/prelinkConfig.cmake ${PROJECT_BINARY_DIR}/prelinkConfigVersion.cmake
  DESTINATION ${PRELINK_CMAKE_DIR})
# The man page, gzip -9n as Debian policy 12.1 wants (-n: no time stamp, so the same bytes
# every build).
find_program(GZIP gzip)
if(GZIP)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/prelink.1.gz
    COMMAND ${GZIP} -9n -c ${PROJECT_SOURCE_DIR}/docs/prelink.1 > ${PROJECT_BINARY_DIR}/prelink.1.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/prelink.1 COMMENT "Compressing the man page")
  add_custom_target(manpage ALL DEPENDS ${PROJECT_BINARY_DIR}/prelink.1.gz)
  install(FILES ${PROJECT_BINARY_DIR}/prelink.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  install(FILES ${PROJECT_SOURCE_DIR}/docs/prelink.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
# The licence, and for Debian also as share/doc/prelink/copyright (Debian policy 12.5:
# the copyright notice, then the licence).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/NOTICE ${PROJECT_SOURCE_DIR}/LICENSE)
file(READ ${PROJECT_SOURCE_DIR}/NOTICE _notice)
file(READ ${PROJECT_SOURCE_DIR}/LICENSE _license)
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/copyright CONTENT "${_notice}\n${_license}")
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/NOTICE ${PROJECT_SOURCE_DIR}/README.md
  ${PROJECT_BINARY_DIR}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# `cpack -G DEB` in the build directory: prelink_<version>_<arch>.deb. Its Depends are
# dpkg-shlibdeps' findings for bin/prelink, plus what the binary loads with dlopen, which
# shlibdeps cannot see: binaryen for -O and --gc-sections (the unversioned libbinaryen.so
# has no shlibs entry; the release it was built against), and libarchive for wheels and
# tarballs (the package that holds the soname it loads, at least the upstream version built with).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME prelink)
set(CPACK_PACKAGE_VENDOR "The prelink authors")
set(CPACK_PACKAGE_CONTACT "The prelink authors <prelink@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "ahead-of-time dynamic linker for WebAssembly")
set(CPACK_PACKAGE_DESCRIPTION "prelink links a WebAssembly main module and the dylink.0 side modules it loads
(emscripten, wasm-ld -shared/-pie) into one core module and a JSON manifest at build time:
memory bases, table slots, GOT entries and imports become constants, and dlopen of a
prelinked library is answered inside the module. The package also holds the static
libraries wasmobj and prelinker, their headers and CMake package (find_package(prelink)).")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(_binaryen_dep binaryen)
find_program(DPKG_QUERY dpkg-query)
if(DPKG_QUERY)
  execute_process(COMMAND ${DPKG_QUERY} -W -f=\${Version} binaryen OUTPUT_VARIABLE _binaryen_version ERROR_QUIET)
  if(_binaryen_version MATCHES "^([0-9]+)")
    math(EXPR _next "${CMAKE_MATCH_1} + 1")
    set(_binaryen_dep "binaryen (>= ${CMAKE_MATCH_1}), binaryen (<< ${_next}~)")
  endif()
endif()
set(_libarchive_dep libarchive13)
if(DPKG_QUERY)
  execute_process(COMMAND ${DPKG_QUERY} -S "${PRELINK_LIBARCHIVE_LIBRARY}" OUTPUT_VARIABLE _libarchive_owner ERROR_QUIET)
  if(_libarchive_owner MATCHES "^([^:]+)")
    set(_libarchive_pkg "${CMAKE_MATCH_1}")
    execute_process(COMMAND ${DPKG_QUERY} -W -f=\${Version} ${_libarchive_pkg} OUTPUT_VARIABLE _libarchive_version ERROR_QUIET)
    set(_libarchive_dep "${_libarchive_pkg}")
    if(_libarchive_version MATCHES "^([0-9.]+)")
      set(_libarchive_dep "${_libarchive_pkg} (>= ${CMAKE_MATCH_1})")
    endif()
  endif()
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_binaryen_dep}, ${_libarchive_dep}")
# For the libraries and headers (not the CLI): what a project that links them builds with.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "llvm-19-dev, libssl-dev")
include(CPack)
