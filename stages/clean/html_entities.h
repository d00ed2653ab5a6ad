// Decodes HTML character references left in scraped text ("AT&amp;T",
// "it&#8217;s", "caf&eacute;").
#ifndef NEWSFLOW_STAGES_CLEAN_HTML_ENTITIES_H_
#define NEWSFLOW_STAGES_CLEAN_HTML_ENTITIES_H_

#include <string>
#include <string_view>

namespace newsflow {
namespace clean {

// Replaces character references in valid UTF-8 text:
//  - the HTML 4 named references and "&apos;", with their semicolon
//    ("&amp;", "&rsquo;"); names are case-sensitive and an unknown name or
//    a missing semicolon leaves the text alone ("AT&T", "&copy 2011");
//  - decimal and hexadecimal references ("&#8217;", "&#x2019;"), whose
//    semicolon may be missing before a non-alphanumeric character; 128-159
//    mean the Windows-1252 characters, as in browsers ("&#146;" -> "’");
//    zero, surrogates and values past U+10FFFF are left alone.
// A reference escaped twice ("&amp;#8217;") is decoded twice: scrapers
// often escape text that was already escaped. Stores the number of
// references decoded in *decoded when not null. Text without '&' is
// returned unchanged at the cost of one scan.
std::string DecodeHtmlEntities(std::string_view text, int* decoded = nullptr);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_HTML_ENTITIES_H_
