// Language identification for one article.
//
// LanguageDetector is the seam for other detectors; the default uses CLD2
// (Compact Language Detector 2) over the title and body as plain text.
#ifndef NEWSFLOW_STAGES_TAG_LANGUAGE_H_
#define NEWSFLOW_STAGES_TAG_LANGUAGE_H_

#include <memory>
#include <string>
#include <string_view>

namespace newsflow {
namespace tag {

struct LanguageGuess {
  // ISO 639-1 where one exists ("en", "fr"; CLD2 uses ISO 639-2 for a few
  // languages without one, e.g. "haw"); empty when unknown or unreliable.
  std::string code;
  // Share of the text in that language, 0..1; 0 when `code` is empty.
  double confidence = 0;
};

class LanguageDetector {
 public:
  virtual ~LanguageDetector() = default;

  // `title` and `body` must be valid UTF-8; invalid input yields unknown.
  virtual LanguageGuess Detect(std::string_view title,
                               std::string_view body) = 0;
};

// CLD2's answer when it calls itself reliable. Instances keep a scratch
// buffer between calls: use one per thread.
std::unique_ptr<LanguageDetector> NewCld2LanguageDetector();

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_LANGUAGE_H_
