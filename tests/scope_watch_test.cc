// WatchSuggestions under a territorial scope, through the real lifecycle
// service and request handler (with an authenticator that names a scoped
// animator, until API keys land): a territory outside the scope is
// PERMISSION_DENIED; a territory meeting it streams only the events whose
// actors are all in the caller's territories.
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "auth/authenticator.h"
#include "core/maillage.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "maillage/v1/lifecycle.grpc.pb.h"
#include "services/lifecycle_service.h"
#include "services/request_handler.h"
#include "services/worker_pool.h"
#include "tests/support/temp_dir.h"

namespace maillage {
namespace {

// Every call is the animator of Niort's commune.
class NiortAnimator final : public auth::Authenticator {
 public:
  absl::StatusOr<auth::Principal> Authenticate(
      const auth::Credentials&) const override {
    auth::Principal p;
    p.id = "key:niort";
    p.role = auth::Role::kAnimator;
    p.territories = {"commune:79191"};
    return p;
  }
};

v1::Actor Actor(std::string id, v1::ActorKind kind, std::string commune) {
  v1::Actor a;
  a.set_id(std::move(id));
  a.set_kind(kind);
  a.set_name("Acteur");
  a.set_home_commune(std::move(commune));
  a.add_themes("youth");
  auto* e = kind == v1::ACTOR_KIND_COMPANY ? a.add_offers() : a.add_needs();
  e->set_resource("funding");
  e->set_theme("youth");
  return a;
}

v1::TerritoryRef Ref(v1::TerritoryLevel level, std::string code) {
  v1::TerritoryRef ref;
  ref.set_level(level);
  ref.set_code(std::move(code));
  return ref;
}

class ScopeWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::Maillage::Options options;
    options.data_dir = dir_.Sub("store");
    options.reference_dir = MAILLAGE_REFERENCE_DIR;
    options.sync_writes = false;
    auto opened = core::Maillage::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    core_ = std::move(*opened);
    // Pairs in Niort (in scope) and in Poitiers (same région, outside),
    // each served once as the server itself: one event each.
    const auth::Principal system = auth::Principal::System();
    for (const auto& [association, company, commune] :
         {std::tuple{"rna:W791000001", "siret:79100000000011", "79191"},
          std::tuple{"rna:W861000001", "siret:86100000000011", "86194"}}) {
      for (const v1::Actor& a :
           {Actor(association, v1::ACTOR_KIND_ASSOCIATION, commune),
            Actor(company, v1::ACTOR_KIND_COMPANY, commune)}) {
        v1::CreateActorRequest create;
        *create.mutable_actor() = a;
        ASSERT_TRUE(core_->actors().Create(create, system).ok());
      }
      v1::SuggestPartnersRequest suggest;
      suggest.set_actor_id(association);
      auto served = core_->matching().SuggestPartners(suggest, system);
      ASSERT_TRUE(served.ok()) << served.status();
      ASSERT_GE(served->suggestions_size(), 1);
    }

    pool_ = std::make_unique<services::WorkerPool>(2);
    handler_ = std::make_unique<services::RequestHandler>(
        pool_.get(), services::RequestHandler::Options());
    handler_->SetCore(core_.get(), &authenticator_);
    service_ = std::make_unique<services::LifecycleServiceImpl>(handler_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::LifecycleService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    handler_->SetCore(nullptr, nullptr);
  }

  // The actor ids of the events streamed for `territory` from the start,
  // until the stream ends (`deadline` bounds a stream that stays open), and
  // its final status.
  grpc::Status Watch(const v1::TerritoryRef& territory,
                     std::set<std::string>* actors) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    v1::WatchSuggestionsRequest request;
    *request.mutable_territory() = territory;
    request.set_resume_token("0");
    auto stream = stub_->WatchSuggestions(&ctx, request);
    v1::WatchEvent event;
    while (stream->Read(&event)) {
      if (event.has_suggestion()) actors->insert(event.suggestion().actor_id());
    }
    return stream->Finish();
  }

  maillage::testing::TempDir dir_;
  NiortAnimator authenticator_;
  std::unique_ptr<core::Maillage> core_;
  std::unique_ptr<services::WorkerPool> pool_;
  std::unique_ptr<services::RequestHandler> handler_;
  std::unique_ptr<services::LifecycleServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::LifecycleService::Stub> stub_;
};

TEST_F(ScopeWatchTest, OutsideTheScopeIsPermissionDenied) {
  std::set<std::string> actors;
  grpc::Status status =
      Watch(Ref(v1::TERRITORY_LEVEL_DEPARTEMENT, "86"), &actors);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_TRUE(actors.empty());
}

TEST_F(ScopeWatchTest, MeetingTheScopeStreamsOnlyItsEvents) {
  std::set<std::string> actors;
  // The région holds both pairs; the animator sees the events naming
  // Niort's actors only (not Niort's association proposed Poitiers'
  // company). The stream stays open for new events until the deadline.
  grpc::Status status = Watch(Ref(v1::TERRITORY_LEVEL_REGION, "75"), &actors);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_EQ(actors, std::set<std::string>{"rna:W791000001"});
}

}  // namespace
}  // namespace maillage
