// C++ convenience layer over the C stage ABI (newsflow/stage_plugin.h).
//
// A stage is a class derived from newsflow::Stage with a static factory and
// its options declared as one annotated proto message (newsflow/options.h):
//
//   // upper_options.proto
//   import "newsflow/options.proto";
//   message UpperOptions {
//     int32 max_chars = 1 [(newsflow.option) = {
//         help: "Upper-case at most this many characters." default: "80"
//         min: 1 }];
//   }
//
//   class Upper : public newsflow::Stage {
//    public:
//     using Options = UpperOptions;
//     static absl::StatusOr<std::unique_ptr<Stage>> Create(
//         std::string_view options_json, newsflow::StageContext context) {
//       UpperOptions options;  // defaults applied, ranges checked:
//       absl::Status parsed = newsflow::ParseStageOptions(options_json,
//                                                         &options);
//       ...
//     }
//     // Optional: checks beyond the schema (a regex that must compile).
//     static std::vector<newsflow::OptionProblem> ValidateOptions(
//         const UpperOptions& options);
//     absl::Status Process(newsflow::v1::Article article) override {
//       article.set_title(absl::AsciiStrToUpper(article.title()));
//       return context().Emit(article);
//     }
//   };
//   const nf_stage_type kUpperType = newsflow::MakeStageType<Upper>(
//       "upper", "Upper-cases titles.", NF_STAGE_TRANSFORM);
//   NEWSFLOW_PLUGIN("upper", "1.0.0", "Example plugin", "MIT", &kUpperType);
//
// The option table, defaults, help, ranges and the ABI 1.2 validate
// callback all come from UpperOptions' descriptor.
//
// A stage that passes articles on unchanged, or reads only a few fields,
// overrides ProcessInput instead of Process: it parses just those fields
// (ArticleInput::Fields) and forwards the bytes it was given
// (StageContext::Forward), with nothing serialized again.
//
// Exceptions thrown by a stage are caught at the ABI boundary and reported
// as NF_ERROR for that input; they never cross into the host.
//
// A status marked by MarkFatal(), from any callback, is NF_FATAL: the
// instance is unusable (say its output lost data it had written), so the
// host stops the stage process, the runner starts it again, and sources
// re-send what was not acknowledged.
#ifndef NEWSFLOW_STAGE_H_
#define NEWSFLOW_STAGE_H_

#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "newsflow/options.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {

// Clears every singular field of `message`, and of the messages it holds,
// that is set to zero, false or "". Articles are proto2 (article.proto says
// why), where a field a stage set to "" is present, a state proto3 did not
// have; printing an article as JSON clears these first, so that the JSON
// is what proto3 printed: a default value reads as absent.
inline void ClearDefaultValuedFields(google::protobuf::Message* message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_map()) continue;  // an entry's key and value always print
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        ClearDefaultValuedFields(reflection->MutableMessage(message, field));
        continue;
      }
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        ClearDefaultValuedFields(
            reflection->MutableRepeatedMessage(message, field, i));
      }
      continue;
    }
    if (field->is_repeated()) continue;
    bool zero = false;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        zero =
            reflection->GetStringReference(*message, field, &scratch).empty();
        break;
      }
      case FieldDescriptor::CPPTYPE_INT32:
        zero = reflection->GetInt32(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        zero = reflection->GetInt64(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        zero = reflection->GetUInt32(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        zero = reflection->GetUInt64(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        zero = reflection->GetDouble(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        zero = reflection->GetFloat(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        zero = !reflection->GetBool(*message, field);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        zero = reflection->GetEnumValue(*message, field) == 0;
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
    if (zero) reflection->ClearField(message, field);
  }
}

// One input article as the host delivered it: its serialized bytes (with
// this hop's trace entry already in them), parsed only as far as the stage
// asks, and each field at most once. A stage that passes an article on
// unchanged forwards these bytes (StageContext::Forward): nothing is
// serialized again, and fields the stage never reads are never parsed.
//
// The host has checked the bytes' structure and their text's UTF-8 before
// process() (nf_stage_type.process), so a stage forwarding them forwards
// well-formed text.
class ArticleInput {
 public:
  explicit ArticleInput(std::string_view bytes)
      : bytes_(bytes), article_(own_.emplace()) {}
  // Parses into `*reuse` (cleared first; must outlive this), so that a
  // stage's inputs reuse one message's memory instead of allocating anew.
  ArticleInput(std::string_view bytes, v1::Article* reuse)
      : bytes_(bytes), article_(*reuse) {
    reuse->Clear();
  }
  ArticleInput(const ArticleInput&) = delete;
  ArticleInput& operator=(const ArticleInput&) = delete;

  // The serialized article; valid for the process() call.
  std::string_view bytes() const { return bytes_; }

  // The article with (at least) the top-level fields numbered `fields`
  // parsed (v1::Article::kTitleFieldNumber, ...), every other field left
  // unset. Fields parsed by an earlier call are not parsed again. An error
  // when the bytes are not a valid newsflow.v1.Article.
  absl::StatusOr<const v1::Article*> Fields(const std::vector<int>& fields) {
    uint64_t wanted = 0;
    for (int field : fields) {
      // Numbers past 63 would need a wider mask: parse everything then.
      if (field < 1 || field > 63) return Parsed();
      wanted |= uint64_t{1} << field;
    }
    return ParseFields(wanted);
  }

  // The whole article, parsed once.
  absl::StatusOr<const v1::Article*> Parsed() { return ParseFields(~0ULL); }

  // The whole article, moved out, for a stage that changes it.
  absl::StatusOr<v1::Article> Take() {
    if (absl::StatusOr<const v1::Article*> parsed = Parsed(); !parsed.ok()) {
      return parsed.status();
    }
    parsed_ = 0;
    return std::move(article_);
  }

 private:
  absl::StatusOr<const v1::Article*> ParseFields(uint64_t wanted) {
    const uint64_t missing = wanted & ~parsed_;
    if (missing == 0) return &article_;
    const bool ok = parsed_ == 0 && wanted == ~0ULL
                        ? article_.ParseFromArray(bytes_.data(), Size())
                        : MergeFields(missing, wanted == ~0ULL);
    if (!ok) {
      return absl::InvalidArgumentError(
          "input is not a valid newsflow.v1.Article");
    }
    parsed_ |= wanted;
    return &article_;
  }

  int Size() const { return static_cast<int>(bytes_.size()); }

  // Merges the fields in `missing` (and, when `all`, every field numbered
  // past 63) into article_: each run of wanted fields is merged straight
  // from bytes_, the others are skipped without being read.
  bool MergeFields(uint64_t missing, bool all) {
    using google::protobuf::internal::WireFormatLite;
    const auto* data = reinterpret_cast<const uint8_t*>(bytes_.data());
    google::protobuf::io::CodedInputStream in(data, Size());
    int run_start = 0;
    int run_end = 0;
    while (true) {
      const int start = in.CurrentPosition();
      const uint32_t tag = in.ReadTag();
      if (tag == 0) break;
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      const uint32_t number = WireFormatLite::GetTagFieldNumber(tag);
      const bool want = number > 63 ? all : ((missing >> number) & 1) != 0;
      if (!want) continue;
      if (run_end != start && !MergeRun(data, run_start, run_end)) {
        return false;
      }
      if (run_end != start) run_start = start;
      run_end = in.CurrentPosition();
    }
    return in.CurrentPosition() == Size() && MergeRun(data, run_start, run_end);
  }

  bool MergeRun(const uint8_t* data, int start, int end) {
    if (end <= start) return true;
    google::protobuf::io::CodedInputStream run(data + start, end - start);
    return article_.MergeFromCodedStream(&run);
  }

  const std::string_view bytes_;
  // Only without a message to reuse: a stage host's inputs (one per
  // article) construct none.
  std::optional<v1::Article> own_;
  v1::Article& article_;
  uint64_t parsed_ = 0;  // bit N: field N is parsed
};

// The host services of one stage instance.
class StageContext {
 public:
  explicit StageContext(const nf_host* host) : host_(host) {}

  // Sends an article downstream. May block while downstream is full.
  absl::Status Emit(const v1::Article& article) const {
    std::string bytes;
    if (!article.SerializeToString(&bytes)) {
      return absl::InternalError("could not serialize article " + article.id());
    }
    return EmitBytes(bytes);
  }

  // Sends an input on as it arrived: for a stage that did not change it,
  // the cheap way (no serialize).
  absl::Status Forward(const ArticleInput& input) const {
    return EmitBytes(input.bytes());
  }

  absl::Status EmitBytes(std::string_view bytes) const {
    if (host_->emit(host_->context, bytes.data(), bytes.size()) != NF_OK) {
      return absl::CancelledError("the host is shutting down");
    }
    return absl::OkStatus();
  }

  void Log(nf_log_level level, const std::string& message) const {
    host_->log(host_->context, level, message.c_str());
  }
  // Reports an input that could not become an article; see nf_host.reject.
  void Reject(const std::string& what, const std::string& reason,
              std::string_view raw = {}) const {
    host_->reject(host_->context, what.c_str(), reason.c_str(), raw.data(),
                  raw.size());
  }

  // Reports a source's cumulative progress; see nf_host.progress. Does
  // nothing on hosts older than ABI 1.1.
  void Progress(const std::string& source, int64_t seen, int64_t added,
                int64_t failed) const {
    if (host_->struct_size < offsetof(nf_host, progress) + sizeof(void*) ||
        host_->progress == nullptr) {
      return;
    }
    host_->progress(host_->context, source.c_str(), seen, added, failed);
  }

  // Reports how far a source is through its input; see
  // nf_host.progress_bytes. Does nothing on hosts older than ABI 1.3.
  void ProgressBytes(const std::string& source, int64_t bytes_read,
                     int64_t bytes_total) const {
    if (host_->struct_size <
            offsetof(nf_host, progress_bytes) + sizeof(void*) ||
        host_->progress_bytes == nullptr) {
      return;
    }
    host_->progress_bytes(host_->context, source.c_str(), bytes_read,
                          bytes_total);
  }

  // True once the host was asked to stop; see nf_host.stopping. A stage
  // abandons slow waits when it turns true. Always false on hosts older
  // than ABI 1.2.
  bool Stopping() const {
    return host_->struct_size >= offsetof(nf_host, stopping) + sizeof(void*) &&
           host_->stopping != nullptr && host_->stopping(host_->context) != 0;
  }

  void Info(const std::string& message) const { Log(NF_LOG_INFO, message); }
  void Warn(const std::string& message) const { Log(NF_LOG_WARNING, message); }
  void Error(const std::string& message) const { Log(NF_LOG_ERROR, message); }

 private:
  const nf_host* host_;
};

class Stage {
 public:
  explicit Stage(StageContext context) : context_(context) {}
  virtual ~Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  // Transforms and sinks: handles one input article. A non-OK status marks
  // this input as failed; the stage goes on with the next one.
  //
  // A stage overrides one of the two. ProcessInput sees the article as it
  // arrived and parses only what it reads (ArticleInput), for a stage that
  // passes articles on unchanged (context().Forward) or reads a few
  // fields; by default it parses the whole article and calls Process, for
  // a stage that changes it.
  virtual absl::Status ProcessInput(ArticleInput& input) {
    absl::StatusOr<v1::Article> article = input.Take();
    if (!article.ok()) return article.status();
    return Process(*std::move(article));
  }
  virtual absl::Status Process(v1::Article article) {
    (void)article;
    return absl::UnimplementedError("this stage takes no input");
  }

  // Sources: reads some input, emits it, and says whether more is coming.
  virtual absl::StatusOr<nf_poll_state> Poll() { return NF_POLL_DONE; }

  // Makes work durable / emits buffered output. Called when input is idle
  // and before shutdown.
  virtual absl::Status Flush() { return absl::OkStatus(); }

  // The message every ArticleInput of this stage parses into, reused (for
  // the ABI adapter below).
  v1::Article* input_scratch() { return &input_scratch_; }

 protected:
  const StageContext& context() const { return context_; }

 private:
  StageContext context_;
  v1::Article input_scratch_;
};

// Parses a stage's JSON options into its typed options message, with the
// declared defaults applied and every (newsflow.option) rule checked.
// Unknown keys are errors, so typos are caught.
template <typename OptionsProto>
absl::Status ParseStageOptions(std::string_view options_json,
                               OptionsProto* options) {
  return OptionSchemaOf<OptionsProto>().Parse(options_json, options);
}

// The payload that marks a status as fatal to the stage instance.
inline constexpr char kFatalStatusPayload[] = "newsflow.dev/stage-fatal";

// `status` (not OK), marked so that the callback returning it reports
// NF_FATAL rather than NF_ERROR.
inline absl::Status MarkFatal(absl::Status status) {
  status.SetPayload(kFatalStatusPayload, absl::Cord("1"));
  return status;
}
inline bool IsMarkedFatal(const absl::Status& status) {
  return status.GetPayload(kFatalStatusPayload).has_value();
}

namespace abi_internal {

inline void SetError(nf_error* error, std::string_view message) {
  if (error == nullptr || error->message == nullptr || error->capacity == 0) {
    return;
  }
  size_t n = message.size() < error->capacity - 1 ? message.size()
                                                  : error->capacity - 1;
  std::memcpy(error->message, message.data(), n);
  error->message[n] = '\0';
}

inline nf_result Fail(nf_error* error, const absl::Status& status) {
  SetError(error, std::string(status.message()));
  return IsMarkedFatal(status) ? NF_FATAL : NF_ERROR;
}

template <typename StageT>
void* Create(const char* options_json, const nf_host* host, nf_error* error) {
  try {
    absl::StatusOr<std::unique_ptr<Stage>> stage = StageT::Create(
        options_json == nullptr ? "{}" : options_json, StageContext(host));
    if (!stage.ok()) {
      SetError(error, std::string(stage.status().message()));
      return nullptr;
    }
    return stage->release();
  } catch (const std::exception& e) {
    SetError(error, std::string("exception in create: ") + e.what());
    return nullptr;
  }
}

inline nf_result Process(void* instance, const void* data, size_t size,
                         nf_error* error) {
  try {
    Stage* stage = static_cast<Stage*>(instance);
    ArticleInput input(std::string_view(static_cast<const char*>(data), size),
                       stage->input_scratch());
    absl::Status status = stage->ProcessInput(input);
    return status.ok() ? NF_OK : Fail(error, status);
  } catch (const std::exception& e) {
    SetError(error, std::string("exception: ") + e.what());
    return NF_ERROR;
  }
}

inline nf_result Poll(void* instance, nf_poll_state* state, nf_error* error) {
  try {
    absl::StatusOr<nf_poll_state> result =
        static_cast<Stage*>(instance)->Poll();
    if (!result.ok()) return Fail(error, result.status());
    *state = *result;
    return NF_OK;
  } catch (const std::exception& e) {
    SetError(error, std::string("exception: ") + e.what());
    return NF_ERROR;
  }
}

inline nf_result Flush(void* instance, nf_error* error) {
  try {
    absl::Status status = static_cast<Stage*>(instance)->Flush();
    return status.ok() ? NF_OK : Fail(error, status);
  } catch (const std::exception& e) {
    SetError(error, std::string("exception: ") + e.what());
    return NF_ERROR;
  }
}

inline void Destroy(void* instance) { delete static_cast<Stage*>(instance); }

// Whether StageT declares checks beyond its options schema.
template <typename T, typename = void>
struct HasValidateOptions : std::false_type {};
template <typename T>
struct HasValidateOptions<T, std::void_t<decltype(T::ValidateOptions(
                                 std::declval<const typename T::Options&>()))>>
    : std::true_type {};

template <typename StageT>
int Validate(const char* options_json, nf_option_problem_fn report,
             void* report_context) {
  using Options = typename StageT::Options;
  std::vector<OptionProblem> problems;
  try {
    const std::string_view json = options_json == nullptr ? "{}" : options_json;
    const OptionSchema& schema = OptionSchemaOf<Options>();
    problems = schema.Check(json);
    if constexpr (HasValidateOptions<StageT>::value) {
      Options options;
      if (problems.empty() && schema.Parse(json, &options).ok()) {
        problems = StageT::ValidateOptions(options);
      }
    }
  } catch (const std::exception& e) {
    problems.push_back({"", std::string("exception in validate: ") + e.what()});
  }
  for (const OptionProblem& problem : problems) {
    report(report_context, problem.field_path.c_str(), problem.message.c_str());
  }
  return static_cast<int>(problems.size());
}

}  // namespace abi_internal

inline constexpr const char kArticleMessageType[] = "newsflow.v1.Article";

// Builds the C descriptor of a stage type implemented by StageT.
template <typename StageT>
constexpr nf_stage_type MakeStageType(const char* name, const char* description,
                                      nf_stage_kind kind,
                                      const nf_option_spec* options,
                                      size_t option_count) {
  return nf_stage_type{
      sizeof(nf_stage_type),
      name,
      description,
      kind,
      kind == NF_STAGE_SOURCE ? nullptr : kArticleMessageType,
      kind == NF_STAGE_SINK ? nullptr : kArticleMessageType,
      options,
      option_count,
      &abi_internal::Create<StageT>,
      kind == NF_STAGE_SOURCE ? nullptr : &abi_internal::Process,
      kind == NF_STAGE_SOURCE ? &abi_internal::Poll : nullptr,
      &abi_internal::Flush,
      &abi_internal::Destroy,
      nullptr,
  };
}

// Builds the C descriptor of a stage type whose options are declared by
// StageT::Options (an annotated proto message): the option table and the
// validate callback come from its descriptor.
template <typename StageT>
nf_stage_type MakeStageType(const char* name, const char* description,
                            nf_stage_kind kind) {
  const OptionSchema& schema = OptionSchemaOf<typename StageT::Options>();
  nf_stage_type type = MakeStageType<StageT>(
      name, description, kind, schema.specs(), schema.spec_count());
  type.validate = &abi_internal::Validate<StageT>;
  return type;
}

}  // namespace newsflow

// Defines the plugin entry point of a shared library. Arguments after the
// license are pointers to nf_stage_type objects.
#define NEWSFLOW_PLUGIN(name, version, description, license, ...) \
  extern "C" __attribute__((visibility("default")))               \
  const nf_plugin_descriptor*                                     \
  newsflow_plugin_descriptor(void) {                              \
    static const nf_stage_type* const kTypes[] = {__VA_ARGS__};   \
    static const nf_plugin_descriptor kDescriptor = {             \
        NEWSFLOW_STAGE_ABI_MAJOR,                                 \
        NEWSFLOW_STAGE_ABI_MINOR,                                 \
        sizeof(nf_plugin_descriptor),                             \
        name,                                                     \
        version,                                                  \
        description,                                              \
        license,                                                  \
        kTypes,                                                   \
        sizeof(kTypes) / sizeof(kTypes[0])};                      \
    return &kDescriptor;                                          \
  }

#endif  // NEWSFLOW_STAGE_H_
