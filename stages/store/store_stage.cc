#include "stages/store/store_stage.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "newsflow/stage.h"
#include "stages/store/article_db.h"
#include "stages/store/index_merger.h"
#include "stages/store/postgres_article_db.h"
#include "store_options.pb.h"

namespace newsflow {
namespace {

// Writes articles into an ArticleDb in batches: one transaction per
// `batch_size` articles, or per partial batch once its oldest article has
// waited `batch_delay`. Flush() commits whatever is pending. A batch whose
// commit fails stays pending and is retried, so nothing received is lost.
//
// Acknowledgements: the host acknowledges a sink's inputs only after a
// Flush() that returns OK, and acknowledges at once an input whose
// Process() fails (as a dead letter). So Process() fails only for an
// article that can never be stored; a database failure while committing a
// due batch is logged and the article stays pending, unacknowledged, until
// a later commit succeeds. If the process dies first, the sources re-send.
// A password file must be private to its owner, as libpq demands of
// ~/.pgpass.

absl::Status CheckPasswordFile(const std::string& password_file) {
  struct stat st;
  if (stat(password_file.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(password_file, ": ", strerror(errno)));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: group or others may read it (mode %04o); chmod 600 it",
        password_file, st.st_mode & 07777));
  }
  return absl::OkStatus();
}

// `url` with the password of `password_file` added as a connection
// parameter (libpq reads password= from a URL's query).
absl::StatusOr<std::string> WithPasswordFrom(const std::string& password_file,
                                             const std::string& url) {
  if (absl::Status usable = CheckPasswordFile(password_file); !usable.ok()) {
    return usable;
  }
  std::ifstream in(password_file);
  std::string password;
  if (!in || !std::getline(in, password)) {
    return absl::FailedPreconditionError(
        absl::StrCat("password_file ", password_file, ": cannot read a line"));
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  std::string encoded;
  for (unsigned char c : password) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", c);
    }
  }
  return absl::StrCat(url, absl::StrContains(url, '?') ? "&" : "?",
                      "password=", encoded);
}

class StoreStage : public Stage {
 public:
  using Clock = std::chrono::steady_clock;

  using Options = stages::store::StoreOptions;

  // Beyond the schema: which database, and a password file kept private.
  static std::vector<OptionProblem> ValidateOptions(const Options& options) {
    std::vector<OptionProblem> problems;
    const bool postgres = !options.url().empty();
    if (postgres && !ArticleDb::IsPostgresLocation(options.url())) {
      problems.push_back(
          {"url", absl::StrCat("must be a postgresql:// URL, got \"",
                               RedactPostgresUrl(options.url()),
                               "\" (an SQLite file goes in path)")});
    }
    if (!postgres && (absl::StrContains(options.path(), "postgresql:/") ||
                      absl::StrContains(options.path(), "postgres:/"))) {
      problems.push_back(
          {"path", "looks like a PostgreSQL URL; give it as url: instead"});
    }
    if (!options.password_file().empty()) {
      if (!postgres) {
        problems.push_back(
            {"password_file", "needs url (a PostgreSQL database)"});
      } else if (absl::Status usable =
                     CheckPasswordFile(options.password_file());
                 !usable.ok()) {
        problems.push_back({"password_file", std::string(usable.message())});
      }
    }
    return problems;
  }

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::store::StoreOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    if (std::vector<OptionProblem> problems = ValidateOptions(options);
        !problems.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid options: ", FormatOptionProblems(problems)));
    }
    const bool postgres = !options.url().empty();
    std::string location = postgres ? options.url() : options.path();
    if (!options.password_file().empty()) {
      absl::StatusOr<std::string> with_password =
          WithPasswordFrom(options.password_file(), location);
      if (!with_password.ok()) return with_password.status();
      location = *std::move(with_password);
    }
    const int batch_size = options.batch_size();
    const int batch_delay_ms = options.batch_delay_ms();
    const std::filesystem::path parent =
        postgres ? std::filesystem::path()
                 : std::filesystem::path(location).parent_path();
    if (!parent.empty()) {
      std::error_code error;
      std::filesystem::create_directories(parent, error);
      if (error) {
        return absl::FailedPreconditionError(absl::StrCat(
            location, ": cannot create its folder: ", error.message()));
      }
    }
    ArticleDb::OpenOptions open_options;
    open_options.sqlite_cache_mib = options.sqlite_cache_mib();
    open_options.reserve_sqlite_cache = true;
    open_options.sqlite_index_word_pairs =
        options.sqlite_index_word_pairs()
            ? ArticleDb::OpenOptions::WordPairs::kWith
            : ArticleDb::OpenOptions::WordPairs::kWithout;
    open_options.sqlite_index_entity_tokens =
        options.sqlite_add_entity_tokens()
            ? ArticleDb::OpenOptions::EntityTokens::kWith
            : ArticleDb::OpenOptions::EntityTokens::kAsIndexed;
    absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(
        location, ArticleDb::OpenMode::kReadWrite, open_options);
    if (!db.ok()) return db.status();
    absl::StatusOr<int64_t> count = (*db)->Count();
    if (!count.ok()) return count.status();
    context.Info(absl::StrCat("storing into ", (*db)->location(), " (", *count,
                              " articles already there)"));
    std::unique_ptr<IdleIndexMerger> merger;
    if (!postgres && options.index_merge_idle_ms() > 0) {
      merger = std::make_unique<IdleIndexMerger>(
          location, std::chrono::milliseconds(options.index_merge_idle_ms()));
    }
    return std::unique_ptr<Stage>(
        new StoreStage(context, *std::move(db), std::move(merger), batch_size,
                       std::chrono::milliseconds(batch_delay_ms)));
  }

  ~StoreStage() override {
    // The host flushes before shutdown; this only saves what an abrupt
    // teardown would otherwise drop.
    if (auto status = Commit(); !status.ok()) {
      context().Error(absl::StrCat(
          pending_.size(),
          " articles not stored at shutdown (unacknowledged, so their sources "
          "send them again): ",
          std::string(status.message())));
    }
  }

  absl::Status Process(v1::Article article) override {
    if (article.id().empty()) {
      // Refused here: inside a batch it would fail every retry of the batch.
      return absl::InvalidArgumentError(
          absl::StrCat("article without id cannot be stored (title \"",
                       article.title(), "\")"));
    }
    const Clock::time_point now = Clock::now();
    if (pending_.empty()) oldest_pending_ = now;
    // Sources re-send what stays unacknowledged while the database is
    // down; keeping one copy per id bounds what waits here to the
    // articles in flight.
    auto [slot, inserted] = pending_index_.try_emplace(article.id(), 0);
    if (inserted) {
      slot->second = pending_.size();
      pending_.push_back(std::move(article));
    } else {
      pending_[slot->second] = std::move(article);
    }
    const bool due = static_cast<int>(pending_.size()) >= batch_size_ ||
                     now - oldest_pending_ >= batch_delay_;
    if (!due || now < retry_not_before_) return absl::OkStatus();
    if (absl::Status status = Commit(); !status.ok()) {
      // Not this article's fault: failing it would dead-letter and
      // acknowledge it unstored. Wait a batch delay before trying again on
      // input, so that a broken database is not hammered once per article.
      retry_not_before_ = now + batch_delay_;
      if (!failing_) {
        context().Error(absl::StrCat("cannot store ", pending_.size(),
                                     " articles (kept, unacknowledged, and "
                                     "retried): ",
                                     std::string(status.message())));
      }
      failing_ = true;
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override { return Commit(); }

 private:
  StoreStage(StageContext context, std::unique_ptr<ArticleDb> db,
             std::unique_ptr<IdleIndexMerger> merger, int batch_size,
             std::chrono::milliseconds batch_delay)
      : Stage(context),
        db_(std::move(db)),
        merger_(std::move(merger)),
        batch_size_(batch_size),
        batch_delay_(batch_delay) {}

  // Stores every pending article; keeps them pending on failure.
  absl::Status Commit() {
    ReportBackgroundStatus();
    if (pending_.empty()) return absl::OkStatus();
    absl::Status status = db_->UpsertBatch(pending_);
    if (status.code() == absl::StatusCode::kInvalidArgument) {
      status = CommitOneByOne();
    }
    if (!status.ok()) return status;
    if (merger_ != nullptr) {
      merger_->Stored();
      if (std::string error = merger_->TakeError(); !error.empty()) {
        context().Error(absl::StrCat(
            "cannot merge the search index (tried again when idle): ", error));
      }
    }
    if (failing_) {
      context().Info(absl::StrCat("storing again: ", pending_.size(),
                                  " kept articles stored"));
      failing_ = false;
    }
    pending_.clear();
    pending_index_.clear();
    ReportBackgroundStatus();
    return absl::OkStatus();
  }

  // Logs the database's background failures (ArticleDb::BackgroundStatus:
  // SQLite's indexer, its checkpoints), which fail no commit and so would
  // otherwise go unseen: when they start, again every kBackgroundErrorRepeat
  // while they last, and once when they end. The last error line's time
  // outlives a recovery, so failures that come and go log at most one error
  // line per kBackgroundErrorRepeat too, and a recovery is logged only after
  // an error line. Called at every commit and flush; never waits, so
  // acknowledgements do not.
  void ReportBackgroundStatus() {
    const absl::Status status = db_->BackgroundStatus();
    const Clock::time_point now = Clock::now();
    if (status.ok()) {
      if (background_failure_logged_) {
        context().Info(
            absl::StrCat(db_->location(), ": background work succeeds again"));
      }
      background_failure_logged_ = false;
      return;
    }
    if (background_reported_at_.has_value() &&
        now - *background_reported_at_ < kBackgroundErrorRepeat) {
      return;
    }
    context().Error(absl::StrCat(
        "background work of the store failed (articles stay stored; "
        "retried): ",
        std::string(status.message())));
    background_failure_logged_ = true;
    background_reported_at_ = now;
  }

  static constexpr std::chrono::minutes kBackgroundErrorRepeat{1};

  // An article the database refuses for its content (InvalidArgument: too
  // big, text PostgreSQL cannot hold, ...) would fail every retry of its
  // batch and stall the pipeline. So the batch is stored one article at a
  // time, and each refused article goes to the database's dead letters,
  // which settles it. On any other failure what is left stays pending.
  absl::Status CommitOneByOne() {
    size_t done = 0;
    absl::Status status;
    for (; done < pending_.size(); ++done) {
      const v1::Article& article = pending_[done];
      status = db_->UpsertBatch({article});
      if (status.code() != absl::StatusCode::kInvalidArgument) {
        if (!status.ok()) break;
        continue;
      }
      DeadLetter letter;
      letter.stage = "store";
      letter.reason = std::string(status.message());
      letter.raw = article.SerializeAsString();
      absl::StatusOr<int64_t> recorded = db_->AddDeadLetter(letter);
      if (!recorded.ok()) {
        status = recorded.status();
        break;
      }
      context().Reject(absl::StrCat("article ", article.id()),
                       absl::StrCat(letter.reason, " (dead letter ", *recorded,
                                    " in ", db_->location(), ")"),
                       letter.raw);
      status = absl::OkStatus();
    }
    pending_.erase(pending_.begin(), pending_.begin() + done);
    pending_index_.clear();
    for (size_t i = 0; i < pending_.size(); ++i) {
      pending_index_[pending_[i].id()] = i;
    }
    return status;
  }

  std::unique_ptr<ArticleDb> db_;
  // Null for PostgreSQL and when index_merge_idle_ms is 0.
  std::unique_ptr<IdleIndexMerger> merger_;
  const int batch_size_;
  const std::chrono::milliseconds batch_delay_;
  std::vector<v1::Article> pending_;
  // Id -> its place in pending_.
  absl::flat_hash_map<std::string, size_t> pending_index_;
  // Whether the last commit failed (its error is logged once).
  bool failing_ = false;
  // ReportBackgroundStatus: an error line was logged for the background
  // failure going on.
  bool background_failure_logged_ = false;
  // When the last background error line was logged, whatever came since.
  std::optional<Clock::time_point> background_reported_at_;
  Clock::time_point oldest_pending_;
  Clock::time_point retry_not_before_;
};

}  // namespace

const nf_stage_type kStoreStageType = MakeStageType<StoreStage>(
    "store",
    "Stores articles in an SQLite or PostgreSQL database with a full-text "
    "index, entity catalogue and stories (upsert by id).",
    NF_STAGE_SINK);

}  // namespace newsflow
