#include "core/key_ring.h"

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "auth/api_key.h"
#include "core/maillage.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace maillage::core {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

class KeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    maillage_.reset();
    Maillage::Options options;
    options.data_dir = dir_.Sub("store");
    options.reference_dir = MAILLAGE_REFERENCE_DIR;
    options.sync_writes = false;
    auto opened = Maillage::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    maillage_ = *std::move(opened);
  }

  KeyRing& keys() { return maillage_->keys(); }

  v1::CreateApiKeyResponse Create(const std::string& role,
                                  std::vector<std::string> territories,
                                  const std::string& partner = "") {
    v1::CreateApiKeyRequest request;
    request.set_label("test " + role);
    request.set_role(role);
    for (auto& t : territories) request.add_territories(t);
    request.set_all_territories(territories.empty());
    request.set_partner(partner);
    request.set_workspace("lab-79");
    auto created = keys().Create(request, auth::Principal::System());
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : v1::CreateApiKeyResponse();
  }

  absl::StatusOr<auth::Principal> Authenticate(const std::string& bearer) {
    auth::Credentials credentials;
    credentials.bearer = bearer;
    return keys().Authenticate(credentials);
  }

  maillage::testing::TempDir dir_;
  std::unique_ptr<Maillage> maillage_;
};

TEST_F(KeyRingTest, CreatedKeyAuthenticatesAsItsPrincipal) {
  auto created = Create("animator", {"departement:79", "region:75"});
  EXPECT_THAT(created.secret(), HasSubstr("mlg_" + created.key().id() + "_"));
  auto principal = Authenticate(created.secret());
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->id, "key:" + created.key().id());
  EXPECT_EQ(principal->role, auth::Role::kAnimator);
  EXPECT_THAT(principal->territories,
              ::testing::ElementsAre("departement:79", "region:75"));
  EXPECT_FALSE(principal->all_territories);
  EXPECT_EQ(principal->workspace, "lab-79");
  EXPECT_EQ(created.key().created_by(), "local:system");
}

TEST_F(KeyRingTest, KeysSurviveARestartAndTheSecretIsNeverStored) {
  auto created = Create("importer", {"departement:94"});
  Reopen();
  EXPECT_TRUE(Authenticate(created.secret()).ok());
  // Neither the secret nor the whole key is anywhere in the data folder
  // (store files, write-ahead log, digest secret).
  // (Parsed: the base64url secret may hold '_' itself.)
  std::optional<auth::ApiKeyToken> token =
      auth::ParseApiKeyToken(created.secret());
  ASSERT_TRUE(token.has_value()) << created.secret();
  std::string secret_part = token->secret;
  maillage_.reset();
  for (const auto& file :
       std::filesystem::recursive_directory_iterator(dir_.Sub("store"))) {
    if (!file.is_regular_file()) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    EXPECT_EQ(content.str().find(secret_part), std::string::npos)
        << file.path();
  }
}

TEST_F(KeyRingTest, WrongUnknownMalformedRevokedAndExpiredKeysAreRefused) {
  auto created = Create("reader", {"departement:79"});
  std::string secret = created.secret();
  std::string wrong = secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  auth::ApiKeyToken unknown = auth::NewApiKeyToken();
  for (const std::string& bad :
       {wrong, unknown.ToString(), std::string("mlg_nope"), std::string(""),
        std::string("eyJhbGciOiJub25lIn0.e30.")}) {
    auto result = Authenticate(bad);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
        << bad;
    EXPECT_THAT(std::string(result.status().message()),
                ::testing::Not(HasSubstr(created.key().id())));
  }
  v1::RevokeApiKeyRequest revoke;
  revoke.set_id(created.key().id());
  ASSERT_TRUE(keys().Revoke(revoke, auth::Principal::System()).ok());
  EXPECT_EQ(Authenticate(secret).status().code(),
            absl::StatusCode::kUnauthenticated);
  Reopen();  // revocation is durable
  EXPECT_EQ(Authenticate(secret).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(KeyRingTest, ExpiryIsEnforced) {
  v1::CreateApiKeyRequest request;
  request.set_label("short-lived");
  request.set_role("reader");
  request.set_all_territories(true);
  *request.mutable_expire_time() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now()) + 1500);
  auto created = keys().Create(request, auth::Principal::System());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(Authenticate(created->secret()).ok());
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(Authenticate(created->secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(KeyRingTest, RotationIssuesANewKeyAndRetiresTheOld) {
  auto created = Create("partner", {"departement:79"}, "benevolat");
  v1::RotateApiKeyRequest rotate;
  rotate.set_id(created.key().id());
  auto rotated = keys().Rotate(rotate, auth::Principal::System());
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_NE(rotated->key().id(), created.key().id());
  EXPECT_EQ(rotated->key().rotated_from(), created.key().id());
  EXPECT_EQ(rotated->key().partner(), "benevolat");
  EXPECT_EQ(Authenticate(created.secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
  auto principal = Authenticate(rotated->secret());
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->partner, "benevolat");

  // With a grace period the old key keeps working meanwhile.
  rotate.set_id(rotated->key().id());
  rotate.mutable_grace()->set_seconds(3600);
  auto graced = keys().Rotate(rotate, auth::Principal::System());
  ASSERT_TRUE(graced.ok());
  EXPECT_TRUE(Authenticate(rotated->secret()).ok());
  EXPECT_TRUE(Authenticate(graced->secret()).ok());
}

TEST_F(KeyRingTest, BadCreateRequestsNameEachField) {
  v1::CreateApiKeyRequest request;
  request.set_role("root");
  request.add_territories("departement:999");
  request.add_territories("nowhere");
  request.set_workspace("Bad Space");
  request.set_partner("x");
  auto created = keys().Create(request, auth::Principal::System());
  ASSERT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(created.status().message());
  for (const char* field : {"label", "role", "territories[0]", "workspace"}) {
    EXPECT_THAT(message + created.status().ToString(), HasSubstr(field));
  }
  v1::CreateApiKeyRequest partner;
  partner.set_label("p");
  partner.set_role("partner");
  partner.set_all_territories(true);
  EXPECT_EQ(keys().Create(partner, auth::Principal::System()).status().code(),
            absl::StatusCode::kInvalidArgument);  // no partner namespace
  v1::CreateApiKeyRequest admin;
  admin.set_label("a");
  admin.set_role("admin");
  admin.add_territories("departement:79");
  EXPECT_EQ(keys().Create(admin, auth::Principal::System()).status().code(),
            absl::StatusCode::kInvalidArgument);  // admins cover everything
}

TEST_F(KeyRingTest, ListPagesThroughKeysWithoutSecrets) {
  for (int i = 0; i < 5; ++i) Create("reader", {"departement:79"});
  v1::ListApiKeysRequest list;
  list.set_page_size(2);
  int seen = 0;
  for (int page = 0; page < 10; ++page) {
    auto response = keys().List(list, auth::Principal::System());
    ASSERT_TRUE(response.ok()) << response.status();
    seen += response->keys_size();
    EXPECT_EQ(response->DebugString().find("mlg_"), std::string::npos);
    if (response->next_page_token().empty()) break;
    list.set_page_token(response->next_page_token());
  }
  EXPECT_EQ(seen, 5);
}

TEST_F(KeyRingTest, HasActiveAdminKey) {
  EXPECT_FALSE(keys().HasActiveAdminKey(absl::Now()));
  auto admin = Create("admin", {});
  EXPECT_TRUE(keys().HasActiveAdminKey(absl::Now()));
  v1::RevokeApiKeyRequest revoke;
  revoke.set_id(admin.key().id());
  ASSERT_TRUE(keys().Revoke(revoke, auth::Principal::System()).ok());
  EXPECT_FALSE(keys().HasActiveAdminKey(absl::Now()));
}

}  // namespace
}  // namespace maillage::core
