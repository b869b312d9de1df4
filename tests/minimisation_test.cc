// Minimisation of personal data in answers and logs (docs/PRIVACY.md),
// through the real server: contact persons come only with the full view
// and only to the roles allowed to see them, on every read path and in the
// answers of writes (retries included); error answers echo a caller's value
// cut short; and the server's log never carries a contact's value, a note
// or a requested_by note, whatever the call and whether it was accepted.
#include <signal.h>

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "maillage/v1/matching.grpc.pb.h"
#include "tests/support/credentials.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kActor[] = "siret:94000000000011";

v1::Contact Person(const std::string& name, const std::string& email,
                   const std::string& phone) {
  v1::Contact c;
  c.set_name(name);
  c.set_role("Chargée de mission");
  c.set_email(email);
  c.set_phone(phone);
  return c;
}

// A company of Charenton-le-Pont with one contact person, written by the
// server's admin key (workspace "default").
v1::Actor WithContact(const std::string& id) {
  v1::Actor a = testing::SampleActor(id, "Acteur " + id);
  *a.add_contacts() =
      Person("Alice Martin", "alice.martin@example.org", "01 23 45 67 89");
  return a;
}

class MinimisationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::TestServer();
    server_->Start();
    grpc::ClientContext context;
    v1::CreateActorRequest create;
    *create.mutable_actor() = WithContact(kActor);
    v1::Actor created;
    grpc::Status s = server_->actors().CreateActor(&context, create, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::unique_ptr<v1::ActorService::Stub> As(const std::string& role) {
    testing::KeySpec spec{role, {"departement:94"}, "default", ""};
    if (role == "partner") spec.partner = "benevolat";
    if (role == "admin") spec.territories.clear();  // admins cover all
    return v1::ActorService::NewStub(testing::ChannelWithToken(
        server_->target(), testing::CreateKey(server_->channel(), spec)));
  }

  static testing::TestServer* server_;
};
testing::TestServer* MinimisationTest::server_ = nullptr;

// The contacts each read path returns of kActor, for one caller and view.
std::map<std::string, int> ContactsRead(v1::ActorService::Stub& actors,
                                        v1::ActorView view) {
  std::map<std::string, int> read;
  {
    grpc::ClientContext context;
    v1::GetActorRequest get;
    get.set_id(kActor);
    get.set_view(view);
    v1::Actor actor;
    grpc::Status s = actors.GetActor(&context, get, &actor);
    EXPECT_TRUE(s.ok()) << s.error_message();
    read["GetActor"] = actor.contacts_size();
  }
  {
    grpc::ClientContext context;
    v1::BatchGetActorsRequest batch;
    batch.add_ids(kActor);
    batch.set_view(view);
    v1::BatchGetActorsResponse got;
    grpc::Status s = actors.BatchGetActors(&context, batch, &got);
    EXPECT_TRUE(s.ok()) << s.error_message();
    read["BatchGetActors"] =
        got.actors_size() == 1 ? got.actors(0).contacts_size() : -1;
  }
  // Unfiltered (the records in key order) and filtered (the index).
  for (bool filtered : {false, true}) {
    grpc::ClientContext context;
    v1::ListActorsRequest list;
    list.set_view(view);
    if (filtered) list.set_kind(v1::ACTOR_KIND_COMPANY);
    v1::ListActorsResponse listed;
    grpc::Status s = actors.ListActors(&context, list, &listed);
    EXPECT_TRUE(s.ok()) << s.error_message();
    int n = -1;
    for (const auto& a : listed.actors()) {
      if (a.id() == kActor) n = a.contacts_size();
    }
    read[filtered ? "ListActors(kind)" : "ListActors"] = n;
  }
  grpc::ClientContext context;
  v1::ExportActorsRequest request;
  request.set_view(view);
  auto exported = actors.ExportActors(&context, request);
  v1::ExportActorsResponse chunk;
  int n = -1;
  while (exported->Read(&chunk)) {
    for (const auto& a : chunk.actors()) {
      if (a.id() == kActor) n = a.contacts_size();
    }
  }
  // Only importers and admins may export (auth/policy.cc).
  if (exported->Finish().ok()) read["ExportActors"] = n;
  return read;
}

// Every read path, every role, every view: contacts only with the full view
// (GetActor's and BatchGetActors' default, never ListActors' nor
// ExportActors'), and only to animators, importers and admins. Readers and
// partner platforms get none, even when they ask for the full view.
TEST_F(MinimisationTest, ContactsOnlyWithTheFullViewAndForThoseAllowed) {
  for (const std::string role :
       {"reader", "partner", "animator", "importer", "admin"}) {
    auto actors = As(role);
    const bool allowed = role != "reader" && role != "partner";
    const bool exports = role == "importer" || role == "admin";
    for (v1::ActorView view : {v1::ACTOR_VIEW_UNSPECIFIED, v1::ACTOR_VIEW_BASIC,
                               v1::ACTOR_VIEW_FULL}) {
      SCOPED_TRACE(role + " " + v1::ActorView_Name(view));
      const int full = allowed && view == v1::ACTOR_VIEW_FULL ? 1 : 0;
      const int by_id = allowed && view != v1::ACTOR_VIEW_BASIC ? 1 : 0;
      std::map<std::string, int> expected = {{"GetActor", by_id},
                                             {"BatchGetActors", by_id},
                                             {"ListActors", full},
                                             {"ListActors(kind)", full}};
      if (exports) expected["ExportActors"] = full;
      EXPECT_EQ(ContactsRead(*actors, view), expected);
    }
  }
}

// The answers of CreateActor and UpdateActor, and their retries with the
// same request_id (answered from the request log), carry contacts only to
// those allowed to see them: a partner platform does not get back even the
// contacts it sent.
TEST_F(MinimisationTest, WriteAnswersAndRetriesCarryContactsOnlyIfAllowed) {
  for (const std::string role : {"partner", "importer"}) {
    SCOPED_TRACE(role);
    auto actors = As(role);
    const int expected = role == "importer" ? 1 : 0;
    const std::string id = "ext:benevolat:" + role;
    v1::CreateActorRequest create;
    *create.mutable_actor() = WithContact(id);
    create.set_request_id("create-" + role);
    v1::UpdateActorRequest update;
    update.mutable_actor()->set_id(id);
    *update.mutable_actor()->add_contacts() =
        Person("Bruno Petit", "bruno.petit@example.org", "");
    update.mutable_update_mask()->add_paths("contacts");
    update.set_request_id("update-" + role);
    for (int attempt = 0; attempt < 2; ++attempt) {  // then the retry
      SCOPED_TRACE(attempt == 0 ? "first" : "retry");
      {
        grpc::ClientContext context;
        v1::Actor created;
        grpc::Status s = actors->CreateActor(&context, create, &created);
        ASSERT_TRUE(s.ok()) << s.error_message();
        EXPECT_EQ(created.contacts_size(), expected);
      }
      grpc::ClientContext context;
      v1::Actor updated;
      grpc::Status s = actors->UpdateActor(&context, update, &updated);
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(updated.contacts_size(), expected);
    }
  }
}

// Errors echo a caller's own value cut short (core::ErrorBounds::kEchoMax),
// never whole: an import answer carries no actor, and its row errors do not
// carry a contact's value.
TEST_F(MinimisationTest, ImportAnswersDoNotCarryContactValues) {
  const std::string tail = "-beyond-the-echo-bound-7f3a9c";
  const std::string email = std::string(80, 'e') + tail + "@example";
  const std::string name = std::string(250, 'n') + tail;
  auto actors = As("importer");
  grpc::ClientContext context;
  auto stream = actors->ImportActors(&context);
  v1::ImportActorsRequest batch;
  batch.set_first_row_number(2);
  v1::Actor row = WithContact("ext:lab:1");
  *row.add_contacts() = Person(name, email, "+33 (0)1 " + tail);
  *batch.add_actors() = row;
  ASSERT_TRUE(stream->Write(batch));
  stream->WritesDone();
  std::string answers;
  v1::ImportActorsResponse answer;
  int rejected = 0;
  while (stream->Read(&answer)) {
    answers += answer.SerializeAsString();
    rejected +=
        answer.done() ? 0 : static_cast<int>(answer.counts().rejected());
  }
  grpc::Status s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(rejected, 1);
  EXPECT_THAT(answers, HasSubstr("contacts[1]"));  // the errors are there
  EXPECT_THAT(answers, Not(HasSubstr(tail)));
  EXPECT_THAT(answers, Not(HasSubstr("alice.martin@example.org")));
}

// The server's log (its stderr, captured from the real binary) never
// carries a contact's name, e-mail or phone, a note or a requested_by note:
// after writes of valid and invalid contacts through every path that takes
// them (create, update, import, a message that cannot be decoded), reads of
// the full view, a suggestion asked with a requested_by note and moved with
// a reason and a performed_by note, none of the values appears in it.
TEST(MinimisationLogTest, TheLogNeverCarriesContactValuesOrNotes) {
  testing::TempDir dir;
  testing::ServerProcess server(
      MAILLAGE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("store"),
       "--reference_dir=" MAILLAGE_REFERENCE_DIR, "--sync_writes=false"});
  ASSERT_TRUE(server.Start()) << server.error();
  auto actors = v1::ActorService::NewStub(server.channel());
  auto match = v1::MatchService::NewStub(server.channel());
  auto lifecycle = v1::LifecycleService::NewStub(server.channel());

  // Unique markers, each the value of one field somewhere below.
  std::vector<std::string> markers;
  auto marker = [&](const std::string& what) {
    markers.push_back("zq" + what + "91mark");
    return markers.back();
  };
  auto call_ok = [](const grpc::Status& s) {
    EXPECT_TRUE(s.ok()) << s.error_message();
  };

  // Valid contacts, on create and on update (as an animator would).
  v1::Actor association = testing::SampleActor("rna:W941000001", "Assoc");
  association.set_kind(v1::ACTOR_KIND_ASSOCIATION);
  association.add_needs()->set_resource("skills");
  *association.add_contacts() = Person(
      marker("name"), marker("email") + "@example.org", "+33 6 91 82 73 64");
  markers.push_back("+33 6 91 82 73 64");
  v1::Actor company = testing::SampleActor("siret:11111111100011", "Société");
  company.add_offers()->set_resource("skills");
  for (const v1::Actor& a : {association, company}) {
    grpc::ClientContext context;
    v1::CreateActorRequest create;
    *create.mutable_actor() = a;
    v1::Actor created;
    call_ok(actors->CreateActor(&context, create, &created));
  }
  {
    grpc::ClientContext context;
    v1::UpdateActorRequest update;
    update.mutable_actor()->set_id("siret:11111111100011");
    *update.mutable_actor()->add_contacts() =
        Person(marker("updname"), marker("updemail") + "@example.org", "");
    update.mutable_update_mask()->add_paths("contacts");
    v1::Actor updated;
    call_ok(actors->UpdateActor(&context, update, &updated));
  }
  // Invalid contacts: refused on create and update, rejected in an import.
  auto invalid = [&](const std::string& what) {
    return Person(marker(what + "name") + std::string(300, 'x'),
                  marker(what + "email"), marker(what + "phone"));
  };
  {
    grpc::ClientContext context;
    v1::CreateActorRequest create;
    *create.mutable_actor() = testing::SampleActor("ext:lab:bad", "Bad");
    *create.mutable_actor()->add_contacts() = invalid("create");
    v1::Actor created;
    EXPECT_EQ(actors->CreateActor(&context, create, &created).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext context;
    v1::UpdateActorRequest update;
    update.mutable_actor()->set_id("siret:11111111100011");
    *update.mutable_actor()->add_contacts() = invalid("update");
    update.mutable_update_mask()->add_paths("contacts");
    v1::Actor updated;
    EXPECT_EQ(actors->UpdateActor(&context, update, &updated).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext context;
    auto stream = actors->ImportActors(&context);
    v1::ImportActorsRequest batch;
    v1::Actor good = testing::SampleActor("ext:lab:good", "Good");
    *good.add_contacts() = Person(marker("importname"),
                                  marker("importemail") + "@example.org", "");
    v1::Actor bad = testing::SampleActor("ext:lab:bad", "Bad");
    *bad.add_contacts() = invalid("import");
    *batch.add_actors() = good;
    *batch.add_actors() = bad;
    EXPECT_TRUE(stream->Write(batch));
    // A message that cannot be decoded (invalid UTF-8 in a contact's
    // e-mail) ends the call; the parser's own complaint may reach the log.
    v1::ImportActorsRequest undecodable;
    v1::Actor broken = testing::SampleActor("ext:lab:utf8", "Broken");
    *broken.add_contacts() =
        Person("Broken", marker("utf8email") + "\xC3\x28@example.org", "");
    *undecodable.add_actors() = broken;
    stream->Write(undecodable);
    stream->WritesDone();
    v1::ImportActorsResponse answer;
    while (stream->Read(&answer)) {
    }
    EXPECT_EQ(stream->Finish().error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // Reads of the full view (audited reads of contacts).
  {
    grpc::ClientContext context;
    v1::BatchGetActorsRequest batch;
    batch.add_ids("rna:W941000001");
    batch.add_ids("siret:11111111100011");
    batch.set_view(v1::ACTOR_VIEW_FULL);
    v1::BatchGetActorsResponse got;
    call_ok(actors->BatchGetActors(&context, batch, &got));
  }
  // A suggestion asked with a requested_by note, then moved with a reason
  // and a performed_by note.
  std::string suggestion_id;
  {
    grpc::ClientContext context;
    v1::SuggestPartnersRequest request;
    request.set_actor_id("rna:W941000001");
    request.set_requested_by(marker("requestedby") + " <jeanne@example.org>");
    v1::SuggestPartnersResponse response;
    call_ok(match->SuggestPartners(&context, request, &response));
    ASSERT_GE(response.suggestions_size(), 1);
    suggestion_id = response.suggestions(0).suggestion_id();
  }
  for (v1::SuggestionState state :
       {v1::SUGGESTION_STATE_KEPT, v1::SUGGESTION_STATE_KEPT}) {
    // The second is a refused transition (KEPT to KEPT).
    grpc::ClientContext context;
    v1::UpdateSuggestionRequest update;
    update.set_id(suggestion_id);
    update.set_state(state);
    update.set_reason(marker("reason"));
    update.set_performed_by(marker("performedby"));
    v1::Suggestion updated;
    lifecycle->UpdateSuggestion(&context, update, &updated);
  }

  ASSERT_EQ(server.Signal(SIGTERM), 0);
  const std::string log = server.output();
  // The log was captured: the start and stop lines are there.
  ASSERT_THAT(log, HasSubstr("maillage listening on"));
  ASSERT_THAT(log, HasSubstr("stopped cleanly"));
  for (const std::string& value : markers) {
    EXPECT_THAT(log, Not(HasSubstr(value)));
  }
  EXPECT_THAT(log, Not(HasSubstr("example.org")));
}

}  // namespace
}  // namespace maillage
