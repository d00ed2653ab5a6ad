// Reverses mojibake: UTF-8 text that was once decoded as Windows-1252 or
// Latin-1 and re-encoded, so that "’" reads "â€™" and "é" reads "Ã©".
#ifndef NEWSFLOW_STAGES_CLEAN_MOJIBAKE_H_
#define NEWSFLOW_STAGES_CLEAN_MOJIBAKE_H_

#include <string>
#include <string_view>

namespace newsflow {
namespace clean {

// Repairs valid UTF-8 text. A run of characters is taken for mojibake when
// encoding it back to Windows-1252 bytes (Latin-1 for C1 controls) gives
// one well-formed UTF-8 sequence of two to four bytes: a lead character
// "Â".."ô" followed by continuation characters ("€", "™", "©", ...). The
// run is replaced by the character those bytes encode, but only when that
// character is plausible text: a letter, number, punctuation, symbol or
// no-break space, never a control, combining mark or unassigned code
// point (German "Fuß«" stays). Text mangled twice ("Ã¢â‚¬â„¢") is
// repaired twice. Stores the number of characters repaired in *repaired
// when not null. Text without any character of U+00C0..U+00FF is returned
// unchanged at the cost of one byte scan.
std::string RepairMojibake(std::string_view text, int* repaired = nullptr);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_MOJIBAKE_H_
