// A pipeline on two "hosts": two network namespaces joined by a veth pair,
// created and removed here (needs CAP_NET_ADMIN and iproute2; skipped with
// the reason otherwise). Each namespace runs `newsflow run CONFIG --host X`
// with the same config: ingest (and one clean replica) on host a, the other
// clean replica, tag and store on host b, CURVE everywhere.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runner/config/config.h"
#include "runner/config/plan.h"
#include "runner/wire/security.h"
#include "tests/integration/harness.h"
#include "zmq.hpp"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string IpBinary() {
  for (const char* path :
       {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// Runs `body` in a child process that has joined network namespace `ns`;
// returns its exit code (-1: it did not finish within `timeout`).
int RunInNamespace(const std::string& ns, const std::function<int()>& body,
                   absl::Duration timeout = absl::Seconds(60)) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(100);
    _exit(body());
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

// Connects a socket of `type` to `endpoint` (with `key` as a CURVE client
// of `server_key`, or plaintext when key is null) and returns the first
// handshake event: 1 authentication refused, 2 protocol (mechanism)
// mismatch, 3 handshake succeeded, 4 no event within the guard time.
int HandshakeOutcome(zmq::socket_type type, const std::string& endpoint,
                     const KeyPair* key, const std::string& server_key) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, type);
  socket.set(zmq::sockopt::linger, 0);
  if (key != nullptr) MakeCurveClient(socket, *key, server_key);
  zmq_socket_monitor(socket.handle(), "inproc://probe",
                     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  zmq::socket_t monitor(context, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::linger, 0);
  // A guard against hanging forever, not a timing assertion.
  monitor.set(zmq::sockopt::rcvtimeo, 15000);
  monitor.connect("inproc://probe");
  socket.connect(endpoint);
  if (type == zmq::socket_type::push) {
    v1::Article forged;
    forged.set_id("forged-1");
    forged.set_title("Forged");
    forged.set_body("injected by a client without a host key");
    (void)socket.send(zmq::buffer(forged.SerializeAsString()),
                      zmq::send_flags::dontwait);
  } else if (type == zmq::socket_type::req) {
    (void)socket.send(zmq::str_buffer("status"), zmq::send_flags::dontwait);
  } else if (type == zmq::socket_type::sub) {
    socket.set(zmq::sockopt::subscribe, "");
  }
  zmq::message_t event;
  if (!monitor.recv(event)) return 4;
  uint16_t id = 0;
  memcpy(&id, event.data(), sizeof(id));
  if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) return 1;
  if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) return 2;
  return 3;
}

class NetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ip_ = IpBinary();
    if (ip_.empty()) {
      GTEST_SKIP() << "iproute2 (`ip`) is not installed (scripts/install-deps)";
    }
    const int id = static_cast<int>(getpid() % 100000);
    ns_a_ = absl::StrCat("nft", id, "a");
    ns_b_ = absl::StrCat("nft", id, "b");
    veth_a_ = absl::StrCat("nfa", id);
    veth_b_ = absl::StrCat("nfb", id);
    CommandResult added = RunCommand({ip_, "netns", "add", ns_a_});
    if (added.exit_code != 0) {
      GTEST_SKIP() << "cannot create network namespaces (needs CAP_NET_ADMIN, "
                      "e.g. root): "
                   << added.err;
    }
    created_ = true;
    const std::string subnet =
        absl::StrCat("10.", 100 + id % 100, ".", (id / 100) % 250, ".");
    address_a_ = subnet + "1";
    address_b_ = subnet + "2";
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {ip_, "netns", "add", ns_b_},
             {ip_, "link", "add", veth_a_, "type", "veth", "peer", "name",
              veth_b_},
             {ip_, "link", "set", veth_a_, "netns", ns_a_},
             {ip_, "link", "set", veth_b_, "netns", ns_b_},
             {ip_, "-n", ns_a_, "addr", "add", address_a_ + "/24", "dev",
              veth_a_},
             {ip_, "-n", ns_b_, "addr", "add", address_b_ + "/24", "dev",
              veth_b_},
             {ip_, "-n", ns_a_, "link", "set", "lo", "up"},
             {ip_, "-n", ns_b_, "link", "set", "lo", "up"},
             {ip_, "-n", ns_a_, "link", "set", veth_a_, "up"},
             {ip_, "-n", ns_b_, "link", "set", veth_b_, "up"}}) {
      CommandResult result = RunCommand(argv);
      ASSERT_EQ(result.exit_code, 0)
          << absl::StrJoin(argv, " ") << ": " << result.err;
    }
    for (const char* name : {"a", "b", "ops", "stranger"}) {
      CommandResult keygen = RunCommand(
          {NewsflowBinary(), "keygen", name, "--dir", dir_.path() + "/keys"});
      ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
      for (absl::string_view line : absl::StrSplit(keygen.out, '\n')) {
        if (absl::ConsumePrefix(&line, "public key: ")) {
          public_keys_[name] = std::string(line);
        }
      }
    }
    fs::create_directories(inbox_);
  }

  void TearDown() override {
    if (!created_) return;
    for (const auto& ns : {ns_a_, ns_b_}) {
      CommandResult pids = RunCommand({ip_, "netns", "pids", ns});
      for (absl::string_view pid :
           absl::StrSplit(pids.out, '\n', absl::SkipEmpty())) {
        kill(std::stoi(std::string(pid)), SIGKILL);
      }
      RunCommand({ip_, "netns", "del", ns});  // removes the veth too
    }
  }

  std::string Config(const std::string& store_options = "") {
    return dir_.Write(
        "net.yaml",
        absl::StrCat(
            "pipeline: net\nrun_dir: ", dir_.path(), "/run\n",
            "restart: { max_restarts: 1000, backoff_max_ms: 200 }\n",
            "delivery: { ack_timeout_ms: 2000, max_in_flight: 500 }\n",
            "hosts:\n", "  a: { address: ", address_a_, ", public_key: \"",
            public_keys_["a"], "\", secret_key_file: keys/a.key, base_port: ",
            26000, " }\n", "  b: { address: ", address_b_, ", public_key: \"",
            public_keys_["b"],
            "\", secret_key_file: keys/b.key, base_port: ", 26000, " }\n",
            "clients:\n  ops: \"", public_keys_["ops"], "\"\n", "stages:\n",
            "  ingest: { type: ingest, host: a, watch: true, paths: [", inbox_,
            "] }\n",
            "  clean:  { type: clean, host: [a, b], inputs: [ingest] }\n",
            "  tag:    { type: tag, host: b, inputs: [clean] }\n",
            "  store:  { type: store, host: b, inputs: [tag], path: news.db",
            store_options, " }\n"));
  }

  // `count` articles with ids "net-FIRST".. in one JSON-lines file.
  void WriteArticles(int first, int count) {
    std::ofstream out(absl::StrCat(inbox_, "/batch-", first, ".jsonl.tmp"));
    for (int i = first; i < first + count; ++i) {
      v1::Article article;
      article.set_id(absl::StrCat("net-", i));
      article.set_title(absl::StrCat("Talks resume in Geneva, round ", i));
      article.set_body(absl::StrCat(
          "GENEVA (Reuters) - Negotiators met again on day ", i,
          " of the talks.\n\nThe United Nations said progress was slow but "
          "steady, and Maria Lopez, the lead negotiator, agreed."));
      out << *ArticleToJson(article) << "\n";
    }
    out.close();
    // Appears whole: a watching ingest never reads half a file.
    fs::rename(absl::StrCat(inbox_, "/batch-", first, ".jsonl.tmp"),
               absl::StrCat(inbox_, "/batch-", first, ".jsonl"));
  }

  std::vector<std::string> InNamespace(const std::string& ns,
                                       std::vector<std::string> argv) {
    argv.insert(argv.begin(), {ip_, "netns", "exec", ns});
    return argv;
  }

  std::vector<std::string> Run(const std::string& ns, const std::string& host,
                               const std::string& config, bool once) {
    std::vector<std::string> argv = {NewsflowBinary(), "run", config, "--host",
                                     host};
    if (once) argv.push_back("--once");
    return InNamespace(ns, argv);
  }

  std::string DbPath() const { return dir_.path() + "/news.db"; }

  // Ids stored, failing on duplicates (there cannot be: upsert by id).
  absl::flat_hash_set<std::string> StoredIds() {
    absl::flat_hash_set<std::string> ids;
    for (const auto& article : StoredArticles(DbPath())) {
      EXPECT_TRUE(ids.insert(article.id()).second) << article.id();
    }
    return ids;
  }

  PipelinePlan Plan(const std::string& config_path) {
    absl::StatusOr<PipelineConfig> config = LoadConfig(config_path);
    EXPECT_TRUE(config.ok()) << config.status();
    absl::StatusOr<PipelinePlan> plan =
        MakePlan(*config, StageRegistry::WithBuiltins());
    EXPECT_TRUE(plan.ok()) << plan.status();
    return *plan;
  }

  std::string ip_;
  std::string ns_a_, ns_b_, veth_a_, veth_b_, address_a_, address_b_;
  bool created_ = false;
  TempDir dir_;
  TempDir run_a_, run_b_;  // the runners' stdout/stderr files
  std::string inbox_ = dir_.path() + "/inbox";
  std::map<std::string, std::string> public_keys_;
};

TEST_F(NetTest, ArticlesFlowFromHostAToHostBExactlyOnce) {
  const std::string config = Config();
  CommandResult validate =
      RunCommand({NewsflowBinary(), "validate", config, "--host", "a"});
  ASSERT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_THAT(validate.out,
              HasSubstr("host b (" + address_b_ + "): clean.1 tag.0 store.0"));
  // No watch: --once ends when everything read is acknowledged by b.
  std::string text = ReadFile(config);
  text.replace(text.find("watch: true, "), 13, "");
  dir_.Write("net.yaml", text);
  WriteArticles(0, 300);

  ChildProcess b(Run(ns_b_, "b", config, true), run_b_.path());
  ChildProcess a(Run(ns_a_, "a", config, true), run_a_.path());
  EXPECT_EQ(a.Wait(absl::Seconds(180)), 0) << a.Stderr();
  EXPECT_EQ(b.Wait(absl::Seconds(60)), 0) << b.Stderr();

  absl::flat_hash_set<std::string> ids = StoredIds();
  EXPECT_EQ(ids.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_TRUE(ids.contains(absl::StrCat("net-", i))) << i;
  }
  // Both clean replicas (one per host) carried articles.
  absl::flat_hash_set<int> clean_replicas;
  for (const auto& article : StoredArticles(DbPath())) {
    for (const auto& hop : article.trace()) {
      if (hop.stage() == "clean") clean_replicas.insert(hop.replica());
    }
  }
  EXPECT_EQ(clean_replicas.size(), 2u);
  EXPECT_THAT(a.Stdout() + a.Stderr(), HasSubstr("CURVE TCP"));
  // Each runner summarizes its own stages only.
  EXPECT_THAT(b.Stdout(), HasSubstr("store"));
  EXPECT_THAT(b.Stdout(), Not(HasSubstr("ingest")));
}

TEST_F(NetTest, ClientsWithoutAListedKeyCanNeitherTailNorInjectNorRead) {
  const std::string config = Config();
  const PipelinePlan plan = Plan(config);
  ChildProcess b(Run(ns_b_, "b", config, false), run_b_.path());
  ChildProcess a(Run(ns_a_, "a", config, false), run_a_.path());
  WriteArticles(0, 50);
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(DbPath()) == 50; }, absl::Seconds(120)))
      << a.Stderr() << b.Stderr();

  const std::string keys = dir_.path() + "/keys/";
  // The listed client key can tail (from host b, both clean replicas) and
  // read the status.
  TempDir tail_dir;
  ChildProcess tail(InNamespace(ns_b_, {NewsflowBinary(), "tail", "clean", "-c",
                                        config, "--key", keys + "ops.key", "-n",
                                        "1", "--format", "text"}),
                    tail_dir.path());
  // Articles keep coming until the tail has printed one.
  int tail_exit = -1;
  for (int batch = 1; batch <= 60 && tail_exit == -1; ++batch) {
    WriteArticles(1000 * batch, 5);
    tail_exit = tail.Wait(absl::Milliseconds(500));
  }
  EXPECT_EQ(tail_exit, 0) << tail.Stderr();
  EXPECT_THAT(tail.Stdout(), HasSubstr("Talks resume in Geneva"));
  CommandResult top = RunCommand(
      InNamespace(ns_a_, {NewsflowBinary(), "top", "-c", config, "--host", "b",
                          "--key", keys + "ops.key", "--once", "--json"}));
  EXPECT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("\"store\""));

  // No key: tail refuses to try; an unlisted key is refused by the host.
  CommandResult no_key = RunCommand(
      InNamespace(ns_b_, {NewsflowBinary(), "tail", "clean", "-c", config}));
  EXPECT_EQ(no_key.exit_code, 1);
  EXPECT_THAT(no_key.err, HasSubstr("is CURVE-protected; pass --key FILE"));
  CommandResult stranger =
      RunCommand(InNamespace(ns_b_, {NewsflowBinary(), "tail", "clean", "-c",
                                     config, "--key", keys + "stranger.key"}));
  EXPECT_EQ(stranger.exit_code, 1);
  EXPECT_THAT(stranger.err, HasSubstr("refused this key"));
  CommandResult stranger_top = RunCommand(
      InNamespace(ns_a_, {NewsflowBinary(), "top", "-c", config, "--host", "b",
                          "--key", keys + "stranger.key", "--once"}));
  EXPECT_NE(stranger_top.exit_code, 0);

  // Raw sockets from the other host: plaintext, an unlisted key, and the
  // client key (which may watch but not feed).
  absl::StatusOr<KeyPair> stranger_key =
      ReadSecretKeyFile(keys + "stranger.key");
  absl::StatusOr<KeyPair> ops_key = ReadSecretKeyFile(keys + "ops.key");
  ASSERT_TRUE(stranger_key.ok() && ops_key.ok());
  const ReplicaPlan& clean_a = plan.FindStage("clean")->replicas[0];
  const ReplicaPlan& store_b = plan.FindStage("store")->replicas[0];
  const ReplicaPlan& ingest_a = plan.FindStage("ingest")->replicas[0];
  const HostPlan& host_b = *plan.FindHost("b");
  struct Probe {
    const char* what;
    zmq::socket_type type;
    std::string endpoint;
    const KeyPair* key;
    std::string server_key;
    int expected;
  };
  const std::vector<Probe> probes = {
      {"plaintext tap", zmq::socket_type::sub, clean_a.tap_endpoint, nullptr,
       "", 2},
      {"stranger tap", zmq::socket_type::sub, clean_a.tap_endpoint,
       &*stranger_key, clean_a.server_key, 1},
      {"plaintext inject", zmq::socket_type::push, store_b.input_endpoint,
       nullptr, "", 2},
      {"stranger inject", zmq::socket_type::push, store_b.input_endpoint,
       &*stranger_key, store_b.server_key, 1},
      {"client inject", zmq::socket_type::push, store_b.input_endpoint,
       &*ops_key, store_b.server_key, 1},
      {"client forged ack", zmq::socket_type::push, ingest_a.ack_endpoint,
       &*ops_key, ingest_a.server_key, 1},
      {"plaintext status", zmq::socket_type::req, host_b.status_endpoint,
       nullptr, "", 2},
      {"stranger status", zmq::socket_type::req, host_b.status_endpoint,
       &*stranger_key, host_b.public_key, 1},
  };
  for (const Probe& probe : probes) {
    const std::string ns =
        absl::StrContains(probe.endpoint, address_a_) ? ns_b_ : ns_a_;
    const int outcome = RunInNamespace(ns, [&] {
      return HandshakeOutcome(probe.type, probe.endpoint, probe.key,
                              probe.server_key);
    });
    // A plaintext client may instead never finish a handshake: the CURVE
    // side resets the connection, and the reset can discard the greeting
    // that would have told the client why. Either way it is not accepted.
    const bool never_finished_plaintext = outcome == 4 && probe.expected == 2;
    if (!never_finished_plaintext) {
      EXPECT_EQ(outcome, probe.expected)
          << probe.what
          << " (1 refused, 2 mechanism mismatch, 3 accepted, 4 no handshake)";
    }
  }

  // After all that, a last batch is stored and the forged article is not.
  const int64_t before = StoredCount(DbPath());
  WriteArticles(100000, 10);
  ASSERT_TRUE(WaitFor([&] { return StoredCount(DbPath()) >= before + 10; },
                      absl::Seconds(60)));
  EXPECT_FALSE(StoredIds().contains("forged-1"));
  b.Signal(SIGTERM);
  a.Signal(SIGTERM);
  EXPECT_EQ(b.Wait(absl::Seconds(30)), 0);
  EXPECT_EQ(a.Wait(absl::Seconds(30)), 0);
  EXPECT_THAT(b.Stderr(), HasSubstr("security: rejected a CURVE client"));
  EXPECT_THAT(b.Stderr(), HasSubstr(public_keys_["stranger"]));
  EXPECT_THAT(a.Stderr(), HasSubstr(public_keys_["ops"] + " on " +
                                    kDataDomain));  // the forged ack
}

TEST_F(NetTest, NothingIsLostWhenTheLinkGoesDownMidStream) {
  // The store takes 400 articles/s, so the run lasts several seconds.
  const std::string config = Config(", rate_limit: 400");
  std::string text = ReadFile(config);
  text.replace(text.find("watch: true, "), 13, "");
  dir_.Write("net.yaml", text);
  constexpr int kArticles = 3000;
  WriteArticles(0, kArticles);
  ChildProcess b(Run(ns_b_, "b", config, true), run_b_.path());
  ChildProcess a(Run(ns_a_, "a", config, true), run_a_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(DbPath()) >= 300; }, absl::Seconds(120)))
      << a.Stderr() << b.Stderr();
  ASSERT_EQ(
      RunCommand({ip_, "-n", ns_a_, "link", "set", veth_a_, "down"}).exit_code,
      0);
  // Longer than the heartbeat timeout (4 s): connections are dropped.
  absl::SleepFor(absl::Seconds(6));
  const int64_t stored_while_down = StoredCount(DbPath());
  ASSERT_EQ(
      RunCommand({ip_, "-n", ns_a_, "link", "set", veth_a_, "up"}).exit_code,
      0);
  const int a_exit = a.Wait(absl::Seconds(240));
  const int b_exit = b.Wait(absl::Seconds(60));
  EXPECT_EQ(a_exit, 0) << a.Stderr() << b.Stderr();
  EXPECT_EQ(b_exit, 0) << b.Stderr() << a.Stderr();
  EXPECT_LT(stored_while_down, kArticles);  // the cut really was mid-stream
  absl::flat_hash_set<std::string> ids = StoredIds();
  EXPECT_EQ(ids.size(), static_cast<size_t>(kArticles));
  // What the cut swallowed was re-sent from the source's journal.
  EXPECT_THAT(a.Stderr(), HasSubstr("re-sent"));
}

}  // namespace
}  // namespace newsflow::testing
