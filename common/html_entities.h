// Decoding of HTML character references ("AT&amp;T", "it&#8217;s",
// "caf&eacute;"), for markup and for text scraped out of markup.
//
// Rules in both modes:
//  - named references: the HTML 4 set plus "&apos;", case-sensitive, and
//    only with their ';' ("&copy 2011" and "AT&T" stay as written); an
//    unknown name stays as written;
//  - numeric references, decimal ("&#8217;") or hexadecimal ("&#x2019;"):
//    the values 0x80-0x9F mean the Windows-1252 characters, as in browsers
//    ("&#146;" -> "’", see common/legacy_charsets.h);
//  - "&" followed by anything else stays as written.
// The two modes differ where markup and scraped text need different
// answers; see EntityMode.
#ifndef NEWSFLOW_COMMON_HTML_ENTITIES_H_
#define NEWSFLOW_COMMON_HTML_ENTITIES_H_

#include <string>
#include <string_view>

namespace newsflow {

enum class EntityMode {
  // HTML source (a feed summary, an SGML body): numeric references are read
  // as a browser reads them. The ';' is optional ("&#39s" -> "'s"), and a
  // value that is no character (zero, a surrogate, past U+10FFFF, however
  // many digits) becomes U+FFFD. One pass: "&amp;lt;" -> "&lt;".
  kMarkup,
  // Text that should already be plain but still carries references left by
  // scrapers, where a literal '&' is more likely than a mistake: a numeric
  // reference without ';' decodes only before a character that is not an
  // ASCII letter or digit ("&#8217;s" and "&#8217 s" decode, "&#8217s"
  // does not); zero, surrogates, values past U+10FFFF and more than eight
  // digits stay as written. References escaped twice ("&amp;#8217;") are
  // decoded twice, because scrapers often escape already escaped text.
  kScrapedText,
};

// Replaces the character references in valid UTF-8 `text` as described
// above; the result is valid UTF-8. Stores the number of references decoded
// in *decoded when not null. Text without '&' is returned unchanged at the
// cost of one scan.
std::string DecodeHtmlEntities(std::string_view text, EntityMode mode,
                               int* decoded = nullptr);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_HTML_ENTITIES_H_
