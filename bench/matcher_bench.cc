// The matching engine in process, over a synthetic France of 1 million
// actors (MAILLAGE_BENCH_ACTORS overrides the count): index build time and
// memory per actor, then the latency of SuggestPartners (without and with
// lifecycle feedback: responsiveness and cooperation signals),
// SuggestCoalition, SuggestDialoguePanel, ExplainMatch, List and Upsert.
// Latencies are timed one query at a time and reported as counters (p50_us,
// p99_us, …).

#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "benchmark/benchmark.h"
#include "matcher/actor_index.h"
#include "matcher/coalition.h"
#include "matcher/context.h"
#include "matcher/panel.h"
#include "matcher/partners.h"
#include "matcher/synthetic.h"
#include "matcher/vocabulary.h"

namespace maillage::matcher {
namespace {

using Clock = std::chrono::steady_clock;
using France = synthetic::France;
using territory::Level;

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t size = 0;
  size_t resident = 0;
  statm >> size >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

struct World {
  std::unique_ptr<Vocabulary> vocabulary;
  std::unique_ptr<synthetic::France> france;
  std::unique_ptr<ActorIndex> index;
  std::unique_ptr<MatchContext> context;
  size_t actors = 0;
  double build_seconds = 0;
  double rss_bytes_per_actor = 0;
  double estimated_bytes_per_actor = 0;
  std::vector<ActorNum> askers;  // proposable actors, in random order
};

World& GetWorld() {
  static World* world = [] {
    auto* w = new World;
    w->actors = 1000000;
    if (const char* env = std::getenv("MAILLAGE_BENCH_ACTORS")) {
      w->actors = std::strtoull(env, nullptr, 10);
    }
    absl::StatusOr<Vocabulary> vocabulary =
        Vocabulary::LoadFromDir(MAILLAGE_REFERENCE_DIR "/vocab");
    if (!vocabulary.ok()) {
      std::fprintf(stderr, "%s\n", vocabulary.status().ToString().c_str());
      std::abort();
    }
    w->vocabulary = std::make_unique<Vocabulary>(*std::move(vocabulary));
    w->france = std::make_unique<synthetic::France>(synthetic::FranceOptions{});
    w->context = std::make_unique<MatchContext>(*w->vocabulary);

    // Profiles are generated outside the timed section; the RSS delta
    // covers the whole build (the generated profiles are freed before).
    const size_t rss_before = ResidentBytes();
    w->index = std::make_unique<ActorIndex>();
    w->index->SetCommunePlaces(w->france->communes());
    std::mt19937_64 rng(42);
    Clock::duration build{};
    {
      // Inserted in geographic order, as the server numbers actors when it
      // rebuilds its index at open (ActorDirectory::LoadIndex).
      std::vector<ActorProfile> all;
      all.reserve(w->actors);
      for (size_t n = 0; n < w->actors; ++n) {
        all.push_back(synthetic::MakeActor(*w->france, *w->vocabulary, n, rng));
      }
      std::vector<ActorProfile*> order;
      for (ActorProfile& p : all) order.push_back(&p);
      const Clock::time_point start = Clock::now();
      auto place = [](const ActorProfile* p) {
        return std::tuple(p->home.departement, p->home.epci, p->home.commune);
      };
      std::stable_sort(order.begin(), order.end(),
                       [&](const ActorProfile* a, const ActorProfile* b) {
                         return place(a) < place(b);
                       });
      for (ActorProfile* p : order) w->index->Upsert(std::move(*p));
      build += Clock::now() - start;
    }
    malloc_trim(0);  // the generated profiles' pages
    w->build_seconds = std::chrono::duration<double>(build).count();
    w->rss_bytes_per_actor =
        static_cast<double>(ResidentBytes() - rss_before) / w->actors;
    w->estimated_bytes_per_actor =
        static_cast<double>(w->index->ApproximateMemoryUsage()) / w->actors;

    // Fragilities on a fifth of the EPCI and a third of the départements;
    // partnerships between neighbours (1 per 3 actors).
    const France& france = *w->france;
    for (uint32_t e = 0; e < france.Count(Level::kEpci); ++e) {
      if (rng() % 5) continue;
      for (int i = 0; i < 2; ++i) {
        w->context->AddFragility({Level::kEpci, e,
                                  static_cast<uint8_t>(rng() % 22),
                                  static_cast<float>(rng() % 100) / 100.0f});
      }
    }
    for (uint32_t d = 0; d < france.Count(Level::kDepartement); ++d) {
      if (rng() % 3) continue;
      w->context->AddFragility({Level::kDepartement, d,
                                static_cast<uint8_t>(rng() % 22),
                                static_cast<float>(rng() % 100) / 100.0f});
    }
    const ActorNum limit = w->index->num_limit();
    for (size_t i = 0; i < w->actors / 3; ++i) {
      const ActorNum a = static_cast<ActorNum>(rng() % limit);
      const ActorNum b = static_cast<ActorNum>(rng() % limit);
      w->context->AddPartnership(
          {a, b, static_cast<Category>(1 + rng() % 4), rng() % 10 < 6});
    }
    for (ActorNum num = 0; num < limit; ++num) {
      const ActorProfile& p = w->index->Get(num);
      if (p.available && p.capacity > 0) w->askers.push_back(num);
    }
    std::shuffle(w->askers.begin(), w->askers.end(), rng);
    return w;
  }();
  return *world;
}

// Times `query` once per iteration and reports percentiles in µs.
template <typename Query>
void TimeQueries(benchmark::State& state, Query query) {
  // Wall time, and the thread's CPU time (robust to a shared machine).
  std::vector<double> micros;
  std::vector<double> cpu;
  micros.reserve(static_cast<size_t>(state.max_iterations));
  cpu.reserve(static_cast<size_t>(state.max_iterations));
  size_t i = 0;
  double results = 0;
  for (auto _ : state) {
    const double cpu_start = ThreadCpuMicros();
    const Clock::time_point start = Clock::now();
    results += query(i++);
    micros.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count());
    cpu.push_back(ThreadCpuMicros() - cpu_start);
  }
  std::sort(micros.begin(), micros.end());
  std::sort(cpu.begin(), cpu.end());
  auto at = [](const std::vector<double>& v, double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
  };
  state.counters["p50_us"] = at(micros, 0.50);
  state.counters["p99_us"] = at(micros, 0.99);
  state.counters["cpu_p50_us"] = at(cpu, 0.50);
  state.counters["cpu_p99_us"] = at(cpu, 0.99);
  state.counters["results"] = results / micros.size();
}

void BM_IndexBuild(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(GetWorld().index.get());
  const World& w = GetWorld();
  state.counters["actors"] = static_cast<double>(w.actors);
  state.counters["build_s"] = w.build_seconds;
  state.counters["rss_bytes_per_actor"] = w.rss_bytes_per_actor;
  state.counters["estimated_bytes_per_actor"] = w.estimated_bytes_per_actor;
}
BENCHMARK(BM_IndexBuild)->Iterations(1)->Unit(benchmark::kMillisecond);

// The world's context plus lifecycle feedback: responsiveness for 5% of
// the actors (0-3 answers, 0-5 non-answers) and 20,000 cooperation signals
// between neighbours (same département) or at random.
const MatchContext& FeedbackContext() {
  static const MatchContext* context = [] {
    const World& w = GetWorld();
    auto* c = new MatchContext(*w.context);
    std::mt19937_64 rng(11);
    const ActorNum limit = w.index->num_limit();
    for (size_t i = 0; i < w.actors / 20; ++i) {
      c->SetResponsiveness(static_cast<ActorNum>(rng() % limit),
                           static_cast<uint16_t>(rng() % 4),
                           static_cast<uint16_t>(rng() % 6));
    }
    for (size_t i = 0; i < 20000; ++i) {
      const ActorNum a = w.askers[rng() % w.askers.size()];
      ActorNum b = w.askers[rng() % w.askers.size()];
      for (int tries = 0; tries < 50 && i % 2 == 0; ++tries) {
        if (w.index->Get(b).home.departement ==
            w.index->Get(a).home.departement) {
          break;
        }
        b = w.askers[rng() % w.askers.size()];
      }
      c->AddCooperationSignal(a, b);
    }
    return c;
  }();
  return *context;
}

// SuggestPartners, limit 20: state.range(0) = 0 national, 1 the asker's
// département, 2 its EPCI; state.range(1) = 1 with lifecycle feedback;
// state.range(2) = 0 without the factors' details (the server's default
// BASIC view), 1 with them.
void BM_SuggestPartners(benchmark::State& state) {
  const World& w = GetWorld();
  const int scope = static_cast<int>(state.range(0));
  const MatchContext& context = state.range(1) ? FeedbackContext() : *w.context;
  TimeQueries(state, [&](size_t i) {
    const ActorNum actor = w.askers[i % w.askers.size()];
    PartnerOptions options;
    options.limit = 20;
    options.factor_details = state.range(2) != 0;
    const territory::Place& home = w.index->Get(actor).home;
    if (scope == 1) {
      options.scope = w.france->ScopeOf(Level::kDepartement, home.departement);
    } else if (scope == 2) {
      options.scope = w.france->ScopeOf(Level::kEpci, home.epci);
    }
    absl::StatusOr<std::vector<Suggestion>> result =
        SuggestPartners(*w.index, context, actor, options);
    if (!result.ok()) std::abort();
    return static_cast<double>(result->size());
  });
}
BENCHMARK(BM_SuggestPartners)
    ->ArgNames({"scope", "feedback", "details"})
    ->Args({0, 0, 1})
    ->Args({1, 0, 1})
    ->Args({2, 0, 1})
    ->Args({0, 0, 0})
    ->Args({0, 1, 1})
    ->Args({1, 1, 1})
    ->Args({2, 1, 1})
    ->Iterations(3000)
    ->Unit(benchmark::kMicrosecond);

void BM_ExplainMatch(benchmark::State& state) {
  const World& w = GetWorld();
  TimeQueries(state, [&](size_t i) {
    const ActorNum a = w.askers[i % w.askers.size()];
    const ActorNum b = w.askers[(i * 7919 + 1) % w.askers.size()];
    absl::StatusOr<MatchExplanation> e =
        ExplainMatch(*w.index, *w.context, a, b);
    if (!e.ok()) std::abort();
    return e->suggestion.score;
  });
}
BENCHMARK(BM_ExplainMatch)->Iterations(3000)->Unit(benchmark::kMicrosecond);

void BM_SuggestCoalitionDepartement(benchmark::State& state) {
  const World& w = GetWorld();
  std::mt19937 rng(7);
  TimeQueries(state, [&](size_t) {
    const uint32_t d = rng() % w.france->Count(Level::kDepartement);
    Challenge challenge;
    challenge.themes = {static_cast<uint8_t>(rng() % 22)};
    absl::StatusOr<CoalitionAnswer> answer =
        SuggestCoalition(*w.index, *w.context,
                         w.france->ScopeOf(Level::kDepartement, d), challenge);
    if (!answer.ok()) std::abort();
    return static_cast<double>(answer->best.members.size());
  });
}
BENCHMARK(BM_SuggestCoalitionDepartement)
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

void BM_SuggestDialoguePanelDepartement(benchmark::State& state) {
  const World& w = GetWorld();
  std::mt19937 rng(8);
  TimeQueries(state, [&](size_t) {
    const uint32_t d = rng() % w.france->Count(Level::kDepartement);
    std::vector<uint8_t> themes = {static_cast<uint8_t>(rng() % 22),
                                   static_cast<uint8_t>(rng() % 22),
                                   static_cast<uint8_t>(rng() % 22)};
    absl::StatusOr<Panel> panel = SuggestDialoguePanel(
        *w.index, *w.context, w.france->ScopeOf(Level::kDepartement, d), themes,
        12);
    if (!panel.ok()) std::abort();
    return static_cast<double>(panel->invitations.size());
  });
}
BENCHMARK(BM_SuggestDialoguePanelDepartement)
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

// List, 50 per page: state.range(0) = 0 theme in a département (selective),
// 1 kind "media" alone, 2 offered resource + EPCI, 3 no filter.
void BM_List(benchmark::State& state) {
  const World& w = GetWorld();
  const int which = static_cast<int>(state.range(0));
  std::mt19937 rng(9);
  TimeQueries(state, [&](size_t i) {
    ActorFilter filter;
    const territory::Place& home =
        w.index->Get(w.askers[i % w.askers.size()]).home;
    switch (which) {
      case 0:
        filter.theme = static_cast<uint8_t>(rng() % 22);
        filter.territory =
            w.france->ScopeOf(Level::kDepartement, home.departement);
        break;
      case 1:
        filter.kind = Kind::kMedia;
        break;
      case 2:
        filter.offered_resource = static_cast<uint8_t>(rng() % 14);
        filter.territory = w.france->ScopeOf(Level::kEpci, home.epci);
        break;
      default:
        break;
    }
    bool more = false;
    std::vector<std::string> page = w.index->List(
        filter, w.index->Get(w.askers[i % w.askers.size()]).id, 50, &more);
    return static_cast<double>(page.size());
  });
}
BENCHMARK(BM_List)
    ->ArgName("filter")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Arg(3)
    ->Iterations(3000)
    ->Unit(benchmark::kMicrosecond);

// Replacing an actor (the import path's index update).
void BM_UpsertReplace(benchmark::State& state) {
  World& w = GetWorld();
  std::mt19937_64 rng(10);
  TimeQueries(state, [&](size_t i) {
    const ActorNum num = w.askers[(i * 104729) % w.askers.size()];
    ActorProfile profile = w.index->Get(num);
    profile.capacity = static_cast<uint16_t>(1 + rng() % 5);
    std::swap(profile.needs, profile.offers);
    w.index->Upsert(std::move(profile));
    return 1.0;
  });
}
BENCHMARK(BM_UpsertReplace)->Iterations(20000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace maillage::matcher

BENCHMARK_MAIN();
