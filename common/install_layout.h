// Where newsflow finds what it ships (stage host, plugins, models, examples)
// relative to the running binary, so that a build tree, `cmake --install`
// into any prefix and the Debian package all work with no configuration and
// no path fixed at build time.
//
// Layouts, with the binaries in <exe-dir>:
//   installed:  <prefix>/bin/newsflow, <prefix>/lib/newsflow/plugins/*.so,
//               <prefix>/share/newsflow/{models,examples}/...
//   build tree: <build>/runner/newsflow, <build>/plugins/*.so, and the
//               source tree's models/ (its path is compiled in).
#ifndef NEWSFLOW_COMMON_INSTALL_LAYOUT_H_
#define NEWSFLOW_COMMON_INSTALL_LAYOUT_H_

#include <string>
#include <string_view>
#include <vector>

namespace newsflow {

// Relative to an installation prefix; also what CMake installs to.
inline constexpr std::string_view kInstalledPluginDir = "lib/newsflow/plugins";
inline constexpr std::string_view kInstalledDataDir = "share/newsflow";

// Folder of the running executable; "" when /proc/self/exe is unreadable.
std::string ExecutableDir();

// The shipped data file `relative` (for example "models/ner.bin"): under
// <exe-dir>/../share/newsflow first, so an installed binary always uses its
// own installation, then in the source tree this binary was built from.
// "" when neither exists.
std::string FindShippedFile(std::string_view relative);

// Folders holding the plugins shipped with this binary that exist: the
// build tree's plugins/ and the installation's lib/newsflow/plugins.
std::vector<std::string> ShippedPluginDirs();

// Every place FindShippedFile and ShippedPluginDirs look, existing or not,
// for `newsflow paths` and error messages.
std::vector<std::string> ShippedFileCandidates(std::string_view relative);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_INSTALL_LAYOUT_H_
