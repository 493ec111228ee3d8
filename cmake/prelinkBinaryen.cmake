# binaryen as the imported target prelink::binaryen. Debian's binaryen ships the C API
# header and libbinaryen.so but no CMake package: the build links through this target,
# and the installed package config includes this same file, so a project that links
# prelink::prelinker finds binaryen the way the build did.
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
