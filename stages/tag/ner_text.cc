#include "stages/tag/ner_text.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "stages/tag/conll.h"

namespace newsflow {
namespace tag {
namespace {

// ASCII stand-ins for typographic punctuation, as CoNLL text has it.
std::string_view Normalize(std::string_view text) {
  if (text == "\xE2\x80\x9C" || text == "\xE2\x80\x9D" ||  // “ ”
      text == "\xE2\x80\x9E" || text == "\xC2\xAB" ||      // „ «
      text == "\xC2\xBB") {                                // »
    return "\"";
  }
  if (text == "\xE2\x80\x98" || text == "\xE2\x80\x99") return "'";  // ‘ ’
  if (text.size() >= 3 && (text.substr(0, 3) == "\xE2\x80\x93" ||    // –
                           text.substr(0, 3) == "\xE2\x80\x94")) {   // —
    return "-";
  }
  if (text == "\xE2\x80\xA6") return "...";
  return text;
}

bool IsOpener(const Token& token) {
  return token.Has(Token::kOpeningQuote) || token.text == "(" ||
         token.text == "[";
}

bool IsCloser(const Token& token) {
  return token.text == "\"" || token.text == "\xE2\x80\x9D" ||  // ”
         token.text == "\xE2\x80\x99" || token.text == "'" ||   // ’
         token.text == ")" || token.text == "]" || token.text == "\xC2\xBB";
}

// Whether a sentence ends before tokens[t] (which the tokenizer marked as
// starting one): after . ! ? (closing quotes and brackets may follow them)
// or at a line break. An opening quote alone starts no sentence.
bool EndsSentence(const std::vector<Token>& tokens, size_t begin, size_t t) {
  size_t first = t;
  while (first > begin && IsOpener(tokens[first - 1])) --first;
  if (first == begin) return true;
  const Token& previous = tokens[first - 1];
  const char* gap_begin = previous.text.data() + previous.text.size();
  const char* gap_end = tokens[first].text.data();
  if (gap_end > gap_begin &&
      std::string_view(gap_begin, gap_end - gap_begin).find('\n') !=
          std::string_view::npos) {
    return true;
  }
  size_t p = first;
  while (p > begin && IsCloser(tokens[p - 1])) --p;
  return p > begin && tokens[p - 1].Has(Token::kSentenceEnd);
}

std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ToUtf8(std::string text) {
  return IsValidUtf8(text) ? text : Windows1252ToUtf8(text);
}

std::string UnescapeSgml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t semicolon = text.find(';', i);
    if (semicolon == std::string_view::npos || semicolon - i > 8) {
      out.push_back('&');
      continue;
    }
    std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "amp") {
      out.push_back('&');
    } else if (!entity.empty() && entity[0] == '#') {
      out.push_back(' ');  // control characters (&#3; ends each story)
    } else {
      out.append(text.substr(i, semicolon - i + 1));
    }
    i = semicolon;
  }
  return out;
}

// Reuters bodies wrap lines at 70 columns; paragraphs start indented.
std::string UnwrapLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      out.push_back(text[i]);
      continue;
    }
    bool indented = i + 1 < text.size() && (text[i + 1] == ' ');
    out.push_back(indented ? '\n' : ' ');
  }
  return out;
}

void AppendSgml(std::string_view text, std::vector<LexiconSentence>* out) {
  for (const char* tag : {"TITLE", "DATELINE", "BODY"}) {
    const std::string open = absl::StrCat("<", tag, ">");
    const std::string close = absl::StrCat("</", tag, ">");
    size_t pos = 0;
    while ((pos = text.find(open, pos)) != std::string_view::npos) {
      pos += open.size();
      size_t end = text.find(close, pos);
      if (end == std::string_view::npos) break;
      AppendTextSentences(
          UnwrapLines(UnescapeSgml(text.substr(pos, end - pos))), out);
      pos = end;
    }
  }
}

absl::Status AppendFile(const std::filesystem::path& path,
                        std::vector<LexiconSentence>* out) {
  std::string text = ToUtf8(ReadWholeFile(path));
  if (path.extension() == ".sgm") {
    AppendSgml(text, out);
    return absl::OkStatus();
  }
  if (text.rfind("-DOCSTART-", 0) == 0) {
    absl::StatusOr<std::vector<ConllDocument>> documents =
        ParseConll(text, path.string());
    if (!documents.ok()) return documents.status();
    for (const ConllDocument& document : *documents) {
      for (const ConllSentence& sentence : document.sentences) {
        out->push_back(sentence.words);
      }
    }
    return absl::OkStatus();
  }
  AppendTextSentences(text, out);
  return absl::OkStatus();
}

// The text of each Reuters record's title and body.
void AppendSgmlDocuments(std::string_view text, std::vector<std::string>* out) {
  size_t pos = 0;
  while ((pos = text.find("<REUTERS", pos)) != std::string_view::npos) {
    size_t end = text.find("</REUTERS>", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view record = text.substr(pos, end - pos);
    std::string document;
    for (const char* tag : {"TITLE", "BODY"}) {
      const std::string open = absl::StrCat("<", tag, ">");
      const std::string close = absl::StrCat("</", tag, ">");
      size_t begin = record.find(open);
      if (begin == std::string_view::npos) continue;
      begin += open.size();
      size_t finish = record.find(close, begin);
      if (finish == std::string_view::npos) continue;
      document +=
          UnwrapLines(UnescapeSgml(record.substr(begin, finish - begin)));
      document += "\n\n";
    }
    if (!document.empty()) out->push_back(std::move(document));
    pos = end;
  }
}

absl::Status AppendDocuments(const std::filesystem::path& path,
                             std::vector<std::string>* out) {
  std::string text = ToUtf8(ReadWholeFile(path));
  if (path.extension() == ".sgm") {
    AppendSgmlDocuments(text, out);
    return absl::OkStatus();
  }
  if (text.rfind("-DOCSTART-", 0) == 0) {
    absl::StatusOr<std::vector<ConllDocument>> documents =
        ParseConll(text, path.string());
    if (!documents.ok()) return documents.status();
    for (const ConllDocument& document : *documents) {
      std::string joined;
      for (const ConllSentence& sentence : document.sentences) {
        for (const std::string& word : sentence.words) {
          joined += word;
          joined.push_back(' ');
        }
        joined.push_back('\n');
      }
      out->push_back(std::move(joined));
    }
    return absl::OkStatus();
  }
  out->push_back(std::move(text));
  return absl::OkStatus();
}

// Files of `paths` (folders recursively, in name order).
absl::StatusOr<std::vector<std::filesystem::path>> ListFiles(
    const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry :
           std::filesystem::recursive_directory_iterator(path, error)) {
        if (entry.is_regular_file()) found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::is_regular_file(path, error)) {
      files.emplace_back(path);
    } else {
      return absl::NotFoundError(
          absl::StrCat("no such file or folder: ", path));
    }
  }
  return files;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadDocuments(
    const std::vector<std::string>& paths) {
  absl::StatusOr<std::vector<std::filesystem::path>> files = ListFiles(paths);
  if (!files.ok()) return files.status();
  std::vector<std::string> documents;
  for (const auto& file : *files) {
    if (absl::Status status = AppendDocuments(file, &documents); !status.ok()) {
      return status;
    }
  }
  return documents;
}

void AppendNerWords(const std::vector<Token>& tokens, size_t begin, size_t end,
                    NerInput* input, std::vector<int32_t>* origin) {
  size_t sentence_begin = input->words.size();
  // Word index where the current token's words start, per token.
  std::vector<size_t> first_word;
  for (size_t t = begin; t < end; ++t) {
    const Token& token = tokens[t];
    if (token.Has(Token::kSentenceStart) &&
        input->words.size() > sentence_begin &&
        EndsSentence(tokens, begin, t)) {
      // Openers right before the new sentence's first word go with it.
      size_t opener = t;
      while (opener > begin && IsOpener(tokens[opener - 1]) &&
             first_word[opener - 1 - begin] > sentence_begin) {
        --opener;
      }
      const size_t split =
          opener < t ? first_word[opener - begin] : input->words.size();
      if (split > sentence_begin) {
        input->sentence_ends.push_back(static_cast<uint32_t>(split));
        sentence_begin = split;
      }
    }
    first_word.push_back(input->words.size());
    input->words.push_back(Normalize(token.text));
    if (origin != nullptr) origin->push_back(static_cast<int32_t>(t));
    if (token.Has(Token::kPossessive)) {
      input->words.push_back(token.Has(Token::kPossessiveS) ? "'s" : "'");
      if (origin != nullptr) origin->push_back(-1);
    }
  }
  if (input->words.size() > sentence_begin) {
    input->sentence_ends.push_back(static_cast<uint32_t>(input->words.size()));
  }
}

void AppendTextSentences(std::string_view text,
                         std::vector<LexiconSentence>* sentences) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  NerInput input;
  AppendNerWords(tokens, 0, tokens.size(), &input, nullptr);
  uint32_t begin = 0;
  for (uint32_t end : input.sentence_ends) {
    LexiconSentence& sentence = sentences->emplace_back();
    for (uint32_t i = begin; i < end; ++i) {
      sentence.emplace_back(input.words[i]);
    }
    begin = end;
  }
}

absl::StatusOr<std::vector<LexiconSentence>> ReadUnlabeledText(
    const std::vector<std::string>& paths) {
  absl::StatusOr<std::vector<std::filesystem::path>> files = ListFiles(paths);
  if (!files.ok()) return files.status();
  std::vector<LexiconSentence> sentences;
  for (const auto& file : *files) {
    if (absl::Status status = AppendFile(file, &sentences); !status.ok()) {
      return status;
    }
  }
  return sentences;
}

}  // namespace tag
}  // namespace newsflow
