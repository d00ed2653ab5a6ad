#include "runner/host/journal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {
namespace {

// Appends the record with its 4-byte length in front, serialized straight
// into *out (an emission's record holds a whole article).
void AppendFrame(const v1::JournalRecord& record, std::string* out) {
  const size_t n = record.ByteSizeLong();
  const size_t start = out->size();
  out->resize(start + 4 + n);
  for (int i = 0; i < 4; ++i) {
    (*out)[start + i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  record.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(out->data() + start + 4));
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Appends the framed record of an emission as AppendFrame would, all but
// the article's `article_size` bytes, which must follow it: a
// JournalRecord's `emitted` (field 1) holding seq and id, then the
// article (field 3, the last; omitted when empty, as protobuf omits an
// empty proto3 field).
void AppendEmittedHead(uint64_t seq, const std::string& id, size_t article_size,
                       std::string* out) {
  v1::JournalRecord::Emitted head;
  head.set_seq(seq);
  head.set_id(id);
  const size_t article_field_size =
      article_size == 0 ? 0 : 1 + VarintSize(article_size) + article_size;
  const size_t emitted_size = head.ByteSizeLong() + article_field_size;
  const size_t n = 1 + VarintSize(emitted_size) + emitted_size;
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  }
  out->push_back(0x0A);  // field 1 (emitted), length-delimited
  AppendVarint(emitted_size, out);
  head.AppendToString(out);
  if (article_size == 0) return;
  out->push_back(0x1A);  // field 3 (article), length-delimited
  AppendVarint(article_size, out);
}

std::string Frame(const v1::JournalRecord& record) {
  std::string out;
  AppendFrame(record, &out);
  return out;
}

int OpenForAppend(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
}

// Buffered records are written out once they reach this much.
constexpr size_t kMaxUnwritten = 1024 * 1024;
// Settled articles' memory kept for TakeBuffer: a batch's worth of
// articles of up to 64 KiB each.
constexpr size_t kSpareBuffers = 64;
constexpr size_t kSpareBytes = size_t{64} << 10;

absl::Status IoError(const std::string& path, const char* what) {
  return absl::UnavailableError(
      absl::StrCat(path, ": ", what, ": ", strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SourceJournal>> SourceJournal::Open(
    const std::string& path, std::vector<std::string> terminals) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(),
                                      ignored);
  std::unique_ptr<SourceJournal> journal(
      new SourceJournal(path, std::move(terminals)));
  if (absl::Status status = journal->Load(); !status.ok()) return status;
  // A torn record left by a crash would sit between the good records and
  // those appended from now on, and the next Load() stops at it: cut it.
  std::error_code size_error;
  const auto size = std::filesystem::file_size(path, size_error);
  if (!size_error && size > static_cast<uintmax_t>(journal->file_bytes_) &&
      truncate(path.c_str(), journal->file_bytes_) != 0) {
    return IoError(path, "cannot cut a torn record off the journal");
  }
  journal->fd_ = OpenForAppend(path);
  if (journal->fd_ < 0) return IoError(path, "cannot open journal");
  if (absl::Status status = journal->MaybeCompact(); !status.ok()) {
    return status;
  }
  return journal;
}

SourceJournal::~SourceJournal() {
  if (fd_ >= 0) {
    (void)SyncNow();
    // SyncNow() returns early when it cannot write: a sync asked for by an
    // earlier Sync() may still be about to use fd_.
    background_sync_.Wait();
    close(fd_);
  }
}

absl::Status SourceJournal::Load() {
  FILE* in = fopen(path_.c_str(), "rb");
  if (in == nullptr) {
    if (errno == ENOENT) return absl::OkStatus();
    return IoError(path_, "cannot read journal");
  }
  unsigned char header[4];
  std::string body;
  while (fread(header, 1, 4, in) == 4) {
    uint32_t n = header[0] | (header[1] << 8) | (header[2] << 16) |
                 (static_cast<uint32_t>(header[3]) << 24);
    body.resize(n);
    if (n > 0 && fread(body.data(), 1, n, in) != n) break;  // torn tail
    v1::JournalRecord record;
    if (!record.ParseFromString(body)) break;
    file_bytes_ += 4 + n;
    switch (record.record_case()) {
      case v1::JournalRecord::kEmitted: {
        const auto& e = record.emitted();
        Pending& p = pending_[e.seq()];
        p.id = e.id();
        p.article = e.article();
        p.waiting_for = all_terminals_;
        pending_ids_[e.id()] = e.seq();
        next_seq_ = std::max(next_seq_, e.seq() + 1);
        break;
      }
      case v1::JournalRecord::kAckedSeq: {
        auto it = pending_.find(record.acked_seq());
        if (it != pending_.end()) {
          settled_ids_.insert(StableHash64(it->second.id));
          pending_ids_.erase(it->second.id);
          pending_.erase(it);
        }
        break;
      }
      case v1::JournalRecord::kSettledId:  // written before 1.x
        settled_ids_.insert(StableHash64(record.settled_id()));
        break;
      case v1::JournalRecord::kSettledIdHash:
        settled_ids_.insert(record.settled_id_hash());
        break;
      case v1::JournalRecord::kNextSeq:
        next_seq_ = std::max(next_seq_, record.next_seq());
        break;
      case v1::JournalRecord::RECORD_NOT_SET:
        break;
    }
  }
  fclose(in);
  return absl::OkStatus();
}

bool SourceJournal::Known(const std::string& id) const {
  return settled_ids_.contains(StableHash64(id)) || pending_ids_.contains(id);
}

absl::Status SourceJournal::WriteOut() {
  // The buffered records, with each emission's article between its head
  // and what follows it.
  std::vector<iovec>& pieces = iovecs_;
  pieces.clear();
  auto add = [&](const char* data, size_t size) {
    if (size > 0) pieces.push_back({const_cast<char*>(data), size});
  };
  size_t from = 0;
  for (const auto& [at, article] : unwritten_articles_) {
    add(unwritten_.data() + from, at - from);
    add(article.data(), article.size());
    from = at;
  }
  add(unwritten_.data() + from, unwritten_.size() - from);
  size_t next = 0;  // the first piece not wholly written
  while (next < pieces.size()) {
    const int count =
        static_cast<int>(std::min<size_t>(pieces.size() - next, IOV_MAX));
    const ssize_t n = writev(fd_, &pieces[next], count);
    if (n < 0) {
      if (errno == EINTR) continue;
      const absl::Status error = IoError(path_, "cannot write journal");
      // What was not written stays buffered for the next attempt, copied
      // whole (its articles may be settled before then).
      std::string rest;
      for (size_t i = next; i < pieces.size(); ++i) {
        rest.append(static_cast<const char*>(pieces[i].iov_base),
                    pieces[i].iov_len);
      }
      unwritten_ = std::move(rest);
      unwritten_articles_.clear();
      unwritten_article_bytes_ = 0;
      return error;
    }
    size_t written = static_cast<size_t>(n);
    while (next < pieces.size() && written >= pieces[next].iov_len) {
      written -= pieces[next++].iov_len;
    }
    if (written > 0) {
      pieces[next].iov_base =
          static_cast<char*>(pieces[next].iov_base) + written;
      pieces[next].iov_len -= written;
    }
  }
  unwritten_.clear();
  unwritten_articles_.clear();
  unwritten_article_bytes_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SourceJournal::Emit(const std::string& id,
                                             std::string article) {
  const uint64_t seq = next_seq_++;
  Pending& p = pending_[seq];
  p.id = id;
  p.article = std::move(article);
  p.waiting_for = all_terminals_;
  pending_ids_[id] = seq;
  // The record is buffered up to the article's bytes, which WriteOut takes
  // from where the pending message keeps them (unchanged until it is
  // settled, which needs it sent, which needs it written): the article is
  // not copied, nor its room zero-filled, before the kernel copies it.
  const size_t before = unwritten_.size();
  AppendEmittedHead(seq, id, p.article.size(), &unwritten_);
  unwritten_articles_.push_back({unwritten_.size(), p.article});
  unwritten_article_bytes_ += p.article.size();
  file_bytes_ +=
      static_cast<int64_t>(unwritten_.size() - before + p.article.size());
  // Buffered: the caller writes the records out (WriteOut) before the
  // message leaves, with the other emissions ready with it in one
  // write(2). Past the buffer's bound they go now.
  if (unwritten_bytes() > kMaxUnwritten) {
    // The host stops on this error, sending nothing more.
    if (absl::Status status = WriteOut(); !status.ok()) return status;
  }
  return seq;
}

bool SourceJournal::Ack(uint64_t seq, const std::string& terminal) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return false;
  Pending& p = it->second;
  // (A journal without terminals settles on the first acknowledgement.)
  if (!p.waiting_for.empty()) {
    const auto named =
        std::find(terminals_.begin(), terminals_.end(), terminal);
    if (named == terminals_.end()) return false;
    const auto waiting =
        std::find(p.waiting_for.begin(), p.waiting_for.end(),
                  static_cast<uint32_t>(named - terminals_.begin()));
    if (waiting == p.waiting_for.end()) return false;
    p.waiting_for.erase(waiting);
    if (!p.waiting_for.empty()) return false;
  }
  v1::JournalRecord record;
  record.set_acked_seq(seq);
  const size_t before = unwritten_.size();
  AppendFrame(record, &unwritten_);
  file_bytes_ += static_cast<int64_t>(unwritten_.size() - before);
  // The article's memory is freed or recycled below while an unwritten
  // record may still point into it: write those records out first (a
  // failed WriteOut copies what it could not write, keeping it whole).
  if (!unwritten_articles_.empty() || unwritten_bytes() > kMaxUnwritten) {
    (void)WriteOut();
  }
  settled_ids_.insert(StableHash64(p.id));
  pending_ids_.erase(p.id);
  if (spare_.size() < kSpareBuffers && p.article.capacity() <= kSpareBytes) {
    p.article.clear();
    spare_.push_back(std::move(p.article));
  }
  pending_.erase(it);
  return true;
}

std::string SourceJournal::TakeBuffer() {
  if (spare_.empty()) return std::string();
  std::string buffer = std::move(spare_.back());
  spare_.pop_back();
  return buffer;
}

absl::Status SourceJournal::Sync() {
  if (fd_ < 0) return absl::OkStatus();
  if (absl::Status status = WriteOut(); !status.ok()) return status;
  background_sync_.Request(fd_);
  return background_sync_.TakeError();
}

absl::Status SourceJournal::SyncNow() {
  if (fd_ < 0) return absl::OkStatus();
  if (absl::Status status = WriteOut(); !status.ok()) return status;
  background_sync_.Wait();
  if (fdatasync(fd_) != 0) return IoError(path_, "cannot sync journal");
  return background_sync_.TakeError();
}

absl::Status SourceJournal::MaybeCompact() {
  live_bytes_ = 0;
  // A settled record is 4 bytes of length, a tag and 8 of hash.
  live_bytes_ += 13 * static_cast<int64_t>(settled_ids_.size());
  for (const auto& [seq, p] : pending_) {
    live_bytes_ += 24 + p.id.size() + p.article.size();
  }
  if (file_bytes_ < 16 * 1024 * 1024 || file_bytes_ < 2 * live_bytes_) {
    return absl::OkStatus();
  }
  return Rewrite();
}

absl::Status SourceJournal::Rewrite() {
  const std::string temp = path_ + ".compact";
  FILE* out = fopen(temp.c_str(), "wb");
  if (out == nullptr) return IoError(temp, "cannot write journal");
  int64_t bytes = 0;
  auto write = [&](const v1::JournalRecord& record) {
    std::string framed = Frame(record);
    bytes += static_cast<int64_t>(framed.size());
    return fwrite(framed.data(), 1, framed.size(), out) == framed.size();
  };
  bool ok = true;
  {
    v1::JournalRecord record;
    record.set_next_seq(next_seq_);
    ok &= write(record);
  }
  for (const uint64_t hash : settled_ids_) {
    v1::JournalRecord record;
    record.set_settled_id_hash(hash);
    ok &= write(record);
  }
  for (const auto& [seq, p] : pending_) {
    v1::JournalRecord record;
    auto* emitted = record.mutable_emitted();
    emitted->set_seq(seq);
    emitted->set_id(p.id);
    emitted->set_article(p.article);
    ok &= write(record);
  }
  ok &= fflush(out) == 0 && fdatasync(fileno(out)) == 0;
  fclose(out);
  if (!ok) return IoError(temp, "cannot write compacted journal");
  if (rename(temp.c_str(), path_.c_str()) != 0) {
    return IoError(path_, "cannot replace journal");
  }
  // The rewritten file holds everything the buffered records said.
  unwritten_.clear();
  unwritten_articles_.clear();
  unwritten_article_bytes_ = 0;
  // (The background sync may be syncing fd_.)
  background_sync_.Wait();
  if (fd_ >= 0) close(fd_);
  fd_ = OpenForAppend(path_);
  if (fd_ < 0) return IoError(path_, "cannot reopen journal");
  file_bytes_ = bytes;
  return absl::OkStatus();
}

}  // namespace newsflow
