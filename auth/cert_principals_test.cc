#include "auth/cert_principals.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kMapping[] = R"(# Partner platforms and labs
CN=platform.example.org role=partner partner=benevolat scope=departement:79,departement:86 workspace=w1

DNS:importer.lab.example scope=* role=importer name="Import nightly"
  "CN=Lab Nouvelle-Aquitaine" role=animator scope=region:75 workspace=lab-na
URI:spiffe://example.org/reader role=reader scope=departement:94,departement:94
)";

std::unique_ptr<CertificatePrincipals> Mapping() {
  auto mapping = CertificatePrincipals::Parse(kMapping, "principals.txt");
  EXPECT_TRUE(mapping.ok()) << mapping.status();
  return mapping.ok() ? *std::move(mapping) : nullptr;
}

absl::StatusOr<Principal> AuthenticateAs(const CertificatePrincipals& mapping,
                                         std::vector<std::string> identities) {
  Credentials credentials;
  credentials.peer_identities = std::move(identities);
  return mapping.Authenticate(credentials);
}

TEST(CertificatePrincipalsTest, ParsesEveryAttribute) {
  auto mapping = Mapping();
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(mapping->size(), 4u);

  auto partner = AuthenticateAs(*mapping, {"CN=platform.example.org"});
  ASSERT_TRUE(partner.ok()) << partner.status();
  EXPECT_EQ(partner->id, "cert:CN=platform.example.org");
  EXPECT_EQ(partner->display_name, "CN=platform.example.org");
  EXPECT_EQ(partner->role, Role::kPartner);
  EXPECT_EQ(partner->partner, "benevolat");
  EXPECT_EQ(partner->workspace, "w1");
  EXPECT_FALSE(partner->all_territories);
  EXPECT_THAT(partner->territories,
              ElementsAre("departement:79", "departement:86"));

  auto importer = AuthenticateAs(*mapping, {"DNS:importer.lab.example"});
  ASSERT_TRUE(importer.ok()) << importer.status();
  EXPECT_EQ(importer->role, Role::kImporter);
  EXPECT_TRUE(importer->all_territories);
  EXPECT_EQ(importer->display_name, "Import nightly");
  EXPECT_EQ(importer->workspace, kDefaultWorkspace);

  auto lab = AuthenticateAs(*mapping, {"CN=Lab Nouvelle-Aquitaine"});
  ASSERT_TRUE(lab.ok()) << lab.status();
  EXPECT_EQ(lab->role, Role::kAnimator);
  EXPECT_EQ(lab->workspace, "lab-na");

  auto reader = AuthenticateAs(*mapping, {"URI:spiffe://example.org/reader"});
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_THAT(reader->territories, ElementsAre("departement:94"));
}

TEST(CertificatePrincipalsTest, TheFirstMappedIdentityWins) {
  auto mapping = Mapping();
  ASSERT_NE(mapping, nullptr);
  auto principal =
      AuthenticateAs(*mapping, {"CN=unknown", "DNS:importer.lab.example",
                                "URI:spiffe://example.org/reader"});
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->id, "cert:DNS:importer.lab.example");
}

TEST(CertificatePrincipalsTest, UnmappedOrAbsentCertificateIsUnauthenticated) {
  auto mapping = Mapping();
  ASSERT_NE(mapping, nullptr);
  auto none = AuthenticateAs(*mapping, {});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  auto unknown = AuthenticateAs(*mapping, {"CN=intruder", "DNS:intruder"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(unknown.status().message(), HasSubstr("CN=intruder"));
  // Same text, another kind of identity: not the same certificate.
  auto kind = AuthenticateAs(*mapping, {"DNS:platform.example.org"});
  EXPECT_EQ(kind.status().code(), absl::StatusCode::kUnauthenticated);
}

struct BadLine {
  const char* text;
  const char* message;
};

TEST(CertificatePrincipalsTest, BadLinesAreNamed) {
  const BadLine cases[] = {
      {"platform role=reader scope=*", "not a certificate identity"},
      {"CN= role=reader scope=*", "not a certificate identity"},
      {"CN=a scope=*", "role= is missing"},
      {"CN=a role=reader", "scope= is missing"},
      {"CN=a role=root scope=*", "unknown role \"root\""},
      {"CN=a role=reader role=admin scope=*", "role= is given twice"},
      {"CN=a role=reader scope=* colour=blue", "unknown attribute \"colour\""},
      {"CN=a role=reader scope=79", "\"79\" is not a territory"},
      {"CN=a role=reader scope=departement:79,*", "\"*\" is not a territory"},
      {"CN=a role=reader scope=", "scope= has no value"},
      {"CN=a role=partner scope=*", "role=partner needs partner="},
      {"CN=a role=reader partner=x scope=*", "only for role=partner"},
      {"CN=a role=reader scope=* workspace=a/b", "workspace=\"a/b\""},
      {"CN=a role=reader scope=* name=\"open", "double quote is not closed"},
      {"CN=a role=reader scope=* stray", "\"stray\" is not key=value"},
  };
  for (const BadLine& bad : cases) {
    std::string text = std::string("# header\n\n") + bad.text + "\n";
    auto mapping = CertificatePrincipals::Parse(text, "map.txt");
    ASSERT_FALSE(mapping.ok()) << bad.text;
    EXPECT_EQ(mapping.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(mapping.status().message(), HasSubstr("map.txt:3: "))
        << bad.text;
    EXPECT_THAT(mapping.status().message(), HasSubstr(bad.message)) << bad.text;
  }
}

TEST(CertificatePrincipalsTest, AnIdentityIsMappedOnce) {
  auto mapping = CertificatePrincipals::Parse(
      "CN=a role=reader scope=*\nCN=a role=admin scope=*\n", "map.txt");
  ASSERT_FALSE(mapping.ok());
  EXPECT_THAT(mapping.status().message(),
              HasSubstr("map.txt:2: \"CN=a\" is mapped twice"));
}

TEST(CertificatePrincipalsTest, MissingFileIsNotFound) {
  auto mapping = CertificatePrincipals::Load("/nonexistent/principals.txt");
  EXPECT_EQ(mapping.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(mapping.status().message(),
              HasSubstr("--client_cert_principals"));
}

}  // namespace
}  // namespace maillage::auth
