// Pipelines on several hosts: placement in the config, the plan derived
// from it, key files and the ZAP decisions (runner/wire/security.h).
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runner/config/config.h"
#include "runner/config/plan.h"
#include "runner/wire/security.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kPath[] = "/etc/newsflow/pipeline.yaml";

class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/newsflow-placement-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    absl::StatusOr<KeyPair> a = WriteKeyFiles(dir_, "a", false);
    absl::StatusOr<KeyPair> b = WriteKeyFiles(dir_, "b", false);
    absl::StatusOr<KeyPair> ops = WriteKeyFiles(dir_, "ops", false);
    ASSERT_TRUE(a.ok() && b.ok() && ops.ok()) << a.status();
    a_ = *a;
    b_ = *b;
    ops_ = *ops;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A two-host config; KEY_A/KEY_B/KEY_OPS/DIR are substituted.
  std::string Yaml(const std::string& text) const {
    return absl::StrReplaceAll(text, {{"KEY_A", a_.public_key},
                                      {"KEY_B", b_.public_key},
                                      {"KEY_OPS", ops_.public_key},
                                      {"DIR", dir_}});
  }

  std::string Hosts() const {
    return Yaml(R"(
hosts:
  a: { address: 10.0.0.1, public_key: "KEY_A", secret_key_file: DIR/a.key, base_port: 31000 }
  b: { address: 10.0.0.2, bind: "*", public_key: "KEY_B", secret_key_file: DIR/b.key, base_port: 32000 }
clients:
  ops: "KEY_OPS"
)");
  }

  std::string ErrorOf(const std::string& yaml) const {
    absl::StatusOr<PipelineConfig> config = ParseConfig(yaml, kPath);
    return config.ok() ? "" : std::string(config.status().message());
  }

  std::string dir_;
  KeyPair a_, b_, ops_;
};

TEST_F(PlacementTest, SpreadsReplicasAndWiresEndpointsPerHost) {
  absl::StatusOr<PipelineConfig> config =
      ParseConfig("pipeline: spread\n" + Hosts() + R"(
stages:
  ingest: { type: ingest, host: a, paths: [articles] }
  clean:  { type: clean, host: [a, b], inputs: [ingest] }
  store:  { type: store, host: b, inputs: [clean], path: news.db }
)",
                  kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->stages[1].replicas, 2);  // one per listed host
  EXPECT_TRUE(config->warnings.empty());

  absl::StatusOr<PipelinePlan> plan =
      MakePlan(*config, StageRegistry::WithBuiltins(), "a");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->curve);
  ASSERT_EQ(plan->hosts.size(), 2u);
  EXPECT_EQ(plan->hosts[0].status_endpoint, "tcp://10.0.0.1:31000");
  EXPECT_EQ(plan->hosts[1].status_endpoint, "tcp://10.0.0.2:32000");
  EXPECT_EQ(plan->hosts[1].status_bind, "tcp://*:32000");
  EXPECT_TRUE(plan->hosts[0].has_sources);
  EXPECT_FALSE(plan->hosts[1].has_sources);
  // Runner <-> stage traffic stays on the host.
  EXPECT_TRUE(absl::StartsWith(plan->control_endpoint, "ipc://"));
  EXPECT_TRUE(absl::EndsWith(plan->run_dir, "/a"));

  const StagePlan* clean = plan->FindStage("clean");
  ASSERT_NE(clean, nullptr);
  EXPECT_EQ(clean->replicas[0].host, "a");
  EXPECT_EQ(clean->replicas[1].host, "b");
  EXPECT_TRUE(plan->IsLocal(*clean, 0));
  EXPECT_FALSE(plan->IsLocal(*clean, 1));
  EXPECT_TRUE(
      absl::StartsWith(clean->replicas[0].input_endpoint, "tcp://10.0.0.1:31"));
  EXPECT_TRUE(
      absl::StartsWith(clean->replicas[1].input_endpoint, "tcp://10.0.0.2:32"));
  EXPECT_TRUE(absl::StartsWith(clean->replicas[1].input_bind, "tcp://*:32"));
  EXPECT_EQ(clean->replicas[1].server_key, b_.public_key);

  // The source connects to both clean replicas with each host's key, binds
  // its own ack endpoint and reads host a's secret key file.
  const StagePlan* ingest = plan->FindStage("ingest");
  v1::StageLaunch launch = MakeLaunch(*plan, *ingest, 0, true);
  ASSERT_EQ(launch.outputs_size(), 1);
  ASSERT_EQ(launch.outputs(0).endpoints_size(), 2);
  EXPECT_EQ(launch.outputs(0).server_keys(0), a_.public_key);
  EXPECT_EQ(launch.outputs(0).server_keys(1), b_.public_key);
  EXPECT_EQ(launch.security().secret_key_file(), dir_ + "/a.key");
  EXPECT_EQ(launch.security().client_keys().at("ops"), ops_.public_key);
  EXPECT_TRUE(launch.between_hosts());
  // The store on b acknowledges to ingest on a, with a's key.
  v1::StageLaunch store = MakeLaunch(*plan, *plan->FindStage("store"), 0, true);
  EXPECT_EQ(store.ack_endpoints().at("ingest.0"),
            ingest->replicas[0].ack_endpoint);
  EXPECT_EQ(store.ack_server_keys().at("ingest.0"), a_.public_key);
}

TEST_F(PlacementTest, PublicKeysAreNeverExpandedAsVariables) {
  // Z85's alphabet has '$', '{' and '}': a key holding "${" or "$$" must
  // reach the config as written, not as a variable or an escape.
  const std::string odd_key = "0${ab0$$cd0123456789abcdefghij0123456789";
  ASSERT_EQ(odd_key.size(), 40u);
  std::string yaml = "pipeline: keys\n" + Hosts() + R"(
stages:
  ingest: { type: ingest, host: a, paths: [articles] }
  store: { type: store, host: b, inputs: [ingest] }
)";
  yaml = absl::StrReplaceAll(yaml, {{ops_.public_key, odd_key}});
  absl::StatusOr<PipelineConfig> config = ParseConfig(yaml, kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->clients.size(), 1u);
  EXPECT_EQ(config->clients[0].public_key, odd_key);
}

TEST_F(PlacementTest, ReportsPlacementErrorsWithLocations) {
  const std::string error = ErrorOf("pipeline: bad\n" + Hosts() + R"(
stages:
  ingest: { type: ingest, host: c, paths: [articles] }
  clean:  { type: clean, inputs: [ingest] }
  store:  { type: store, host: [a, b, a], replicas: 2, inputs: [clean], path: x.db }
)");
  EXPECT_THAT(error, HasSubstr("pipeline.yaml:10:33: stage 'ingest' is placed "
                               "on host 'c', which is not declared"));
  EXPECT_THAT(error, HasSubstr("pipeline.yaml:11:3: stage 'clean' needs "
                               "'host: NAME'"));
  EXPECT_THAT(error, HasSubstr("is placed on 3 hosts but has only 2 replicas"));
}

TEST_F(PlacementTest, RequiresKeysUnlessInsecureIsAskedFor) {
  const std::string stages = R"(
stages:
  ingest: { type: ingest, host: a, paths: [articles] }
  store:  { type: store, host: b, inputs: [ingest], path: x.db }
)";
  const std::string keyless = R"(
hosts:
  a: { address: 10.0.0.1 }
  b: { address: 10.0.0.2, public_key: "not a key" }
)";
  const std::string error = ErrorOf("pipeline: p\n" + keyless + stages);
  EXPECT_THAT(error, HasSubstr(":4:3: host 'a' has no public_key (make a pair "
                               "with `newsflow keygen a`), or set 'insecure: "
                               "true'"));
  EXPECT_THAT(error, HasSubstr(":5:39: host 'b': public_key: a CURVE key is "
                               "40 characters"));
  EXPECT_THAT(error, HasSubstr("host 'b' has no secret_key_file"));

  absl::StatusOr<PipelineConfig> insecure = ParseConfig(
      "pipeline: p\ninsecure: true\nhosts:\n  a: { address: 10.0.0.1 }\n"
      "  b: { address: 10.0.0.2 }\n" +
          stages,
      kPath);
  ASSERT_TRUE(insecure.ok()) << insecure.status();
  ASSERT_EQ(insecure->warnings.size(), 1u);
  EXPECT_THAT(insecure->warnings[0],
              HasSubstr("pipeline.yaml:2:11: warning: insecure: true"));
  absl::StatusOr<PipelinePlan> plan =
      MakePlan(*insecure, StageRegistry::WithBuiltins(), "b");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->curve);
  v1::StageLaunch launch =
      MakeLaunch(*plan, *plan->FindStage("store"), 0, false);
  EXPECT_FALSE(launch.has_security());
}

TEST_F(PlacementTest, RejectsContradictionsBetweenHostsAndTransport) {
  const std::string stages = R"(
stages:
  ingest: { type: ingest, host: a, paths: [articles] }
)";
  EXPECT_THAT(ErrorOf("pipeline: p\ntransport: ipc\n" + Hosts() + stages),
              HasSubstr(":2:12: transport ipc cannot reach other hosts"));
  EXPECT_THAT(ErrorOf("pipeline: p\ntransport: { host: 127.0.0.1 }\n" +
                      Hosts() + stages),
              HasSubstr(":2:20: transport.host does not apply"));
  EXPECT_THAT(ErrorOf("pipeline: p\nstages:\n  ingest: { type: ingest, host: "
                      "a, paths: [x] }\n"),
              HasSubstr(":3:33: stage 'ingest' names host 'a' but the config "
                        "declares no 'hosts:'"));
  EXPECT_THAT(ErrorOf(Yaml("pipeline: p\nhosts:\n  a: { address: x, "
                           "public_key: \"KEY_A\", secret_key_file: k }\n"
                           "clients:\n  ops: \"KEY_A\"\n") +
                      stages),
              HasSubstr("client 'ops' has the same public key as host 'a'"));
}

TEST_F(PlacementTest, ChecksTheHostsSecretKeyFile) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(
      "pipeline: p\n" + Hosts() +
          "stages:\n  ingest: { type: ingest, host: a, paths: [x] }\n",
      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(CheckHostKeyFile(*config, "a").ok());
  EXPECT_THAT(std::string(CheckHostKeyFile(*config, "z").message()),
              HasSubstr("no host 'z' under hosts: (a, b)"));

  ASSERT_EQ(chmod((dir_ + "/a.key").c_str(), 0644), 0);
  absl::Status loose = CheckHostKeyFile(*config, "a");
  EXPECT_TRUE(absl::IsPermissionDenied(loose)) << loose;
  EXPECT_THAT(std::string(loose.message()),
              HasSubstr("pipeline.yaml:4:100: " + dir_ +
                        "/a.key: secret key file has mode 0644"));
  EXPECT_THAT(std::string(loose.message()), HasSubstr("chmod 600"));

  // b's secret key where a's should be: the pair does not match.
  fs::copy_file(dir_ + "/b.key", dir_ + "/a.key",
                fs::copy_options::overwrite_existing);
  ASSERT_EQ(chmod((dir_ + "/a.key").c_str(), 0600), 0);
  EXPECT_THAT(std::string(CheckHostKeyFile(*config, "a").message()),
              HasSubstr("belongs to public key " + b_.public_key));

  fs::remove(dir_ + "/a.key");
  EXPECT_TRUE(absl::IsNotFound(CheckHostKeyFile(*config, "a")));
}

TEST_F(PlacementTest, KeyFilesAreOwnerOnlyAndValidated) {
  struct stat info = {};
  ASSERT_EQ(stat((dir_ + "/ops.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  absl::StatusOr<KeyPair> read = ReadSecretKeyFile(dir_ + "/ops.key");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->public_key, ops_.public_key);
  EXPECT_EQ(read->secret_key, ops_.secret_key);
  // Never overwritten by accident.
  EXPECT_THAT(std::string(WriteKeyFiles(dir_, "ops", false).status().message()),
              HasSubstr("--force"));

  std::ofstream(dir_ + "/garbage.key") << "# comment\nhello\n";
  ASSERT_EQ(chmod((dir_ + "/garbage.key").c_str(), 0600), 0);
  EXPECT_THAT(
      std::string(ReadSecretKeyFile(dir_ + "/garbage.key").status().message()),
      HasSubstr("garbage.key: no secret key in it"));
  ASSERT_EQ(chmod((dir_ + "/ops.key").c_str(), 0640), 0);
  EXPECT_TRUE(
      absl::IsPermissionDenied(ReadSecretKeyFile(dir_ + "/ops.key").status()));
}

TEST_F(PlacementTest, ZapLetsClientsObserveButNotFeed) {
  std::map<std::string, std::string> hosts = {{"a", a_.public_key}};
  std::map<std::string, std::string> clients = {{"ops", ops_.public_key}};
  AccessPolicy policy = MakeAccessPolicy(hosts, clients);
  EXPECT_TRUE(ZapHandler::Allowed(policy, kDataDomain, "CURVE", a_.public_key));
  EXPECT_TRUE(
      ZapHandler::Allowed(policy, kObserveDomain, "CURVE", a_.public_key));
  EXPECT_TRUE(
      ZapHandler::Allowed(policy, kObserveDomain, "CURVE", ops_.public_key));
  EXPECT_FALSE(
      ZapHandler::Allowed(policy, kDataDomain, "CURVE", ops_.public_key));
  EXPECT_FALSE(
      ZapHandler::Allowed(policy, kObserveDomain, "CURVE", b_.public_key));
  EXPECT_FALSE(ZapHandler::Allowed(policy, kDataDomain, "NULL", ""));
  EXPECT_FALSE(ZapHandler::Allowed(policy, "other", "CURVE", a_.public_key));
}

// A real CURVE server with the ZAP handler: a listed key gets through, an
// unlisted one is refused (the client sees the refusal, the server logs it).
TEST_F(PlacementTest, ZapHandlerRefusesUnlistedKeysOverTcp) {
  ASSERT_TRUE(CurveAvailable());
  zmq::context_t server_context(1);
  std::mutex mutex;
  std::vector<std::string> logged;
  std::map<std::string, std::string> hosts = {{"a", a_.public_key}};
  std::map<std::string, std::string> none;
  absl::StatusOr<std::unique_ptr<ZapHandler>> zap =
      ZapHandler::Start(server_context, MakeAccessPolicy(hosts, none),
                        [&](const std::string& line) {
                          std::lock_guard<std::mutex> lock(mutex);
                          logged.push_back(line);
                        });
  ASSERT_TRUE(zap.ok()) << zap.status();
  zmq::socket_t server(server_context, zmq::socket_type::pull);
  server.set(zmq::sockopt::linger, 0);
  MakeCurveServer(server, a_, kDataDomain);
  server.bind("tcp://127.0.0.1:*");
  const std::string endpoint = server.get(zmq::sockopt::last_endpoint);

  zmq::context_t client_context(1);
  // Unlisted key: the handshake fails with an authentication error.
  zmq::socket_t intruder(client_context, zmq::socket_type::push);
  intruder.set(zmq::sockopt::linger, 0);
  MakeCurveClient(intruder, b_, a_.public_key);
  ASSERT_EQ(zmq_socket_monitor(intruder.handle(), "inproc://intruder",
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH),
            0);
  zmq::socket_t monitor(client_context, zmq::socket_type::pair);
  monitor.connect("inproc://intruder");
  intruder.connect(endpoint);
  (void)intruder.send(zmq::str_buffer("forged"), zmq::send_flags::dontwait);
  zmq::message_t event;
  ASSERT_TRUE(monitor.recv(event));  // blocks until the refusal
  uint16_t event_id = 0;
  memcpy(&event_id, event.data(), sizeof(event_id));
  EXPECT_EQ(event_id, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);

  // Listed key: delivered.
  zmq::socket_t host(client_context, zmq::socket_type::push);
  host.set(zmq::sockopt::linger, 0);
  MakeCurveClient(host, a_, a_.public_key);
  host.connect(endpoint);
  ASSERT_TRUE(host.send(zmq::str_buffer("genuine")));
  zmq::message_t received;
  ASSERT_TRUE(server.recv(received));
  EXPECT_EQ(received.to_string(), "genuine");

  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_FALSE(logged.empty());
  EXPECT_THAT(logged[0], HasSubstr("rejected a CURVE client from 127.0.0.1"));
  EXPECT_THAT(logged[0], HasSubstr(b_.public_key));
}

}  // namespace
}  // namespace newsflow
