// The rights of data subjects on the real binary (issue 12): a person's
// e-mail written through every path that can hold it is erased, and after a
// restart its bytes are in no file of the data folder and in no answer;
// subject access finds a person in two workspaces and nothing of others;
// a deleted actor's contacts leave the disk by themselves; a replayed
// CreateActor never hands back deleted contacts.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/admin.grpc.pb.h"
#include "maillage/v1/audit.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "maillage/v1/privacy.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

// The person: unusual enough that any occurrence in the data folder is
// theirs.
constexpr char kEmail[] = "Marie.Zq7Durand@example.fr";
constexpr char kLocalPart[] = "zq7durand";
constexpr char kPhone[] = "06 12 34 56 78";
// Someone else, who must stay.
constexpr char kOtherEmail[] = "paul.keepme@example.fr";

std::vector<std::string> Args(const testing::TempDir& dir,
                              std::string purge_interval = "0s") {
  return {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
          "--reference_dir=" MAILLAGE_REFERENCE_DIR,
          "--contacts_purge_interval=" + purge_interval,
          "--rate_limit_per_second=0"};
}

// The files of the data folder whose bytes contain `needle` (ASCII case
// aside).
std::vector<std::string> FilesHolding(const std::string& folder,
                                      std::string needle) {
  for (char& c : needle) c = static_cast<char>(std::tolower(c));
  std::vector<std::string> found;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    for (char& c : bytes) c = static_cast<char>(std::tolower(c));
    if (bytes.find(needle) != std::string::npos) {
      found.push_back(entry.path().filename().string());
    }
  }
  return found;
}

v1::Actor Actor(const std::string& id, v1::ActorKind kind,
                std::pair<std::string, std::string> need,
                std::pair<std::string, std::string> offer) {
  v1::Actor a = testing::SampleActor(id, "Acteur " + id);
  a.set_kind(kind);
  a.clear_themes();
  a.add_themes("digital_inclusion");
  auto* n = a.add_needs();
  n->set_resource(need.first);
  n->set_theme(need.second);
  auto* o = a.add_offers();
  o->set_resource(offer.first);
  o->set_theme(offer.second);
  return a;
}

v1::Contact Contact(const std::string& name, const std::string& email,
                    const std::string& phone) {
  v1::Contact c;
  c.set_name(name);
  c.set_email(email);
  c.set_phone(phone);
  return c;
}

class PrivacyTest : public ::testing::Test {
 protected:
  void Start(std::string purge_interval = "0s") {
    server_ = std::make_unique<testing::ServerProcess>(
        MAILLAGE_SERVER_BINARY, Args(dir_, purge_interval));
    ASSERT_TRUE(server_->Start()) << server_->error();
    admin_ = server_->channel();
  }
  void Restart() {
    server_->Signal(SIGTERM);
    Start();
  }
  std::string store() const { return dir_.Sub("store"); }

  grpc::Status CreateActor(const std::shared_ptr<grpc::Channel>& channel,
                           const v1::Actor& actor,
                           const std::string& request_id = "",
                           v1::Actor* out = nullptr) {
    grpc::ClientContext ctx;
    v1::CreateActorRequest req;
    *req.mutable_actor() = actor;
    req.set_request_id(request_id);
    v1::Actor answer;
    return v1::ActorService::NewStub(channel)->CreateActor(
        &ctx, req, out != nullptr ? out : &answer);
  }
  grpc::Status SetContacts(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& id,
                           const std::vector<v1::Contact>& contacts) {
    grpc::ClientContext ctx;
    v1::UpdateActorRequest req;
    req.mutable_actor()->set_id(id);
    for (const auto& c : contacts) *req.mutable_actor()->add_contacts() = c;
    req.mutable_update_mask()->add_paths("contacts");
    v1::Actor out;
    return v1::ActorService::NewStub(channel)->UpdateActor(&ctx, req, &out);
  }
  v1::PersonalDataExport Export(const std::string& email) {
    grpc::ClientContext ctx;
    v1::ExportPersonalDataRequest req;
    req.mutable_subject()->set_email(email);
    v1::PersonalDataExport out;
    grpc::Status s = v1::PrivacyService::NewStub(admin_)->ExportPersonalData(
        &ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::shared_ptr<grpc::Channel> admin_;
};

// Every path that can hold the e-mail: contacts in two workspaces, an
// actor's description, an animator key's label (hence the suggestions'
// requested_by_name and the history's performed_by_name), a requested_by
// note, a dismissal reason, a partnership's description, the audit entries
// of that key, and the request log.
TEST_F(PrivacyTest, ErasureLeavesNoByteOnDiskAndNothingInAnswers) {
  Start();
  // The animator's key is labelled with her e-mail (a token's display name
  // would be the same).
  std::string marie_key;
  {
    grpc::ClientContext ctx;
    v1::CreateApiKeyRequest req;
    req.set_role("animator");
    req.set_label(kEmail);
    req.set_all_territories(true);
    req.set_workspace("lab79");
    v1::CreateApiKeyResponse out;
    ASSERT_TRUE(
        v1::AdminService::NewStub(admin_)->CreateApiKey(&ctx, req, &out).ok());
    marie_key = out.secret();
  }
  auto marie = testing::ChannelWithToken(server_->target(), marie_key);

  v1::Actor asso = Actor("rna:W941000001", v1::ACTOR_KIND_ASSOCIATION,
                         {"skills", "digital_inclusion"},
                         {"audience_access", "digital_inclusion"});
  *asso.add_contacts() = Contact("Marie Durand", kEmail, kPhone);
  *asso.add_contacts() = Contact("Paul Garde", kOtherEmail, "");
  ASSERT_TRUE(CreateActor(admin_, asso, "create-asso-1").ok());
  v1::Actor company = Actor("siret:11111111100011", v1::ACTOR_KIND_COMPANY,
                            {"audience_access", "digital_inclusion"},
                            {"skills", "digital_inclusion"});
  company.set_description(std::string("Mécénat de compétences ; écrire à ") +
                          kEmail + " ou appeler le +33 6 12 34 56 78.");
  ASSERT_TRUE(CreateActor(admin_, company, "create-company-1").ok());
  // Her own workspace's contacts of the association.
  ASSERT_TRUE(SetContacts(marie, "rna:W941000001",
                          {Contact("Marie Durand", kEmail, "")})
                  .ok());

  // She asks for suggestions (with a note naming her) and dismisses one.
  v1::SuggestPartnersResponse served;
  {
    grpc::ClientContext ctx;
    v1::SuggestPartnersRequest req;
    req.set_actor_id("rna:W941000001");
    req.set_requested_by(std::string("Marie Durand <") + kEmail + ">");
    ASSERT_TRUE(v1::MatchService::NewStub(marie)
                    ->SuggestPartners(&ctx, req, &served)
                    .ok());
    ASSERT_GT(served.suggestions_size(), 0);
  }
  const std::string suggestion_id = served.suggestions(0).suggestion_id();
  {
    grpc::ClientContext ctx;
    v1::UpdateSuggestionRequest req;
    req.set_id(suggestion_id);
    req.set_state(v1::SUGGESTION_STATE_DISMISSED);
    req.set_reason(std::string("appel de ") + kEmail + " au 06.12.34.56.78");
    v1::Suggestion out;
    ASSERT_TRUE(v1::LifecycleService::NewStub(marie)
                    ->UpdateSuggestion(&ctx, req, &out)
                    .ok());
  }
  {
    grpc::ClientContext ctx;
    v1::CreatePartnershipRequest req;
    auto* p = req.mutable_partnership();
    p->add_participants("rna:W941000001");
    p->add_participants("siret:11111111100011");
    p->set_category(v1::PARTNERSHIP_CATEGORY_MECENAT);
    p->set_description(std::string("Suivi par ") + kEmail);
    v1::Partnership out;
    grpc::Status s = v1::LifecycleService::NewStub(marie)->CreatePartnership(
        &ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // Written and flushed to table files too, so that erasure has old
  // versions to get rid of, not only memtables.
  Restart();
  marie = testing::ChannelWithToken(server_->target(), marie_key);
  ASSERT_FALSE(FilesHolding(store(), kLocalPart).empty());

  // Subject access: every kind of record, in both workspaces.
  v1::PersonalDataExport exported = Export(kEmail);
  std::set<std::string> kinds;
  std::set<std::string> workspaces;
  for (const auto& item : exported.items()) {
    kinds.insert(item.record());
    workspaces.insert(item.workspace());
    EXPECT_NE(item.contact().email(), kOtherEmail);
  }
  for (const char* kind : {"contact", "actor", "suggestion", "partnership",
                           "event", "api_key", "audit_entry", "request"}) {
    EXPECT_TRUE(kinds.count(kind)) << "no " << kind << " in the export";
  }
  EXPECT_TRUE(workspaces.count("default"));
  EXPECT_TRUE(workspaces.count("lab79"));
  ASSERT_EQ(exported.principal_ids_size(), 1);

  // Erasure.
  v1::ErasePersonalDataResponse erased;
  {
    grpc::ClientContext ctx;
    v1::ErasePersonalDataRequest req;
    req.mutable_subject()->set_email(kEmail);
    req.mutable_subject()->set_phone("+33612345678");
    grpc::Status s = v1::PrivacyService::NewStub(admin_)->ErasePersonalData(
        &ctx, req, &erased);
    ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << server_->output();
  }
  EXPECT_TRUE(erased.physically_erased());
  EXPECT_EQ(erased.pseudonym().rfind("erased:", 0), 0u);
  EXPECT_EQ(FilesHolding(store(), kLocalPart), std::vector<std::string>())
      << "right after the erasure";
  EXPECT_EQ(FilesHolding(store(), "12 34 56 78"), std::vector<std::string>());

  Restart();
  EXPECT_EQ(FilesHolding(store(), kLocalPart), std::vector<std::string>())
      << "after a restart";
  // The other person is untouched.
  EXPECT_FALSE(FilesHolding(store(), "paul.keepme").empty());

  // Nothing in any answer either.
  v1::PersonalDataExport again = Export(kEmail);
  EXPECT_EQ(again.items_size(), 0);
  {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id("rna:W941000001");
    req.set_view(v1::ACTOR_VIEW_FULL);
    v1::Actor out;
    ASSERT_TRUE(
        v1::ActorService::NewStub(admin_)->GetActor(&ctx, req, &out).ok());
    ASSERT_EQ(out.contacts_size(), 1);
    EXPECT_EQ(out.contacts(0).email(), kOtherEmail);
  }
  {
    // The replay of the first CreateActor: no erased contact either.
    v1::Actor replayed;
    ASSERT_TRUE(CreateActor(admin_, asso, "create-asso-1", &replayed).ok());
    EXPECT_EQ(replayed.DebugString().find(kLocalPart), std::string::npos);
  }
  {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id("siret:11111111100011");
    v1::Actor out;
    ASSERT_TRUE(
        v1::ActorService::NewStub(admin_)->GetActor(&ctx, req, &out).ok());
    EXPECT_EQ(out.description(),
              "Mécénat de compétences ; écrire à [effacé] ou appeler le "
              "[effacé].");
  }
  {
    grpc::ClientContext ctx;
    v1::ListAuditEntriesRequest req;
    req.set_page_size(1000);
    v1::ListAuditEntriesResponse out;
    ASSERT_TRUE(v1::AuditService::NewStub(admin_)
                    ->ListAuditEntries(&ctx, req, &out)
                    .ok());
    int pseudonymised = 0;
    for (const auto& e : out.entries()) {
      EXPECT_EQ(e.DebugString().find(kLocalPart), std::string::npos);
      if (e.principal_id() == erased.pseudonym()) ++pseudonymised;
    }
    EXPECT_GT(pseudonymised, 0);
  }
}

TEST_F(PrivacyTest, SubjectAccessFindsBothWorkspacesAndNobodyElse) {
  Start();
  auto lab79 = testing::ChannelWithToken(
      server_->target(),
      testing::CreateKey(admin_, {"animator", {}, "lab79", ""}));
  v1::Actor a = testing::SampleActor("siret:22222222200022", "Entreprise");
  *a.add_contacts() = Contact("Marie Durand", kEmail, "");
  *a.add_contacts() = Contact("Paul Garde", kOtherEmail, "");
  ASSERT_TRUE(CreateActor(admin_, a).ok());
  ASSERT_TRUE(
      SetContacts(lab79, a.id(),
                  {Contact("M. Durand", "MARIE.zq7durand@EXAMPLE.fr", "")})
          .ok());

  v1::PersonalDataExport exported = Export(kEmail);
  ASSERT_EQ(exported.items_size(), 2);
  std::set<std::string> workspaces;
  for (const auto& item : exported.items()) {
    EXPECT_EQ(item.record(), "contact");
    EXPECT_EQ(item.record_id(), a.id());
    workspaces.insert(item.workspace());
    EXPECT_NE(item.contact().email(), kOtherEmail);
  }
  EXPECT_EQ(workspaces, (std::set<std::string>{"default", "lab79"}));

  // Admins only; a malformed subject is named field by field.
  grpc::ClientContext ctx;
  v1::ExportPersonalDataRequest req;
  req.mutable_subject()->set_email(kEmail);
  v1::PersonalDataExport out;
  EXPECT_EQ(v1::PrivacyService::NewStub(lab79)
                ->ExportPersonalData(&ctx, req, &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext bad_ctx;
  v1::ExportPersonalDataRequest bad;
  bad.mutable_subject()->set_email("not an address");
  grpc::Status s = v1::PrivacyService::NewStub(admin_)->ExportPersonalData(
      &bad_ctx, bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::BadRequestFields(s),
            std::vector<std::string>{"subject.email"});
}

// The report: a deleted actor's contact stayed in a table file, and
// a replayed CreateActor answered with it.
TEST_F(PrivacyTest, DeletedContactsLeaveTheDiskByThemselves) {
  Start("1s");
  v1::Actor a = testing::SampleActor("siret:33333333300033", "Entreprise");
  *a.add_contacts() = Contact("Marie Durand", kEmail, "");
  ASSERT_TRUE(CreateActor(admin_, a, "create-once").ok());
  Restart();  // the contact is flushed to a table file
  server_->Signal(SIGTERM);
  Start("1s");
  ASSERT_FALSE(FilesHolding(store(), kLocalPart).empty());
  {
    grpc::ClientContext ctx;
    v1::DeleteActorRequest req;
    req.set_id(a.id());
    google::protobuf::Empty out;
    ASSERT_TRUE(
        v1::ActorService::NewStub(admin_)->DeleteActor(&ctx, req, &out).ok());
  }
  // The replay answers the first answer, without the deleted contact.
  v1::Actor replayed;
  ASSERT_TRUE(CreateActor(admin_, a, "create-once", &replayed).ok());
  EXPECT_EQ(replayed.contacts_size(), 0);

  std::vector<std::string> left;
  for (int i = 0; i < 300; ++i) {
    left = FilesHolding(store(), kLocalPart);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(left, std::vector<std::string>());
}

}  // namespace
}  // namespace maillage
