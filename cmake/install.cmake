# What `cmake --install` puts under the prefix (docs/design.md, "Using the libraries").
# Nothing of tests/ or corpus/ is installed.
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
  ${CMAKE_CURRENT_LIST_DIR}/prelinkBinaryen.cmake DESTINATION ${PRELINK_CMAKE_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/docs/prelink.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/NOTICE ${PROJECT_SOURCE_DIR}/README.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
