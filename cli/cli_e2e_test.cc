// The built `maillage` binary against the real server, in-process on a free
// port with a store in a temporary folder.
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/territory.pb.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace maillage::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Start(); }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = temp_.Sub(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs `maillage --server <test server> ARGS` through the shell, with
  // `input` on its standard input; `args` is shell text (quote what needs
  // it).
  Result Run(const std::string& args, const std::string& input = "") {
    return RunShell("", "--server " + server_.target() + " " + args, input);
  }

  Result RunAgainst(const std::string& server, const std::string& args) {
    return RunShell("", "--server " + server + " " + args, "");
  }

  // Runs `<env> maillage <args>` through the shell: `env` sets variables.
  Result RunShell(const std::string& env, const std::string& args,
                  const std::string& input) {
    std::string err_path = temp_.Sub("stderr");
    std::string in_path = Write("stdin", input);
    std::string command = env + " " + std::string(MAILLAGE_CLI_BINARY) + " " +
                          args + " 2>" + err_path + " <" + in_path;
    Result result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "popen failed: " << command;
      return result;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      result.out.append(buffer, n);
    }
    int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = ReadFile(err_path);
    return result;
  }

  v1::Actor ParseActor(const std::string& json) {
    v1::Actor actor;
    auto status = google::protobuf::util::JsonStringToMessage(json, &actor);
    EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
    return actor;
  }

  testing::TempDir temp_;
  testing::TestServer server_;
};

std::string Describe(const Result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
         "stderr:\n" + r.err;
}

TEST_F(CliTest, Help) {
  Result main_help = Run("--help");
  EXPECT_EQ(main_help.exit_code, 0) << Describe(main_help);
  EXPECT_THAT(main_help.out, HasSubstr("actors list"));
  EXPECT_THAT(main_help.out, HasSubstr("fragilities import FILE.csv"));
  EXPECT_THAT(main_help.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(main_help.out, HasSubstr("MAILLAGE_SERVER"));

  Result group_help = Run("actors --help");
  EXPECT_EQ(group_help.exit_code, 0);
  EXPECT_THAT(group_help.out, HasSubstr("--territory LEVEL:CODE"));
  EXPECT_THAT(group_help.out, HasSubstr("maillage actors update ID FILE|-"));
  EXPECT_THAT(group_help.out, HasSubstr("Example"));

  Result command_help = Run("actors list -h");
  EXPECT_EQ(command_help.exit_code, 0);
  EXPECT_THAT(command_help.out, HasSubstr("--page-size N"));
  EXPECT_THAT(command_help.out, Not(HasSubstr("actors delete")));

  EXPECT_EQ(Run("diagnosis --help").exit_code, 0);
  EXPECT_EQ(Run("help fragilities").exit_code, 0);
}

TEST_F(CliTest, UsageErrors) {
  Result none = RunShell("", "", "");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("Usage:"));

  Result no_command = Run("");
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_THAT(no_command.err, StartsWith("maillage: missing command\n"));

  Result no_value = RunShell("", "--server", "");
  EXPECT_EQ(no_value.exit_code, 2);
  EXPECT_THAT(no_value.err, HasSubstr("--server needs a value"));

  Result unknown = Run("actrs list");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("maillage: unknown command 'actrs'"));

  Result flag = Run("actors list --colour red");
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.err, HasSubstr("unknown flag '--colour'"));
  EXPECT_THAT(flag.err, HasSubstr("Run 'maillage actors list --help'"));

  Result kind = Run("actors list --kind bakery");
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_THAT(kind.err, HasSubstr("--kind: unknown value 'bakery'"));

  Result territory = Run("actors list --territory 94");
  EXPECT_EQ(territory.exit_code, 2);
  EXPECT_THAT(territory.err, HasSubstr("expected LEVEL:CODE"));

  Result args = Run("actors get");
  EXPECT_EQ(args.exit_code, 2);
  EXPECT_THAT(args.err, StartsWith("maillage: actors get: expected ID, got 0 "
                                   "arguments\n"));

  EXPECT_EQ(Run("actors get x --timeout 0").exit_code, 2);
  EXPECT_EQ(Run("actors list --output yaml").exit_code, 2);
  EXPECT_EQ(Run("actors").exit_code, 2);
}

TEST_F(CliTest, ActorLifecycle) {
  std::string file = Write("actor.json", R"({
    "id": "siret:12345678900011",
    "kind": "company",
    "name": "Atelier du Val — Économie solidaire",
    "home_commune": "94018",
    "themes": ["employment_insertion"],
    "contacts": [{"name": "Claire Martin", "email": "claire@example.org"}]
  })");
  Result created = Run("actors create " + file);
  ASSERT_EQ(created.exit_code, 0) << Describe(created);
  EXPECT_THAT(created.out, HasSubstr("siret:12345678900011"));
  EXPECT_THAT(created.out, HasSubstr("Atelier du Val — Économie solidaire"));

  Result got = Run("actors get siret:12345678900011");
  ASSERT_EQ(got.exit_code, 0) << Describe(got);
  v1::Actor actor = ParseActor(got.out);
  EXPECT_EQ(actor.name(), "Atelier du Val — Économie solidaire");
  EXPECT_EQ(actor.kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_EQ(actor.contacts_size(), 0);  // basic view without --full
  EXPECT_FALSE(actor.etag().empty());

  Result full = Run("actors get siret:12345678900011 --full");
  ASSERT_EQ(full.exit_code, 0) << Describe(full);
  EXPECT_EQ(ParseActor(full.out).contacts_size(), 1);

  Result fields = Run("actors get siret:12345678900011 --output table");
  ASSERT_EQ(fields.exit_code, 0) << Describe(fields);
  EXPECT_THAT(fields.out, HasSubstr("kind:"));
  EXPECT_THAT(fields.out, HasSubstr("company"));

  // A second actor, so that the listing has two lines.
  Result second =
      Run("actors create -",
          "{\"id\": \"ext:lab:asso-1\", \"kind\": \"association\", \"name\": "
          "\"Les Amis de Créteil\", \"home_commune\": \"94028\", \"themes\": "
          "[\"youth\"]}\n");
  ASSERT_EQ(second.exit_code, 0) << Describe(second);

  Result listed = Run("actors list --output json");
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  std::vector<std::string> lines =
      absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << listed.out;
  EXPECT_EQ(ParseActor(lines[0]).id(), "ext:lab:asso-1");
  EXPECT_EQ(ParseActor(lines[1]).id(), "siret:12345678900011");

  Result table = Run("actors list --kind company --territory departement:94");
  ASSERT_EQ(table.exit_code, 0) << Describe(table);
  EXPECT_THAT(table.out, StartsWith("ID "));
  EXPECT_THAT(table.out, HasSubstr("siret:12345678900011  company  Atelier"));
  EXPECT_THAT(table.out, Not(HasSubstr("Créteil")));

  Result paged = Run("actors list --page-size 1 --all --output json");
  ASSERT_EQ(paged.exit_code, 0) << Describe(paged);
  EXPECT_EQ(std::vector<std::string>(
                absl::StrSplit(paged.out, '\n', absl::SkipEmpty()))
                .size(),
            2u);
  Result first_page = Run("actors list --page-size 1");
  EXPECT_THAT(first_page.err, HasSubstr("more results: add --all"));

  std::string patch = Write("patch.json", R"({"name": "Atelier du Val",
                                             "description": "ignored"})");
  Result updated =
      Run("actors update siret:12345678900011 " + patch + " --mask name");
  ASSERT_EQ(updated.exit_code, 0) << Describe(updated);
  v1::Actor after = ParseActor(updated.out);
  EXPECT_EQ(after.name(), "Atelier du Val");
  EXPECT_EQ(after.description(), "");        // not in the mask
  EXPECT_EQ(after.home_commune(), "94018");  // untouched
  EXPECT_NE(after.etag(), actor.etag());

  // Without --mask, the fields the file sets.
  Result described = Run("actors update siret:12345678900011 " + patch);
  ASSERT_EQ(described.exit_code, 0) << Describe(described);
  EXPECT_EQ(ParseActor(described.out).description(), "ignored");
  EXPECT_EQ(ParseActor(described.out).contacts_size(), 1);  // kept

  Result stale = Run("actors update siret:12345678900011 " + patch +
                     " --mask name --etag " + actor.etag());
  EXPECT_EQ(stale.exit_code, 5) << Describe(stale);
  EXPECT_THAT(stale.err, StartsWith("maillage: ABORTED: "));

  Result deleted = Run("actors delete siret:12345678900011");
  ASSERT_EQ(deleted.exit_code, 0) << Describe(deleted);
  EXPECT_EQ(deleted.out, "deleted siret:12345678900011\n");

  Result gone = Run("actors get siret:12345678900011");
  EXPECT_EQ(gone.exit_code, 3) << Describe(gone);
  EXPECT_THAT(gone.err, StartsWith("maillage: NOT_FOUND: "));
  EXPECT_EQ(Run("actors delete siret:12345678900011").exit_code, 3);
}

TEST_F(CliTest, BadActorPrintsFieldPaths) {
  std::string file =
      Write("bad.json",
            R"({"kind": "company", "name": "", "home_commune": "99999"})");
  Result bad = Run("actors create " + file);
  EXPECT_EQ(bad.exit_code, 4) << Describe(bad);
  EXPECT_THAT(bad.err, StartsWith("maillage: INVALID_ARGUMENT: "));
  EXPECT_THAT(bad.err, HasSubstr("\n  actor.name: "));
  EXPECT_THAT(bad.err, HasSubstr("\n  actor.home_commune: "));

  Result duplicate = Run("actors create " + Write("ok.json", R"({
    "id": "ext:lab:x", "kind": "company", "name": "X",
    "home_commune": "94018", "themes": ["youth"]})"));
  ASSERT_EQ(duplicate.exit_code, 0) << Describe(duplicate);
  EXPECT_EQ(Run("actors create " + temp_.Sub("ok.json")).exit_code, 5);

  Result json = Run("actors create " + Write("syntax.json", "{\"name\": "));
  EXPECT_EQ(json.exit_code, 4) << Describe(json);
  EXPECT_THAT(json.err, HasSubstr("invalid JSON"));

  Result enum_name =
      Run("actors create " + Write("enum.json", R"({"kind": "bakery"})"));
  EXPECT_EQ(enum_name.exit_code, 4);
  EXPECT_THAT(enum_name.err, HasSubstr("kind: unknown value 'bakery'"));

  EXPECT_EQ(Run("actors create /nonexistent.json").exit_code, 4);
}

TEST_F(CliTest, SeveralActorsSomeRejected) {
  std::string file = Write(
      "actors.jsonl",
      "{\"id\": \"ext:lab:1\", \"kind\": \"company\", \"name\": \"Un\", "
      "\"home_commune\": \"94018\", \"themes\": [\"youth\"]}\n"
      "{\"id\": \"ext:lab:2\", \"kind\": \"company\", \"name\": \"\", "
      "\"home_commune\": \"94018\"}\n"
      "{\"id\": \"ext:lab:3\", \"kind\": \"association\", \"name\": "
      "\"Trois\", \"home_commune\": \"94028\", \"themes\": [\"youth\"]}\n");
  Result result = Run("actors create " + file + " --output json");
  EXPECT_EQ(result.exit_code, 6) << Describe(result);
  EXPECT_THAT(result.err,
              HasSubstr("maillage: INVALID_ARGUMENT: line 2 (ext:lab:2): "));
  EXPECT_THAT(result.err, HasSubstr("  actor.name: "));
  EXPECT_THAT(result.err, HasSubstr("created 2 of 3 actors"));
  EXPECT_EQ(std::vector<std::string>(
                absl::StrSplit(result.out, '\n', absl::SkipEmpty()))
                .size(),
            2u);
  EXPECT_EQ(Run("actors get ext:lab:3").exit_code, 0);
}

TEST_F(CliTest, ServerFromEnvironment) {
  std::string env = "MAILLAGE_SERVER=" + server_.target();
  Result from_env = RunShell(env, "actors list", "");
  EXPECT_EQ(from_env.exit_code, 0) << Describe(from_env);
  // --server wins over the environment.
  Result flag = RunShell("MAILLAGE_SERVER=127.0.0.1:1",
                         "actors list --server " + server_.target(), "");
  EXPECT_EQ(flag.exit_code, 0) << Describe(flag);
  Result bad =
      RunShell("MAILLAGE_SERVER=127.0.0.1:1", "actors list --timeout 5", "");
  EXPECT_EQ(bad.exit_code, 1) << Describe(bad);
}

TEST_F(CliTest, UnreachableServer) {
  Result result = RunAgainst("127.0.0.1:1", "actors get x --timeout 5");
  EXPECT_EQ(result.exit_code, 1) << Describe(result);
  EXPECT_THAT(result.err,
              StartsWith("maillage: UNAVAILABLE: cannot reach the server at "
                         "127.0.0.1:1"));
}

TEST_F(CliTest, Territories) {
  Result got = Run("territories get departement:94");
  ASSERT_EQ(got.exit_code, 0) << Describe(got);
  EXPECT_THAT(got.out, HasSubstr("name:          Val-de-Marne\n"));
  EXPECT_THAT(got.out, HasSubstr("ancestors:     region:11\n"));

  Result json = Run("territories get commune:94018 --output json");
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  v1::Territory commune;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.out, &commune).ok());
  EXPECT_EQ(commune.name(), "Charenton-le-Pont");
  EXPECT_THAT(commune.postal_codes(), ::testing::Contains("94220"));

  Result listed = Run(
      "territories list --level departement --parent région:11 --page-size 3 "
      "--all");
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  EXPECT_THAT(listed.out, StartsWith("TERRITORY "));
  EXPECT_THAT(listed.out, HasSubstr("departement:94  Val-de-Marne "));
  EXPECT_THAT(listed.out, HasSubstr("departement:95  Val-d'Oise "));
  EXPECT_EQ(std::vector<std::string>(
                absl::StrSplit(listed.out, '\n', absl::SkipEmpty()))
                .size(),
            9u);  // header and the 8 départements of Île-de-France

  Result resolved = Run("territories resolve 94220");
  ASSERT_EQ(resolved.exit_code, 0) << Describe(resolved);
  EXPECT_THAT(resolved.out, HasSubstr("94018    Charenton-le-Pont"));

  Result unknown = Run("territories get commune:99999");
  EXPECT_EQ(unknown.exit_code, 3) << Describe(unknown);
  EXPECT_THAT(unknown.err, StartsWith("maillage: NOT_FOUND: "));
}

TEST_F(CliTest, FragilitiesImportFactsAndDiagnosis) {
  // A spreadsheet export: BOM, ';', columns in mixed case, a decimal comma,
  // a quoted field over two lines, a blank line, two bad rows.
  std::string csv =
      Write("fragilites.csv",
            "\xEF\xBB\xBFTerritory;Type;Theme;Title;Indicator;Value;"
            "Reference value;Unit;Year;Source;Description\r\n"
            "commune:94018;fragility;employment_insertion;Chômage des jeunes;"
            "taux de chômage des 15-24 ans;28,5;17;%;2021;INSEE;"
            "\"Deux lignes\nde texte; avec \"\"guillemets\"\"\"\r\n"
            "departement:94;asset;youth;Université Paris-Est Créteil;;;;;;;\r\n"
            "commune:94018;fragility;youth;Valeur illisible;x;abc;1;;;;\r\n"
            "commune:94018;fragility;bakery;Thème inconnu;x;2;1;;;;\r\n"
            "\r\n"
            "commune:94018;;digital_inclusion;Illectronisme;"
            "part des 15 ans et plus;19;15;%;2019;INSEE;\r\n");

  Result dry = Run("fragilities import " + csv + " --dry-run");
  EXPECT_EQ(dry.exit_code, 6) << Describe(dry);
  EXPECT_THAT(dry.out,
              StartsWith("created 3, updated 0, unchanged 0, rejected 2 (dry "
                         "run: nothing written)\n"));
  Result none = Run("facts list commune:94018");
  EXPECT_EQ(none.exit_code, 0) << Describe(none);
  EXPECT_EQ(none.out, "");

  Result imported = Run("fragilities import " + csv);
  EXPECT_EQ(imported.exit_code, 6) << Describe(imported);
  EXPECT_EQ(imported.out,
            "created 3, updated 0, unchanged 0, rejected 2\n"
            "row 5: value: not a number: 'abc'\n"  // row 2 spans 2 lines
            "row 6: theme: unknown theme 'bakery' (see "
            "reference/vocab/themes.tsv)\n");
  EXPECT_THAT(imported.err, HasSubstr("maillage: 2 of 5 rows rejected"));

  Result again = Run("fragilities import " + csv);
  EXPECT_THAT(again.out, StartsWith("created 0, updated 0, unchanged 3, "));

  Result facts = Run("facts list commune:94018 --type fragility");
  ASSERT_EQ(facts.exit_code, 0) << Describe(facts);
  EXPECT_THAT(facts.out, HasSubstr("Chômage des jeunes"));
  EXPECT_THAT(facts.out, HasSubstr("28.5"));
  EXPECT_THAT(facts.out, HasSubstr("Illectronisme"));

  Result jsonl = Run("facts list commune:94018 --output json");
  ASSERT_EQ(jsonl.exit_code, 0);
  std::vector<std::string> lines =
      absl::StrSplit(jsonl.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  bool found_description = false;
  for (const std::string& line : lines) {
    v1::TerritoryFact fact;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &fact).ok());
    if (fact.title() == "Chômage des jeunes") {
      EXPECT_EQ(fact.description(),
                "Deux lignes\nde texte; avec \"guillemets\"");
      EXPECT_EQ(fact.value(), 28.5);
      found_description = true;
    }
  }
  EXPECT_TRUE(found_description);

  Result actor = Run("actors create -",
                     R"({"id": "ext:lab:atelier", "kind": "company",
                         "name": "Atelier", "home_commune": "94018",
                         "themes": ["employment_insertion"]})");
  ASSERT_EQ(actor.exit_code, 0) << Describe(actor);

  Result report = Run("diagnosis commune:94018");
  ASSERT_EQ(report.exit_code, 0) << Describe(report);
  EXPECT_THAT(report.out,
              StartsWith("Diagnosis of Charenton-le-Pont (commune:94018)\n"));
  EXPECT_THAT(report.out, HasSubstr("  1. Chômage des jeunes "
                                    "[employment_insertion]\n"));
  EXPECT_THAT(report.out, HasSubstr("     1 actor on the theme: company 1\n"
                                    "     missing: association, public_body, "
                                    "academic, media\n"));
  EXPECT_THAT(report.out, HasSubstr("  2. Illectronisme [digital_inclusion]"));
  EXPECT_THAT(report.out, HasSubstr("28.5 % (reference 17 %), 2021, INSEE"));
  EXPECT_THAT(report.out, HasSubstr("Université Paris-Est Créteil [youth] in "
                                    "departement:94"));

  Result report_json = Run("diagnosis commune:94018 --output json");
  ASSERT_EQ(report_json.exit_code, 0);
  v1::TerritoryDiagnosis diagnosis;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(report_json.out, &diagnosis)
          .ok());
  EXPECT_EQ(diagnosis.fragilities_size(), 2);
}

// More rows than one ImportFacts call takes: the rows are sent in chunks
// and every error still names its row in the file.
TEST_F(CliTest, LargeImportKeepsRowNumbers) {
  std::string csv = "territory,theme,title,value,reference_value\n";
  for (int row = 2; row <= 2600; ++row) {
    std::string theme = row == 1500 ? "bakery" : "youth";
    std::string value = row == 2100 ? "n/a" : "30";
    csv += "commune:94018," + theme + ",Indicateur " + std::to_string(row) +
           "," + value + ",20\n";
  }
  Result result = Run("fragilities import " + Write("big.csv", csv));
  EXPECT_EQ(result.exit_code, 6) << Describe(result);
  EXPECT_EQ(result.out,
            "created 2597, updated 0, unchanged 0, rejected 2\n"
            "row 1500: theme: unknown theme 'bakery' (see "
            "reference/vocab/themes.tsv)\n"
            "row 2100: value: not a number: 'n/a'\n");
  EXPECT_THAT(result.err, HasSubstr("2 of 2599 rows rejected"));
}

TEST_F(CliTest, ImportChecksTheFileFirst) {
  // Malformed CSV: nothing is sent, whatever the server implements.
  Result malformed =
      Run("fragilities import " + Write("bad.csv",
                                        "territory,title\n"
                                        "commune:94018,\"never closed\n"));
  EXPECT_EQ(malformed.exit_code, 4) << Describe(malformed);
  EXPECT_THAT(malformed.err, HasSubstr("row 2, field 2: quoted field never "
                                       "closed"));

  Result no_territory =
      Run("fragilities import " + Write("nt.csv", "theme,title\nyouth,x\n"));
  EXPECT_EQ(no_territory.exit_code, 4);
  EXPECT_THAT(no_territory.err, HasSubstr("no territory column"));
}

}  // namespace
}  // namespace maillage::cli
