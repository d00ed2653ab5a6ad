/*
 * newsflow stage plugin ABI (plain C).
 *
 * A stage type is a table of C function pointers plus metadata. A plugin
 * (shared library) exports one entry point, newsflow_plugin_descriptor(),
 * that returns a descriptor listing the stage types it provides. newsflow's
 * own built-in stages (ingest, clean, tag, store) are published through the
 * very same descriptor, so there is one way to write a stage.
 *
 * Messages cross this boundary as serialized protobuf bytes
 * (newsflow.v1.Article from proto/newsflow/v1/article.proto), so a plugin
 * may link its own protobuf build. Their text is UTF-8: the host checks the
 * string fields of every article before process() sees it and dead-letters
 * one that is not well-formed, so a plugin that emits broken text has that
 * article rejected by the next stage. (The message is proto2 syntax, whose
 * strings protobuf does not check on each parse; it was proto3, with the
 * same bytes, and plugins built with that schema work as they did.)
 *
 * Versioning: the host accepts a descriptor whose abi_major equals
 * NEWSFLOW_STAGE_ABI_MAJOR and whose abi_minor is not newer than the host's.
 * Minor versions only append fields to the end of structs; every struct
 * carries its own size so the host never reads past what the plugin built.
 *   1.1  nf_host.progress
 *   1.2  nf_stage_type.validate (options checked before start);
 *        nf_host.stopping (the host was asked to stop)
 *   1.3  nf_host.progress_bytes (how far a source is through its input)
 *
 * Threading: the host calls one instance from one thread at a time.
 * Most C++ authors want include/newsflow/stage.h instead of this header.
 */
#ifndef NEWSFLOW_STAGE_PLUGIN_H_
#define NEWSFLOW_STAGE_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NEWSFLOW_STAGE_ABI_MAJOR 1
#define NEWSFLOW_STAGE_ABI_MINOR 3

/* The symbol every plugin library exports. */
#define NEWSFLOW_PLUGIN_ENTRY_POINT "newsflow_plugin_descriptor"

/* Result codes returned by stage callbacks. */
typedef enum nf_result {
  NF_OK = 0,
  /* This input failed; the host counts it, logs the reason and goes on. */
  NF_ERROR = 1,
  /* The instance is unusable; the host stops the stage process. */
  NF_FATAL = 2,
} nf_result;

/* What a source's poll() reports about its inputs. */
typedef enum nf_poll_state {
  /* More to read right away: call poll() again soon. */
  NF_POLL_MORE = 0,
  /* Nothing now, maybe later (watching a folder or a feed). */
  NF_POLL_IDLE = 1,
  /* Everything the source was asked to read has been read. */
  NF_POLL_DONE = 2,
} nf_poll_state;

typedef enum nf_log_level {
  NF_LOG_DEBUG = 0,
  NF_LOG_INFO = 1,
  NF_LOG_WARNING = 2,
  NF_LOG_ERROR = 3,
} nf_log_level;

/* Option value types, used by the host to validate configs before start. */
typedef enum nf_option_type {
  NF_OPTION_STRING = 0,
  NF_OPTION_INT = 1,
  NF_OPTION_DOUBLE = 2,
  NF_OPTION_BOOL = 3,
  NF_OPTION_STRING_LIST = 4,
  /* A filesystem path; relative values resolve against the config's folder. */
  NF_OPTION_PATH = 5,
  NF_OPTION_PATH_LIST = 6,
  /* Any YAML value (maps, lists of maps); the stage validates it. */
  NF_OPTION_ANY = 7,
} nf_option_type;

typedef struct nf_option_spec {
  const char* name;
  nf_option_type type;
  /* Default as YAML/JSON text ("10", "true", "[]"); NULL when required. */
  const char* default_value;
  const char* help;
} nf_option_spec;

/*
 * Services the host offers to a stage instance. Valid for the instance's
 * lifetime. Only call from inside a stage callback.
 */
typedef struct nf_host {
  uint32_t struct_size;
  void* context;
  /* Sends one serialized message downstream. Returns NF_OK, or NF_FATAL
   * when the host is shutting down. May block while downstream is full.
   * With acknowledgements, a source's messages are in its journal (so
   * re-sent, never lost, after a crash) once the poll() that emitted them
   * has returned: the host journals what one poll emitted together, before
   * sending it. A source that saves what it has read, so as not to read it
   * again after a restart, saves it in a later callback (the next poll()
   * or flush()); a crash in between reads it again, and the journal drops
   * the duplicate by its id. */
  nf_result (*emit)(void* context, const void* data, size_t size);
  void (*log)(void* context, nf_log_level level, const char* message);
  /* Reports one input that could not become a message (an unreadable file,
   * a malformed record): `what` names it (path, URL, line), `reason` says
   * why, `raw` holds its bytes when useful (may be NULL). The host counts
   * it as failed and keeps it with the pipeline's dead letters (`newsflow
   * deadletters`); the stage goes on. */
  void (*reject)(void* context, const char* what, const char* reason,
                 const void* raw, size_t raw_size);
  /* ABI 1.1: a source's progress for the runner's summary, cumulative for
   * the life of the instance: of one named input (a feed, a folder) it
   * has looked at `seen` items, produced `added` messages and rejected
   * `failed`. May be NULL (older hosts); check struct_size first. */
  void (*progress)(void* context, const char* source, int64_t seen,
                   int64_t added, int64_t failed);
  /* ABI 1.2: nonzero once the host was asked to stop (SIGTERM, SIGINT).
   * A stage waiting on something slow (a network transfer, a pause between
   * requests) checks it and returns early, leaving that input for the next
   * start: the host exits NEWSFLOW_STAGE_STOP_DEADLINE_MS after the signal
   * whether or not its callback returned. flush() and destroy() are still
   * called after a callback returned early. Safe from any thread. May be
   * NULL (older hosts); check struct_size first. */
  int (*stopping)(void* context);
  /* ABI 1.3: how far a source is through its input, in bytes, cumulative
   * for the life of the instance: of one named input (as in progress) it
   * has consumed `bytes_read` of `bytes_total` known so far (0 when the
   * size cannot be known, as on stdin). Files a source skips or rejects
   * count as read. The runner shows the share and an ETA while sources are
   * still reading. May be NULL (older hosts); check struct_size first. */
  void (*progress_bytes)(void* context, const char* source, int64_t bytes_read,
                         int64_t bytes_total);
} nf_host;

/* How long after SIGTERM or SIGINT a stage process exits at the latest:
 * a callback still running then is abandoned (the process exits with
 * NEWSFLOW_STAGE_EXIT_STOP_DEADLINE without returning from it). Nothing is
 * lost by it when acknowledgements are on, since sources re-send from their
 * journals whatever was not acknowledged. */
#define NEWSFLOW_STAGE_STOP_DEADLINE_MS 1000
/* Exit code of a stage process that was stopped at that deadline
 * (sysexits.h's EX_TEMPFAIL: its unfinished work is done on the next
 * start). */
#define NEWSFLOW_STAGE_EXIT_STOP_DEADLINE 75

/* Error text a callback may fill in (NUL-terminated, truncated to fit). */
typedef struct nf_error {
  char* message;
  size_t capacity;
} nf_error;

/*
 * ABI 1.2: receives one problem that validate() found in a stage's options.
 * `field_path` names the option as a path into the options object
 * ("max_file_bytes", "sources[2].url"; "" for the object as a whole), so the
 * host can point at the exact place in the user's config; `message` says
 * what is wrong and, where it can, what would be right.
 */
typedef void (*nf_option_problem_fn)(void* context, const char* field_path,
                                     const char* message);

typedef enum nf_stage_kind {
  /* Reads the outside world; has poll(), no inputs. */
  NF_STAGE_SOURCE = 0,
  /* Consumes and emits messages. */
  NF_STAGE_TRANSFORM = 1,
  /* Consumes messages, emits none downstream. */
  NF_STAGE_SINK = 2,
} nf_stage_kind;

typedef struct nf_stage_type {
  uint32_t struct_size;
  const char* name;
  const char* description;
  nf_stage_kind kind;
  /* Fully qualified message type names, e.g. "newsflow.v1.Article";
   * NULL for a source's consumes / a sink's emits. */
  const char* consumes;
  const char* emits;
  const nf_option_spec* options;
  size_t option_count;

  /* Creates an instance from its options, a JSON object. Returns NULL and
   * fills *error on failure. */
  void* (*create)(const char* options_json, const nf_host* host,
                  nf_error* error);
  /* Processes one input message; may call host->emit zero or more times. */
  nf_result (*process)(void* instance, const void* data, size_t size,
                       nf_error* error);
  /* Sources only: reads some input and emits it. NULL for other kinds. */
  nf_result (*poll)(void* instance, nf_poll_state* state, nf_error* error);
  /* Makes everything processed so far durable and emits anything buffered.
   * Called when the input is idle and before shutdown. May be NULL. */
  nf_result (*flush)(void* instance, nf_error* error);
  void (*destroy)(void* instance);

  /* ABI 1.2, optional (NULL, or absent from a 1.0/1.1 plugin's smaller
   * struct). Checks options_json exactly as create() would, but creates
   * nothing and touches nothing outside the process: no connections, no
   * files written. Calls `report` once per problem and returns how many it
   * reported. `newsflow validate` calls it for every stage of a config, and
   * the stage host calls it before create(): a stage whose options have
   * problems exits with NEWSFLOW_STAGE_EXIT_BAD_CONFIG and is not restarted,
   * since no restart can fix a config. */
  int (*validate)(const char* options_json, nf_option_problem_fn report,
                  void* report_context);
} nf_stage_type;

/* The size of nf_stage_type in ABI 1.0 and 1.1, before validate. */
#define NF_STAGE_TYPE_SIZE_1_1 offsetof(nf_stage_type, validate)

/* Exit code of a stage process whose options are wrong (sysexits.h's
 * EX_CONFIG): the runner reports it and does not restart the stage. */
#define NEWSFLOW_STAGE_EXIT_BAD_CONFIG 78

typedef struct nf_plugin_descriptor {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size;
  const char* name;
  const char* version;
  const char* description;
  const char* license;
  const nf_stage_type* const* types;
  size_t type_count;
} nf_plugin_descriptor;

typedef const nf_plugin_descriptor* (*nf_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NEWSFLOW_STAGE_PLUGIN_H_ */
