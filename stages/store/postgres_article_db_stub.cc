// Built instead of postgres_article_db.cc when libpq is not available.
#include "absl/strings/str_cat.h"
#include "stages/store/postgres_article_db.h"

namespace newsflow {

absl::StatusOr<std::unique_ptr<ArticleDb>> OpenPostgresArticleDb(
    const std::string& url, ArticleDb::OpenMode) {
  return absl::UnimplementedError(absl::StrCat(
      RedactPostgresUrl(url),
      ": this newsflow was built without PostgreSQL support (install "
      "libpq-dev and rebuild)"));
}

}  // namespace newsflow
