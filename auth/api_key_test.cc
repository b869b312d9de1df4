#include "auth/api_key.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

TEST(ApiKeyTokenTest, NewTokensParseBackAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ApiKeyToken token = NewApiKeyToken();
    std::string text = token.ToString();
    EXPECT_EQ(text.substr(0, 4), "mlg_");
    auto parsed = ParseApiKeyToken(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(parsed->id, token.id);
    EXPECT_EQ(parsed->secret, token.secret);
    EXPECT_TRUE(seen.insert(text).second);
  }
}

TEST(ApiKeyTokenTest, RefusesAnythingElse) {
  std::string good = NewApiKeyToken().ToString();
  for (std::string bad :
       {std::string(), std::string("mlg_"), good.substr(0, good.size() - 1),
        good + "A", "xyz" + good.substr(3),
        good.substr(0, 20) + "!" + good.substr(21),
        good.substr(0, 4) + "ABCDEF0123456789" + good.substr(20),
        std::string("eyJhbGciOiJub25lIn0.e30.")}) {
    EXPECT_FALSE(ParseApiKeyToken(bad).has_value()) << bad;
  }
}

TEST(ApiKeyDigestTest, KeyedAndBoundToTheId) {
  ApiKeyToken token = NewApiKeyToken();
  std::string d1 = ApiKeyDigest("secret-one-secret-one-secret-one", token);
  EXPECT_EQ(d1.size(), 32u);
  EXPECT_TRUE(DigestsEqual(
      d1, ApiKeyDigest("secret-one-secret-one-secret-one", token)));
  EXPECT_FALSE(DigestsEqual(
      d1, ApiKeyDigest("secret-two-secret-two-secret-two", token)));
  ApiKeyToken other_id = token;
  other_id.id = NewApiKeyToken().id;
  EXPECT_FALSE(DigestsEqual(
      d1, ApiKeyDigest("secret-one-secret-one-secret-one", other_id)));
  EXPECT_EQ(d1.find(token.secret), std::string::npos);
}

TEST(DigestSecretTest, CreatedOnceOwnerOnlyThenReread) {
  std::string path = ::testing::TempDir() + "/digest-secret-test";
  std::remove(path.c_str());
  auto created = LoadOrCreateDigestSecret(path);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->size(), 32u);
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  auto again = LoadOrCreateDigestSecret(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *created);
  std::ofstream(path, std::ios::trunc) << "short";
  EXPECT_EQ(LoadOrCreateDigestSecret(path).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace maillage::auth
