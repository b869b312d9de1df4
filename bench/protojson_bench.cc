// protobuf JSON of one actor as `maillage export` writes it: protobuf's
// JsonStringToMessage (into a heap message, into an arena message) and
// MessageToJsonString, protobuf's parser with its type information cached
// (protojson/type_cache.h), against protojson's reader and writer. One core.
//
//   build/bench/protojson_bench

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/json_util.h"
#include "maillage/v1/actor.pb.h"
#include "protojson/reader.h"
#include "protojson/writer.h"

namespace maillage {
namespace {

// An actor as a SIRENE or RNA import leaves it, with the fields a lab adds
// (action territories, needs, offers, a description) and the server's
// timestamps and etag: about 900 bytes of JSON.
v1::Actor SampleActor(int i) {
  v1::Actor a;
  a.set_id(absl::StrCat("siret:", 44306184100000 + i * 7));
  a.set_kind(i % 3 == 0 ? v1::ACTOR_KIND_ASSOCIATION : v1::ACTOR_KIND_COMPANY);
  a.set_subtype(v1::ACTOR_SUBTYPE_SOCIAL_ECONOMY_COMPANY);
  a.set_name(absl::StrCat("Régie de quartier des Hauts-de-Bièvre n°", i));
  a.mutable_legal_ids()->set_siren(absl::StrCat(443061841 + i));
  a.mutable_legal_ids()->set_siret(absl::StrCat(44306184100000 + i * 7));
  a.set_naf_code("88.99B");
  a.set_size_band(v1::SIZE_BAND_SMALL);
  a.set_home_commune("94018");
  a.mutable_location()->set_latitude(48.7936543 + i * 1e-7);
  a.mutable_location()->set_longitude(2.4412817 - i * 1e-7);
  auto* t = a.add_action_territories();
  t->set_level(v1::TERRITORY_LEVEL_DEPARTEMENT);
  t->set_code("94");
  for (const char* theme : {"employment_insertion", "digital_inclusion"}) {
    a.add_themes(theme);
  }
  auto* need = a.add_needs();
  need->set_resource("funding");
  need->set_theme("employment_insertion");
  auto* offer = a.add_offers();
  offer->set_resource("skills");
  offer->set_theme("digital_inclusion");
  offer->set_description("Ateliers numériques pour les demandeurs d'emploi");
  a.set_capacity(3);
  a.set_description(
      "Structure d'insertion par l'activité économique : entretien des "
      "espaces verts, médiation numérique et accompagnement vers l'emploi "
      "des habitants du quartier.");
  a.set_website("https://regie-hauts-de-bievre.fr");
  a.set_status(v1::ACTOR_STATUS_ACTIVE);
  a.set_source("sirene");
  a.mutable_create_time()->set_seconds(1764000000 + i);
  a.mutable_create_time()->set_nanos(123456000);
  *a.mutable_update_time() = a.create_time();
  a.set_etag(absl::StrCat("9f86d081884c7d65", i % 10));
  return a;
}

std::vector<std::string> SampleLines() {
  std::vector<std::string> lines;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  for (int i = 0; i < 64; ++i) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(SampleActor(i), &json,
                                                      options);
    lines.push_back(std::move(json));
  }
  return lines;
}

void SetBytes(benchmark::State& state, const std::vector<std::string>& lines) {
  size_t bytes = 0;
  for (const std::string& line : lines) bytes += line.size();
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * bytes / lines.size()));
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseProtobuf(benchmark::State& state) {
  std::vector<std::string> lines = SampleLines();
  v1::Actor actor;
  size_t i = 0;
  for (auto _ : state) {
    actor.Clear();
    auto status = google::protobuf::util::JsonStringToMessage(
        lines[i++ % lines.size()], &actor);
    benchmark::DoNotOptimize(status);
  }
  SetBytes(state, lines);
}
BENCHMARK(BM_ParseProtobuf);

// The arena saves the message's allocations, not the JSON-to-binary
// conversion that dominates protobuf's parser.
void BM_ParseProtobufArena(benchmark::State& state) {
  std::vector<std::string> lines = SampleLines();
  google::protobuf::Arena arena;
  size_t i = 0;
  for (auto _ : state) {
    auto* actor = google::protobuf::Arena::CreateMessage<v1::Actor>(&arena);
    auto status = google::protobuf::util::JsonStringToMessage(
        lines[i++ % lines.size()], actor);
    benchmark::DoNotOptimize(status);
    if (i % 1024 == 0) arena.Reset();
  }
  SetBytes(state, lines);
}
BENCHMARK(BM_ParseProtobufArena);

// protobuf's parser with its type information built once per process
// (protojson::ProtobufJsonToMessage, the path for lines the fast reader
// declines).
void BM_ParseProtobufCachedTypes(benchmark::State& state) {
  std::vector<std::string> lines = SampleLines();
  v1::Actor actor;
  size_t i = 0;
  for (auto _ : state) {
    auto status =
        protojson::ProtobufJsonToMessage(lines[i++ % lines.size()], &actor);
    benchmark::DoNotOptimize(status);
  }
  SetBytes(state, lines);
}
BENCHMARK(BM_ParseProtobufCachedTypes);

// A malformed line (a syntax error near its end), as protobuf decides it:
// JsonStringToMessage itself (cached = false) or with the cached types.
void BM_Refuse(benchmark::State& state, bool cached) {
  std::string line = SampleLines()[0];
  line.pop_back();
  v1::Actor actor;
  for (auto _ : state) {
    bool ok =
        cached ? protojson::ProtobufJsonToMessage(line, &actor).ok()
               : google::protobuf::util::JsonStringToMessage(line, &actor).ok();
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK_CAPTURE(BM_Refuse, Protobuf, false);
BENCHMARK_CAPTURE(BM_Refuse, ProtobufCachedTypes, true);

void BM_ParseFast(benchmark::State& state) {
  std::vector<std::string> lines = SampleLines();
  protojson::JsonReader reader(
      *protojson::Schema::For(v1::Actor::descriptor()));
  v1::Actor actor;
  size_t i = 0;
  for (auto _ : state) {
    bool ok = reader.ParseFast(lines[i++ % lines.size()], &actor);
    benchmark::DoNotOptimize(ok);
  }
  SetBytes(state, lines);
}
BENCHMARK(BM_ParseFast);

void BM_PrintProtobuf(benchmark::State& state) {
  std::vector<v1::Actor> actors;
  for (int i = 0; i < 64; ++i) actors.push_back(SampleActor(i));
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  size_t i = 0;
  for (auto _ : state) {
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(
        actors[i++ % actors.size()], &json, options);
    benchmark::DoNotOptimize(json);
  }
  SetBytes(state, SampleLines());
}
BENCHMARK(BM_PrintProtobuf);

void BM_PrintFast(benchmark::State& state) {
  std::vector<v1::Actor> actors;
  for (int i = 0; i < 64; ++i) actors.push_back(SampleActor(i));
  auto schema = *protojson::Schema::For(v1::Actor::descriptor());
  std::string json;
  size_t i = 0;
  for (auto _ : state) {
    json.clear();
    bool ok = protojson::AppendJsonFast(*schema, actors[i++ % actors.size()],
                                        {true}, &json);
    benchmark::DoNotOptimize(ok);
  }
  SetBytes(state, SampleLines());
}
BENCHMARK(BM_PrintFast);

}  // namespace
}  // namespace maillage

BENCHMARK_MAIN();
