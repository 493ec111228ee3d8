# npm ci of tests/realworld's package-lock.json into DST (exact versions, integrity-checked).
file(MAKE_DIRECTORY "${DST}")
foreach(f package.json package-lock.json)
  configure_file("${SRC}/${f}" "${DST}/${f}" COPYONLY)
endforeach()
find_program(NPM npm REQUIRED)
execute_process(COMMAND "${NPM}" ci --no-audit --no-fund --loglevel=error --ignore-scripts
                WORKING_DIRECTORY "${DST}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "npm ci in ${DST} failed (${rc})")
endif()
