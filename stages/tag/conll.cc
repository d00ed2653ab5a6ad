#include "stages/tag/conll.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace newsflow {
namespace tag {
namespace {

// "I-PER" → prefix 'I', type "PER"; "O" → 'O', "".
void SplitTag(std::string_view tag, char* prefix, std::string_view* type) {
  if (tag.size() >= 2 && tag[1] == '-') {
    *prefix = tag[0];
    *type = tag.substr(2);
  } else {
    *prefix = tag.empty() ? 'O' : tag[0];
    *type = "";
  }
  // BILOU spellings map onto conlleval's IOBES letters.
  if (*prefix == 'L') *prefix = 'E';
  if (*prefix == 'U') *prefix = 'S';
}

// conlleval.pl's endOfChunk and startOfChunk ("S" is treated like "B"
// followed by "E", as the IOBES extension does).
bool EndOfChunk(char prev, char tag, std::string_view prev_type,
                std::string_view type) {
  if (prev == 'S') return true;
  if (prev == 'B' && (tag == 'B' || tag == 'O' || tag == 'S')) return true;
  if (prev == 'I' && (tag == 'B' || tag == 'O' || tag == 'S')) return true;
  if (prev == 'E' &&
      (tag == 'E' || tag == 'I' || tag == 'O' || tag == 'B' || tag == 'S')) {
    return true;
  }
  return prev != 'O' && prev_type != type;
}

bool StartOfChunk(char prev, char tag, std::string_view prev_type,
                  std::string_view type) {
  if (tag == 'B' || tag == 'S') return true;
  if ((prev == 'O' || prev == 'E' || prev == 'S') && (tag == 'I' || tag == 'E'))
    return true;
  return tag != 'O' && prev_type != type;
}

}  // namespace

absl::StatusOr<std::vector<ConllDocument>> ReadConllFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConll(text.str(), path);
}

absl::StatusOr<std::vector<ConllDocument>> ParseConll(std::string_view text,
                                                      std::string_view name) {
  std::vector<ConllDocument> documents;
  ConllSentence sentence;
  auto close_sentence = [&] {
    if (sentence.words.empty()) return;
    if (documents.empty()) documents.emplace_back();
    documents.back().sentences.push_back(std::move(sentence));
    sentence = ConllSentence();
  };
  const std::string file(name);
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      close_sentence();
      continue;
    }
    size_t first_end = line.find_first_of(" \t");
    std::string_view word = line.substr(0, first_end);
    if (word == "-DOCSTART-") {
      close_sentence();
      documents.emplace_back();
      continue;
    }
    size_t last_begin = line.find_last_of(" \t");
    if (first_end == std::string_view::npos ||
        last_begin == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", line_number,
                       ": expected a word and a tag: ", std::string(line)));
    }
    std::string_view tag = line.substr(last_begin + 1);
    if (tag != "O" &&
        (tag.size() < 3 || tag[1] != '-' ||
         std::string_view("BIELSU").find(tag[0]) == std::string_view::npos)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ":", line_number, ": not an IOB tag: ", std::string(tag)));
    }
    sentence.words.emplace_back(word);
    sentence.tags.emplace_back(tag);
  }
  close_sentence();
  return documents;
}

std::vector<ConllChunk> ChunksOf(const std::vector<std::string>& tags) {
  std::vector<ConllChunk> chunks;
  char prev = 'O';
  std::string_view prev_type;
  for (size_t i = 0; i <= tags.size(); ++i) {
    char prefix = 'O';
    std::string_view type;
    if (i < tags.size()) SplitTag(tags[i], &prefix, &type);
    if (!chunks.empty() && chunks.back().end < 0 &&
        EndOfChunk(prev, prefix, prev_type, type)) {
      chunks.back().end = static_cast<int>(i);
    }
    if (i < tags.size() && StartOfChunk(prev, prefix, prev_type, type)) {
      chunks.push_back({static_cast<int>(i), -1, std::string(type)});
    }
    prev = prefix;
    prev_type = type;
  }
  return chunks;
}

void ConllScorer::Add(const std::vector<std::string>& gold,
                      const std::vector<std::string>& guessed) {
  int correct_tokens = 0;
  for (size_t i = 0; i < gold.size() && i < guessed.size(); ++i) {
    correct_tokens += gold[i] == guessed[i];
  }
  AddChunks(ChunksOf(gold), ChunksOf(guessed), static_cast<int>(gold.size()),
            correct_tokens);
}

void ConllScorer::AddChunks(const std::vector<ConllChunk>& gold,
                            const std::vector<ConllChunk>& guessed, int tokens,
                            int correct_tokens) {
  tokens_ += tokens;
  correct_tokens_ += correct_tokens;
  for (const ConllChunk& chunk : gold) {
    ++overall_.gold;
    ++per_type_[chunk.type].gold;
  }
  for (const ConllChunk& chunk : guessed) {
    ++overall_.found;
    Figures& figures = per_type_[chunk.type];
    ++figures.found;
    for (const ConllChunk& g : gold) {
      if (g == chunk) {
        ++overall_.correct;
        ++figures.correct;
        break;
      }
    }
  }
}

std::string ConllScorer::Format() const {
  std::string out = absl::StrFormat(
      "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n",
      tokens_, overall_.gold, overall_.found, overall_.correct);
  if (tokens_ > 0) {
    absl::StrAppendFormat(
        &out,
        "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; "
        "FB1: %6.2f\n",
        100 * accuracy(), 100 * overall_.precision(), 100 * overall_.recall(),
        100 * overall_.f1());
  }
  for (const auto& [type, figures] : per_type_) {
    absl::StrAppendFormat(
        &out, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n",
        type, 100 * figures.precision(), 100 * figures.recall(),
        100 * figures.f1(), figures.found);
  }
  return out;
}

}  // namespace tag
}  // namespace newsflow
