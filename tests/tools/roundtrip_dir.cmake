# Runs the round-trip tool on every module of one corpus program directory.
file(GLOB mods ${DIR}/*.wasm ${DIR}/*.so)
if(NOT mods)
  message(FATAL_ERROR "no modules in ${DIR}")
endif()
execute_process(COMMAND ${TOOL} ${mods} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "round trip failed")
endif()
