#include "core/personal_data.h"

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "maillage/storage/records.pb.h"
#include "maillage/v1/audit.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/territory.pb.h"

namespace maillage::core {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// String fields of stored records that hold no personal data: ids, codes,
// vocabularies, organisations' public data, text the server writes.
const std::set<std::string>& NotPersonal() {
  static const auto* const fields = new std::set<std::string>{
      // Organisations: public registries (SIRENE, RNA) and their sites.
      "maillage.v1.Actor.id",
      "maillage.v1.Actor.name",
      "maillage.v1.Actor.naf_code",
      "maillage.v1.Actor.association_purpose_codes",
      "maillage.v1.Actor.home_commune",
      "maillage.v1.Actor.themes",
      "maillage.v1.Actor.website",
      "maillage.v1.Actor.source",
      "maillage.v1.Actor.etag",
      "maillage.v1.LegalIds.siren",
      "maillage.v1.LegalIds.siret",
      "maillage.v1.LegalIds.rna",
      "maillage.v1.TerritoryRef.code",
      "maillage.v1.Exchange.resource",
      "maillage.v1.Exchange.theme",
      // Territories and facts: codes, figures and their sources.
      "maillage.v1.Territory.name",
      "maillage.v1.Territory.postal_codes",
      "maillage.v1.Territory.legal_form",
      "maillage.v1.Territory.communes",
      "maillage.v1.Territory.etag",
      "maillage.v1.TerritoryFact.id",
      "maillage.v1.TerritoryFact.theme",
      "maillage.v1.TerritoryFact.indicator",
      "maillage.v1.TerritoryFact.unit",
      "maillage.v1.TerritoryFact.source",
      "maillage.v1.TerritoryFact.etag",
      // Suggestions and partnerships: ids and what the engine wrote.
      "maillage.v1.Suggestion.id",
      "maillage.v1.Suggestion.actor_id",
      "maillage.v1.Suggestion.partner_id",
      "maillage.v1.Suggestion.explanation",
      "maillage.v1.Suggestion.partnership_id",
      "maillage.v1.Suggestion.etag",
      "maillage.v1.MatchFactor.code",
      "maillage.v1.MatchFactor.detail",
      "maillage.v1.Partnership.id",
      "maillage.v1.Partnership.participants",
      "maillage.v1.Partnership.theme",
      "maillage.v1.Partnership.source",
      "maillage.v1.Partnership.etag",
      "maillage.v1.WatchEvent.token",
      "maillage.storage.EventRecord.communes",
      "maillage.storage.EventRecord.workspace",
      // Keys: ids, roles, scopes (names of teams, not of people).
      "maillage.v1.ApiKey.id",
      "maillage.v1.ApiKey.role",
      "maillage.v1.ApiKey.territories",
      "maillage.v1.ApiKey.workspace",
      "maillage.v1.ApiKey.partner",
      "maillage.v1.ApiKey.rotated_from",
      // Audit: what was called, on what, with what outcome.
      "maillage.v1.AuditEntry.workspace",
      "maillage.v1.AuditEntry.role",
      "maillage.v1.AuditEntry.method",
      "maillage.v1.AuditEntry.target_ids",
      "maillage.v1.AuditEntry.outcome",
      "maillage.v1.AuditEntry.request_id",
  };
  return *fields;
}

void CollectStringFields(const Descriptor* type,
                         std::set<const Descriptor*>* seen,
                         std::set<std::string>* out) {
  if (!seen->insert(type).second) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->message_type()->file()->package().rfind("maillage", 0) == 0) {
        CollectStringFields(field->message_type(), seen, out);
      }
    } else if (field->type() == FieldDescriptor::TYPE_STRING) {
      out->insert(std::string(field->full_name()));
    }
  }
}

// A new string field of a stored record must be classified: in the
// inventory (and docs/PRIVACY.md), or known not to be personal.
TEST(PersonalDataInventoryTest, EveryStoredStringFieldIsClassified) {
  std::set<std::string> fields;
  std::set<const Descriptor*> seen;
  for (const Descriptor* root :
       {v1::Actor::descriptor(), storage::ContactRecord::descriptor(),
        v1::Territory::descriptor(), v1::TerritoryFact::descriptor(),
        v1::Suggestion::descriptor(), v1::Partnership::descriptor(),
        storage::EventRecord::descriptor(), storage::ApiKeyRecord::descriptor(),
        v1::AuditEntry::descriptor()}) {
    CollectStringFields(root, &seen, &fields);
  }
  std::set<std::string> inventoried;
  for (const InventoryItem& item : PersonalDataInventory()) {
    inventoried.insert(
        absl::StrCat(AsAbsl(item.message), ".", AsAbsl(item.field)));
  }
  for (const std::string& field : fields) {
    EXPECT_TRUE(inventoried.count(field) + NotPersonal().count(field) == 1)
        << field
        << ": add it to the inventory (core/personal_data.cc and "
           "docs/PRIVACY.md) or to NotPersonal here";
  }
  for (const std::string& field : inventoried) {
    EXPECT_TRUE(fields.count(field)) << field << " is no stored field";
  }
}

TEST(PersonalDataInventoryTest, PrivacyDocListsEveryItem) {
  std::ifstream in(MAILLAGE_DOCS_DIR "/PRIVACY.md");
  ASSERT_TRUE(in.good());
  std::string doc((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  for (const InventoryItem& item : PersonalDataInventory()) {
    std::string name = absl::StrCat(
        "`", AsAbsl(item.message.substr(item.message.rfind('.') + 1)), ".",
        AsAbsl(item.field), "`");
    EXPECT_NE(doc.find(name), std::string::npos)
        << name << " is missing from docs/PRIVACY.md";
  }
}

DataSubject Subject(const std::string& email, const std::string& phone,
                    const std::string& name) {
  v1::DataSubject s;
  s.set_email(email);
  s.set_phone(phone);
  s.set_name(name);
  auto subject = DataSubject::From(s, "subject");
  EXPECT_TRUE(subject.ok()) << subject.status();
  return *subject;
}

TEST(DataSubjectTest, RecognisesContactsByEmailPhoneOrName) {
  DataSubject marie =
      Subject("Marie.Durand@Example.fr", "+33 6 12 34 56 78", "");
  v1::Contact c;
  c.set_email("marie.durand@example.FR ");
  EXPECT_TRUE(marie.IsContact(c));
  c.set_email("paul@example.fr");
  c.set_phone("06.12.34.56.78");
  EXPECT_TRUE(marie.IsContact(c));
  c.set_phone("06 12 34 56 79");
  EXPECT_FALSE(marie.IsContact(c));
  DataSubject by_name = Subject("", "", "Hélène  Lefèvre");
  c.set_name("hélène lefèvre");
  EXPECT_TRUE(by_name.IsContact(c));
  c.set_name("Hélène");
  EXPECT_FALSE(by_name.IsContact(c));
}

TEST(DataSubjectTest, RedactsEveryMentionInFreeText) {
  DataSubject marie =
      Subject("marie.durand@example.fr", "0612345678", "Marie Durand");
  EXPECT_EQ(marie.Redact("Voir MARIE.DURAND@example.fr (tél. +33 6 12 34 56 "
                         "78), ou Marie  Durand elle-même."),
            "Voir [effacé] (tél. [effacé]), ou [effacé] elle-même.");
  // Other numbers and a lone first name stay.
  EXPECT_EQ(marie.Redact("SIRET 06123456780012, Marie seule"),
            "SIRET 06123456780012, Marie seule");
  EXPECT_FALSE(marie.IsMentionedIn("marie.durand@example.org"));
}

TEST(DataSubjectTest, NeedsAnIdentifierAndNamesBadFields) {
  v1::DataSubject none;
  EXPECT_EQ(DataSubject::From(none, "subject").status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::DataSubject bad;
  bad.set_email("nobody");
  bad.set_phone("12");
  EXPECT_EQ(DataSubject::From(bad, "subject").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NormalisePhoneTest, FrenchFormsAgree) {
  for (const char* form :
       {"06 12 34 56 78", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78",
        "0033612345678", "06.12.34.56.78"}) {
    EXPECT_EQ(NormalisePhone(form), "0612345678") << form;
  }
}

}  // namespace
}  // namespace maillage::core
