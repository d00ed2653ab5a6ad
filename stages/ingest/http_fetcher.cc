#include "stages/ingest/http_fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/utf8.h"

#ifndef NEWSFLOW_VERSION
#define NEWSFLOW_VERSION "0"
#endif

namespace newsflow::ingest {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  int64_t max_bytes = 0;
  bool over_size = false;
  std::string body;
  std::string etag;
  std::string last_modified;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (static_cast<int64_t>(transfer->body.size() + n) > transfer->max_bytes) {
    transfer->over_size = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, n);
  return n;
}

// Headers of the last response only: a redirect's headers are replaced.
size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    transfer->etag.clear();
    transfer->last_modified.clear();
    transfer->body.clear();
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    if (name == "etag") transfer->etag = value;
    if (name == "last-modified") transfer->last_modified = value;
  }
  return size * count;
}

std::string DurationText(absl::Duration d) { return absl::FormatDuration(d); }

// How often a wait or a transfer checks whether the stage is stopping.
constexpr absl::Duration kStopCheckInterval = absl::Milliseconds(20);

absl::Status Abandoned(const std::string& url) {
  return absl::CancelledError(
      absl::StrCat(url, ": abandoned, the stage is stopping"));
}

// Codes for a server certificate that could not be verified or a trust
// store that could not be used.
bool IsCertificateError(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:  // also CURLE_SSL_CACERT
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string DefaultUserAgent() {
  return absl::StrCat("newsflow/", NEWSFLOW_VERSION,
                      " (+https://github.com/newsflow/newsflow)");
}

HttpFetcher::HttpFetcher(FetchOptions options)
    : options_(std::move(options)), curl_(nullptr), multi_(nullptr) {
  GlobalInit();
  curl_ = curl_easy_init();
  multi_ = curl_multi_init();
}

HttpFetcher::~HttpFetcher() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
  if (multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

bool HttpFetcher::WaitForHost(const std::string& url) {
  const std::string host = UrlHost(url);
  auto it = last_request_.find(host);
  if (it != last_request_.end()) {
    const absl::Time until = it->second + options_.host_delay;
    for (absl::Time now = absl::Now(); now < until; now = absl::Now()) {
      if (Stopping()) return false;
      absl::SleepFor(std::min(until - now, kStopCheckInterval));
    }
  }
  last_request_[host] = absl::Now();
  return true;
}

absl::StatusOr<FetchResponse> HttpFetcher::Fetch(const FetchRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr || multi_ == nullptr) {
    return absl::InternalError("libcurl could not be initialized");
  }
  const std::string& url = request.url;
  if (!WaitForHost(url)) return Abandoned(url);
  curl_easy_reset(curl);
  Transfer transfer;
  transfer.max_bytes = options_.max_bytes;
  const std::string user_agent =
      options_.user_agent.empty() ? DefaultUserAgent() : options_.user_agent;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS,
                   static_cast<long>(options_.max_redirects));
  curl_easy_setopt(
      curl, CURLOPT_TIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(
      curl, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_bytes));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  // Already libcurl's defaults; spelled out because no option may turn
  // verification off.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    // Instead of the system store, not besides it: Debian's libcurl also
    // trusts a CA folder (/etc/ssl/certs) unless told not to.
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  }
  // curl_easy_strerror only says which kind of TLS failure; the buffer
  // says why (self-signed, expired, which host name did not match).
  char error_detail[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_detail);
  struct curl_slist* headers = nullptr;
  if (!request.etag.empty()) {
    headers = curl_slist_append(
        headers, absl::StrCat("If-None-Match: ", request.etag).c_str());
  }
  if (!request.last_modified.empty()) {
    headers = curl_slist_append(
        headers,
        absl::StrCat("If-Modified-Since: ", request.last_modified).c_str());
  }
  if (headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  // Not curl_easy_perform: it waits up to a second at a time for a silent
  // server before calling back, too long for a stop to wait on.
  CURLM* multi = static_cast<CURLM*>(multi_);
  curl_multi_add_handle(multi, curl);
  std::optional<CURLcode> done;
  bool abandoned = false;
  while (!done.has_value()) {
    int running = 0;
    if (CURLMcode failed = curl_multi_perform(multi, &running);
        failed != CURLM_OK) {
      curl_multi_remove_handle(multi, curl);
      curl_slist_free_all(headers);
      return absl::InternalError(
          absl::StrCat(url, ": ", curl_multi_strerror(failed)));
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE) done = message->data.result;
    }
    if (done.has_value()) break;
    if (Stopping()) {
      abandoned = true;
      break;
    }
    curl_multi_poll(
        multi, nullptr, 0,
        static_cast<int>(absl::ToInt64Milliseconds(kStopCheckInterval)),
        nullptr);
  }
  curl_multi_remove_handle(multi, curl);
  curl_slist_free_all(headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (abandoned) return Abandoned(url);
  const CURLcode code = *done;

  if (transfer.over_size || code == CURLE_FILESIZE_EXCEEDED) {
    return absl::ResourceExhaustedError(absl::StrCat(
        url, ": response larger than ", options_.max_bytes, " bytes"));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::UnavailableError(absl::StrCat(url, ": timed out after ",
                                               DurationText(options_.timeout)));
  }
  if (code == CURLE_TOO_MANY_REDIRECTS) {
    return absl::UnavailableError(
        absl::StrCat(url, ": more than ", options_.max_redirects,
                     " redirects (a redirect loop?)"));
  }
  if (IsCertificateError(code)) {
    absl::string_view detail =
        error_detail[0] != '\0' ? error_detail : curl_easy_strerror(code);
    // libcurl's prefixes would repeat what the message already says.
    absl::ConsumePrefix(&detail, "SSL certificate problem: ");
    absl::ConsumePrefix(&detail, "SSL: ");
    return absl::UnavailableError(absl::StrCat(
        url, ": TLS certificate problem: ", detail, " (trusted CAs: ",
        options_.ca_file.empty() ? "the system store" : options_.ca_file, ")"));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(url, ": ", curl_easy_strerror(code)));
  }
  FetchResponse response;
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  char* final_url = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &final_url);
  response.final_url = final_url != nullptr ? final_url : url;
  char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  if (status >= 500 || status == 429) {
    return absl::UnavailableError(absl::StrCat(url, ": HTTP ", status));
  }
  if (status == 404 || status == 410) {
    return absl::NotFoundError(absl::StrCat(url, ": HTTP ", status));
  }
  if (status >= 400) {
    return absl::PermissionDeniedError(absl::StrCat(url, ": HTTP ", status));
  }
  if (status >= 300 && status != 304) {
    return absl::FailedPreconditionError(absl::StrCat(url, ": HTTP ", status));
  }
  if (status < 200) {
    return absl::FailedPreconditionError(
        absl::StrCat(url, ": unexpected HTTP status ", status));
  }
  response.etag = std::move(transfer.etag);
  response.last_modified = std::move(transfer.last_modified);
  response.body = std::move(transfer.body);
  return response;
}

absl::Status CheckCaFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("CA file '", path, "' is a folder, not a PEM file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read CA file '", path, "': ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!absl::StrContains(text.str(), "-----BEGIN CERTIFICATE-----")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "CA file '", path, "' holds no PEM certificate (BEGIN CERTIFICATE)"));
  }
  return absl::OkStatus();
}

std::string ResolveUrl(std::string_view base, std::string_view reference) {
  GlobalInit();
  std::unique_ptr<CURLU, void (*)(CURLU*)> handle(curl_url(),
                                                  &curl_url_cleanup);
  if (handle == nullptr) return "";
  const std::string base_text(base);
  const std::string reference_text(
      absl::StripAsciiWhitespace(std::string(reference)));
  if (curl_url_set(handle.get(), CURLUPART_URL, base_text.c_str(), 0) !=
          CURLUE_OK ||
      curl_url_set(handle.get(), CURLUPART_URL, reference_text.c_str(), 0) !=
          CURLUE_OK) {
    return "";
  }
  char* out = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_URL, &out, 0) != CURLUE_OK) {
    return "";
  }
  std::string result(out);
  curl_free(out);
  // libcurl decodes a percent-encoded host ("example.de%ba"), so the URL
  // it gives back may hold bytes that are no UTF-8: no usable URL then,
  // as every text field of an article must be UTF-8.
  if (!IsValidUtf8(result)) return "";
  return result;
}

std::string UrlHost(std::string_view url) {
  GlobalInit();
  std::unique_ptr<CURLU, void (*)(CURLU*)> handle(curl_url(),
                                                  &curl_url_cleanup);
  if (handle == nullptr) return "";
  if (curl_url_set(handle.get(), CURLUPART_URL, std::string(url).c_str(), 0) !=
      CURLUE_OK) {
    return "";
  }
  char* host = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    return "";
  }
  std::string result = absl::AsciiStrToLower(host);
  curl_free(host);
  if (!IsValidUtf8(result)) return "";
  return result;
}

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsCancelled(status);
}

}  // namespace newsflow::ingest
