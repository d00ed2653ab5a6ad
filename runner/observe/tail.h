// `newsflow tail`: prints the messages leaving a stage of a running
// pipeline, or the articles a store stage keeps.
//
// A stage that emits: tail subscribes to the XPUB tap of each replica, so
// the stage serializes tap copies only while someone listens and never
// waits for a slow reader: when tail falls behind, the tap's high-water
// mark drops copies at the stage. Each tap frame is two parts, [8-byte
// big-endian sequence, article]: the sequence counts the replica's emitted
// messages, so gaps tell tail how many it missed (TailStats::dropped).
//
// A store (type "store", a sink that emits nothing): tail reads its
// database (path or url option) read-only. By default it prints rows
// stored after it started; with from_start, every stored article first.
// It follows new rows by polling the row count every store_poll_interval
// and then visiting the rows past those it has printed (ArticleDb::ForEach
// order: first-stored first). An article stored again under the same id is
// not printed again. Works whether or not the pipeline is running; waits
// for the database to appear.
#ifndef NEWSFLOW_RUNNER_OBSERVE_TAIL_H_
#define NEWSFLOW_RUNNER_OBSERVE_TAIL_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "newsflow/v1/article.pb.h"
#include "runner/config/plan.h"
#include "runner/wire/security.h"

namespace newsflow {

enum class TailFormat {
  kText,   // one readable line per article (ArticleTextLine)
  kJson,   // one JSON object per line (common/article_json.h)
  kProto,  // length-delimited binary Articles (varint size, then bytes)
};

// "text", "json" or "proto".
absl::StatusOr<TailFormat> ParseTailFormat(absl::string_view name);

struct TailOptions {
  std::string stage;
  // Stop after this many printed messages (0: never).
  int64_t limit = 0;
  // Stop after this long (InfiniteDuration: never).
  absl::Duration duration = absl::InfiniteDuration();
  // Only messages matching this --where expression (where.h); empty: all.
  std::string where;
  TailFormat format = TailFormat::kJson;
  // Stores only: print what is stored before following.
  bool from_start = false;
  absl::Duration store_poll_interval = absl::Milliseconds(500);
  // Taps of a pipeline on several hosts are CURVE-protected: the key
  // (listed under clients: or hosts:) to connect with. Without it such a
  // tap is refused with Unauthenticated; a key the host does not know
  // ends the tail with PermissionDenied.
  std::optional<KeyPair> client_key;
  // Where to say that no stage process is running yet (or any more) and
  // tail is waiting for one, and when it starts; null: say nothing.
  std::ostream* notices = nullptr;
};

struct TailStats {
  int64_t printed = 0;
  int64_t filtered_out = 0;  // did not match --where
  int64_t dropped = 0;       // lost at the tap because tail fell behind
  int64_t undecodable = 0;   // not a newsflow.v1.Article
};

// Runs until SIGINT/SIGTERM, `limit` or `duration`. Errors: NotFound (no
// such stage), InvalidArgument (a sink that is not a store, from_start on
// a stage that is not a store, a bad --where), Unavailable (cannot
// connect), or the store's error.
absl::StatusOr<TailStats> RunTail(const PipelinePlan& plan,
                                  const TailOptions& options,
                                  std::ostream& out);

// "2024-05-01T10:00:00Z  en  Ceasefire holds  [files] 3f2a...  (entities:
// A, B)" on one line.
std::string ArticleTextLine(const v1::Article& article);

// Counts the gaps in one publisher's tap sequence.
class TapSequence {
 public:
  // Returns how many messages were missed just before `sequence`. The
  // first sequence seen is the baseline (tail joined mid-stream). A
  // sequence that does not increase means the publisher restarted: it
  // becomes the new baseline without counting a gap.
  int64_t Observe(uint64_t sequence);

 private:
  bool started_ = false;
  uint64_t last_ = 0;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_TAIL_H_
