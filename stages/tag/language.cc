#include "stages/tag/language.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <climits>

namespace newsflow {
namespace tag {
namespace {

class Cld2LanguageDetector : public LanguageDetector {
 public:
  LanguageGuess Detect(std::string_view title, std::string_view body) override {
    text_.assign(title);
    text_.append("\n\n");
    text_.append(body);
    LanguageGuess guess;
    if (text_.size() > static_cast<size_t>(INT_MAX)) return guess;

    CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING,
                            CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language languages[3];
    int percents[3];
    double scores[3];
    int text_bytes = 0;
    bool reliable = false;
    int valid_prefix_bytes = 0;
    CLD2::Language language = CLD2::ExtDetectLanguageSummaryCheckUTF8(
        text_.data(), static_cast<int>(text_.size()), /*is_plain_text=*/true,
        &hints, /*flags=*/0, languages, percents, scores,
        /*resultchunkvector=*/nullptr, &text_bytes, &reliable,
        &valid_prefix_bytes);
    if (!reliable || language == CLD2::UNKNOWN_LANGUAGE ||
        language == CLD2::TG_UNKNOWN_LANGUAGE) {
      return guess;
    }
    std::string_view code = CLD2::LanguageCode(language);
    // "zh-Hant" → "zh": the article field holds the bare language.
    guess.code = std::string(code.substr(0, code.find('-')));
    guess.confidence = languages[0] == language ? percents[0] / 100.0 : 0.5;
    return guess;
  }

 private:
  std::string text_;
};

}  // namespace

std::unique_ptr<LanguageDetector> NewCld2LanguageDetector() {
  return std::make_unique<Cld2LanguageDetector>();
}

}  // namespace tag
}  // namespace newsflow
