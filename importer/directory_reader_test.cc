#include "importer/directory_reader.h"

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace maillage::importer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

const territory::Geography& Geo() {
  static const territory::Geography* geo = [] {
    auto loaded = territory::Geography::Load(
        std::string(MAILLAGE_REFERENCE_DIR) + "/geo");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->release();
  }();
  return *geo;
}

const Mappings& Rules() {
  static const Mappings* mappings = [] {
    auto loaded = Mappings::Load(MAILLAGE_REFERENCE_DIR);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded->release();
  }();
  return *mappings;
}

std::string Testdata(const std::string& name) {
  return std::string(MAILLAGE_IMPORTER_TESTDATA) + "/" + name;
}

DirectoryOptions OptionsFor(Format format, const std::string& file) {
  DirectoryOptions options;
  options.format = format;
  options.path = Testdata(file);
  options.mappings = &Rules();
  options.geography = &Geo();
  return options;
}

struct Result {
  std::map<int64_t, Row> rows;  // by row number
  Counters counters;
  const v1::Actor& actor(int64_t row) const {
    auto it = rows.find(row);
    EXPECT_TRUE(it != rows.end() && it->second.outcome == Row::Outcome::kActor)
        << "row " << row << ": "
        << (it == rows.end() ? "missing" : it->second.reason);
    static const v1::Actor kEmpty;
    return it == rows.end() ? kEmpty : it->second.actor;
  }
  // "skipped: reason" or "rejected <field>: reason".
  std::string outcome(int64_t row) const {
    auto it = rows.find(row);
    if (it == rows.end()) return "missing";
    switch (it->second.outcome) {
      case Row::Outcome::kActor:
        return "actor " + it->second.actor.id();
      case Row::Outcome::kSkipped:
        return "skipped: " + it->second.reason;
      case Row::Outcome::kRejected:
        return "rejected " + it->second.field + ": " + it->second.reason;
    }
    return "?";
  }
};

Result ReadAll(const DirectoryOptions& options) {
  Result result;
  auto reader = DirectoryReader::Open(options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return result;
  Row row;
  while ((*reader)->Next(&row)) {
    EXPECT_TRUE(result.rows.emplace(row.row_number, row).second)
        << "row " << row.row_number << " twice";
  }
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status();
  result.counters = (*reader)->counters();
  return result;
}

std::vector<std::string> Exchanges(
    const google::protobuf::RepeatedPtrField<v1::Exchange>& list) {
  std::vector<std::string> out;
  for (const v1::Exchange& e : list) {
    out.push_back(e.theme().empty() ? e.resource()
                                    : e.resource() + ":" + e.theme());
  }
  return out;
}

TEST(SireneTest, EstablishmentsJoinedWithLegalUnits) {
  DirectoryOptions options =
      OptionsFor(Format::kSirene, "sirene_etablissements.csv");
  options.legal_units_path = Testdata("sirene_unites_legales.csv");
  Result r = ReadAll(options);

  const v1::Actor& recycler = r.actor(2);
  EXPECT_EQ(recycler.id(), "siret:12345678900011");
  EXPECT_EQ(recycler.kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(recycler.subtype(), v1::ACTOR_SUBTYPE_SOCIAL_ECONOMY_COMPANY);
  EXPECT_EQ(recycler.name(), "ATELIER DU VAL RECYCLAGE");
  EXPECT_EQ(recycler.naf_code(), "38.32Z");
  EXPECT_EQ(recycler.home_commune(), "94018");
  EXPECT_EQ(recycler.size_band(), v1::SIZE_BAND_SMALL);
  EXPECT_THAT(recycler.themes(), ElementsAre("circular_economy"));
  EXPECT_THAT(
      Exchanges(recycler.offers()),
      ElementsAre("services:circular_economy", "in_kind:circular_economy"));
  EXPECT_EQ(recycler.legal_ids().siret(), "12345678900011");
  EXPECT_EQ(recycler.legal_ids().siren(), "123456789");
  EXPECT_EQ(recycler.source(), "sirene");
  EXPECT_FALSE(recycler.has_location());

  EXPECT_EQ(r.outcome(3), "skipped: closed establishment");

  // The head office of an association with an RNA number: id rna:.
  const v1::Actor& association = r.actor(4);
  EXPECT_EQ(association.id(), "rna:W941000001");
  EXPECT_EQ(association.kind(), v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_EQ(association.name(), "ASSOC JEUNES CHARENTON");
  EXPECT_EQ(association.legal_ids().rna(), "W941000001");
  EXPECT_EQ(association.legal_ids().siret(), "77567123400015");
  EXPECT_EQ(association.size_band(), v1::SIZE_BAND_MICRO);
  EXPECT_THAT(association.themes(),
              ElementsAre("poverty_precarity", "citizenship_social_ties"));
  // Its secondary establishment keeps its SIRET.
  const v1::Actor& antenna = r.actor(5);
  EXPECT_EQ(antenna.id(), "siret:77567123400023");
  EXPECT_EQ(antenna.name(), "ANTENNE JEUNESSE DES BORDS DE MARNE");
  EXPECT_EQ(antenna.home_commune(), "94068");
  EXPECT_THAT(antenna.themes(), ElementsAre("youth", "childhood_family"));

  // A former commune code resolves to the current commune.
  EXPECT_EQ(r.actor(6).home_commune(), "49050");
  EXPECT_EQ(r.actor(6).kind(), v1::ACTOR_KIND_COMPANY);
  // A municipal arrondissement; Lambert-93 coordinates; a TV company is a
  // media.
  const v1::Actor& tv = r.actor(7);
  EXPECT_EQ(tv.home_commune(), "75056");
  EXPECT_EQ(tv.kind(), v1::ACTOR_KIND_MEDIA);
  EXPECT_EQ(tv.size_band(), v1::SIZE_BAND_VERY_LARGE);
  EXPECT_NEAR(tv.location().latitude(), 48.85837, 1e-4);
  EXPECT_NEAR(tv.location().longitude(), 2.29448, 1e-4);

  EXPECT_EQ(r.outcome(8),
            "rejected codeCommuneEtablissement: no commune has INSEE code "
            "'99999' (current or former) and no postal code is given");
  EXPECT_EQ(r.outcome(9),
            "rejected codeCommuneEtablissement: no commune given: no INSEE "
            "code and no postal code");
  // A postal code of two communes, told apart by the SIRENE-style name.
  EXPECT_EQ(r.actor(10).home_commune(), "94068");
  EXPECT_EQ(r.actor(10).id(), "rna:W943000123");
  EXPECT_THAT(r.outcome(11),
              StartsWith("rejected codePostalEtablissement: ambiguous postal "
                         "code: '94440' serves 3 communes (Marolles-en-Brie, "
                         "Santeny, Villecresnes) and the commune name 'BOISSY' "
                         "matches none of them"));
  EXPECT_EQ(r.outcome(12), "skipped: sole proprietorship (a natural person)");
  EXPECT_EQ(r.outcome(13),
            "rejected siret: '1234567800019X' is not a SIRET (14 digits)");
  EXPECT_EQ(r.rows.at(13).raw,
            "12345678,0001,1234567800019X,O,,,true,,,94018,,,,A,,,,,");
  // Duplicates are the server's business (ImportActors rejects the second
  // of a batch).
  EXPECT_EQ(r.actor(14).id(), "siret:12345678900011");
  EXPECT_EQ(r.outcome(15), "skipped: establishment abroad");
  const v1::Actor& town = r.actor(16);
  EXPECT_EQ(town.kind(), v1::ACTOR_KIND_PUBLIC_BODY);
  EXPECT_EQ(town.subtype(), v1::ACTOR_SUBTYPE_LOCAL_AUTHORITY);
  EXPECT_THAT(Exchanges(town.offers()),
              ElementsAre("public_support", "funding", "premises"));
  EXPECT_THAT(r.outcome(17),
              HasSubstr("rejected : no name: enseigne1Etablissement and "
                        "denominationUsuelleEtablissement are empty and the "
                        "legal unit is not in the legal-unit file"));
  // Not diffusible fields ("[ND]"), an older NAF nomenclature, quotes.
  const v1::Actor& cabinet = r.actor(18);
  EXPECT_EQ(cabinet.name(), "CABINET \"LES TILLEULS\", SOINS");
  EXPECT_EQ(cabinet.naf_code(), "");
  EXPECT_EQ(cabinet.home_commune(), "94018");
  EXPECT_FALSE(cabinet.has_location());

  EXPECT_EQ(r.counters.rows, 17);
  EXPECT_EQ(r.counters.actors, 9);
  EXPECT_EQ(r.counters.rejected, 5);
  EXPECT_EQ(r.counters.skipped, 3);
  EXPECT_THAT(r.counters.skipped_by_reason,
              ElementsAre(Pair("closed establishment", 1),
                          Pair("establishment abroad", 1),
                          Pair("sole proprietorship (a natural person)", 1)));
  EXPECT_EQ(r.counters.separator, ',');
  EXPECT_EQ(r.counters.joined, 9);
}

TEST(SireneTest, WithoutLegalUnitsAndGzipped) {
  Result r =
      ReadAll(OptionsFor(Format::kSirene, "sirene_etablissements.csv.gz"));
  // No legal-unit name: rows without a sign or usual name are rejected.
  EXPECT_THAT(r.outcome(2), HasSubstr("give the legal-unit file"));
  // Kind from the NAF code.
  EXPECT_EQ(r.actor(5).kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(r.actor(5).id(), "siret:77567123400023");
  EXPECT_EQ(r.actor(12).name(), "PLOMBERIE MARTIN");  // nothing says "sole"
  EXPECT_EQ(r.counters.rows, 17);
}

// Writes `content` to a file of the test's temporary folder; its path.
std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Found by fuzz/sirene_mapper_fuzzer: a sign made of control characters
// passed the "has a name" test and became an empty name.
TEST(SireneTest, ControlCharactersAreNoName) {
  DirectoryOptions options = OptionsFor(Format::kSirene, "");
  options.path =
      WriteFile("sirene_control_characters.csv",
                "siret,codeCommuneEtablissement,enseigne1Etablissement,"
                "denominationUsuelleEtablissement\n"
                "12345678900011,94018," +
                    std::string(3, '\0') +
                    ",ATELIER\n"
                    "12345678900029,94018,\x0b\x7f,\x01\n");
  Result r = ReadAll(options);
  EXPECT_EQ(r.actor(2).name(), "ATELIER");
  EXPECT_THAT(r.outcome(3), HasSubstr("no name"));
}

TEST(SireneTest, MissingColumnsAreAnError) {
  auto reader = DirectoryReader::Open(
      OptionsFor(Format::kSirene, "sirene_unites_legales.csv"));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(),
              HasSubstr("not a SIRENE establishment file"));
}

TEST(LegalUnitTableTest, KeepsWhatTheJoinNeeds) {
  auto table = LegalUnitTable::Load(Testdata("sirene_unites_legales.csv"));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->size(), 7u);
  EXPECT_EQ((*table)->stats().ceased, 1);
  EXPECT_EQ((*table)->stats().rejected, 1);
  auto unit = (*table)->Find("775671234");
  ASSERT_TRUE(unit.has_value());
  EXPECT_EQ(unit->name, "ASSOC JEUNES CHARENTON");
  EXPECT_EQ(unit->category, 9220);
  EXPECT_TRUE(unit->social_economy);
  EXPECT_EQ(unit->rna, "W941000001");
  auto person = (*table)->Find("400000007");
  ASSERT_TRUE(person.has_value());
  EXPECT_EQ(person->name, "");  // natural persons' names are not read
  EXPECT_FALSE((*table)->Find("900000011").has_value());  // ceased
  EXPECT_FALSE((*table)->Find("999999999").has_value());
  EXPECT_GT((*table)->MemoryUsage(), 0u);
}

TEST(RnaTest, Latin1FileWithDirtyRows) {
  Result r = ReadAll(OptionsFor(Format::kRna, "rna_waldec_latin1.csv"));
  EXPECT_EQ(r.counters.encoding, Encoding::kWindows1252);
  EXPECT_EQ(r.counters.separator, ';');

  const v1::Actor& youth = r.actor(2);
  EXPECT_EQ(youth.id(), "rna:W941000001");
  EXPECT_EQ(youth.kind(), v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_EQ(youth.name(), "ASSOCIATION DES JEUNES DE CHARENTON");
  EXPECT_EQ(youth.description(),
            "Accompagner les jeunes de Charenton vers l'emploi et les loisirs "
            "éducatifs");
  EXPECT_THAT(youth.association_purpose_codes(),
              ElementsAre("019016", "011005"));
  EXPECT_THAT(youth.themes(),
              ElementsAre("youth", "employment_insertion", "sport"));
  EXPECT_THAT(Exchanges(youth.offers()),
              ElementsAre("audience_access:youth", "audience_access:sport",
                          "volunteers:sport"));
  EXPECT_EQ(youth.website(), "http://www.ajc94.fr");
  EXPECT_EQ(youth.legal_ids().siret(), "77567123400015");
  EXPECT_EQ(youth.home_commune(), "94018");
  EXPECT_EQ(youth.source(), "rna");

  // Windows-1252 decoded (Œ is 0x8C); a quoted field with ';', doubled
  // quotes and a line break.
  const v1::Actor& music = r.actor(3);
  EXPECT_EQ(music.name(), "ÉCOLE DE MUSIQUE ŒUVRE DES BORDS DE MARNE");
  EXPECT_EQ(music.description(),
            "Enseignement de la musique;\nconcerts \"gratuits\" pour tous");
  EXPECT_THAT(music.themes(), ElementsAre("culture_heritage"));
  EXPECT_EQ(music.website(), "https://musique-marne.example.org");

  EXPECT_EQ(r.outcome(5), "skipped: dissolved association");
  EXPECT_EQ(r.outcome(6), "skipped: dissolved association");
  EXPECT_EQ(r.outcome(7), "skipped: removed from the register");
  EXPECT_THAT(r.outcome(8), HasSubstr("rejected : field 12: a character "
                                      "follows its closing quote"));
  EXPECT_THAT(r.rows.at(8).raw, StartsWith("\"W941000004\";\"\";"));
  EXPECT_EQ(r.outcome(9),
            "rejected id: '941000005' is not an RNA number (W and 9 digits or "
            "capital letters)");
  EXPECT_EQ(r.outcome(10),
            "rejected adrs_codeinsee: no commune given: no INSEE code and no "
            "postal code");
  const v1::Actor& federation = r.actor(11);
  EXPECT_EQ(federation.subtype(), v1::ACTOR_SUBTYPE_FEDERATION);
  EXPECT_EQ(federation.home_commune(), "94042");  // postal code + name
  EXPECT_EQ(federation.website(), "");            // "non" is no address
  // An unknown INSEE code with a good postal code.
  EXPECT_EQ(r.actor(12).home_commune(), "94018");
  EXPECT_EQ(r.actor(12).id(), "rna:W94100000A");

  EXPECT_EQ(r.counters.rows, 10);  // rows 3-4 are one record
  EXPECT_EQ(r.counters.actors, 4);
  EXPECT_EQ(r.counters.skipped, 3);
  EXPECT_EQ(r.counters.rejected, 3);
}

TEST(RnaTest, AssociationInSireneAndRnaIsOneActor) {
  DirectoryOptions sirene =
      OptionsFor(Format::kSirene, "sirene_etablissements.csv");
  sirene.legal_units_path = Testdata("sirene_unites_legales.csv");
  Result from_sirene = ReadAll(sirene);
  Result from_rna = ReadAll(OptionsFor(Format::kRna, "rna_waldec_latin1.csv"));
  EXPECT_EQ(from_sirene.actor(4).id(), from_rna.actor(2).id());
  EXPECT_EQ(from_sirene.actor(4).legal_ids().rna(),
            from_rna.actor(2).legal_ids().rna());
}

DirectoryOptions LabOptions() {
  DirectoryOptions options = OptionsFor(Format::kCsv, "lab_directory.csv");
  options.source = "labval";
  for (const char* m :
       {"Identifiant=key", "nom de la structure=name", "TYPE=kind",
        "Code INSEE=home_commune", "code_postal=postal_code",
        "Commune=commune_name", "Thematiques=themes", "Offres=offers",
        "Besoins=needs", "Site web=website", "Référent=contacts.name",
        "Courriel=contacts.email", "Description=description"}) {
    auto mapping = ParseColumnMapping(m);
    EXPECT_TRUE(mapping.ok()) << m;
    options.columns.push_back(*mapping);
  }
  return options;
}

TEST(LabCsvTest, SpreadsheetWithAColumnMapping) {
  Result r = ReadAll(LabOptions());
  EXPECT_EQ(r.counters.encoding, Encoding::kUtf8);
  EXPECT_EQ(r.counters.separator, ';');

  const v1::Actor& atelier = r.actor(2);
  EXPECT_EQ(atelier.id(), "ext:labval:L001");
  EXPECT_EQ(atelier.kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(atelier.name(), "Atelier Numérique du Val");
  EXPECT_EQ(atelier.home_commune(), "94018");
  EXPECT_THAT(atelier.themes(), ElementsAre("digital_inclusion", "youth"));
  EXPECT_THAT(Exchanges(atelier.offers()),
              ElementsAre("skills:digital_inclusion", "premises"));
  EXPECT_THAT(Exchanges(atelier.needs()), ElementsAre("funding"));
  EXPECT_EQ(atelier.website(), "http://atelier-val.fr");
  ASSERT_EQ(atelier.contacts_size(), 1);
  EXPECT_EQ(atelier.contacts(0).name(), "Claire Martin");
  EXPECT_EQ(atelier.contacts(0).email(), "claire@atelier-val.fr");
  EXPECT_EQ(atelier.description(),
            "Ateliers \"numériques\" pour seniors; et\njeunes");
  EXPECT_EQ(atelier.source(), "lab:labval");

  const v1::Actor& town = r.actor(4);
  EXPECT_EQ(town.kind(), v1::ACTOR_KIND_PUBLIC_BODY);
  EXPECT_EQ(town.subtype(), v1::ACTOR_SUBTYPE_LOCAL_AUTHORITY);
  EXPECT_EQ(town.home_commune(), "94070");  // 94440 + "SANTENY"

  EXPECT_THAT(r.outcome(5),
              HasSubstr("rejected : field 2: a character follows its "
                        "closing quote"));
  EXPECT_EQ(r.outcome(6),
            "rejected Code INSEE: no commune given: no INSEE code and no "
            "postal code");
  EXPECT_THAT(r.outcome(7),
              StartsWith("rejected Thématiques: unknown theme 'tricot'"));
  EXPECT_EQ(r.actor(8).kind(), v1::ACTOR_KIND_MEDIA);
  EXPECT_THAT(r.outcome(9), StartsWith("rejected Identifiant: the key 'L 007' "
                                       "has spaces"));
  EXPECT_EQ(r.rows.count(10), 0u);  // ";;;;" is a blank line
  const v1::Actor& foundation = r.actor(11);
  EXPECT_EQ(foundation.kind(), v1::ACTOR_KIND_ASSOCIATION);
  EXPECT_EQ(foundation.subtype(), v1::ACTOR_SUBTYPE_FOUNDATION);
  EXPECT_EQ(foundation.home_commune(), "75056");
  EXPECT_THAT(Exchanges(foundation.offers()),
              ElementsAre("funding:poverty_precarity"));
  EXPECT_THAT(r.outcome(12),
              StartsWith("rejected Type: unknown kind 'Licorne'"));
  EXPECT_EQ(r.actor(13).id(), "ext:labval:L001");  // duplicate: server's job
  EXPECT_EQ(r.outcome(14), "rejected : has 2 fields; the header has 13");
  EXPECT_EQ(r.actor(15).home_commune(), "94068");
  EXPECT_EQ(r.actor(15).kind(), v1::ACTOR_KIND_ASSOCIATION);

  EXPECT_EQ(r.counters.rows, 12);
  EXPECT_EQ(r.counters.actors, 6);
  EXPECT_EQ(r.counters.rejected, 6);
}

// Found by reading importer/csv_format.cc while writing the seeds of
// fuzz/mapped_csv_fuzzer, which confirmed it under UBSan: "nan" passed
// the range checks (every comparison with NaN is false), and a NaN
// capacity was then cast to int (undefined behaviour).
TEST(LabCsvTest, NotANumberIsRejected) {
  DirectoryOptions options = OptionsFor(Format::kCsv, "");
  options.path = WriteFile("lab_nan.csv",
                           "key;insee;capacity;latitude;longitude\n"
                           "a;94018;nan;;\n"
                           "b;94018;;NaN;\n"
                           "c;94018;;;-nan\n"
                           "d;94018;inf;;\n"
                           "e;94018;12;48,8;2.4\n");
  for (const char* m :
       {"key=key", "insee=home_commune", "capacity=capacity",
        "latitude=location.latitude", "longitude=location.longitude"}) {
    options.columns.push_back(*ParseColumnMapping(m));
  }
  Result r = ReadAll(options);
  EXPECT_THAT(r.outcome(2), StartsWith("rejected capacity: 'nan'"));
  EXPECT_THAT(r.outcome(3), StartsWith("rejected latitude: 'NaN'"));
  EXPECT_THAT(r.outcome(4), StartsWith("rejected longitude: '-nan'"));
  EXPECT_THAT(r.outcome(5), StartsWith("rejected capacity: 'inf'"));
  EXPECT_EQ(r.actor(6).capacity(), 12);
  EXPECT_DOUBLE_EQ(r.actor(6).location().latitude(), 48.8);
}

TEST(LabCsvTest, MappingErrors) {
  DirectoryOptions options = LabOptions();
  options.columns.push_back({"Téléphone", "contacts.phone"});
  EXPECT_THAT(DirectoryReader::Open(options).status().message(),
              HasSubstr("no column 'Téléphone' (the header has: Identifiant, "
                        "Nom de la structure"));
  options = LabOptions();
  options.columns.push_back({"Type", "category"});
  EXPECT_THAT(DirectoryReader::Open(options).status().message(),
              HasSubstr("'Type=category': unknown field"));
  options = LabOptions();
  options.columns.erase(options.columns.begin());  // no key
  EXPECT_THAT(DirectoryReader::Open(options).status().message(),
              HasSubstr("gives no id"));
  options = LabOptions();
  options.source = "lab val";
  EXPECT_THAT(DirectoryReader::Open(options).status().message(),
              HasSubstr("source 'lab val'"));
  EXPECT_FALSE(ParseColumnMapping("no equals sign").ok());
  EXPECT_EQ(ParseColumnMapping("a=b=c")->column, "a=b");
}

TEST(JsonlTest, ActorsAsJsonLines) {
  for (const char* file : {"actors.jsonl", "actors.jsonl.gz"}) {
    Result r = ReadAll(OptionsFor(Format::kJsonl, file));
    EXPECT_EQ(r.actor(1).id(), "ext:partner:1");
    EXPECT_THAT(Exchanges(r.actor(1).offers()),
                ElementsAre("skills:digital_inclusion"));
    EXPECT_EQ(r.actor(3).home_commune(), "94068");
    EXPECT_THAT(r.outcome(4), StartsWith("rejected : not a maillage.v1.Actor "
                                         "in JSON"));
    EXPECT_THAT(r.outcome(5), HasSubstr("colour"));
    EXPECT_EQ(r.actor(6).capacity(), 5);
    EXPECT_EQ(r.actor(6).home_commune(), "94028");
    EXPECT_EQ(r.counters.rows, 5);  // the blank line is not a row
    EXPECT_EQ(r.counters.actors, 3);
  }
}

// Every row, in the order Next returns them.
std::vector<Row> ReadInOrder(const DirectoryOptions& options) {
  std::vector<Row> rows;
  auto reader = DirectoryReader::Open(options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return rows;
  Row row;
  while ((*reader)->Next(&row)) rows.push_back(row);
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status();
  return rows;
}

TEST(JsonlTest, ThreadsKeepTheFileOrder) {
  // Enough lines for many chunks of 512; blank, bad and unknown-field
  // lines among them, and lines only protobuf's parser takes.
  std::string path = ::testing::TempDir() + "/threads.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 5000; ++i) {
      if (i % 101 == 0) {
        out << "\n";
      } else if (i % 97 == 0) {
        out << "{\"id\":\"ext:t:" << i << "\",\n";
      } else if (i % 89 == 0) {
        out << "{\"id\":\"ext:t:" << i << "\",\"colour\":1}\n";
      } else if (i % 83 == 0) {
        out << "{'id':'ext:t:" << i << "'}\n";
      } else {
        out << "{\"id\":\"ext:t:" << i
            << "\",\"kind\":\"ACTOR_KIND_COMPANY\",\"name\":\"Atelier n°" << i
            << "\",\"home_commune\":\"94018\",\"capacity\":" << i << "}\n";
      }
    }
  }
  DirectoryOptions options;
  options.format = Format::kJsonl;
  options.path = path;
  options.keep_raw = true;
  std::vector<Row> one = ReadInOrder(options);
  ASSERT_EQ(one.size(), 5000u - 50);  // the blank lines are not rows
  EXPECT_EQ(one[0].actor.capacity(), 1);
  EXPECT_EQ(one[82].actor.id(), "ext:t:83");  // single quotes: protobuf's
  for (int threads : {2, 3, 8}) {
    options.parse_threads = threads;
    std::vector<Row> many = ReadInOrder(options);
    ASSERT_EQ(many.size(), one.size());
    for (size_t i = 0; i < one.size(); ++i) {
      ASSERT_EQ(many[i].row_number, one[i].row_number);
      ASSERT_EQ(many[i].outcome, one[i].outcome) << many[i].row_number;
      ASSERT_EQ(many[i].reason, one[i].reason);
      ASSERT_EQ(many[i].raw, one[i].raw);
      ASSERT_EQ(many[i].actor.SerializeAsString(),
                one[i].actor.SerializeAsString());
    }
  }
  // Without keep_raw, only rejected rows carry their line.
  options.keep_raw = false;
  std::vector<Row> lean = ReadInOrder(options);
  EXPECT_EQ(lean[0].raw, "");
  EXPECT_EQ(lean[96].outcome, Row::Outcome::kRejected);
  EXPECT_EQ(lean[96].raw, "{\"id\":\"ext:t:97\",");
}

TEST(DirectoryReaderTest, KeepRawAndFormats) {
  DirectoryOptions options = OptionsFor(Format::kRna, "rna_waldec_latin1.csv");
  options.keep_raw = true;
  Result r = ReadAll(options);
  EXPECT_THAT(r.rows.at(2).raw, StartsWith("\"W941000001\";"));
  EXPECT_EQ(ParseFormat("sirene"), Format::kSirene);
  EXPECT_EQ(ParseFormat("xml"), std::nullopt);
  EXPECT_EQ(FormatName(Format::kJsonl), "jsonl");
  DirectoryOptions no_rules;
  no_rules.format = Format::kRna;
  no_rules.path = Testdata("rna_waldec_latin1.csv");
  EXPECT_EQ(DirectoryReader::Open(no_rules).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace maillage::importer
