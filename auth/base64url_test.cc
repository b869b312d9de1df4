#include "auth/base64url.h"

#include <string>

#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = DecodeBase64Url(EncodeBase64Url(bytes));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(0xF9 - 7 * i));
  }
  EXPECT_EQ(EncodeBase64Url("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, IsStrict) {
  EXPECT_EQ(*DecodeBase64Url("TWFu"), "Man");
  EXPECT_EQ(*DecodeBase64Url("TWE"), "Ma");
  EXPECT_EQ(*DecodeBase64Url(""), "");
  EXPECT_EQ(*DecodeBase64Url("TQ"), "M");
  // Padding, the other alphabet, white space, an impossible length, and
  // unused bits set ("TWF" and "TWG" would both be "Ma" otherwise).
  for (const char* text : {"TWE=", "TQ==", "TWFuT", "TW+u", "TW/u", "TW u",
                           "TWF\n", "TWF", "TWG"}) {
    EXPECT_FALSE(DecodeBase64Url(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace maillage::auth
