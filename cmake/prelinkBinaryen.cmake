# binaryen as the imported target prelink::binaryen. Debian's binaryen ships the C API
# header and libbinaryen.so but no CMake package: the build takes the header and the
# library's path from this target (prelink/CMakeLists.txt: the library is loaded with
# dlopen, not linked).
if(NOT TARGET prelink::binaryen)
  find_path(PRELINK_BINARYEN_INCLUDE_DIR binaryen-c.h)
  find_library(PRELINK_BINARYEN_LIBRARY binaryen)
  if(PRELINK_BINARYEN_INCLUDE_DIR AND PRELINK_BINARYEN_LIBRARY)
    add_library(prelink::binaryen UNKNOWN IMPORTED)
    set_target_properties(prelink::binaryen PROPERTIES
      IMPORTED_LOCATION "${PRELINK_BINARYEN_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${PRELINK_BINARYEN_INCLUDE_DIR}")
  endif()
endif()
