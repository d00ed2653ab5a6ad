// A real HTTPS server on 127.0.0.1 for tests of the web sources:
// `openssl s_server -WWW`, serving the files of a temporary folder, with a
// throwaway self-signed certificate made for the occasion.
//
// s_server answers one connection at a time over HTTP/1.0 and serves
// every path as a file name (a missing file is a 200 with an error text,
// not a 404), so it suits fetching feeds and pages that exist, and TLS
// failures; scripted responses are TestHttpServer's job.
#ifndef NEWSFLOW_TESTS_SUPPORT_TEST_HTTPS_SERVER_H_
#define NEWSFLOW_TESTS_SUPPORT_TEST_HTTPS_SERVER_H_

#include <sys/types.h>

#include <string>

namespace newsflow::testing {

// Where the tests look for openssl; tests skip without it.
inline constexpr char kOpensslBinary[] = "/usr/bin/openssl";
bool HaveOpenssl();

class TestHttpsServer {
 public:
  // The certificate is for `common_name` and the comma-separated
  // subjectAltName entries `alt_names` (e.g. "DNS:localhost,IP:127.0.0.1").
  // The server starts at once; see ok() and error().
  explicit TestHttpsServer(
      const std::string& common_name = "localhost",
      const std::string& alt_names = "DNS:localhost,IP:127.0.0.1");
  ~TestHttpsServer();  // stops the server and removes its folder
  TestHttpsServer(const TestHttpsServer&) = delete;
  TestHttpsServer& operator=(const TestHttpsServer&) = delete;

  // False when the certificate or the server could not be set up; error()
  // says why (with openssl's output).
  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  // "https://HOST:PORT" + path.
  std::string Url(const std::string& path,
                  const std::string& host = "127.0.0.1") const;
  // The PEM certificate, which as it is self-signed is also its own CA.
  std::string CertPath() const { return dir_ + "/cert.pem"; }

  // Serves `content` at "/" + name (a plain file name, no folders).
  void Serve(const std::string& name, const std::string& content) const;

 private:
  bool MakeCertificate(const std::string& common_name,
                       const std::string& alt_names);
  // Starts s_server on a free port and waits until it accepts connections.
  bool StartServer(int port);
  void StopServer();

  std::string dir_;  // cert.pem, key.pem, the log; www/ is served
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace newsflow::testing

#endif  // NEWSFLOW_TESTS_SUPPORT_TEST_HTTPS_SERVER_H_
