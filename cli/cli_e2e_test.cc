// The built `maillage` binary against the real server, in-process on a free
// port with a store in a temporary folder.
#include <stdio.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "maillage/v1/actor.grpc.pb.h"
#include "maillage/v1/actor.pb.h"
#include "maillage/v1/admin.pb.h"
#include "maillage/v1/lifecycle.pb.h"
#include "maillage/v1/matching.pb.h"
#include "maillage/v1/privacy.pb.h"
#include "maillage/v1/territory.pb.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_server.h"

namespace maillage::cli {
namespace {

using ::testing::ContainsRegex;
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

  // Runs `<env> maillage <args>` through the shell: `env` sets variables
  // (or prefixes a command: "timeout 3"). Safe to call from several threads.
  Result RunShell(const std::string& env, const std::string& args,
                  const std::string& input) {
    std::string run = std::to_string(runs_++);
    std::string err_path = temp_.Sub("stderr" + run);
    std::string in_path = Write("stdin" + run, input);
    // The CLI finds the server's admin key as it would on the server's
    // machine: in the credentials file the server wrote at first start.
    std::string command = "MAILLAGE_CREDENTIALS=" + server_.credentials_file() +
                          " " + env + " " + std::string(MAILLAGE_CLI_BINARY) +
                          " " + args + " 2>" + err_path + " <" + in_path;
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

  template <typename M>
  M ParseJson(const std::string& json) {
    M message;
    auto status = google::protobuf::util::JsonStringToMessage(json, &message);
    EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
    return message;
  }

  testing::TempDir temp_;
  testing::TestServer server_;
  std::atomic<int> runs_{0};
};

// With a backup folder (--backup_dir).
class CliBackupTest : public CliTest {
 protected:
  void SetUp() override {
    server_.options().core.backups.dir = temp_.Sub("backups");
    server_.Start();
  }
};

TEST_F(CliBackupTest, CreateListVerifyDeletePurge) {
  Result made = Run("admin backup create --output json");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto first = ParseJson<v1::CreateBackupResponse>(made.out);
  EXPECT_EQ(first.backup().id(), 1u);
  EXPECT_GT(first.backup().sequence_number(), 0u);
  Result second = Run("admin backup create");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("Backup 2 made in"), std::string::npos)
      << second.err;

  Result listed = Run("admin backup list");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> lines =
      absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << listed.out;  // the header, backups 1 and 2
  EXPECT_NE(lines[0].find("SEQUENCE"), std::string::npos);
  EXPECT_EQ(lines[1].rfind("1 ", 0), 0u) << lines[1];
  EXPECT_NE(listed.err.find("Retention: the newest 7"), std::string::npos)
      << listed.err;

  Result verified = Run("admin backup verify 1");
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find("checksums verified"), std::string::npos);
  EXPECT_EQ(Run("admin backup verify 9").exit_code, 3);
  EXPECT_EQ(Run("admin backup verify one").exit_code, 2);

  EXPECT_EQ(Run("admin backup delete 1").exit_code, 0);
  EXPECT_EQ(Run("admin backup delete 1").exit_code, 3);
  Result purged = Run("admin backup purge");
  EXPECT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_EQ(purged.out, "no backup to delete\n");
  Result json = Run("admin backup list --output json");
  EXPECT_EQ(ParseJson<v1::Backup>(json.out).id(), 2u);
}

// With the synthetic demo territory: 320 actors ext:demo:1000 to 1319 in
// the Val-de-Marne (département 94).
class CliDemoTest : public CliTest {
 protected:
  void SetUp() override {
    server_.options().demo = true;
    CliTest::SetUp();
  }
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

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

TEST_F(CliTest, ThemesAndResourcesListTheVocabularies) {
  Result themes = Run("themes");
  ASSERT_EQ(themes.exit_code, 0) << Describe(themes);
  EXPECT_THAT(themes.out, StartsWith("CODE "));
  EXPECT_THAT(themes.out,
              ::testing::MatchesRegex("(.|\n)*\ndigital_inclusion +Inclusion "
                                      "numérique +Digital inclusion\n(.|\n)*"));
  Result json = Run("themes --output json");
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  std::vector<std::string> lines = Lines(json.out);
  ASSERT_EQ(lines.size(), 22u);  // the reference vocabulary's themes
  auto first = ParseJson<v1::Theme>(lines[0]);
  EXPECT_EQ(first.code(), "employment_insertion");
  EXPECT_EQ(first.label_en(), "Employment and insertion");

  Result resources = Run("resources");
  ASSERT_EQ(resources.exit_code, 0) << Describe(resources);
  EXPECT_THAT(resources.out,
              ::testing::MatchesRegex(
                  "(.|\n)*\nservices +Prestations de services +Services +"
                  "responsible_practices / responsible_purchasing\n(.|\n)*"));

  // A request naming an unknown theme is told where the codes are.
  Result bad =
      Run("actors create -",
          R"({"id":"siret:12345678900011","kind":"ACTOR_KIND_COMPANY",)"
          R"("name":"Atelier","homeCommune":"94018","themes":["bakery"]})");
  EXPECT_EQ(bad.exit_code, 4) << Describe(bad);
  EXPECT_THAT(bad.err, HasSubstr("unknown theme 'bakery' "
                                 "(ActorService.ListThemes ('maillage "
                                 "themes') lists the codes)"));
}

TEST_F(CliTest, ZonesCreateListDelete) {
  Result none = Run("zones list");
  EXPECT_EQ(none.exit_code, 0) << Describe(none);
  EXPECT_EQ(none.out, "");
  EXPECT_THAT(none.err, HasSubstr("no custom zone"));

  Result created =
      Run("zones create bords-de-marne --name 'Bords de Marne' "
          "--communes 94018,94067 --communes 94068 --description 'Trois "
          "communes'");
  ASSERT_EQ(created.exit_code, 0) << Describe(created);
  EXPECT_THAT(created.out, HasSubstr("custom:bords-de-marne"));
  Result listed = Run("zones list");
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  EXPECT_THAT(listed.out, ::testing::MatchesRegex(
                              "ZONE +NAME +COMMUNES +POPULATION\n"
                              "bords-de-marne +Bords de Marne +3 +[0-9,]+\n"));
  Result got = Run("territories get custom:bords-de-marne --output json");
  ASSERT_EQ(got.exit_code, 0) << Describe(got);
  EXPECT_THAT(ParseJson<v1::Territory>(got.out).communes(),
              ::testing::ElementsAre("94018", "94067", "94068"));

  EXPECT_EQ(
      Run("zones create bords-de-marne --name X --communes 94018").exit_code,
      5);
  EXPECT_EQ(Run("zones create Bad/Code --name X --communes 94018").exit_code,
            4);
  Result deleted = Run("zones delete bords-de-marne");
  ASSERT_EQ(deleted.exit_code, 0) << Describe(deleted);
  EXPECT_EQ(Run("zones list").out, "");
  EXPECT_EQ(Run("zones delete bords-de-marne").exit_code, 3);
}

TEST_F(CliTest, WeightsShowTheDefaultsUntilOutcomesTeachOthers) {
  Result shown = Run("weights show");
  ASSERT_EQ(shown.exit_code, 0) << Describe(shown);
  EXPECT_THAT(shown.out, HasSubstr("source: defaults\n"));
  EXPECT_THAT(shown.out, ::testing::MatchesRegex(
                             "(.|\n)*\ncomplementarity +0.4 +0.4 *\n(.|\n)*"));
  Result learned = Run("weights learn --output json");
  ASSERT_EQ(learned.exit_code, 0) << Describe(learned);
  auto weights = ParseJson<v1::WorkspaceMatchWeights>(learned.out);
  EXPECT_EQ(weights.source(), v1::MATCH_WEIGHTS_SOURCE_DEFAULTS);
  EXPECT_THAT(weights.reason(), HasSubstr("not enough outcomes"));
  EXPECT_TRUE(weights.has_learn_time());
  EXPECT_EQ(weights.weights().proximity(), 0.85);
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
            "row 6: theme: unknown theme 'bakery' (ActorService.ListThemes "
            "('maillage themes') lists the codes)\n");
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
            "row 1500: theme: unknown theme 'bakery' (ActorService.ListThemes "
            "('maillage themes') lists the codes)\n"
            "row 2100: value: not a number: 'n/a'\n");
  EXPECT_THAT(result.err, HasSubstr("2 of 2599 rows rejected"));
}

TEST_F(CliTest, ImportChecksTheFileFirst) {
  Result no_territory =
      Run("fragilities import " + Write("nt.csv", "theme,title\nyouth,x\n"));
  EXPECT_EQ(no_territory.exit_code, 4);
  EXPECT_THAT(no_territory.err, HasSubstr("no territory column"));

  Result empty = Run("fragilities import " + Write("empty.csv", ""));
  EXPECT_EQ(empty.exit_code, 4) << Describe(empty);
  EXPECT_THAT(empty.err, HasSubstr("the file is empty; expected a header"));

  EXPECT_EQ(Run("fragilities import /nonexistent.csv").exit_code, 4);
}

// The one CSV parser (importer::CsvReader): a malformed row costs that row
// only, and Windows-1252 exports are read as such.
TEST_F(CliTest, FragilitiesMalformedRowsAndLatin1) {
  Result malformed =
      Run("fragilities import " + Write("bad.csv",
                                        "territory,theme,title\n"
                                        "commune:94018,youth,Bien\n"
                                        "commune:94018,youth,\"never \"closed\n"
                                        "commune:94018,youth,Aussi bien\n"));
  EXPECT_EQ(malformed.exit_code, 6) << Describe(malformed);
  EXPECT_EQ(malformed.out,
            "created 2, updated 0, unchanged 0, rejected 1\n"
            "row 3: field 3: a character follows its closing quote (a quote "
            "inside a quoted field must be doubled)\n");

  // "Chômage des séniors" in Windows-1252, ';'-separated, from stdin.
  Result latin1 = Run("fragilities import -",
                      "territory;theme;title;value;reference_value\r\n"
                      "commune:94028;seniors_ageing;Ch\xF4mage des s\xE9niors;"
                      "12,5;10\r\n");
  ASSERT_EQ(latin1.exit_code, 0) << Describe(latin1);
  Result facts = Run("facts list commune:94028 --output json");
  ASSERT_EQ(facts.exit_code, 0) << Describe(facts);
  v1::TerritoryFact fact = ParseJson<v1::TerritoryFact>(facts.out);
  EXPECT_EQ(fact.title(), "Chômage des séniors");
  EXPECT_EQ(fact.value(), 12.5);
}

TEST_F(CliTest, HelpListsEveryCommand) {
  Result help = Run("--help");
  ASSERT_EQ(help.exit_code, 0);
  for (const char* command : {"suggest partners ACTOR_ID",
                              "suggest coalition LEVEL:CODE THEME",
                              "suggest panel LEVEL:CODE THEME...",
                              "suggest territory LEVEL:CODE",
                              "explain ACTOR_A ACTOR_B",
                              "suggestions list",
                              "suggestions get ID",
                              "suggestions update ID STATE",
                              "partnerships import FILE|-",
                              "partnerships list",
                              "watch LEVEL:CODE",
                              "metrics LEVEL:CODE",
                              "health",
                              "import FILE|-",
                              "export",
                              "themes",
                              "resources",
                              "zones create CODE",
                              "zones list",
                              "zones delete CODE",
                              "weights show",
                              "weights learn"}) {
    EXPECT_THAT(help.out, HasSubstr("\n  " + std::string(command))) << command;
  }
  Result suggest = Run("suggest partners --help");
  EXPECT_EQ(suggest.exit_code, 0);
  EXPECT_THAT(suggest.out, HasSubstr("[--kind KIND]..."));
  EXPECT_THAT(suggest.out, HasSubstr("Examples:"));
  Result exporter = Run("export --help");
  EXPECT_THAT(exporter.out, HasSubstr("-o, --out FILE"));
}

TEST_F(CliTest, Health) {
  Result health = Run("health");
  EXPECT_EQ(health.exit_code, 0) << Describe(health);
  EXPECT_EQ(health.out, "SERVING\n");

  Result service = Run("health --service maillage.v1.ActorService");
  EXPECT_EQ(service.exit_code, 0) << Describe(service);

  Result down = RunAgainst("127.0.0.1:1", "health --timeout 3");
  EXPECT_EQ(down.exit_code, 1) << Describe(down);
  EXPECT_THAT(down.err, HasSubstr("cannot reach the server"));
}

TEST_F(CliDemoTest, SuggestPartnersAndExplain) {
  Result table = Run("suggest partners ext:demo:1000 --limit 3 --by test@lab");
  ASSERT_EQ(table.exit_code, 0) << Describe(table);
  std::vector<std::string> lines = Lines(table.out);
  ASSERT_GE(lines.size(), 3u) << table.out;
  EXPECT_THAT(lines[0], StartsWith("Partners suggested for ext:demo:1000"));
  EXPECT_THAT(lines[1], StartsWith("#  SCORE  PARTNER"));
  EXPECT_THAT(lines[2], ::testing::MatchesRegex("1   0\\.[0-9][0-9]  .*"));
  EXPECT_THAT(table.out, HasSubstr("ext:demo:1000"));  // in the sentences
  EXPECT_THAT(table.out, HasSubstr("factors: "));
  EXPECT_THAT(table.out, HasSubstr("complementarity "));
  EXPECT_THAT(table.out, HasSubstr("   suggestion s-"));

  Result json =
      Run("suggest partners ext:demo:1000 --limit 3 --preview --output json");
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  auto response = ParseJson<v1::SuggestPartnersResponse>(json.out);
  ASSERT_GT(response.suggestions_size(), 0);
  EXPECT_LE(response.suggestions_size(), 3);
  const v1::PartnerSuggestion& best = response.suggestions(0);
  EXPECT_GT(best.score(), 0);
  EXPECT_FALSE(best.explanation().empty());
  EXPECT_THAT(table.out, HasSubstr(best.explanation().substr(0, 20)));

  Result filtered = Run(
      "suggest partners ext:demo:1000 --kind company,public_body --theme "
      "youth --scope departement:94 --min-score 0.01 --weight proximity=0.5 "
      "--preview --output json");
  ASSERT_EQ(filtered.exit_code, 0) << Describe(filtered);
  auto kept = ParseJson<v1::SuggestPartnersResponse>(filtered.out);
  for (const auto& s : kept.suggestions()) {
    EXPECT_TRUE(s.partner_kind() == v1::ACTOR_KIND_COMPANY ||
                s.partner_kind() == v1::ACTOR_KIND_PUBLIC_BODY);
  }

  EXPECT_EQ(Run("suggest partners ext:demo:1000 --kind bakery").exit_code, 2);
  EXPECT_EQ(Run("suggest partners ext:demo:1000 --min-score 2").exit_code, 2);
  EXPECT_EQ(Run("suggest partners ext:demo:1000 --weight speed=2").exit_code,
            2);
  EXPECT_EQ(Run("suggest partners ext:nobody").exit_code, 3);

  Result explain = Run("explain ext:demo:1000 " + best.partner_id());
  ASSERT_EQ(explain.exit_code, 0) << Describe(explain);
  EXPECT_THAT(explain.out, StartsWith("ext:demo:1000 and "));
  EXPECT_THAT(explain.out,
              HasSubstr("\nFactors, largest contribution first\n  FACTOR  "));
  for (const char* factor :
       {"complementarity", "shared_themes", "proximity", "fragility",
        "cross_kind", "capacity", "common_partners"}) {
    EXPECT_THAT(explain.out, HasSubstr("\n  " + std::string(factor) + " "));
  }
  EXPECT_THAT(explain.out, HasSubstr("\n  total "));
  EXPECT_THAT(explain.out, HasSubstr("\nResource flows\n"));
  EXPECT_THAT(explain.out,
              HasSubstr("\nBlockers\n  none: suggest partners may propose "
                        "this pair\n"));

  Result self = Run("explain ext:demo:1000 ext:demo:1000");
  ASSERT_EQ(self.exit_code, 0) << Describe(self);
  EXPECT_THAT(self.out, HasSubstr("\nBlockers\n  - "));
}

TEST_F(CliDemoTest, CoalitionAndPanel) {
  Result coalition =
      Run("suggest coalition departement:94 digital_inclusion seniors_ageing");
  ASSERT_EQ(coalition.exit_code, 0) << Describe(coalition);
  EXPECT_THAT(coalition.out,
              StartsWith("Coalition on digital_inclusion + seniors_ageing in "
                         "departement:94\n"));
  for (const char* column :
       {"ROLE", "COMMUNE", "DISTANCE", "RELEVANCE", "BRINGS"}) {
    EXPECT_THAT(coalition.out, HasSubstr(column));
  }
  EXPECT_THAT(coalition.out, HasSubstr("\nobjective: "));
  for (const char* kind :
       {"  association  ", "  company  ", "  public_body  "}) {
    EXPECT_THAT(coalition.out, HasSubstr(kind));
  }
  EXPECT_THAT(coalition.out, HasSubstr("\ncovered: "));
  EXPECT_THAT(coalition.out, HasSubstr("\nuncovered: "));
  EXPECT_THAT(coalition.out, HasSubstr("\nMethod: "));
  EXPECT_THAT(coalition.out, HasSubstr("\nAlternatives\n  1. "));

  Result json =
      Run("suggest coalition departement:94 digital_inclusion --needs "
          "funding,volunteers --max-size 4 --alternatives 1 --output json");
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  auto response = ParseJson<v1::SuggestCoalitionResponse>(json.out);
  EXPECT_GE(response.coalition().members_size(), 3);
  EXPECT_LE(response.coalition().members_size(), 4);
  EXPECT_LE(response.alternatives_size(), 1);
  EXPECT_FALSE(response.derived_needs());
  for (const auto& m : response.coalition().members()) {
    EXPECT_EQ(m.home_commune().substr(0, 2), "94") << m.actor_id();
    EXPECT_FALSE(m.home_commune_name().empty());
  }

  // An anchor, several themes with weights.
  json =
      Run("suggest coalition departement:94 digital_inclusion seniors_ageing "
          "--theme-weights 2,1 --anchor ext:demo:1000 --alternatives 0 "
          "--output json");
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  response = ParseJson<v1::SuggestCoalitionResponse>(json.out);
  ASSERT_GE(response.coalition().members_size(), 1);
  EXPECT_EQ(response.coalition().members(0).actor_id(), "ext:demo:1000");
  EXPECT_EQ(response.coalition().members(0).basis(),
            v1::COALITION_MEMBER_BASIS_ANCHOR);
  EXPECT_THAT(response.theme_weights(),
              ::testing::ElementsAre(::testing::DoubleEq(2.0 / 3),
                                     ::testing::DoubleEq(1.0 / 3)));
  EXPECT_EQ(Run("suggest coalition departement:94 youth --theme-weights 1,2")
                .exit_code,
            2);
  EXPECT_EQ(Run("suggest coalition departement:94 youth --min-size 5 "
                "--max-size 3")
                .exit_code,
            2);

  Result panel =
      Run("suggest panel departement:94 youth employment_insertion mobility "
          "--size 6");
  ASSERT_EQ(panel.exit_code, 0) << Describe(panel);
  EXPECT_THAT(panel.out, StartsWith("Dialogue panel on youth, "
                                    "employment_insertion, mobility in "
                                    "departement:94: 6 invitations\n"));
  EXPECT_THAT(panel.out, HasSubstr("\nWhy each is invited\n  1. "));
  EXPECT_THAT(panel.out, HasSubstr("\nkinds: "));
  EXPECT_THAT(panel.out, HasSubstr("\nuncovered: none\n"));

  Result panel_json =
      Run("suggest panel departement:94 youth,mobility --output json");
  ASSERT_EQ(panel_json.exit_code, 0) << Describe(panel_json);
  auto dialogue = ParseJson<v1::DialoguePanel>(panel_json.out);
  EXPECT_THAT(dialogue.covered_themes(),
              ::testing::UnorderedElementsAre("youth", "mobility"));
}

TEST_F(CliDemoTest, SuggestionLifecyclePartnershipsAndMetrics) {
  ASSERT_EQ(
      Run("suggest partners ext:demo:1000 --limit 2 --by claire@lab").exit_code,
      0);
  Result listed = Run("suggestions list --actor ext:demo:1000");
  ASSERT_EQ(listed.exit_code, 0) << Describe(listed);
  EXPECT_THAT(listed.out, StartsWith("ID "));
  EXPECT_THAT(listed.out, HasSubstr("  proposed  ext:demo:1000  "));

  Result json =
      Run("suggestions list --actor ext:demo:1000 --state proposed "
          "--all --output json");
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  std::vector<std::string> lines = Lines(json.out);
  ASSERT_EQ(lines.size(), 2u) << json.out;
  std::string id = ParseJson<v1::Suggestion>(lines[0]).id();
  std::string other = ParseJson<v1::Suggestion>(lines[1]).id();

  // Refused: no meeting before contact.
  Result refused = Run("suggestions update " + id + " meeting_held");
  EXPECT_EQ(refused.exit_code, 5) << Describe(refused);
  EXPECT_THAT(refused.err, StartsWith("maillage: FAILED_PRECONDITION: "));
  EXPECT_EQ(Run("suggestions update " + id + " flying").exit_code, 2);
  EXPECT_EQ(Run("suggestions update " + id +
                " outcome_recorded --outcome "
                "great")
                .exit_code,
            2);
  EXPECT_EQ(Run("suggestions update " + other + " dismissed").exit_code, 4);

  Result kept = Run("suggestions update " + id + " kept --by claire@lab");
  ASSERT_EQ(kept.exit_code, 0) << Describe(kept);
  EXPECT_EQ(kept.out, id + ": proposed -> kept\n");
  ASSERT_EQ(Run("suggestions update " + id + " contacted").exit_code, 0);
  ASSERT_EQ(Run("suggestions update " + id + " meeting_held").exit_code, 0);
  Result outcome = Run("suggestions update " + id +
                       " outcome_recorded "
                       "--outcome informative");
  ASSERT_EQ(outcome.exit_code, 0) << Describe(outcome);
  EXPECT_EQ(outcome.out,
            id + ": meeting_held -> outcome_recorded (informative)\n");
  Result formed = Run("suggestions update " + id + " partnership_formed");
  ASSERT_EQ(formed.exit_code, 0) << Describe(formed);
  EXPECT_THAT(formed.out, HasSubstr("\npartnership "));
  Result dismissed =
      Run("suggestions update " + other + " dismissed --reason \"trop loin\"");
  ASSERT_EQ(dismissed.exit_code, 0) << Describe(dismissed);

  Result got = Run("suggestions get " + id);
  ASSERT_EQ(got.exit_code, 0) << Describe(got);
  EXPECT_THAT(got.out, StartsWith("Suggestion " + id + "\n"));
  EXPECT_THAT(got.out, HasSubstr("  state:         partnership_formed\n"));
  EXPECT_THAT(got.out, HasSubstr("  outcome:       informative\n"));
  EXPECT_THAT(got.out, HasSubstr("\nHistory\n"));
  // Who did it is the caller's principal (the admin key the CLI found);
  // --by is a note beside it.
  EXPECT_THAT(got.out, ::testing::ContainsRegex(
                           "  proposed +kept +key:[0-9a-f]{16} \\(note: "
                           "claire@lab\\)\n"));
  EXPECT_EQ(Run("suggestions get s-nothing").exit_code, 3);

  // The registry: a CSV with a bad row, then the listing.
  std::string csv =
      Write("partenariats.csv",
            "id;participants;category;modality;start;end;territory;theme;"
            "description\n"
            "lab:1;ext:demo:1001|ext:demo:1002;Mécénat;skills;2024-03-01;;"
            "departement:94;youth;\"Tutorat\nsur deux lignes\"\n"
            "lab:2;ext:demo:1003|ext:nobody;mecenat;;01/02/2024;;;youth;\n"
            "lab:3;ext:demo:1004|ext:demo:1005;mecenat;;2024-13-01;;;;\n");
  Result imported = Run("partnerships import " + csv);
  EXPECT_EQ(imported.exit_code, 6) << Describe(imported);
  EXPECT_EQ(imported.out,
            "created 1, updated 0, unchanged 0, rejected 2\n"
            "row 4: participants[1]: no actor has id 'ext:nobody'\n"
            "row 5: start: expected a date YYYY-MM-DD (or DD/MM/YYYY), got "
            "'2024-13-01'\n");
  EXPECT_THAT(imported.err, HasSubstr("maillage: 2 of 3 rows rejected"));

  Result partnerships = Run("partnerships list --active");
  ASSERT_EQ(partnerships.exit_code, 0) << Describe(partnerships);
  EXPECT_THAT(partnerships.out,
              ::testing::ContainsRegex("\nlab:1 +mecenat / skills +"
                                       "ext:demo:1001 \\+ ext:demo:1002 +"
                                       "2024-03-01 +yes +departement:94 +"
                                       "youth\n"));
  Result jsonl = Run("partnerships import -",
                     "{\"id\": \"lab:9\", \"participants\": "
                     "[\"ext:demo:1010\", \"ext:demo:1011\"], \"category\": "
                     "\"mecenat\"}\n");
  EXPECT_EQ(jsonl.exit_code, 2) << Describe(jsonl);  // stdin needs --format
  jsonl = Run("partnerships import - --format jsonl",
              "{\"id\": \"lab:9\", \"participants\": "
              "[\"ext:demo:1010\", \"ext:demo:1011\"], \"category\": "
              "\"mecenat\"}\n");
  EXPECT_EQ(jsonl.exit_code, 0) << Describe(jsonl);
  EXPECT_EQ(jsonl.out, "created 1, updated 0, unchanged 0, rejected 0\n");

  Result metrics = Run("metrics departement:94");
  ASSERT_EQ(metrics.exit_code, 0) << Describe(metrics);
  EXPECT_THAT(metrics.out, StartsWith("Metrics of departement:94, from the "
                                      "start to now\n"));
  EXPECT_THAT(metrics.out, HasSubstr("CATEGORY  "));
  EXPECT_THAT(metrics.out,
              ::testing::ContainsRegex("\n  total +2 +1 +1 +1 +1 +1 +1\n"));
  EXPECT_THAT(metrics.out, HasSubstr("informative 1"));
  EXPECT_THAT(metrics.out, HasSubstr("Active partnerships: 3 ("));
  Result past =
      Run("metrics departement:94 --from 2020-01-01 --to "
          "2020-12-31 --output json");
  ASSERT_EQ(past.exit_code, 0) << Describe(past);
  auto figures = ParseJson<v1::TerritoryMetrics>(past.out);
  for (const auto& m : figures.categories()) EXPECT_EQ(m.suggestions(), 0);
  EXPECT_EQ(Run("metrics departement:94 --from 2020-31-01").exit_code, 2);
}

TEST_F(CliDemoTest, SuggestForTerritory) {
  // The server may not implement it yet: then the error is printed properly.
  Result result = Run("suggest territory departement:94 --per-actor 2");
  if (result.exit_code == 0) {
    EXPECT_THAT(result.out, HasSubstr("fair (capacities respected)"));
    EXPECT_THAT(result.out, HasSubstr("independent top-k lists"));
  } else {
    EXPECT_EQ(result.exit_code, 1) << Describe(result);
    EXPECT_THAT(result.err,
                StartsWith("maillage: UNIMPLEMENTED: "
                           "LifecycleService.SuggestForTerritory: "));
  }
  EXPECT_EQ(Run("suggest territory departement:94 --per-actor 11").exit_code,
            2);
}

TEST_F(CliDemoTest, WatchPrintsEventsAsTheyHappen) {
  // The demo store has no event yet: from "0", the watch waits for the
  // first one whenever it connects. Interrupted after 4 s (SIGINT, as
  // Ctrl-C): exit code 0.
  Result watched;
  std::thread watcher([&] {
    watched = RunShell(
        "timeout --preserve-status -s INT 4",
        "--server " + server_.target() + " watch departement:94 --from 0", "");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Result served = Run("suggest partners ext:demo:1000 --limit 1 --output json");
  watcher.join();
  ASSERT_EQ(served.exit_code, 0) << Describe(served);
  auto response = ParseJson<v1::SuggestPartnersResponse>(served.out);
  ASSERT_EQ(response.suggestions_size(), 1);
  const std::string& id = response.suggestions(0).suggestion_id();

  EXPECT_EQ(watched.exit_code, 0) << Describe(watched);
  std::vector<std::string> lines = Lines(watched.out);
  ASSERT_EQ(lines.size(), 1u) << Describe(watched);
  EXPECT_THAT(lines[0], ::testing::MatchesRegex(
                            "[0-9]+  [0-9T:Z-]+  suggestion " + id +
                            "  proposed  ext:demo:1000 -> ext:demo:1[0-9]+  "
                            "[a-z_]+ 0\\.[0-9][0-9]"));
  std::string token = lines[0].substr(0, lines[0].find(' '));
  EXPECT_THAT(
      watched.err,
      HasSubstr("maillage: watch stopped; resume with --from " + token + "\n"));

  // Resuming after it: nothing new; from the start: the event again.
  Result resumed = RunShell(
      "timeout --preserve-status -s INT 1.5",
      "--server " + server_.target() + " watch departement:94 --from " + token,
      "");
  EXPECT_EQ(resumed.exit_code, 0) << Describe(resumed);
  EXPECT_EQ(resumed.out, "");
  Result replay = RunShell("timeout --preserve-status -s INT 1.5",
                           "--server " + server_.target() +
                               " watch departement:94 --from 0 --output json",
                           "");
  EXPECT_EQ(replay.exit_code, 0) << Describe(replay);
  lines = Lines(replay.out);
  ASSERT_EQ(lines.size(), 1u) << Describe(replay);
  auto event = ParseJson<v1::WatchEvent>(lines[0]);
  EXPECT_EQ(event.token(), token);
  EXPECT_EQ(event.suggestion().id(), id);
}

TEST_F(CliDemoTest, WatchFromATokenRetentionDeletedSaysSo) {
  // Two events, 1 and 2: resuming after 1 would miss 2 once it is deleted.
  Result served = Run("suggest partners ext:demo:1000 --limit 2 --output json");
  ASSERT_EQ(served.exit_code, 0) << Describe(served);
  // A sweep as of a day after the events' retention period (90 days).
  core::Retention& retention = server_.server().core().retention();
  ASSERT_GT(retention.options().events, absl::ZeroDuration());
  auto swept = retention.Sweep(absl::Now() + retention.options().events +
                               absl::Hours(24));
  ASSERT_TRUE(swept.ok()) << swept.status();
  ASSERT_EQ((*swept)[core::RetentionRecord::kEvent], 2);

  // (Bounded: a watch that got no error would wait for events forever.)
  Result watched = RunShell(
      "timeout --preserve-status -s INT 30",
      "--server " + server_.target() + " watch departement:94 --from 1", "");
  EXPECT_EQ(watched.exit_code, 4) << Describe(watched);  // OUT_OF_RANGE
  EXPECT_THAT(watched.err, HasSubstr("older than the oldest event kept"));
  EXPECT_THAT(watched.err, ::testing::Not(HasSubstr("resume with --from")));
}

// Subject access and erasure as an operator runs them.
TEST_F(CliTest, PrivacyExportThenErase) {
  std::string file = Write("actor.json", R"({
    "id": "siret:12345678900011", "kind": "company", "name": "Atelier du Val",
    "home_commune": "94018", "themes": ["employment_insertion"],
    "description": "Écrire à claire.martin@example.org",
    "contacts": [{"name": "Claire Martin", "email": "claire.martin@example.org"},
                 {"name": "Paul Garde", "email": "paul@example.org"}]
  })");
  ASSERT_EQ(Run("actors create " + file).exit_code, 0);

  Result exported =
      Run("admin privacy export --email Claire.Martin@example.org");
  ASSERT_EQ(exported.exit_code, 0) << Describe(exported);
  auto held = ParseJson<v1::PersonalDataExport>(exported.out);
  ASSERT_EQ(held.items_size(), 2) << exported.out;
  EXPECT_THAT(exported.out, Not(HasSubstr("paul@example.org")));

  Result refused = Run("admin privacy erase --email claire.martin@example.org");
  EXPECT_EQ(refused.exit_code, 2) << Describe(refused);
  EXPECT_THAT(refused.err, HasSubstr("--validate-only"));
  Result counted = Run(
      "admin privacy erase --email claire.martin@example.org --validate-only");
  ASSERT_EQ(counted.exit_code, 0) << Describe(counted);
  EXPECT_THAT(counted.out, HasSubstr("contact"));
  EXPECT_EQ(
      ParseJson<v1::PersonalDataExport>(
          Run("admin privacy export --email claire.martin@example.org").out)
          .items_size(),
      2);

  Result erased =
      Run("admin privacy erase --email claire.martin@example.org --yes");
  ASSERT_EQ(erased.exit_code, 0) << Describe(erased);
  EXPECT_THAT(erased.err, HasSubstr("pseudonym:"));
  EXPECT_EQ(
      ParseJson<v1::PersonalDataExport>(
          Run("admin privacy export --email claire.martin@example.org").out)
          .items_size(),
      0);
  Result got = Run("actors get siret:12345678900011 --full");
  EXPECT_THAT(got.out, Not(HasSubstr("claire")));
  EXPECT_THAT(got.out, HasSubstr("paul@example.org"));
}

TEST_F(CliTest, ImportJsonlThenExport) {
  std::string jsonl = Write(
      "actors.jsonl",
      "{\"id\": \"ext:lab:1\", \"kind\": \"ACTOR_KIND_COMPANY\", \"name\": "
      "\"Atelier du Val\", \"home_commune\": \"94018\", \"themes\": "
      "[\"youth\"]}\n"
      "\n"
      "{\"id\": \"ext:lab:2\", \"kind\": \"ACTOR_KIND_ASSOCIATION\", "
      "\"name\": \"Les Amis, de Créteil\", \"home_commune\": \"94028\", "
      "\"needs\": [{\"resource\": \"funding\", \"theme\": \"youth\"}]}\n"
      "{\"id\": \"ext:lab:3\", \"kind\": \"ACTOR_KIND_PUBLIC_BODY\", "
      "\"name\": \"Mairie\", \"home_commune\": \"94028\"}\n");
  Result imported = Run("import " + jsonl);
  ASSERT_EQ(imported.exit_code, 0) << Describe(imported);
  EXPECT_THAT(imported.out, StartsWith("read "));
  EXPECT_THAT(imported.out, HasSubstr("3 rows of jsonl (detected)"));
  EXPECT_THAT(imported.out, HasSubstr("\ncreated            3\n"));
  EXPECT_THAT(imported.out, HasSubstr("\nrejected (server)  0\n"));

  Result again = Run("import " + jsonl + " --batch 1");
  ASSERT_EQ(again.exit_code, 0) << Describe(again);
  EXPECT_THAT(again.out, HasSubstr("\nunchanged          3\n"));

  std::string out = temp_.Sub("export.jsonl");
  Result exported = Run("export -o " + out);
  ASSERT_EQ(exported.exit_code, 0) << Describe(exported);
  EXPECT_EQ(exported.out, "");
  EXPECT_THAT(exported.err, HasSubstr("exported 3 actors to " + out));
  std::set<std::string> ids;
  for (const std::string& line : Lines(ReadFile(out))) {
    ids.insert(ParseActor(line).id());
  }
  EXPECT_THAT(ids,
              ::testing::ElementsAre("ext:lab:1", "ext:lab:2", "ext:lab:3"));
  // What export writes, import reads back: nothing changes.
  Result round_trip = Run("import " + out + " --format jsonl");
  ASSERT_EQ(round_trip.exit_code, 0) << Describe(round_trip);
  EXPECT_THAT(round_trip.out, HasSubstr("\nunchanged          3\n"));

  Result csv = Run("export --format csv --kind association");
  ASSERT_EQ(csv.exit_code, 0) << Describe(csv);
  EXPECT_EQ(csv.out,
            "id,kind,subtype,name,home_commune,themes,needs,offers,"
            "legal_ids.siret,legal_ids.siren,legal_ids.rna,naf_code,"
            "association_purpose_codes,size_band,capacity,website,"
            "location.latitude,location.longitude,status,source,description\n"
            "ext:lab:2,association,,\"Les Amis, de Créteil\",94028,,"
            "funding:youth,,,,,,,,,,,,,,\n");
  EXPECT_EQ(Run("export --format xml").exit_code, 2);
}

// JSONL rows travel encoded (never built as messages on the client), the
// lines the fast path leaves to protobuf too: every row keeps its number
// and its place, whatever path it took.
TEST_F(CliTest, ImportJsonlKeepsRowNumbersAcrossParsingPaths) {
  std::string jsonl =
      Write("mixed.jsonl",
            "{\"id\": \"ext:lab:11\", \"kind\": \"ACTOR_KIND_COMPANY\", "
            "\"name\": \"Un\", \"home_commune\": \"94018\", \"capacity\": 0}\n"
            // protobuf's lenient forms: single quotes, a number in a string.
            "{'id': 'ext:lab:12', 'kind': 'ACTOR_KIND_ASSOCIATION', 'name': "
            "'Deux', 'home_commune': '94028', 'capacity': '4'}\n"
            "{\"id\": \"ext:lab:13\", \"name\": \"Trois\"\n"  // not JSON
            "{\"id\": \"ext:lab:14\", \"kind\": \"ACTOR_KIND_COMPANY\", "
            "\"name\": \"\", \"home_commune\": \"94018\"}\n"  // no name
            "{\"id\": \"ext:lab:15\", \"kind\": \"ACTOR_KIND_PUBLIC_BODY\", "
            "\"name\": \"Cinq\", \"homeCommune\": \"94028\", "
            "\"location\": {\"latitude\": 48.79, \"longitude\": 2.45}}\n");
  for (const char* batch : {"", " --batch 1", " --batch 2"}) {
    Result imported = Run("import " + jsonl + " --format jsonl" + batch);
    EXPECT_EQ(imported.exit_code, 6) << Describe(imported);
    EXPECT_THAT(imported.out, HasSubstr("\nrejected (server)  1\n"));
    EXPECT_THAT(imported.out, HasSubstr("\nrejected (file)    1\n"));
    EXPECT_THAT(imported.out, HasSubstr("\nrow 3: not a maillage.v1.Actor"));
    EXPECT_THAT(imported.out, HasSubstr("\nrow 4: name: "));
  }
  v1::Actor second = ParseActor(Run("actors get ext:lab:12 --output json").out);
  EXPECT_EQ(second.name(), "Deux");
  EXPECT_EQ(second.capacity(), 4);
  v1::Actor first = ParseActor(Run("actors get ext:lab:11 --output json").out);
  EXPECT_TRUE(first.has_capacity());
  EXPECT_EQ(first.capacity(), 0);
  v1::Actor fifth = ParseActor(Run("actors get ext:lab:15 --output json").out);
  EXPECT_EQ(fifth.home_commune(), "94028");
  EXPECT_DOUBLE_EQ(fifth.location().longitude(), 2.45);
}

// An organisation that objected to being proposed stays opted out when the
// SIRENE file it came from is imported again, in either mode, and the
// summary says so row by row; an UpdateActor naming "status" lifts it, and
// the next import leaves it lifted.
TEST_F(CliTest, SireneReimportKeepsAnOptedOutOrganisationOptedOut) {
  const std::string data = MAILLAGE_IMPORTER_TESTDATA;
  const std::string import =
      "import " + data + "/sirene_etablissements.csv --format sirene " +
      "--legal-units " + data + "/sirene_unites_legales.csv";
  // Rows 2 and 4 of the file: a company and an association (its head
  // office, id rna:).
  const std::string company = "siret:12345678900011";
  const std::string association = "rna:W941000001";
  auto set_status = [&](const std::string& id, v1::ActorStatus status) {
    grpc::ClientContext context;
    v1::UpdateActorRequest update;
    update.mutable_actor()->set_id(id);
    update.mutable_actor()->set_status(status);
    update.mutable_update_mask()->add_paths("status");
    v1::Actor updated;
    grpc::Status s = server_.actors().UpdateActor(&context, update, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
  };
  auto status_of = [&](const std::string& id) {
    grpc::ClientContext context;
    v1::GetActorRequest get;
    get.set_id(id);
    v1::Actor actor;
    grpc::Status s = server_.actors().GetActor(&context, get, &actor);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return actor.status();
  };
  const std::string kept =
      ": status: kept ACTOR_STATUS_OPTED_OUT (the row said "
      "ACTOR_STATUS_UNSPECIFIED): the organisation objected to being "
      "proposed";

  Result first = Run(import);
  EXPECT_THAT(first.out, Not(HasSubstr("kept opted out"))) << Describe(first);
  ASSERT_EQ(status_of(company), v1::ACTOR_STATUS_UNSPECIFIED);
  set_status(company, v1::ACTOR_STATUS_OPTED_OUT);
  set_status(association, v1::ACTOR_STATUS_OPTED_OUT);

  for (const std::string mode : {"merge", "replace"}) {
    SCOPED_TRACE(mode);
    Result again = Run(import + " --mode " + mode);
    EXPECT_THAT(again.out, ContainsRegex("\nkept opted out +2\n"))
        << Describe(again);
    EXPECT_THAT(again.out, HasSubstr("\nrow 2" + kept));
    EXPECT_THAT(again.out, HasSubstr("\nrow 4" + kept));
    EXPECT_EQ(status_of(company), v1::ACTOR_STATUS_OPTED_OUT);
    EXPECT_EQ(status_of(association), v1::ACTOR_STATUS_OPTED_OUT);
  }

  set_status(company, v1::ACTOR_STATUS_ACTIVE);
  Result lifted = Run(import + " --mode replace");
  EXPECT_THAT(lifted.out, ContainsRegex("\nkept opted out +1\n"))
      << Describe(lifted);
  EXPECT_THAT(lifted.out, Not(HasSubstr("row 2" + kept)));
  EXPECT_THAT(lifted.out, HasSubstr("\nrow 4" + kept));
  EXPECT_NE(status_of(company), v1::ACTOR_STATUS_OPTED_OUT);
  EXPECT_EQ(status_of(association), v1::ACTOR_STATUS_OPTED_OUT);
}

TEST_F(CliTest, ImportSpreadsheetWithMappingAndRejects) {
  std::string csv = Write("annuaire.csv",
                          "Identifiant;Nom;Type;Code INSEE;Thèmes\n"
                          "A1;Atelier du Val;entreprise;94018;Jeunesse\n"
                          "A2;Sans commune;association;;jeunesse\n"
                          "A3;Les Amis;association;94028;youth|sport\n");
  std::string rejects = temp_.Sub("rejets.csv");
  Result result = Run(
      "import " + csv +
      " --map Identifiant=key --map Nom=name --map Type=kind "
      "--map \"code insee=home_commune\" --map Thèmes=themes --source lab94 "
      "--rejects " +
      rejects);
  EXPECT_EQ(result.exit_code, 6) << Describe(result);
  EXPECT_THAT(result.out, HasSubstr("3 rows of csv (detected)"));
  EXPECT_THAT(result.out, HasSubstr("\ncreated            2\n"));
  EXPECT_THAT(result.out, HasSubstr("\nrejected (file)    1\n"));
  EXPECT_THAT(result.out, HasSubstr("\nrow 3: Code INSEE: "));
  EXPECT_THAT(result.err, HasSubstr("maillage: 1 of 3 rows rejected"));
  std::vector<std::string> lines = Lines(ReadFile(rejects));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "row,field,reason,raw");
  EXPECT_THAT(lines[1], StartsWith("3,Code INSEE,"));
  EXPECT_THAT(lines[1], ::testing::EndsWith(",A2;Sans commune;association;;"
                                            "jeunesse"));

  Result actor = Run("actors get ext:lab94:A1");
  ASSERT_EQ(actor.exit_code, 0) << Describe(actor);
  EXPECT_EQ(ParseActor(actor.out).kind(), v1::ACTOR_KIND_COMPANY);
  EXPECT_THAT(ParseActor(actor.out).themes(), ::testing::ElementsAre("youth"));

  // Usage errors, caught before anything is read.
  EXPECT_EQ(Run("import " + csv + " --format dbase").exit_code, 2);
  EXPECT_EQ(Run("import " + csv + " --map nothing").exit_code, 2);
  EXPECT_EQ(Run("import - ").exit_code, 2);  // stdin needs --format
  Result unknown = Run("import " + csv + " --map Couleur=name");
  EXPECT_EQ(unknown.exit_code, 4) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("no column 'Couleur'"));
}

// TLS: the CLI trusts a given authority (flag, environment or https://
// address) and presents a client certificate, mapped to its principal.
TEST_F(CliTest, SpeaksTlsAndPresentsAClientCertificate) {
  testing::TestPki pki;
  testing::CertificateFiles ca = pki.MakeAuthority("cli-ca");
  testing::CertificateFiles served = pki.MakeServer("maillage", ca);
  testing::CertificateFiles client = pki.MakeClient("cli.example.org", ca);
  testing::TestServer server;
  server.options().tls.cert_file = served.cert;
  server.options().tls.key_file = served.key;
  server.options().tls.client_ca_file = ca.cert;
  server.options().client_cert_principals =
      Write("principals.txt", "CN=cli.example.org role=reader scope=*\n");
  server.Start();
  const std::string target = server.target();

  Result plaintext = RunAgainst(target, "actors list --timeout 5");
  EXPECT_EQ(plaintext.exit_code, 1);
  EXPECT_THAT(plaintext.err, HasSubstr("add --tls or --tls_ca"));

  // The TLS server's admin key, from its own credentials file.
  std::string admin = " --credentials_file " + server.credentials_file() + " ";
  Result trusted =
      RunAgainst(target, "--tls_ca " + ca.cert + admin + "actors list");
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err;
  Result scheme =
      RunShell("MAILLAGE_TLS_CA=" + ca.cert,
               "--server https://" + target + admin + "actors list", "");
  EXPECT_EQ(scheme.exit_code, 0) << scheme.err;

  // Without a token, the certificate's principal: a reader may list, not
  // delete.
  std::string mtls = "--tls_ca " + ca.cert + " --tls_cert " + client.cert +
                     " --tls_key " + client.key + " ";
  EXPECT_EQ(RunAgainst(target, mtls + "actors list").exit_code, 0);
  Result denied = RunAgainst(target, mtls + "actors delete ext:cli:1");
  EXPECT_THAT(denied.err, HasSubstr("the role \"reader\" may not call"));

  Result half = RunAgainst(target, "--tls_cert " + client.cert + " health");
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_THAT(half.err, HasSubstr("--tls_cert and --tls_key go together"));
}

}  // namespace
}  // namespace maillage::cli
