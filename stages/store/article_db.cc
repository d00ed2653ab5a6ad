#include "stages/store/article_db.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "stages/store/postgres_article_db.h"
#include "stages/store/sqlite_article_db.h"

namespace newsflow {

std::string RedactPostgresUrl(const std::string& url) {
  std::string redacted = url;
  // user:password@ in the authority.
  const size_t scheme_end = redacted.find("://");
  if (scheme_end != std::string::npos) {
    const size_t authority = scheme_end + 3;
    const size_t authority_end = redacted.find_first_of("/?", authority);
    const size_t at = redacted.rfind('@', authority_end == std::string::npos
                                              ? std::string::npos
                                              : authority_end);
    if (at != std::string::npos && at >= authority) {
      const size_t colon = redacted.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        redacted.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  // password=... among the parameters.
  for (size_t at = redacted.find("password="); at != std::string::npos;
       at = redacted.find("password=", at + 1)) {
    const size_t start = at + 9;
    const size_t end = redacted.find('&', start);
    redacted.replace(start,
                     (end == std::string::npos ? redacted.size() : end) - start,
                     "***");
  }
  return redacted;
}

bool ArticleDb::IsPostgresLocation(const std::string& location) {
  return absl::StartsWithIgnoreCase(location, "postgresql://") ||
         absl::StartsWithIgnoreCase(location, "postgres://");
}

absl::StatusOr<std::unique_ptr<ArticleDb>> ArticleDb::Open(
    const std::string& location, OpenMode mode, const OpenOptions& options) {
  if (IsPostgresLocation(location)) {
    return OpenPostgresArticleDb(location, mode);
  }
  return OpenSqliteArticleDb(location, mode, options);
}

absl::StatusOr<bool> ArticleDb::MergeIndexStep(int /*pages*/) { return false; }

absl::Status ArticleDb::WaitForSearchIndex() { return absl::OkStatus(); }

absl::Status ArticleDb::BackgroundStatus() { return absl::OkStatus(); }

absl::StatusOr<std::string> ArticleDb::ResolveId(
    const std::string& id_or_prefix) {
  absl::StatusOr<StoredArticle> whole = Get(id_or_prefix);
  if (whole.ok()) return id_or_prefix;
  if (!absl::IsNotFound(whole.status())) return whole.status();
  if (static_cast<int>(id_or_prefix.size()) < kMinIdPrefix) {
    return absl::NotFoundError(absl::StrCat(
        location(), ": no article with id \"", id_or_prefix,
        "\" (a shortened id needs at least ", kMinIdPrefix, " characters)"));
  }
  constexpr int kCandidatesShown = 10;
  absl::StatusOr<std::vector<std::string>> ids =
      IdsStartingWith(id_or_prefix, kCandidatesShown + 1);
  if (!ids.ok()) return ids.status();
  if (ids->empty()) {
    return absl::NotFoundError(absl::StrCat(
        location(), ": no article with an id that is or starts with \"",
        id_or_prefix, "\""));
  }
  if (ids->size() == 1) return ids->front();
  const bool more = static_cast<int>(ids->size()) > kCandidatesShown;
  if (more) ids->pop_back();
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", id_or_prefix, "\" is the start of ", more ? "more than " : "",
      ids->size(),
      " article ids; type more of one: ", absl::StrJoin(*ids, ", ")));
}

}  // namespace newsflow
