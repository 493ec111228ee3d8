# Seeds the fuzz targets from the built corpus: -DTOOL=make_seeds -DCORPUS=build/corpus
# -DOUT=dir -DTARGETS=list. Creates OUT/seeds/<t>, OUT/work/<t>, OUT/artifacts/<t>.
file(REMOVE_RECURSE ${OUT}/seeds)
foreach(t IN LISTS TARGETS)
  file(MAKE_DIRECTORY ${OUT}/seeds/${t} ${OUT}/work/${t} ${OUT}/artifacts/${t})
endforeach()
file(GLOB _mods ${CORPUS}/*/*.so ${CORPUS}/*/*.wasm)
list(SORT _mods)
execute_process(COMMAND ${TOOL} ${OUT}/seeds ${_mods} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_seeds failed: ${rc}")
endif()
