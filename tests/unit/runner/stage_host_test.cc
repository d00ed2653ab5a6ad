#include "runner/host/stage_host.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "runner/host/stage_registry.h"

namespace newsflow {
namespace {

TEST(StageHostTest, AppendedTraceHopParsesAsLastTraceEntry) {
  v1::Article article;
  article.set_id("a1");
  article.set_title("Title");
  article.add_trace()->set_stage("ingest");
  std::string bytes;
  ASSERT_TRUE(article.SerializeToString(&bytes));
  v1::TraceHop hop;
  hop.set_stage("clean");
  hop.set_at("2026-01-01T00:00:00.000000Z");
  hop.set_replica(3);
  hop.set_pid(1234);
  // A long stage name forces a multi-byte length varint.
  hop.set_stage(std::string(200, 'x'));
  AppendTraceHop(hop, &bytes);
  v1::Article parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.id(), "a1");
  ASSERT_EQ(parsed.trace_size(), 2);
  EXPECT_EQ(parsed.trace(0).stage(), "ingest");
  EXPECT_EQ(parsed.trace(1).stage(), std::string(200, 'x'));
  EXPECT_EQ(parsed.trace(1).replica(), 3);
  EXPECT_EQ(parsed.trace(1).pid(), 1234);
}

// A descriptor for registry tests; `tweak` breaks one thing.
struct FakePlugin {
  nf_stage_type type = {};
  const nf_stage_type* types[1] = {&type};
  nf_plugin_descriptor descriptor = {};
  FakePlugin() {
    type.struct_size = sizeof(nf_stage_type);
    type.name = "fake";
    type.description = "a fake";
    type.kind = NF_STAGE_TRANSFORM;
    type.create = [](const char*, const nf_host*, nf_error*) -> void* {
      return nullptr;
    };
    type.process = [](void*, const void*, size_t, nf_error*) { return NF_OK; };
    type.destroy = [](void*) {};
    descriptor = {NEWSFLOW_STAGE_ABI_MAJOR,
                  NEWSFLOW_STAGE_ABI_MINOR,
                  sizeof(nf_plugin_descriptor),
                  "fake-plugin",
                  "1.0",
                  "",
                  "MIT",
                  types,
                  1};
  }
};

TEST(StageRegistryTest, BuiltinsAreRegisteredThroughTheDescriptor) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  for (const char* name : {"ingest", "clean", "tag", "store"}) {
    const RegisteredStageType* entry = registry.Find(name);
    ASSERT_NE(entry, nullptr) << name;
    EXPECT_EQ(entry->origin, "built-in");
  }
  EXPECT_EQ(registry.Find("ingest")->type->kind, NF_STAGE_SOURCE);
  EXPECT_EQ(registry.Find("store")->type->kind, NF_STAGE_SINK);
}

TEST(StageRegistryTest, AcceptsAMatchingPlugin) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  FakePlugin plugin;
  EXPECT_TRUE(registry.AddPlugin(&plugin.descriptor, "fake.so").ok());
  EXPECT_NE(registry.Find("fake"), nullptr);
}

TEST(StageRegistryTest, RefusesOtherMajorNewerMinorAndWrongSizes) {
  StageRegistry registry;
  FakePlugin major;
  major.descriptor.abi_major = 2;
  EXPECT_EQ(
      registry.AddPlugin(&major.descriptor, "m.so").message(),
      absl::StrCat("m.so: built for stage ABI 2.", NEWSFLOW_STAGE_ABI_MINOR,
                   ", this newsflow speaks ABI 1.", NEWSFLOW_STAGE_ABI_MINOR,
                   " (major versions must match)"));
  FakePlugin minor;
  minor.descriptor.abi_minor = NEWSFLOW_STAGE_ABI_MINOR + 1;
  EXPECT_NE(registry.AddPlugin(&minor.descriptor, "n.so")
                .message()
                .find("newer than this newsflow"),
            std::string::npos);
  FakePlugin size;
  size.descriptor.struct_size = 8;
  EXPECT_NE(registry.AddPlugin(&size.descriptor, "s.so")
                .message()
                .find("plugin descriptor is 8 bytes"),
            std::string::npos);
  FakePlugin type_size;
  type_size.type.struct_size = 16;
  EXPECT_NE(registry.AddPlugin(&type_size.descriptor, "t.so")
                .message()
                .find("stage type 'fake' is 16 bytes"),
            std::string::npos);
  EXPECT_EQ(registry.Find("fake"), nullptr);
}

TEST(StageRegistryTest, RefusesDuplicateTypeNames) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  FakePlugin plugin;
  plugin.type.name = "clean";
  absl::Status status = registry.AddPlugin(&plugin.descriptor, "dup.so");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find("already provided by built-in"),
            std::string::npos);
}

}  // namespace
}  // namespace newsflow
