#include "stages/ingest/reuters_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time.h"
#include "stages/ingest/charset.h"
#include "stages/ingest/file_source.h"

namespace newsflow::ingest {
namespace {

namespace fs = std::filesystem;

void SetList(const char* key, const std::vector<std::string>& values,
             v1::Article* article) {
  if (!values.empty()) {
    (*article->mutable_metadata())[key] = absl::StrJoin(values, ",");
  }
}

}  // namespace

ReutersSource::ReutersSource(ReutersSourceOptions options, StageContext context)
    : options_(std::move(options)),
      progress_(absl::StrCat("reuters_sgml ", options_.path), context) {}

nf_poll_state ReutersSource::ReadNext(std::deque<v1::Article>* out) {
  if (!listed_) {
    listed_ = true;
    std::error_code error;
    if (fs::is_directory(options_.path, error)) {
      std::vector<std::string> names;
      for (fs::directory_iterator it(options_.path, error), end;
           !error && it != end; it.increment(error)) {
        std::string ext =
            absl::AsciiStrToLower(it->path().extension().string());
        if (ext == ".sgm" || ext == ".sgml")
          names.push_back(it->path().string());
      }
      if (error) {
        progress_.Reject(options_.path,
                         absl::StrCat("cannot list: ", error.message()));
      }
      std::sort(names.begin(), names.end());
      files_.assign(names.begin(), names.end());
    } else {
      files_.push_back(options_.path);
    }
    for (const std::string& path : files_) {
      const auto size = fs::file_size(path, error);
      if (error) continue;
      listed_bytes_[path] = static_cast<int64_t>(size);
      progress_.BytesListed(static_cast<int64_t>(size));
    }
  }
  for (int documents = 0; documents < kDocumentsPerRead;) {
    if (reader_ == nullptr) {
      if (files_.empty()) return NF_POLL_DONE;
      std::string path = std::move(files_.front());
      files_.pop_front();
      file_bytes_counted_ = 0;
      // One file per call at most, as before: a folder of unreadable files
      // does not hold the poll.
      if (!OpenFile(path)) {
        progress_.BytesRead(listed_bytes_[path]);
        return files_.empty() ? NF_POLL_DONE : NF_POLL_MORE;
      }
    }
    std::string text;
    int line = 0;
    if (!reader_->Next(&text, &line)) {
      if (reader_->failed()) progress_.Reject(path_, "cannot read");
      progress_.BytesRead(listed_bytes_[path_] - file_bytes_counted_);
      reader_.reset();
      file_.reset();
      return files_.empty() ? NF_POLL_DONE : NF_POLL_MORE;
    }
    if (const std::streamoff at = file_->tellg(); at > file_bytes_counted_) {
      const int64_t counted =
          std::min<int64_t>(at, listed_bytes_[path_]) - file_bytes_counted_;
      progress_.BytesRead(counted);
      file_bytes_counted_ += std::max<int64_t>(0, counted);
    }
    ++documents;
    TakeDocuments(ParseReutersSgml(text, line), out);
  }
  return NF_POLL_MORE;
}

bool ReutersSource::OpenFile(const std::string& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) {
    progress_.Reject(path, absl::StrCat("cannot read: ", error.message()));
    return false;
  }
  if (static_cast<int64_t>(size) > options_.max_file_bytes) {
    progress_.Reject(
        path, absl::StrCat("file is ", size, " bytes, over max_file_bytes (",
                           options_.max_file_bytes, ")"));
    return false;
  }
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) {
    progress_.Reject(path, "cannot read");
    return false;
  }
  path_ = path;
  file_ = std::move(file);
  reader_ = std::make_unique<ReutersSgmlReader>(*file_);
  return true;
}

void ReutersSource::TakeDocuments(const ReutersFile& parsed,
                                  std::deque<v1::Article>* out) {
  const std::string& path = path_;
  for (const ReutersProblem& problem : parsed.problems) {
    progress_.Seen();
    progress_.Reject(absl::StrCat(path, ":", problem.line), problem.reason,
                     problem.raw);
  }
  for (const ReutersDocument& document : parsed.documents) {
    progress_.Seen();
    v1::Article article = ToArticle(path, document);
    bool decodable = true;
    for (std::string* field : {article.mutable_title(), article.mutable_body(),
                               article.mutable_dateline()}) {
      // Decoded per document, so one bad byte costs one document.
      absl::StatusOr<DecodedText> decoded = DecodeToUtf8(*field, "");
      if (!decoded.ok()) {
        progress_.Reject(absl::StrCat(path, ":", document.line),
                         std::string(decoded.status().message()), *field);
        decodable = false;
        break;
      }
      if (decoded->evidence == "detected") {
        article.add_warnings(absl::StrCat("converted from ", decoded->charset));
      }
      *field = std::move(decoded->utf8);
    }
    if (!decodable) continue;
    progress_.Added();
    out->push_back(std::move(article));
  }
}

v1::Article ReutersSource::ToArticle(const std::string& path,
                                     const ReutersDocument& d) {
  v1::Article article;
  article.set_id(absl::StrCat("reuters-", d.new_id));
  article.set_source(options_.source_name);
  article.set_url(absl::StrCat(FileUrl(path), "#", d.new_id));
  article.set_title(d.title);
  article.set_body(d.body);
  article.set_dateline(d.dateline);
  article.set_published_at(d.date);
  article.set_format("text");
  article.set_ingested_at(NowRfc3339());
  auto& metadata = *article.mutable_metadata();
  metadata["newid"] = d.new_id;
  if (!d.old_id.empty()) metadata["oldid"] = d.old_id;
  if (!d.lewis_split.empty()) metadata["lewis_split"] = d.lewis_split;
  if (!d.cgi_split.empty()) metadata["cgi_split"] = d.cgi_split;
  if (!d.text_type.empty()) metadata["text_type"] = d.text_type;
  if (d.date.empty() && !d.raw_date.empty()) metadata["date"] = d.raw_date;
  metadata["path"] = path;
  metadata["line"] = absl::StrCat(d.line);
  SetList("topics", d.topics, &article);
  SetList("places", d.places, &article);
  SetList("people", d.people, &article);
  SetList("orgs", d.orgs, &article);
  SetList("exchanges", d.exchanges, &article);
  SetList("companies", d.companies, &article);
  return article;
}

}  // namespace newsflow::ingest
