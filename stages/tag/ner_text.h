// Turns tokenizer output (tokenizer.h) into the word stream the NER model
// reads, which follows the CoNLL-2003 conventions it was trained on:
//   - a possessive becomes its own word: "Kadafi’s" → "Kadafi" "'s";
//   - typographic quotes and dashes become ASCII ("“" → "\"", "—" → "-");
//   - sentences break before a sentence-starting word (an opening quote or
//     bracket right before it moves along with it).
// Also reads unlabelled text files for building the lexicon.
#ifndef NEWSFLOW_STAGES_TAG_NER_TEXT_H_
#define NEWSFLOW_STAGES_TAG_NER_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "stages/tag/ner_features.h"
#include "stages/tag/ner_lexicon.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {

// Appends the words of tokens[begin, end) to `input` as whole sentences
// (the last sentence is closed). `origin`, when set, receives for each
// appended word the index of its token, or -1 for a split-off possessive.
void AppendNerWords(const std::vector<Token>& tokens, size_t begin, size_t end,
                    NerInput* input, std::vector<int32_t>* origin);

// Unlabelled sentences for NerLexicon::Build from files or folders (read
// recursively, in name order):
//   - *.sgm: Reuters-21578 SGML; the text of <TITLE> and <BODY>;
//   - CoNLL files (a first line starting "-DOCSTART-"): the word column;
//   - anything else: plain UTF-8 text.
absl::StatusOr<std::vector<LexiconSentence>> ReadUnlabeledText(
    const std::vector<std::string>& paths);

// Whole documents (plain text) from the same kinds of files: one per
// Reuters <REUTERS> record (title and body), CoNLL -DOCSTART- document or
// other file. For counting document frequencies.
absl::StatusOr<std::vector<std::string>> ReadDocuments(
    const std::vector<std::string>& paths);

// Splits plain text into sentences of NER words (appends to `sentences`).
void AppendTextSentences(std::string_view text,
                         std::vector<LexiconSentence>* sentences);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_TEXT_H_
