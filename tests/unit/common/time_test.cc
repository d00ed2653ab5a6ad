#include "common/time.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

TEST(ParseTimestampTest, ReadsEveryFormArticlesFeedsAndUsersWrite) {
  const struct {
    const char* text;
    absl::Time want;
  } cases[] = {
      {"2011-03-01T10:15:30Z", Utc(2011, 3, 1, 10, 15, 30)},
      {"2011-03-01T10:15:30.250+01:00",
       Utc(2011, 3, 1, 9, 15, 30) + absl::Milliseconds(250)},
      {"2011-03-01 10:15:30-05:00", Utc(2011, 3, 1, 15, 15, 30)},
      {"2011-03-01T10:15+02:00", Utc(2011, 3, 1, 8, 15)},
      {"2011-03-01 10:15+02:00", Utc(2011, 3, 1, 8, 15)},
      {"2011-03-01T10:15:30", Utc(2011, 3, 1, 10, 15, 30)},
      {"2011-03-01 10:15:30.5",
       Utc(2011, 3, 1, 10, 15, 30) + absl::Milliseconds(500)},
      {"2011-03-01T10:15", Utc(2011, 3, 1, 10, 15)},
      {"2011-03-01 10:15", Utc(2011, 3, 1, 10, 15)},
      {"2011-03-01", Utc(2011, 3, 1)},
      {"  2011-03-01\n", Utc(2011, 3, 1)},
      {"Tue, 01 Mar 2011 10:15:30 +0100", Utc(2011, 3, 1, 9, 15, 30)},
      {"Tue, 01 Mar 2011 10:15:30 GMT", Utc(2011, 3, 1, 10, 15, 30)},
  };
  for (const auto& c : cases) {
    const std::optional<absl::Time> got = ParseTimestamp(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(ParseTimestampTest, AnythingElseIsNoTime) {
  for (const char* text :
       {"", "   ", "yesterday", "2011-13-01", "2011-02-30", "01/03/2011",
        "2011-03-01T", "2011-03-01T10:15:30 and more", "1 March 2011"}) {
    EXPECT_FALSE(ParseTimestamp(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace newsflow
