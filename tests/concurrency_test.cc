// Many clients at once: creates, updates, reads and lists interleaved.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/credentials.h"
#include "tests/support/test_server.h"

namespace maillage {
namespace {

using testing::SampleActor;

TEST(ConcurrencyTest, ThirtyTwoClientsMixedWorkload) {
  testing::TestServer server;
  server.options().core.sync_writes = true;  // the real group-commit path
  server.Start();
  constexpr int kClients = 32;
  constexpr int kOpsPerClient = 60;

  std::mutex mu;
  std::map<std::string, std::string> acknowledged;  // id -> last acked name
  std::atomic<int> failures{0};

  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // Each client has its own channel, like separate processes.
      auto channel = maillage::testing::ChannelWithToken(server.target(),
                                                         server.admin_key());
      auto stub = v1::ActorService::NewStub(channel);
      std::mt19937 rng(c);
      std::vector<std::string> mine;
      for (int op = 0; op < kOpsPerClient; ++op) {
        int what = mine.empty() ? 0 : static_cast<int>(rng() % 4);
        grpc::ClientContext ctx;
        if (what == 0) {
          std::string id =
              "ext:c" + std::to_string(c) + ":" + std::to_string(op);
          v1::CreateActorRequest req;
          *req.mutable_actor() = SampleActor(id, "v0");
          v1::Actor out;
          if (!stub->CreateActor(&ctx, req, &out).ok()) {
            ++failures;
            continue;
          }
          mine.push_back(id);
          std::lock_guard lock(mu);
          acknowledged[id] = "v0";
        } else if (what == 1) {
          const std::string& id = mine[rng() % mine.size()];
          std::string name = "v" + std::to_string(op);
          v1::UpdateActorRequest req;
          req.mutable_actor()->set_id(id);
          req.mutable_actor()->set_name(name);
          req.mutable_update_mask()->add_paths("name");
          v1::Actor out;
          if (!stub->UpdateActor(&ctx, req, &out).ok()) {
            ++failures;
            continue;
          }
          std::lock_guard lock(mu);
          acknowledged[id] = name;
        } else if (what == 2) {
          v1::GetActorRequest req;
          req.set_id(mine[rng() % mine.size()]);
          v1::Actor out;
          if (!stub->GetActor(&ctx, req, &out).ok()) ++failures;
        } else {
          v1::ListActorsRequest req;
          req.set_page_size(100);
          req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
          req.mutable_territory()->set_code("94");
          v1::ListActorsResponse out;
          if (!stub->ListActors(&ctx, req, &out).ok()) {
            ++failures;
            continue;
          }
          // A page is sorted and without duplicates even under writes.
          for (int i = 1; i < out.actors_size(); ++i) {
            if (!(out.actors(i - 1).id() < out.actors(i).id())) ++failures;
          }
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);

  // Every acknowledged write is readable, with its last acknowledged value
  // (each actor is written by one client only, so "last" is well defined).
  for (const auto& [id, name] : acknowledged) {
    grpc::ClientContext ctx;
    v1::GetActorRequest req;
    req.set_id(id);
    v1::Actor out;
    ASSERT_TRUE(server.actors().GetActor(&ctx, req, &out).ok()) << id;
    EXPECT_EQ(out.name(), name) << id;
  }
  // And the filtered listing sees exactly the acknowledged set.
  std::set<std::string> listed;
  v1::ListActorsRequest req;
  req.set_page_size(500);
  req.mutable_territory()->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  req.mutable_territory()->set_code("94");
  for (;;) {
    grpc::ClientContext ctx;
    v1::ListActorsResponse page;
    ASSERT_TRUE(server.actors().ListActors(&ctx, req, &page).ok());
    for (const auto& a : page.actors())
      EXPECT_TRUE(listed.insert(a.id()).second);
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(listed.size(), acknowledged.size());
}

}  // namespace
}  // namespace maillage
