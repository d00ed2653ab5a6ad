// HTTP(S) GETs for the feed and URL sources, over libcurl.
//
// One fetcher reuses one curl handle (and so its connections). Every fetch
// is bounded: a total timeout, a connect timeout, a cap on the body size
// (checked against Content-Length before reading and while reading), and a
// cap on redirects. Only http and https are allowed, also as redirect
// targets. Bodies are asked for gzip- or deflate-compressed and arrive
// decompressed; the size cap applies to the decompressed bytes. Before each
// request the fetcher waits until `host_delay` has passed since its last
// request to the same host (politeness). Server certificates are always
// verified, against `ca_file` when set, else the system's trust store.
#ifndef NEWSFLOW_STAGES_INGEST_HTTP_FETCHER_H_
#define NEWSFLOW_STAGES_INGEST_HTTP_FETCHER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace newsflow::ingest {

struct FetchOptions {
  absl::Duration timeout = absl::Seconds(30);
  absl::Duration connect_timeout = absl::Seconds(10);
  int64_t max_bytes = 8 << 20;
  int max_redirects = 5;
  absl::Duration host_delay = absl::Seconds(1);
  std::string user_agent;  // "" means DefaultUserAgent()
  // PEM bundle of the CAs trusted for https ("" = the system store), for
  // servers whose certificates a private CA signed.
  std::string ca_file;
  // Whether the stage is stopping (StageContext::Stopping); unset: never.
  // Checked while waiting for host_delay and during a transfer, so that a
  // server that never answers cannot hold up the stop.
  std::function<bool()> stopping;
};

// OK when `path` can be read and holds at least one PEM certificate;
// otherwise FailedPrecondition naming the file. For checking an option
// before any fetch, since libcurl reports a bad bundle only when used.
absl::Status CheckCaFile(const std::string& path);

// "newsflow/VERSION (+https://github.com/newsflow/newsflow)".
std::string DefaultUserAgent();

struct FetchRequest {
  std::string url;
  // Validators from an earlier response, for a conditional GET ("" = none).
  std::string etag;
  std::string last_modified;
};

struct FetchResponse {
  // 200-299, or 304 for a conditional GET whose resource did not change.
  int status = 0;
  std::string final_url;  // after redirects
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string body;
};

class HttpFetcher {
 public:
  explicit HttpFetcher(FetchOptions options);
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // Every failure names the URL: transport errors (DNS, refused, timeout,
  // redirect loop or too many redirects, over-size body) are Unavailable
  // (worth retrying later) except the size cap, which is
  // ResourceExhausted; HTTP 5xx and 429 are Unavailable; 404 and 410 are
  // NotFound, other 4xx PermissionDenied (permanent); a 3xx without a
  // usable Location is FailedPrecondition. TLS failures (a certificate not
  // signed by a trusted CA, expired, or not for the URL's host; an
  // unusable ca_file) are Unavailable and say "TLS certificate problem":
  // a renewed certificate or a corrected tls_ca_file makes them pass, so
  // the sources try again rather than forget the page. Once
  // options.stopping turns true, a wait or transfer under way is abandoned
  // within a few tens of milliseconds: Cancelled (retried, like
  // Unavailable, by the next start).
  absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request);

 private:
  // False when the stage began stopping while waiting.
  bool WaitForHost(const std::string& url);
  bool Stopping() const { return options_.stopping && options_.stopping(); }

  const FetchOptions options_;
  void* curl_;   // CURL*, kept out of this header
  void* multi_;  // CURLM*: runs the transfer, so that it can be abandoned
  absl::flat_hash_map<std::string, absl::Time> last_request_;
};

// `reference` resolved against `base` (RFC 3986); "" when either is not
// a usable URL.
std::string ResolveUrl(std::string_view base, std::string_view reference);

// The lowercase host of an absolute URL, "" when it has none.
std::string UrlHost(std::string_view url);

// True for the statuses Fetch returns as worth retrying later
// (Unavailable; Cancelled when the stage stopped mid-fetch).
bool IsTransient(const absl::Status& status);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_HTTP_FETCHER_H_
