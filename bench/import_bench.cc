// Bulk import benchmark (issue 4): writes N synthetic directory rows in the
// SIRENE (establishments + legal units) and RNA formats, spread over the real
// communes in proportion to their population, then measures in one run:
//
//   1. the importer alone: parsing + mapping rows/s (one core);
//   2. raw RocksDB: the same records (serialized Actor protos) written with
//      WriteBatch, `--raw_batch` rows per batch, synced per batch, into a
//      fresh database;
//   3. end to end: the files read by the importer and streamed through
//      ImportActors (MERGE mode, `--batch` rows per message) to the real
//      server, in-process on 127.0.0.1:0 with a fresh store, synced writes;
//   4. the floor of 3.: the same client streaming to a server that only
//      receives and acknowledges each message (the importer and the
//      transport alone), then to one that also writes each message's actors
//      as the raw phase does (the least any server must do).
//
//   scripts/bench-import.sh [--rows=1000000] [--batch=2000] [--keep] ...
//
// Prints a table; BENCHMARKS.md records the figures.

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "auth/credentials_file.h"
#include "cli/bearer_channel.h"
#include "grpcpp/grpcpp.h"
#include "importer/directory_reader.h"
#include "importer/lambert93.h"
#include "importer/legal_units.h"
#include "importer/mappings.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "services/server.h"
#include "territory/geography.h"
#include "territory/name_folding.h"

ABSL_FLAG(int64_t, rows, 1000000,
          "directory rows to generate (SIRENE establishments + RNA)");
ABSL_FLAG(double, rna_share, 0.2, "share of the rows in the RNA file");
ABSL_FLAG(int64_t, first_id, 0,
          "numbering offset: the SIRENs and RNA numbers generated come after "
          "the first `first_id` of each (and the random draws differ), so "
          "files generated with first_id = the rows generated so far add "
          "new actors to a store (scripts/bench-scale.sh grows one store)");
ABSL_FLAG(double, micro_share, -1,
          "share of establishments and legal units in the head-count bands "
          "of micro-enterprises (fewer than 10 employees: NN, 00, 01, 02, "
          "03); negative: the built-in table's 78%");
ABSL_FLAG(int, batch, 2000, "actors per ImportActors message");
ABSL_FLAG(int, raw_batch, 1000, "records per raw RocksDB WriteBatch");
ABSL_FLAG(int, streams, 1,
          "concurrent ImportActors streams (batches dealt round-robin)");
ABSL_FLAG(bool, sync, true,
          "fsync per batch (raw RocksDB) and synced server writes");
ABSL_FLAG(std::string, dir, "",
          "working folder (default: a fresh one under $TMPDIR, removed at "
          "the end unless --keep)");
ABSL_FLAG(bool, keep, false, "keep the generated files and stores");
ABSL_FLAG(bool, generate, true,
          "write the files; false reuses those already in --dir (for "
          "profiling one phase)");
ABSL_FLAG(std::string, phases, "parse,raw,e2e,floor",
          "phases to run, comma-separated: parse, raw, e2e, floor (the "
          "importer and the transport alone), server (the server alone: "
          "batches built before the clock starts)");
ABSL_FLAG(bool, serve_sink, false,
          "run no phase: serve the floor's sink on 127.0.0.1 (its address "
          "printed as 'sink listening on ADDRESS') until killed, so that "
          "another client (scripts/bench-jsonl.sh: the real CLI) measures "
          "its own floor against it");
ABSL_FLAG(std::string, sink_store, "",
          "with --serve_sink: a fresh RocksDB at this path that each "
          "message's actors are written to, as the floor's second server "
          "does (empty: none)");

namespace maillage {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "import_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T OrDie(absl::StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Die(what + ": " + std::string(value.status().message()));
  return std::move(value).value();
}

std::string Machine() {
  std::string model = "?";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return absl::StrCat(
      model, ", ", std::thread::hardware_concurrency(), " cores, ",
      static_cast<int>(pages * static_cast<double>(page) / (1 << 30)),
      " GiB RAM");
}

// CPU seconds (user + system) used by the whole process so far.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// ---------------------------------------------------------------------------
// The generator.

// Picks communes in proportion to their population.
class CommunePicker {
 public:
  explicit CommunePicker(const territory::Geography& geo) : geo_(geo) {
    uint32_t n = geo.Count(territory::Level::kCommune);
    uint64_t total = 0;
    for (uint32_t c = 0; c < n; ++c) {
      uint64_t pop = geo.Population(territory::Level::kCommune, c);
      if (pop == 0) continue;
      std::vector<std::string> postal = geo.PostalCodes(c);
      if (postal.empty()) continue;
      total += pop;
      cumulative_.push_back(total);
      Commune info;
      info.code = std::string(geo.Code(territory::Level::kCommune, c));
      info.postal = postal[0];
      info.name = absl::AsciiStrToUpper(
          territory::FoldName(geo.Name(territory::Level::kCommune, c)));
      info.metropolitan = info.code.compare(0, 2, "97") != 0;
      communes_.push_back(std::move(info));
    }
  }
  struct Commune {
    std::string code, postal, name;
    bool metropolitan = true;
  };
  const Commune& Pick(std::mt19937_64& rng) const {
    uint64_t r =
        std::uniform_int_distribution<uint64_t>(0, cumulative_.back() - 1)(rng);
    size_t i = std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
               cumulative_.begin();
    return communes_[i];
  }
  size_t size() const { return communes_.size(); }

 private:
  const territory::Geography& geo_;
  std::vector<uint64_t> cumulative_;
  std::vector<Commune> communes_;
};

struct Weighted {
  const char* value;
  int weight;
};

const char* PickWeighted(const std::vector<Weighted>& table,
                         std::mt19937_64& rng) {
  int total = 0;
  for (const auto& w : table) total += w.weight;
  int r = std::uniform_int_distribution<int>(0, total - 1)(rng);
  for (const auto& w : table) {
    if (r < w.weight) return w.value;
    r -= w.weight;
  }
  return table.back().value;
}

const std::vector<Weighted> kLegalCategories = {
    {"5710", 25}, {"5499", 18}, {"5720", 9}, {"6540", 8},
    {"1000", 10}, {"9220", 15}, {"5599", 3}, {"5458", 1},
    {"6317", 1},  {"7210", 1},  {"7346", 1}, {"9300", 1},
    {"8210", 1},  {"9221", 1},  {"7383", 1}, {"6599", 4}};
const std::vector<Weighted> kCompanyNaf = {
    {"47.11D", 4}, {"56.10A", 8}, {"62.01Z", 6}, {"43.22A", 8}, {"68.20B", 10},
    {"70.22Z", 8}, {"41.20A", 4}, {"49.41A", 3}, {"38.32Z", 1}, {"46.90Z", 4},
    {"86.21Z", 5}, {"85.59A", 3}, {"69.20Z", 3}, {"47.79Z", 1}, {"10.71C", 3},
    {"01.11Z", 4}, {"96.02A", 5}, {"45.20A", 3}, {"55.10Z", 2}, {"73.11Z", 2},
    {"58.13Z", 1}, {"35.11Z", 1}, {"12.00Z", 1}};
const std::vector<Weighted> kAssociationNaf = {
    {"94.99Z", 50}, {"88.99B", 10}, {"93.12Z", 12}, {"85.59A", 5},
    {"90.01Z", 6},  {"88.10A", 3},  {"87.30A", 2},  {"88.91A", 3},
    {"91.02Z", 2},  {"94.12Z", 3},  {"93.29Z", 4}};
const std::vector<Weighted> kHeadCounts = {
    {"NN", 30}, {"00", 10}, {"01", 20}, {"02", 12}, {"03", 8},
    {"11", 7},  {"12", 6},  {"21", 3},  {"22", 2},  {"31", 1},
    {"32", 1},  {"41", 1},  {"53", 1}};

// Head-count bands (trancheEffectifs): a micro-enterprise's band (fewer than
// 10 employees) with probability `micro_share`, else a larger one, each
// drawn with kHeadCounts' weights; a negative share draws from kHeadCounts
// as it is (the same draws as before the share existed).
class HeadCounts {
 public:
  explicit HeadCounts(double micro_share) : micro_share_(micro_share) {
    for (const Weighted& w : kHeadCounts) {
      (IsMicro(w.value) ? micro_ : larger_).push_back(w);
    }
  }
  const char* Pick(std::mt19937_64& rng) const {
    if (micro_share_ < 0) return PickWeighted(kHeadCounts, rng);
    bool micro =
        std::uniform_real_distribution<double>(0, 1)(rng) < micro_share_;
    return PickWeighted(micro ? micro_ : larger_, rng);
  }

 private:
  static bool IsMicro(std::string_view band) {
    return band == "NN" || band[0] == '0';
  }
  double micro_share_;
  std::vector<Weighted> micro_, larger_;
};
const std::vector<Weighted> kPurposes = {
    {"011075", 8}, {"011005", 6}, {"006030", 5}, {"006070", 4}, {"009030", 5},
    {"009040", 3}, {"019010", 3}, {"019016", 2}, {"020010", 2}, {"015005", 4},
    {"024050", 2}, {"017055", 2}, {"021010", 2}, {"030010", 1}, {"014035", 3},
    {"007080", 3}, {"050000", 2}, {"040000", 2}, {"013005", 2}, {"010020", 2}};
const char* const kWords[] = {
    "ATELIER",    "MAISON",  "CENTRE",     "AMIS",      "SOLIDAIRE",
    "VERT",       "DU VAL",  "DES ECOLES", "SERVICES",  "NUMERIQUE",
    "PLURIEL",    "HORIZON", "JEUNES",     "QUARTIERS", "BOULANGERIE",
    "TRANSPORTS", "CONSEIL", "SANTE",      "SPORT",     "CULTURE",
    "RECYCLERIE", "COOP",    "BATIMENT",   "ENERGIES"};

std::string Name(std::mt19937_64& rng, const char* prefix) {
  std::string name = prefix;
  int words = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < words; ++i) {
    absl::StrAppend(&name, name.empty() ? "" : " ",
                    kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))]);
  }
  return name;
}

// A CSV field: quoted when needed.
void Field(std::string* out, std::string_view value, char sep) {
  bool quote = value.find_first_of(std::string{sep, '"', '\n'}) !=
               std::string_view::npos;
  if (!quote) {
    out->append(value.data(), value.size());
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

class Writer {
 public:
  explicit Writer(const std::string& path)
      : file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) Die("cannot write " + path);
  }
  ~Writer() {
    Flush();
    std::fclose(file_);
  }
  std::string& buffer() { return buffer_; }
  void MaybeFlush() {
    if (buffer_.size() > (1 << 20)) Flush();
  }

 private:
  void Flush() {
    std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    buffer_.clear();
  }
  std::FILE* file_;
  std::string buffer_;
};

struct Generated {
  std::string establishments, legal_units, rna;
  int64_t establishment_rows = 0, legal_unit_rows = 0, rna_rows = 0;
  int64_t shared_associations = 0;  // in SIRENE and the RNA
};

constexpr char kEstablishmentHeader[] =
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,"
    "trancheEffectifsEtablissement,anneeEffectifsEtablissement,"
    "activitePrincipaleRegistreMetiersEtablissement,"
    "dateDernierTraitementEtablissement,etablissementSiege,"
    "nombrePeriodesEtablissement,complementAdresseEtablissement,"
    "numeroVoieEtablissement,indiceRepetitionEtablissement,"
    "dernierNumeroVoieEtablissement,"
    "indiceRepetitionDernierNumeroVoieEtablissement,typeVoieEtablissement,"
    "libelleVoieEtablissement,codePostalEtablissement,"
    "libelleCommuneEtablissement,libelleCommuneEtrangerEtablissement,"
    "distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,"
    "codePaysEtrangerEtablissement,libellePaysEtrangerEtablissement,"
    "identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,"
    "coordonneeLambertOrdonneeEtablissement,complementAdresse2Etablissement,"
    "numeroVoie2Etablissement,indiceRepetition2Etablissement,"
    "typeVoie2Etablissement,libelleVoie2Etablissement,"
    "codePostal2Etablissement,libelleCommune2Etablissement,"
    "libelleCommuneEtranger2Etablissement,"
    "distributionSpeciale2Etablissement,codeCommune2Etablissement,"
    "codeCedex2Etablissement,libelleCedex2Etablissement,"
    "codePaysEtranger2Etablissement,libellePaysEtranger2Etablissement,"
    "dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,"
    "denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,"
    "caractereEmployeurEtablissement\n";
constexpr char kLegalUnitHeader[] =
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,"
    "dateCreationUniteLegale,sigleUniteLegale,sexeUniteLegale,"
    "prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,"
    "prenom4UniteLegale,prenomUsuelUniteLegale,pseudonymeUniteLegale,"
    "identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,"
    "anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,"
    "nombrePeriodesUniteLegale,categorieEntreprise,anneeCategorieEntreprise,"
    "dateDebut,etatAdministratifUniteLegale,nomUniteLegale,"
    "nomUsageUniteLegale,denominationUniteLegale,"
    "denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,"
    "denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,"
    "activitePrincipaleUniteLegale,"
    "nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,"
    "economieSocialeSolidaireUniteLegale,societeMissionUniteLegale,"
    "caractereEmployeurUniteLegale\n";
constexpr char kRnaHeader[] =
    "id;id_ex;siret;rup_mi;gestion;date_creat;date_decla;date_publi;"
    "date_disso;nature;groupement;titre;titre_court;objet;objet_social1;"
    "objet_social2;adrs_complement;adrs_numvoie;adrs_repetition;"
    "adrs_typevoie;adrs_libvoie;adrs_distrib;adrs_codeinsee;adrs_codepostal;"
    "adrs_libcommune;adrg_declarant;adrg_complemid;adrg_complemgeo;"
    "adrg_libvoie;adrg_distrib;adrg_codepostal;adrg_achemine;adrg_pays;"
    "dir_civilite;siteweb;publiweb;observation;position;maj_time\n";

std::string Rna(int64_t n) { return absl::StrCat("W", 100000000 + n); }

// One RNA row for an association.
void RnaRow(std::string* out, const std::string& id, const std::string& siret,
            const std::string& title, const CommunePicker::Commune& commune,
            bool dissolved, std::mt19937_64& rng) {
  auto q = [&](std::string_view v) {
    out->push_back('"');
    Field(out, v, ';');  // no '"' in generated values
    out->push_back('"');
  };
  auto sep = [&] { out->push_back(';'); };
  q(id);
  sep();
  q("");
  sep();
  q(siret);
  sep();
  q("");
  sep();
  q("941P");
  sep();
  q("2009-05-12");
  sep();
  q("2021-02-01");
  sep();
  q("2009-05-30");
  sep();
  q(dissolved ? "2022-06-30" : "");
  sep();
  q("D");
  sep();
  q("S");
  sep();
  q(title);
  sep();
  q("");
  sep();
  q("Favoriser les rencontres entre les habitants, organiser des activites "
    "educatives, culturelles et sportives pour tous les ages");
  sep();
  q(PickWeighted(kPurposes, rng));
  sep();
  q(rng() % 3 == 0 ? PickWeighted(kPurposes, rng) : "");
  sep();
  q("");
  sep();
  q(std::to_string(1 + rng() % 120));
  sep();
  q("");
  sep();
  q("RUE");
  sep();
  q("de la Mairie");
  sep();
  q("");
  sep();
  q(commune.code);
  sep();
  q(commune.postal);
  sep();
  q(commune.name);
  for (int i = 0; i < 9; ++i) {
    sep();
    q("");
  }
  sep();
  q(rng() % 4 == 0 ? "www.association-exemple.fr" : "");
  sep();
  q("1");
  sep();
  q("");
  sep();
  q(dissolved ? "D" : "A");
  sep();
  q("2024-01-15 10:00:00");
  out->push_back('\n');
}

// What Generate writes.
struct GeneratorOptions {
  int64_t rows = 0;         // SIRENE establishments + RNA rows
  double rna_share = 0.2;   // of the rows, in the RNA file
  int64_t first_id = 0;     // see --first_id
  double micro_share = -1;  // see --micro_share
};

Generated Generate(const std::string& dir, const GeneratorOptions& options,
                   const territory::Geography& geo) {
  Generated g;
  g.establishments = dir + "/StockEtablissement.csv";
  g.legal_units = dir + "/StockUniteLegale.csv";
  g.rna = dir + "/rna_waldec.csv";
  CommunePicker communes(geo);
  const HeadCounts head_counts(options.micro_share);
  std::mt19937_64 rng(20260101 + options.first_id);
  const int64_t rna_rows =
      static_cast<int64_t>(options.rows * options.rna_share);
  const int64_t establishment_rows = options.rows - rna_rows;

  // Associations with an RNA number, for the RNA file to name again.
  struct Shared {
    std::string rna, siret, title;
    const CommunePicker::Commune* commune;
  };
  std::vector<Shared> shared;
  // Each legal unit takes one SIREN and each RNA row at most one number,
  // so the numbers of a run with first_id = the rows before it are new.
  int64_t next_rna = options.first_id;
  {
    Writer establishments(g.establishments), units(g.legal_units);
    establishments.buffer() = kEstablishmentHeader;
    units.buffer() = kLegalUnitHeader;
    auto siren = static_cast<uint32_t>(300000000 + options.first_id);
    while (g.establishment_rows < establishment_rows) {
      ++siren;
      const char* category = PickWeighted(kLegalCategories, rng);
      bool association = category[0] == '9';
      bool has_rna = association && category[1] == '2' && rng() % 10 < 7;
      std::string rna = has_rna ? Rna(next_rna++) : "";
      std::string title = Name(rng, association ? "ASSOCIATION" : "");
      bool ceased = rng() % 50 == 0;
      bool ess = association || std::string_view(category) == "5458" ||
                 std::string_view(category) == "6317";
      // The legal unit.
      std::string& u = units.buffer();
      absl::StrAppend(&u, siren, ",O,,2010-01-01,,,,,,,,,", rna, ",",
                      head_counts.Pick(rng),
                      ",2021,2024-03-01T10:00:00,3,PME,2021,2015-01-01,",
                      ceased ? "C" : "A", ",,,");
      Field(&u, std::string_view(category) == "1000" ? "" : title, ',');
      absl::StrAppend(&u, ",,,,", category, ",,NAFRev2,00011,", ess ? "O" : "N",
                      ",N,O\n");
      ++g.legal_unit_rows;
      units.MaybeFlush();
      // Its establishments.
      int count = rng() % 100 < 80 ? 1 : rng() % 100 < 60 ? 2 : 3 + rng() % 3;
      const std::vector<Weighted>& nafs =
          association ? kAssociationNaf : kCompanyNaf;
      const char* naf = category[0] == '7' ? "84.11Z" : PickWeighted(nafs, rng);
      for (int e = 0; e < count && g.establishment_rows < establishment_rows;
           ++e) {
        const CommunePicker::Commune& c = communes.Pick(rng);
        std::string siret = absl::StrCat(siren, 10000 + e * 10 + 1);
        siret = siret.substr(0, 14);
        bool closed = ceased || rng() % 20 == 0;
        std::string& b = establishments.buffer();
        absl::StrAppend(&b, siren, ",", siret.substr(9), ",", siret,
                        ",O,2012-04-01,", head_counts.Pick(rng),
                        ",2021,,2024-03-12T10:00:00,",
                        e == 0 ? "true" : "false", ",1,,", 1 + rng() % 150,
                        ",,,,RUE,DE LA REPUBLIQUE,", c.postal, ",", c.name,
                        ",,,", c.code, ",,,,,,");
        if (c.metropolitan) {
          absl::StrAppend(&b, 200000 + rng() % 1000000, ".0,",
                          6150000 + rng() % 950000, ".0");
        } else {
          b.push_back(',');
        }
        absl::StrAppend(&b, ",,,,,,,,,,,,,,,2012-04-01,", closed ? "F" : "A",
                        ",");
        if (rng() % 3 == 0) Field(&b, Name(rng, ""), ',');
        absl::StrAppend(&b, ",,,,", naf, ",NAFRev2,", rng() % 2 ? "O" : "N",
                        "\n");
        ++g.establishment_rows;
        establishments.MaybeFlush();
        if (e == 0 && has_rna && !closed) {
          shared.push_back({rna, siret, title, &c});
        }
      }
    }
  }
  {
    Writer rna(g.rna);
    rna.buffer() = kRnaHeader;
    std::shuffle(shared.begin(), shared.end(), rng);
    // Half of the RNA file: associations also in SIRENE (same RNA number).
    size_t reuse = std::min<size_t>(shared.size(), rna_rows / 2);
    for (size_t i = 0; i < reuse; ++i) {
      RnaRow(&rna.buffer(), shared[i].rna, shared[i].siret, shared[i].title,
             *shared[i].commune, false, rng);
      rna.MaybeFlush();
    }
    g.shared_associations = static_cast<int64_t>(reuse);
    for (int64_t i = static_cast<int64_t>(reuse); i < rna_rows; ++i) {
      RnaRow(&rna.buffer(), Rna(next_rna++), "", Name(rng, "ASSOCIATION"),
             communes.Pick(rng), rng() % 10 == 0, rng);
      rna.MaybeFlush();
    }
    g.rna_rows = rna_rows;
  }
  return g;
}

// ---------------------------------------------------------------------------
// The phases.

struct Context {
  const territory::Geography* geo;
  const importer::Mappings* mappings;
  const importer::LegalUnitTable* units;
  Generated files;
};

importer::DirectoryOptions OptionsFor(const Context& ctx,
                                      importer::Format format,
                                      const std::string& path) {
  importer::DirectoryOptions options;
  options.format = format;
  options.path = path;
  options.mappings = ctx.mappings;
  options.geography = ctx.geo;
  options.legal_units = ctx.units;
  return options;
}

struct FileRun {
  std::string label;
  int64_t rows = 0, actors = 0, skipped = 0, rejected = 0;
  double seconds = 0;
};

// Reads a file with the importer; `on_actor` gets each actor row.
template <typename F>
FileRun ReadFile(const Context& ctx, importer::Format format,
                 const std::string& path, F&& on_actor) {
  FileRun run;
  run.label = std::string(importer::FormatName(format));
  auto start = Clock::now();
  auto reader =
      OrDie(importer::DirectoryReader::Open(OptionsFor(ctx, format, path)),
            "open " + path);
  importer::Row row;
  while (reader->Next(&row)) {
    if (row.outcome == importer::Row::Outcome::kActor) on_actor(&row);
  }
  if (!reader->status().ok()) {
    Die(path + ": " + std::string(reader->status().message()));
  }
  run.seconds = Seconds(start);
  const importer::Counters& c = reader->counters();
  run.rows = c.rows;
  run.actors = c.actors;
  run.skipped = c.skipped;
  run.rejected = c.rejected;
  return run;
}

void PrintRow(const std::string& what, int64_t rows, double seconds,
              const std::string& note = "") {
  std::printf("%-44s %10lld %9.2f %12.0f  %s\n", what.c_str(),
              static_cast<long long>(rows), seconds,
              seconds > 0 ? rows / seconds : 0.0, note.c_str());
}

// The records as the store keeps them: the actor with times and an etag.
std::vector<std::pair<std::string, std::string>> Records(const Context& ctx) {
  std::vector<std::pair<std::string, std::string>> records;
  auto keep = [&](importer::Row* row) {
    v1::Actor& a = row->actor;
    a.mutable_create_time()->set_seconds(1767225600);
    a.mutable_update_time()->set_seconds(1767225600);
    a.set_etag("0123456789abcdef");
    records.emplace_back(a.id(), a.SerializeAsString());
  };
  ReadFile(ctx, importer::Format::kSirene, ctx.files.establishments, keep);
  ReadFile(ctx, importer::Format::kRna, ctx.files.rna, keep);
  return records;
}

// A fresh database with the options of the raw phase.
std::unique_ptr<rocksdb::DB> OpenRaw(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.max_background_jobs = 2;
  options.compression = rocksdb::kLZ4Compression;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) Die("rocksdb open: " + s.ToString());
  return std::unique_ptr<rocksdb::DB>(raw);
}

double RawRocksDb(
    const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& records,
    int batch_size, bool sync) {
  std::unique_ptr<rocksdb::DB> db = OpenRaw(path);
  rocksdb::Status s;
  rocksdb::WriteOptions write;
  write.sync = sync;
  auto start = Clock::now();
  for (size_t i = 0; i < records.size(); i += batch_size) {
    rocksdb::WriteBatch batch;
    for (size_t j = i; j < std::min(records.size(), i + batch_size); ++j) {
      batch.Put(records[j].first, records[j].second);
    }
    s = db->Write(write, &batch);
    if (!s.ok()) Die("rocksdb write: " + s.ToString());
  }
  double seconds = Seconds(start);
  db->Close();
  return seconds;
}

// End to end: one or more ImportActors streams fed by the importer.
class Importer {
 public:
  Importer(v1::ActorService::Stub* stub, int streams, size_t max_pending)
      : stub_(stub), max_pending_(max_pending) {
    for (int i = 0; i < streams; ++i) {
      senders_.emplace_back([this] { Send(); });
    }
  }

  void Push(v1::ImportActorsRequest batch) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return pending_.size() < max_pending_; });
    pending_.push_back(std::move(batch));
    ready_.notify_one();
  }

  // An empty batch to fill: one already sent when there is one. Its cleared
  // rows keep their memory, so that filling it (add_actors()->Swap hands
  // the reader a cleared row back) allocates little, and nothing is freed
  // on the sending threads, as the CLI does by reusing its one batch.
  v1::ImportActorsRequest Take() {
    std::lock_guard lock(mu_);
    if (sent_.empty()) return v1::ImportActorsRequest();
    v1::ImportActorsRequest batch = std::move(sent_.back());
    sent_.pop_back();
    return batch;
  }

  v1::ImportCounts Finish() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    ready_.notify_all();
    for (auto& t : senders_) t.join();
    return totals_;
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Send() {
    grpc::ClientContext context;
    auto stream = stub_->ImportActors(&context);
    std::thread reader([&] {
      v1::ImportActorsResponse answer;
      while (stream->Read(&answer)) {
        if (!answer.done()) continue;
        std::lock_guard lock(mu_);
        const v1::ImportCounts& c = answer.counts();
        totals_.set_created(totals_.created() + c.created());
        totals_.set_updated(totals_.updated() + c.updated());
        totals_.set_unchanged(totals_.unchanged() + c.unchanged());
        totals_.set_rejected(totals_.rejected() + c.rejected());
      }
    });
    for (;;) {
      v1::ImportActorsRequest batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !pending_.empty() || done_; });
        if (pending_.empty()) break;
        batch = std::move(pending_.front());
        pending_.pop_front();
        room_.notify_one();
      }
      if (!stream->Write(batch)) break;
      batch.clear_actors();
      std::lock_guard lock(mu_);
      sent_.push_back(std::move(batch));
    }
    stream->WritesDone();
    reader.join();
    grpc::Status status = stream->Finish();
    if (!status.ok()) {
      std::lock_guard lock(mu_);
      errors_.push_back(status.error_message());
    }
  }

  v1::ActorService::Stub* stub_;
  size_t max_pending_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<v1::ImportActorsRequest> pending_;
  std::vector<v1::ImportActorsRequest> sent_;  // cleared, to refill
  bool done_ = false;
  v1::ImportCounts totals_;
  std::vector<std::string> errors_;
  std::vector<std::thread> senders_;
};

struct RunningServer {
  std::unique_ptr<services::Server> server;
  std::unique_ptr<v1::ActorService::Stub> stub;
};

RunningServer StartServer(const std::string& data_dir) {
  services::Server::Options options;
  options.listen_address = "127.0.0.1:0";
  options.core.data_dir = data_dir;
  options.admin_credentials_file = data_dir + ".credentials";
  options.core.reference_dir = MAILLAGE_REFERENCE_DIR;
  options.core.sync_writes = absl::GetFlag(FLAGS_sync);
  RunningServer running;
  running.server = OrDie(services::Server::BuildAndStart(options), "server");
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = cli::CreateBearerChannel(
      absl::StrCat("127.0.0.1:", running.server->port()),
      auth::LastStoredKey(options.admin_credentials_file), args);
  running.stub = v1::ActorService::NewStub(channel);
  return running;
}

// What StreamFiles did.
struct Streamed {
  int64_t sent = 0;       // actors sent
  int64_t read_rows = 0;  // input rows read
  double seconds = 0;
  std::vector<std::string> errors;
};

// The files read by the importer and streamed through ImportActors, one
// file after the other (the RNA rows merge into what SIRENE brought), as
// the CLI does; prints a row per file and the total.
Streamed StreamFiles(const Context& ctx, v1::ActorService::Stub* stub,
                     const std::string& label) {
  const int batch_size = absl::GetFlag(FLAGS_batch);
  const int streams = absl::GetFlag(FLAGS_streams);
  Streamed out;
  auto start = Clock::now();
  double cpu = CpuSeconds();
  for (auto [format, path] :
       {std::pair{importer::Format::kSirene, ctx.files.establishments},
        std::pair{importer::Format::kRna, ctx.files.rna}}) {
    auto file_start = Clock::now();
    double file_cpu = CpuSeconds();
    Importer import(stub, streams, 2 * streams + 2);
    v1::ImportActorsRequest batch;
    batch.set_mode(v1::IMPORT_MODE_MERGE);
    int64_t file_sent = 0;
    FileRun run = ReadFile(ctx, format, path, [&](importer::Row* row) {
      batch.add_actors()->Swap(&row->actor);
      if (batch.actors_size() == batch_size) {
        batch.set_first_row_number(1);
        file_sent += batch.actors_size();
        import.Push(std::move(batch));
        batch = import.Take();
        batch.set_mode(v1::IMPORT_MODE_MERGE);
      }
    });
    if (batch.actors_size() > 0) {
      file_sent += batch.actors_size();
      import.Push(std::move(batch));
    }
    v1::ImportCounts c = import.Finish();
    for (const auto& e : import.errors()) out.errors.push_back(e);
    PrintRow(
        absl::StrCat(label, ": ", run.label, " (", batch_size, "/message, ",
                     streams, " stream", streams > 1 ? "s" : "", ")"),
        file_sent, Seconds(file_start),
        absl::StrCat(c.created(), " created, ", c.updated(), " updated, ",
                     c.unchanged(), " unchanged, ", c.rejected(),
                     " rejected; CPU ",
                     absl::SixDigits(CpuSeconds() - file_cpu), " s"));
    out.sent += file_sent;
    out.read_rows += run.rows;
  }
  out.seconds = Seconds(start);
  PrintRow(
      absl::StrCat(label, ": total actors sent"), out.sent, out.seconds,
      absl::StrCat(out.read_rows, " rows read: ",
                   static_cast<int64_t>(out.read_rows / out.seconds),
                   " rows/s; CPU ", absl::SixDigits(CpuSeconds() - cpu), " s"));
  return out;
}

// The floor of the end-to-end figure: an ImportActors that receives each
// message (gRPC parses it) and answers it at once, all rows "created", with
// no validation and no index. What the importer and the transport cost
// alone, on the same cores; with a database, each message's actors are also
// written as the raw phase writes them (serialized, one synced WriteBatch
// per message): the least any server must do on top.
class SinkActorService final : public v1::ActorService::Service {
 public:
  explicit SinkActorService(rocksdb::DB* db) : db_(db) {}

  grpc::Status ImportActors(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::ImportActorsResponse,
                               v1::ImportActorsRequest>* stream) override {
    v1::ImportActorsRequest request;
    v1::ImportActorsResponse answer;
    int64_t batches = 0, rows = 0;
    rocksdb::WriteOptions write;
    write.sync = absl::GetFlag(FLAGS_sync);
    std::string bytes;
    while (stream->Read(&request)) {
      if (db_ != nullptr) {
        rocksdb::WriteBatch batch;
        for (const v1::Actor& actor : request.actors()) {
          actor.SerializeToString(&bytes);
          batch.Put(actor.id(), bytes);
        }
        rocksdb::Status s = db_->Write(write, &batch);
        if (!s.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "write");
      }
      answer.Clear();
      answer.set_batch_index(batches++);
      answer.mutable_counts()->set_created(request.actors_size());
      rows += request.actors_size();
      if (!stream->Write(answer)) break;
    }
    answer.Clear();
    answer.set_batch_index(-1);
    answer.mutable_counts()->set_created(rows);
    answer.set_done(true);
    answer.set_batches(batches);
    stream->Write(answer);
    return grpc::Status::OK;
  }

 private:
  rocksdb::DB* db_;
};

// A sink server, with a fresh database at `path` unless it is empty.
struct SinkServer {
  explicit SinkServer(const std::string& path) {
    if (!path.empty()) db = OpenRaw(path);
    service = std::make_unique<SinkActorService>(db.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.SetMaxReceiveMessageSize(64 << 20);
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    if (server == nullptr) Die("sink server");
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(64 << 20);
    args.SetMaxReceiveMessageSize(64 << 20);
    stub = v1::ActorService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                  grpc::InsecureChannelCredentials(), args));
  }
  ~SinkServer() { server->Shutdown(); }
  int port = 0;
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<SinkActorService> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::ActorService::Stub> stub;
};

// --serve_sink: the sink for another client, until the process is killed
// (the store's writes are as durable as --sync makes them).
void ServeSink(const std::string& store) {
  if (!store.empty()) std::filesystem::remove_all(store);
  SinkServer sink(store);
  std::printf("sink listening on 127.0.0.1:%d\n", sink.port);
  std::fflush(stdout);
  sink.server->Wait();
}

// The server side alone: every batch is built before the clock starts, then
// streamed to a fresh server.
void ServerOnly(const Context& ctx, const std::string& data_dir) {
  const int batch_size = absl::GetFlag(FLAGS_batch);
  const int streams = absl::GetFlag(FLAGS_streams);
  std::vector<std::vector<v1::ImportActorsRequest>> files;
  for (auto [format, path] :
       {std::pair{importer::Format::kSirene, ctx.files.establishments},
        std::pair{importer::Format::kRna, ctx.files.rna}}) {
    std::vector<v1::ImportActorsRequest> batches(1);
    ReadFile(ctx, format, path, [&](importer::Row* row) {
      if (batches.back().actors_size() == batch_size) batches.emplace_back();
      batches.back().set_mode(v1::IMPORT_MODE_MERGE);
      batches.back().add_actors()->Swap(&row->actor);
    });
    files.push_back(std::move(batches));
  }
  RunningServer running = StartServer(data_dir);
  auto start = Clock::now();
  double cpu = CpuSeconds();
  int64_t sent = 0;
  for (auto& batches : files) {
    Importer import(running.stub.get(), streams, 2 * streams + 2);
    for (auto& batch : batches) {
      sent += batch.actors_size();
      import.Push(std::move(batch));
    }
    import.Finish();
  }
  PrintRow(absl::StrCat("server alone: batches built beforehand (", batch_size,
                        "/message)"),
           sent, Seconds(start),
           absl::StrCat("CPU ", absl::SixDigits(CpuSeconds() - cpu), " s"));
  running.server->Shutdown();
}

// The bench's folder: --dir, emptied of earlier runs' stores, or a new
// temporary one (`*own`: removed at the end unless --keep).
std::string PrepareDir(bool* own) {
  std::string dir = absl::GetFlag(FLAGS_dir);
  *own = dir.empty();
  if (*own) {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") +
                          "/maillage-import-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) Die("cannot create a temp dir");
    return pattern;
  }
  std::filesystem::create_directories(dir);
  for (const char* store :
       {"/store", "/raw-rocksdb", "/store-server-only", "/floor-rocksdb"}) {
    std::filesystem::remove_all(dir + store);
  }
  return dir;
}

// Writes the synthetic files into `dir` (--generate) or names the ones
// already there.
void GenerateOrFindFiles(const std::string& dir, int64_t rows, Context* ctx) {
  auto start = Clock::now();
  if (absl::GetFlag(FLAGS_generate)) {
    GeneratorOptions generator;
    generator.rows = rows;
    generator.rna_share = absl::GetFlag(FLAGS_rna_share);
    generator.first_id = absl::GetFlag(FLAGS_first_id);
    generator.micro_share = absl::GetFlag(FLAGS_micro_share);
    ctx->files = Generate(dir, generator, *ctx->geo);
  } else {
    ctx->files.establishments = dir + "/StockEtablissement.csv";
    ctx->files.legal_units = dir + "/StockUniteLegale.csv";
    ctx->files.rna = dir + "/rna_waldec.csv";
  }
  std::printf(
      "generated in %.1f s into %s: %lld SIRENE establishments (%lld legal "
      "units), %lld RNA rows (%lld associations also in SIRENE)\n\n",
      Seconds(start), dir.c_str(),
      static_cast<long long>(ctx->files.establishment_rows),
      static_cast<long long>(ctx->files.legal_unit_rows),
      static_cast<long long>(ctx->files.rna_rows),
      static_cast<long long>(ctx->files.shared_associations));
}

// Phase "parse": the importer alone, on one core.
void ParsePhase(const Context& ctx) {
  int64_t total_rows = 0, total_actors = 0;
  double parse_seconds = 0;
  for (auto [format, path] :
       {std::pair{importer::Format::kSirene, ctx.files.establishments},
        std::pair{importer::Format::kRna, ctx.files.rna}}) {
    int64_t sink = 0;
    FileRun run = ReadFile(ctx, format, path, [&](importer::Row* row) {
      sink += row->actor.name().size();
    });
    PrintRow(absl::StrCat("importer: ", run.label, " parse+map"), run.rows,
             run.seconds,
             absl::StrCat(run.actors, " actors, ", run.skipped, " skipped, ",
                          run.rejected, " rejected"));
    total_rows += run.rows;
    total_actors += run.actors;
    parse_seconds += run.seconds;
  }
  PrintRow("importer: total (one core)", total_rows, parse_seconds);
}

// Phase "raw": the same records written straight to RocksDB. Returns the
// records per second.
double RawPhase(const Context& ctx, const std::string& dir) {
  auto records = Records(ctx);
  size_t bytes = 0;
  for (const auto& r : records) bytes += r.first.size() + r.second.size();
  double seconds =
      RawRocksDb(dir + "/raw-rocksdb", records, absl::GetFlag(FLAGS_raw_batch),
                 absl::GetFlag(FLAGS_sync));
  PrintRow(
      absl::StrCat("raw RocksDB WriteBatch (", absl::GetFlag(FLAGS_raw_batch),
                   "/batch", absl::GetFlag(FLAGS_sync) ? ", sync" : "", ")"),
      static_cast<int64_t>(records.size()), seconds,
      absl::StrCat(bytes / records.size(), " bytes/record"));
  return records.size() / seconds;
}

// Phase "e2e": the files streamed to the real server.
void EndToEndPhase(const Context& ctx, const std::string& dir,
                   double raw_rate) {
  RunningServer running = StartServer(dir + "/store");
  Streamed e2e = StreamFiles(ctx, running.stub.get(), "end-to-end");
  for (const auto& e : e2e.errors) {
    std::printf("  stream error: %s\n", e.c_str());
  }
  if (raw_rate > 0) {
    std::printf(
        "\nratio end-to-end / raw RocksDB: %.2f (target >= 0.5); "
        "end-to-end %.0f actors/s (target >= 150000)\n",
        (e2e.sent / e2e.seconds) / raw_rate, e2e.sent / e2e.seconds);
  }
  running.server->Shutdown();
}

// Phase "floor": the files streamed to a server that does no work, then to
// one that only writes each message to RocksDB.
void FloorPhase(const Context& ctx, const std::string& dir, double raw_rate) {
  double floor_rate = 0, stored_rate = 0;
  {
    SinkServer sink("");
    Streamed floor = StreamFiles(ctx, sink.stub.get(), "floor");
    floor_rate = floor.sent / floor.seconds;
  }
  {
    SinkServer sink(dir + "/floor-rocksdb");
    Streamed floor = StreamFiles(ctx, sink.stub.get(), "floor + write");
    stored_rate = floor.sent / floor.seconds;
  }
  if (raw_rate > 0) {
    std::printf(
        "ratio to raw RocksDB: floor (importer + transport, no server "
        "work) %.2f; floor + the raw write of each message %.2f\n",
        floor_rate / raw_rate, stored_rate / raw_rate);
  }
}

}  // namespace
}  // namespace maillage

int main(int argc, char** argv) {
  using namespace maillage;
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_serve_sink)) {
    ServeSink(absl::GetFlag(FLAGS_sink_store));
    return 0;
  }
  const std::string phases = absl::GetFlag(FLAGS_phases);
  auto want = [&](const char* phase) {
    return phases.find(phase) != std::string::npos;
  };
  bool own_dir = false;
  const std::string dir = PrepareDir(&own_dir);

  std::printf("machine: %s\n", Machine().c_str());
  auto geo = OrDie(territory::Geography::Load(MAILLAGE_REFERENCE_DIR "/geo"),
                   "geography");
  auto mappings =
      OrDie(importer::Mappings::Load(MAILLAGE_REFERENCE_DIR), "mappings");
  Context ctx;
  ctx.geo = geo.get();
  ctx.mappings = mappings.get();
  GenerateOrFindFiles(dir, absl::GetFlag(FLAGS_rows), &ctx);

  std::printf("%-44s %10s %9s %12s\n", "phase", "rows", "seconds", "rows/s");
  auto start = Clock::now();
  auto units = OrDie(importer::LegalUnitTable::Load(ctx.files.legal_units),
                     "legal units");
  double units_seconds = Seconds(start);
  ctx.units = units.get();
  PrintRow("legal units loaded (join table)", units->stats().rows,
           units_seconds,
           absl::StrCat(units->size(), " kept, ",
                        units->MemoryUsage() / (1 << 20), " MiB"));

  if (want("parse")) ParsePhase(ctx);
  double raw_rate = want("raw") ? RawPhase(ctx, dir) : 0;
  if (want("e2e")) EndToEndPhase(ctx, dir, raw_rate);
  if (want("floor")) FloorPhase(ctx, dir, raw_rate);
  if (want("server")) ServerOnly(ctx, dir + "/store-server-only");
  std::printf("peak RSS: %.0f MiB\n", PeakRssMiB());
  if (own_dir && !absl::GetFlag(FLAGS_keep)) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
