#include "auth/pseudonym.h"

#include <string>

#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";

TEST(PseudonymTest, StableForOneIdAndSecret) {
  std::string p = Pseudonym(kSecret, "oidc:https://idp.example#alice");
  EXPECT_EQ(p, Pseudonym(kSecret, "oidc:https://idp.example#alice"));
  EXPECT_EQ(p.substr(0, kPseudonymPrefix.size()), kPseudonymPrefix);
  EXPECT_EQ(p.size(), kPseudonymPrefix.size() + 32);
  EXPECT_EQ(p.find("alice"), std::string::npos);
  EXPECT_TRUE(IsPseudonym(p));
}

TEST(PseudonymTest, DiffersByIdAndBySecret) {
  std::string p = Pseudonym(kSecret, "key:0011223344556677");
  EXPECT_NE(p, Pseudonym(kSecret, "key:0011223344556678"));
  EXPECT_NE(p, Pseudonym("another secret of thirty-two byte",
                         "key:0011223344556677"));
}

TEST(PseudonymTest, LeavesPseudonymsAndEmptyIdsAlone) {
  std::string p = Pseudonym(kSecret, "cert:CN=partner");
  EXPECT_EQ(Pseudonym(kSecret, p), p);
  EXPECT_EQ(Pseudonym(kSecret, ""), "");
  EXPECT_FALSE(IsPseudonym("key:0011223344556677"));
  EXPECT_FALSE(IsPseudonym(""));
}

}  // namespace
}  // namespace maillage::auth
