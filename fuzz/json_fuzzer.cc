// Fuzzes the direct JSON reader and printer of articles (common/proto_json.h)
// on what a JSON-lines file may hold: any bytes. A record that parses must
// print as UTF-8; one that was UTF-8 must print what parses back to the same
// message and prints the same again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/proto_json.h"
#include "common/utf8.h"
#include "fuzz/fuzz_input.h"
#include "newsflow/v1/article.pb.h"
#include "runner/wire/utf8_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  newsflow::fuzz::FuzzInput input(data, size);
  newsflow::JsonParseOptions options;
  options.ignore_unknown_fields = (input.Byte() & 1) != 0;
  const absl::string_view rest = input.Rest();
  std::string json(rest.data(), rest.size());
  const bool was_utf8 = newsflow::IsValidUtf8(json);
  newsflow::v1::Article article;
  const absl::Status status =
      newsflow::ParseMessageJson(&json, options, &article);
  if (!status.ok()) {
    newsflow::fuzz::Require(!status.message().empty());
    return 0;
  }
  std::string printed;
  newsflow::AppendMessageJson(article, &printed);
  newsflow::fuzz::Require(newsflow::IsValidUtf8(printed));
  // Escapes never make ill-formed text (a lone surrogate is an error).
  if (was_utf8) {
    newsflow::fuzz::Require(
        newsflow::CheckUtf8Fields(article.SerializeAsString(),
                                  *newsflow::v1::Article::descriptor())
            .ok());
  }
  // Ill-formed bytes print as U+FFFD, so two map keys that differ only in
  // them print alike and read back as a key given twice: the round trip
  // holds for UTF-8 input, which is all ingest and import ever parse (they
  // check the record's UTF-8 first).
  if (!was_utf8) return 0;
  std::string again = printed;
  newsflow::v1::Article reread;
  newsflow::JsonParseOptions strict;
  newsflow::fuzz::Require(
      newsflow::ParseMessageJson(&again, strict, &reread).ok());
  std::string reprinted;
  newsflow::AppendMessageJson(reread, &reprinted);
  newsflow::fuzz::Require(reprinted == printed);
  return 0;
}
