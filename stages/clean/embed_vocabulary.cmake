# Turns a data file (the vocabulary word list, the line model's weights)
# into a C++ source file, so that the clean stage needs no data file at run
# time.
# Usage: cmake -DINPUT=list.tsv -DOUTPUT=file.cc [-DSYMBOL=kName]
#          -P embed_vocabulary.cmake
# defines `const char SYMBOL[]` and `const size_t SYMBOLSize`
# (default SYMBOL: kEmbeddedVocabulary).
if(NOT DEFINED SYMBOL)
  set(SYMBOL kEmbeddedVocabulary)
endif()
file(READ "${INPUT}" content)
string(FIND "${content}" ")nfvocab\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_vocabulary.cmake. Do not edit.\n"
  "#include <cstddef>\n\n"
  "namespace newsflow {\nnamespace clean {\n\n"
  "extern const char ${SYMBOL}[];\n"
  "extern const size_t ${SYMBOL}Size;\n"
  "const char ${SYMBOL}[] = R\"nfvocab(${content})nfvocab\";\n"
  "const size_t ${SYMBOL}Size = sizeof(${SYMBOL}) - 1;\n\n"
  "}  // namespace clean\n}  // namespace newsflow\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
