#include "stages/store/sqlite_pair_tokenizer.h"

#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace newsflow {
namespace {

// The version of kCommonWords: an index records it in its tokenize option,
// so that a build with another list reads it without pairs, refuses to
// write it (see the header) and rebuilds it when it opens it to write.
constexpr int kPairListVersion = 1;

// The 1,000 words the most articles hold (scripts/common-words): at a
// million articles the rarest of them is in about 2% of the articles.
constexpr const char* kCommonWords[] = {
#include "stages/store/sqlite_common_words.inc"
};

constexpr char kPairSeparator = '\x1f';

// PairToken into `*pair`, reusing its buffer.
void AppendPairToken(absl::string_view first, absl::string_view second,
                     std::string* pair) {
  pair->clear();
  pair->push_back(kPairSeparator);
  pair->append(first.data(), first.size());
  pair->push_back(kPairSeparator);
  pair->append(second.data(), second.size());
}

const absl::flat_hash_set<absl::string_view>& CommonWords() {
  static const auto* words = new absl::flat_hash_set<absl::string_view>(
      std::begin(kCommonWords), std::end(kCommonWords));
  return *words;
}

using TokenCallback = int (*)(void*, int, const char*, int, int, int);

// One instance per FTS5 table: the inner tokenizer and whether this index's
// list is the one compiled in.
struct PairTokenizer {
  fts5_tokenizer inner_methods;
  Fts5Tokenizer* inner = nullptr;
  bool pairs = false;
  // The VERSION declared.
  int version = 0;
};

struct InnerToken {
  std::string text;
  int flags;
  int start;
  int end;
};

// Indexing: each token passed on, and the pair token after it.
struct DocumentPass {
  void* context;
  TokenCallback emit;
  std::string previous;
  // The last pair token, its buffer kept from token to token.
  std::string pair;
  bool previous_common = false;
  int previous_start = 0;
};

int PassDocumentToken(void* pass_pointer, int flags, const char* token,
                      int size, int start, int end) {
  auto* pass = static_cast<DocumentPass*>(pass_pointer);
  int rc = pass->emit(pass->context, flags, token, size, start, end);
  if (rc != SQLITE_OK || (flags & FTS5_TOKEN_COLOCATED) != 0) return rc;
  const absl::string_view text(token, static_cast<size_t>(size));
  const bool common = IsCommonWord(text);
  if (common && pass->previous_common) {
    AppendPairToken(pass->previous, text, &pass->pair);
    rc = pass->emit(pass->context, FTS5_TOKEN_COLOCATED, pass->pair.data(),
                    static_cast<int>(pass->pair.size()), pass->previous_start,
                    end);
  }
  pass->previous.assign(text.data(), text.size());
  pass->previous_common = common;
  pass->previous_start = start;
  return rc;
}

int CollectToken(void* tokens_pointer, int flags, const char* token, int size,
                 int start, int end) {
  static_cast<std::vector<InnerToken>*>(tokens_pointer)
      ->push_back(
          {std::string(token, static_cast<size_t>(size)), flags, start, end});
  return SQLITE_OK;
}

int CreatePairTokenizer(void* api_pointer, const char** args, int arg_count,
                        Fts5Tokenizer** out) {
  *out = nullptr;
  int version = 0;
  if (arg_count < 2 || !absl::SimpleAtoi(args[0], &version)) {
    return SQLITE_ERROR;
  }
  auto* api = static_cast<fts5_api*>(api_pointer);
  void* inner_context = nullptr;
  auto tokenizer = std::make_unique<PairTokenizer>();
  int rc = api->xFindTokenizer(api, args[1], &inner_context,
                               &tokenizer->inner_methods);
  if (rc != SQLITE_OK) return rc;
  rc = tokenizer->inner_methods.xCreate(inner_context, args + 2, arg_count - 2,
                                        &tokenizer->inner);
  if (rc != SQLITE_OK) return rc;
  tokenizer->pairs = version == kPairListVersion;
  tokenizer->version = version;
  *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer.release());
  return SQLITE_OK;
}

void DeletePairTokenizer(Fts5Tokenizer* pointer) {
  auto* tokenizer = reinterpret_cast<PairTokenizer*>(pointer);
  if (tokenizer->inner != nullptr) {
    tokenizer->inner_methods.xDelete(tokenizer->inner);
  }
  delete tokenizer;
}

// A query string: its tokens collected, then each one that follows a common
// word and is one itself given as their pair (see the header).
int TokenizeQuery(PairTokenizer* tokenizer, void* context, int flags,
                  const char* text, int size, TokenCallback emit) {
  std::vector<InnerToken> tokens;
  int rc = tokenizer->inner_methods.xTokenize(tokenizer->inner, &tokens, flags,
                                              text, size, CollectToken);
  if (rc != SQLITE_OK) return rc;
  // Synonyms from the inner tokenizer would make "the previous token"
  // ambiguous: such a string is passed on as it is.
  bool colocated = false;
  for (const InnerToken& token : tokens) {
    colocated = colocated || (token.flags & FTS5_TOKEN_COLOCATED) != 0;
  }
  // A prefix applies to the string's last token, and the pairs of a common
  // word with a longer word need not be indexed.
  const size_t last_paired =
      (flags & FTS5_TOKENIZE_PREFIX) != 0 ? tokens.size() - 1 : tokens.size();
  for (size_t i = 0; rc == SQLITE_OK && i < tokens.size(); ++i) {
    const InnerToken& token = tokens[i];
    if (!colocated && i > 0 && i < last_paired &&
        IsCommonWord(tokens[i - 1].text) && IsCommonWord(token.text)) {
      const std::string pair = PairToken(tokens[i - 1].text, token.text);
      rc = emit(context, token.flags, pair.data(),
                static_cast<int>(pair.size()), token.start, token.end);
    } else {
      rc = emit(context, token.flags, token.text.data(),
                static_cast<int>(token.text.size()), token.start, token.end);
    }
  }
  return rc;
}

int TokenizePairs(Fts5Tokenizer* pointer, void* context, int flags,
                  const char* text, int size, TokenCallback emit) {
  auto* tokenizer = reinterpret_cast<PairTokenizer*>(pointer);
  const int mode = flags & (FTS5_TOKENIZE_DOCUMENT | FTS5_TOKENIZE_QUERY);
  if (tokenizer->pairs && mode == FTS5_TOKENIZE_DOCUMENT) {
    DocumentPass pass{context, emit, std::string(), std::string(), false, 0};
    return tokenizer->inner_methods.xTokenize(tokenizer->inner, &pass, flags,
                                              text, size, PassDocumentToken);
  }
  if (!tokenizer->pairs && mode == FTS5_TOKENIZE_DOCUMENT) {
    // A tokenizer cannot set SQLite's message: SQLite's log carries it.
    sqlite3_log(SQLITE_ERROR,
                "newsflow_pairs: the index was made with common-word list %d, "
                "this build has list %d: it does not write it (open the store "
                "to write, which rebuilds the index, or delete the index)",
                tokenizer->version, kPairListVersion);
    return SQLITE_ERROR;
  }
  if (tokenizer->pairs && mode == FTS5_TOKENIZE_QUERY) {
    return TokenizeQuery(tokenizer, context, flags, text, size, emit);
  }
  return tokenizer->inner_methods.xTokenize(tokenizer->inner, context, flags,
                                            text, size, emit);
}

}  // namespace

const char kWordsTokenize[] = "unicode61 remove_diacritics 2";
const char kWordPairsTokenize[] =
    "newsflow_pairs 1 unicode61 remove_diacritics 2";
static_assert(kPairListVersion == 1,
              "kWordPairsTokenize names the list's version");

bool DeclaresAnotherPairList(absl::string_view tokenize) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(tokenize, ' ', absl::SkipEmpty());
  int version = 0;
  return words.size() >= 2 && words[0] == "newsflow_pairs" &&
         !(absl::SimpleAtoi(words[1], &version) && version == kPairListVersion);
}

bool IsCommonWord(absl::string_view token) {
  return CommonWords().contains(token);
}

std::string PairToken(absl::string_view first, absl::string_view second) {
  std::string pair;
  AppendPairToken(first, second, &pair);
  return pair;
}

absl::StatusOr<fts5_api*> Fts5ApiOf(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_pointer(statement, 1, &api, "fts5_api_ptr", nullptr);
  }
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  sqlite3_finalize(statement);
  if (api == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("this SQLite has no FTS5 (", sqlite3_errstr(rc), ")"));
  }
  return api;
}

absl::Status RegisterPairTokenizer(sqlite3* db) {
  absl::StatusOr<fts5_api*> api = Fts5ApiOf(db);
  if (!api.ok()) return api.status();
  fts5_tokenizer methods{CreatePairTokenizer, DeletePairTokenizer,
                         TokenizePairs};
  const int rc =
      (*api)->xCreateTokenizer(*api, "newsflow_pairs", *api, &methods, nullptr);
  if (rc != SQLITE_OK) {
    return absl::InternalError(
        absl::StrCat("registering newsflow_pairs: ", sqlite3_errstr(rc)));
  }
  return absl::OkStatus();
}

}  // namespace newsflow
