// Run folders on a shared machine. A run folder holds the pipeline's
// control and data sockets and its lock: whoever can write there can
// inject articles or commands, and whoever can swap it (a symlink, a folder
// created in advance under /tmp by another user) can read what the runner
// puts there. So a run folder is created mode 0700 and, whether created or
// found, used only when it is a real folder (not a symlink) owned by this
// user with mode 0700, inside ancestors that no other user can rename.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_PRIVATE_DIR_H_
#define NEWSFLOW_RUNNER_SUPERVISE_PRIVATE_DIR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace newsflow {

// Creates `path` and its missing parents (mode 0700) and checks it as
// above. Errors are FailedPrecondition naming the folder at fault and how
// to fix it. Appends the folders it created, outermost first, to `created`
// (may be null) so that RemovePrivateDirectory can remove just those.
// A folder of ours that others may read but not write (0755, as older
// versions left them) is closed to 0700, saying so in `tightened` (may be
// null); one that others may write is refused: what it holds cannot be
// trusted.
absl::Status MakePrivateDirectory(const std::string& path,
                                  std::vector<std::string>* created,
                                  std::string* tightened = nullptr);

// On a clean stop: removes from `path` the files newsflow leaves there
// (sockets, runner.lock, reload.result, launch specs of older versions),
// then `path` itself and each folder of `created` that is then empty,
// innermost first. Anything else in the folder is kept, and so is the
// folder.
void RemovePrivateDirectory(const std::string& path,
                            const std::vector<std::string>& created);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_PRIVATE_DIR_H_
