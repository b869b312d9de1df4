#include "auth/claim_rules.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maillage::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kRules[] = R"({"rules": [
  {"name": "ANCT staff",
   "when": {"email_domain": "anct.gouv.fr",
            "claims": {"groups": "maillage-admins"}},
   "grant": {"role": "admin", "all_territories": true}},
  {"name": "Deux-Sèvres",
   "when": {"claims": {"siret": "22790001500018"}},
   "grant": {"role": "animator", "territories": ["departement:79", "commune:79191"],
             "workspace": "cd79"}},
  {"when": {"email_suffix": ".partner.example", "claims": {"azp": "partner-app"}},
   "grant": {"role": "partner", "territories": ["region:75"], "partner": "acme"}},
  {"name": "one person",
   "when": {"email": "Carol@Example.org"},
   "grant": {"role": "importer", "territories": ["custom:zone-1"]}},
  {"name": "everyone else from the state",
   "when": {"email_domain": "gouv.fr"},
   "grant": {"role": "reader", "territories": ["region:75"]}}
]})";

class ClaimRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = ClaimRules::Parse(kRules);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    rules_.emplace(*std::move(parsed));
  }

  // The name of the rule matching `claims` (JSON), or "" for none.
  std::string Matching(const std::string& claims) {
    auto value = json::Parse(claims);
    EXPECT_TRUE(value.ok()) << value.status();
    if (!value.ok()) return "?";
    const ClaimRule* rule = rules_->Match(*value);
    return rule == nullptr ? "" : rule->name;
  }

  std::optional<ClaimRules> rules_;
};

TEST_F(ClaimRulesTest, FirstMatchingRuleWins) {
  EXPECT_EQ(
      Matching(
          R"({"email":"a@anct.gouv.fr","groups":["x","maillage-admins"]})"),
      "ANCT staff");
  // The same person without the group falls through to no rule: the domain
  // of the last rule is gouv.fr, not anct.gouv.fr.
  EXPECT_EQ(Matching(R"({"email":"a@anct.gouv.fr","groups":["x"]})"), "");
  EXPECT_EQ(Matching(R"({"email":"b@gouv.fr"})"),
            "everyone else from the state");
  EXPECT_EQ(
      Matching(R"({"siret":"22790001500018","groups":"maillage-admins"})"),
      "Deux-Sèvres");
  EXPECT_EQ(
      Matching(R"({"email":"x@svc.partner.example","azp":"partner-app"})"),
      "rule 2");
  EXPECT_EQ(Matching(R"({"email":"x@svc.partner.example","azp":"other"})"), "");
}

TEST_F(ClaimRulesTest, GrantsWhatTheRuleSays) {
  const auto& rules = rules_->rules();
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(rules[0].grant.role, Role::kAdmin);
  EXPECT_TRUE(rules[0].grant.all_territories);
  EXPECT_EQ(rules[0].grant.workspace, "default");
  EXPECT_EQ(rules[1].grant.role, Role::kAnimator);
  EXPECT_THAT(rules[1].grant.territories,
              ElementsAre("departement:79", "commune:79191"));
  EXPECT_EQ(rules[1].grant.workspace, "cd79");
  EXPECT_EQ(rules[2].grant.role, Role::kPartner);
  EXPECT_EQ(rules[2].grant.partner, "acme");
}

TEST_F(ClaimRulesTest, EmailConditions) {
  EXPECT_EQ(Matching(R"({"email":"carol@example.ORG"})"), "one person");
  EXPECT_EQ(Matching(R"({"email":"B@GOUV.FR"})"),
            "everyone else from the state");
  // A domain is what follows the '@', not a suffix of it.
  EXPECT_EQ(Matching(R"({"email":"b@notgouv.fr"})"), "");
  EXPECT_EQ(Matching(R"({"email":"b@gouv.fr","email_verified":false})"), "");
  EXPECT_EQ(Matching(R"({"email":"b@gouv.fr","email_verified":true})"),
            "everyone else from the state");
  EXPECT_EQ(Matching(R"({"email":["b@gouv.fr"]})"), "");
  EXPECT_EQ(Matching(R"({})"), "");
}

TEST_F(ClaimRulesTest, ClaimConditionsWantStrings) {
  EXPECT_EQ(Matching(R"({"siret":22790001500018})"), "");
  EXPECT_EQ(Matching(R"({"siret":["1","22790001500018"]})"), "Deux-Sèvres");
  EXPECT_EQ(Matching(R"({"siret":[["22790001500018"]]})"), "");
}

TEST(ClaimRulesParseTest, EmptyConditionsMatchEveryToken) {
  auto rules = ClaimRules::Parse(
      R"({"rules":[{"when":{},"grant":{"role":"reader","territories":["region:75"]}}]})");
  ASSERT_TRUE(rules.ok()) << rules.status();
  auto claims = json::Parse("{}");
  EXPECT_NE(rules->Match(*claims), nullptr);
}

// Each invalid rule (as rule 1, after a valid one) and what the error says.
TEST(ClaimRulesParseTest, ErrorsNameTheRule) {
  const std::pair<const char*, const char*> kCases[] = {
      {R"({"when":{},"grant":{"role":"root","all_territories":true}})", "role"},
      {R"({"when":{},"grant":{"all_territories":true}})", "role"},
      {R"({"when":{},"grant":{"role":"reader","territories":["79"]}})",
       "level:code"},
      {R"({"when":{},"grant":{"role":"reader","territories":["canton:1"]}})",
       "level:code"},
      {R"({"when":{},"grant":{"role":"reader","territories":["commune:"]}})",
       "level:code"},
      {R"({"when":{},"grant":{"role":"reader","territories":[79]}})",
       "level:code"},
      {R"({"when":{},"grant":{"role":"reader"}})", "territories"},
      {R"({"when":{},"grant":{"role":"reader","territories":[]}})",
       "territories"},
      {R"({"when":{},"grant":{"role":"reader","all_territories":true,)"
       R"("territories":["region:75"]}})",
       "territories"},
      {R"({"when":{},"grant":{"role":"partner","all_territories":true}})",
       "partner"},
      {R"({"when":{},"grant":{"role":"reader","all_territories":true,)"
       R"("partner":"acme"}})",
       "partner"},
      {R"({"when":{},"grant":{"role":"reader","all_territories":true,)"
       R"("workspace":"a b"}})",
       "workspace"},
      {R"({"when":{"emial_domain":"x.fr"},"grant":{"role":"reader",)"
       R"("all_territories":true}})",
       "unknown member \"emial_domain\""},
      {R"({"when":{"claims":{"groups":["a"]}},"grant":{"role":"reader",)"
       R"("all_territories":true}})",
       "groups"},
      {R"({"when":{"claims":{"siret":""}},"grant":{"role":"reader",)"
       R"("all_territories":true}})",
       "siret"},
      {R"({"when":{"email":""},"grant":{"role":"reader",)"
       R"("all_territories":true}})",
       "email"},
      {R"({"grant":{"role":"reader","all_territories":true}})", "when"},
      {R"({"when":{}})", "grant"},
      {R"({"when":{},"grant":{"role":"reader","all_territories":"yes"}})",
       "all_territories"},
      {R"([])", "not an object"},
  };
  for (const auto& [rule, why] : kCases) {
    std::string text = absl::StrCat(
        R"({"rules":[{"when":{},"grant":{"role":"reader","all_territories":true}},)",
        rule, "]}");
    auto rules = ClaimRules::Parse(text);
    ASSERT_FALSE(rules.ok()) << rule;
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(rules.status().message());
    EXPECT_THAT(message, HasSubstr("rule 1")) << rule;
    EXPECT_THAT(message, HasSubstr(why)) << rule;
  }
}

TEST(ClaimRulesParseTest, NamedRuleErrorsGiveTheName) {
  auto rules = ClaimRules::Parse(
      R"({"rules":[{"name":"CD79","when":{},"grant":{"role":"boss"}}]})");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(std::string(rules.status().message()),
              HasSubstr("rule 0 (\"CD79\")"));
}

TEST(ClaimRulesParseTest, DocumentShape) {
  EXPECT_FALSE(ClaimRules::Parse("").ok());
  EXPECT_FALSE(ClaimRules::Parse("[]").ok());
  EXPECT_FALSE(ClaimRules::Parse(R"({"rule":[]})").ok());
  EXPECT_FALSE(ClaimRules::Parse(R"({"rules":[],"extra":1})").ok());
  EXPECT_FALSE(ClaimRules::Parse(R"({"rules":[],"rules":[]})").ok());
  EXPECT_TRUE(ClaimRules::Parse(R"({"rules":[]})").ok());
}

}  // namespace
}  // namespace maillage::auth
