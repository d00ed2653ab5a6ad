# Turns the vocabulary word list into a C++ source file, so that the clean
# stage needs no data file at run time.
# Usage: cmake -DINPUT=list.tsv -DOUTPUT=file.cc -P embed_vocabulary.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")nfvocab\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_vocabulary.cmake. Do not edit.\n"
  "#include <cstddef>\n\n"
  "namespace newsflow {\nnamespace clean {\n\n"
  "extern const char kEmbeddedVocabulary[];\n"
  "extern const size_t kEmbeddedVocabularySize;\n"
  "const char kEmbeddedVocabulary[] = R\"nfvocab(${content})nfvocab\";\n"
  "const size_t kEmbeddedVocabularySize = sizeof(kEmbeddedVocabulary) - 1;\n\n"
  "}  // namespace clean\n}  // namespace newsflow\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
