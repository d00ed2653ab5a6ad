// A scripted HTTP/1.1 server on 127.0.0.1 for tests of the web sources.
//
// It binds an ephemeral loopback port when constructed and serves from
// its own threads (one per connection, each answering one request and
// closing) until destroyed. Responses are scripted per path; unknown
// paths get 404. A response may be delayed (a slow server); the delay is
// cut short when the server stops, so a test never hangs on it.
#ifndef NEWSFLOW_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
#define NEWSFLOW_TESTS_SUPPORT_TEST_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace newsflow::testing {

struct HttpRequest {
  std::string method;
  std::string path;
  // Header names lowercased.
  std::map<std::string, std::string> headers;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Sent gzip-compressed with Content-Encoding: gzip.
  bool gzip = false;
  // Milliseconds to wait before answering.
  int delay_ms = 0;
};

class TestHttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  TestHttpServer();
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  // False when the socket could not be set up (the test should fail).
  bool ok() const { return listen_fd_ >= 0; }
  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string Url(const std::string& path) const;

  void Set(const std::string& path, HttpResponse response);
  void SetHandler(const std::string& path, Handler handler);

  // Requests received so far, in arrival order.
  std::vector<HttpRequest> Requests() const;
  int RequestCount(const std::string& path) const;

  // Helpers for scripts.
  static HttpResponse Html(
      std::string body, std::string content_type = "text/html; charset=utf-8");
  static HttpResponse Redirect(const std::string& location);

 private:
  void AcceptLoop();
  void Serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::map<std::string, Handler> handlers_;
  std::vector<HttpRequest> requests_;
  std::vector<std::thread> workers_;
};

// `text` compressed as a gzip member.
std::string Gzip(const std::string& text);

}  // namespace newsflow::testing

#endif  // NEWSFLOW_TESTS_SUPPORT_TEST_HTTP_SERVER_H_
