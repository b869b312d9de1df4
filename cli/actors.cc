// maillage actors get|list|create|update|delete: ActorService.
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "cli/actor_filters.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/input.h"
#include "cli/names.h"
#include "cli/output.h"
#include "cli/paging.h"
#include "maillage/v1/actor.grpc.pb.h"

namespace maillage::cli {
namespace {

// Fields an update never names: the key and the output-only ones.
constexpr std::string_view kNotUpdatable[] = {"id", "etag", "create_time",
                                              "update_time"};

Table ActorTable() {
  Table table({"ID", "KIND", "NAME", "COMMUNE"});
  table.SetMaxWidth(2, 50);
  return table;
}

void AddActorRow(const v1::Actor& actor, Table* table) {
  table->AddRow({actor.id(), ShortEnumName(actor.kind()), actor.name(),
                 actor.home_commune()});
}

absl::Status Get(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kJson));
  v1::GetActorRequest request;
  request.set_id(args.positional()[0]);
  request.set_view(args.Has("full") ? v1::ACTOR_VIEW_FULL
                                    : v1::ACTOR_VIEW_BASIC);
  v1::Actor actor;
  RETURN_IF_ERROR(client.Check(
      client.actors().GetActor(client.NewCall().get(), request, &actor)));
  PrintMessage(actor, format, client.out());
  return absl::OkStatus();
}

absl::Status List(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  ASSIGN_OR_RETURN(Paging paging, GetPaging(args));
  v1::ListActorsRequest request;
  RETURN_IF_ERROR(SetActorFilters(args, &request));
  request.set_view(v1::ACTOR_VIEW_BASIC);

  Table table = ActorTable();
  ASSIGN_OR_RETURN(std::string next,
                   FetchPages<v1::ListActorsResponse>(
                       paging,
                       [&](int32_t size, const std::string& token,
                           v1::ListActorsResponse* response) {
                         request.set_page_size(size);
                         request.set_page_token(token);
                         return client.Check(client.actors().ListActors(
                             client.NewCall().get(), request, response));
                       },
                       [&](const v1::ListActorsResponse& response) {
                         for (const v1::Actor& actor : response.actors()) {
                           if (format == OutputFormat::kJson) {
                             client.out() << JsonLine(actor) << '\n';
                           } else {
                             AddActorRow(actor, &table);
                           }
                         }
                       }));
  if (format == OutputFormat::kTable) {
    if (table.empty()) {
      client.err() << "maillage: no actors match\n";
    } else {
      table.Print(client.out());
    }
  }
  NoteMorePages(client, next);
  return absl::OkStatus();
}

// Whether a failed call is about the record sent (so a batch may go on with
// the next one) rather than about the server or the connection.
bool IsRecordError(const absl::Status& status) {
  ExitCode code = ExitCodeFor(status);
  return code == ExitCode::kNotFound || code == ExitCode::kInvalidInput ||
         code == ExitCode::kConflict;
}

absl::Status Create(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  const std::string& path = args.positional()[0];
  ASSIGN_OR_RETURN(std::string text, ReadInput(path, client.in()));
  absl::StatusOr<std::vector<JsonRecord<v1::Actor>>> records =
      ParseJsonRecords<v1::Actor>(text);
  if (!records.ok()) return Annotate(records.status(), path);
  if (records->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no actor"));
  }

  Table table = ActorTable();
  int rejected = 0;
  for (const JsonRecord<v1::Actor>& record : *records) {
    v1::CreateActorRequest request;
    *request.mutable_actor() = record.message;
    v1::Actor created;
    absl::Status status = client.Check(
        client.actors().CreateActor(client.NewCall().get(), request, &created));
    if (!status.ok()) {
      if (records->size() == 1) return status;
      std::string where = record.location;
      if (!record.message.id().empty()) {
        absl::StrAppend(&where, " (", record.message.id(), ")");
      }
      status = Annotate(status, where);
      if (!IsRecordError(status)) return status;
      client.err() << FormatError(status);
      ++rejected;
      continue;
    }
    if (format == OutputFormat::kJson) {
      client.out() << JsonLine(created) << '\n';
    } else {
      AddActorRow(created, &table);
    }
  }
  if (format == OutputFormat::kTable && !table.empty()) {
    table.Print(client.out());
  }
  if (records->size() > 1) {
    client.err() << "maillage: created " << records->size() - rejected << " of "
                 << records->size() << " actors\n";
  }
  if (rejected > 0) {
    return RejectedError(
        absl::StrCat(rejected, " of ", records->size(), " actors rejected"));
  }
  return absl::OkStatus();
}

absl::Status Update(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kJson));
  const std::string& id = args.positional()[0];
  const std::string& path = args.positional()[1];
  ASSIGN_OR_RETURN(std::string text, ReadInput(path, client.in()));
  absl::StatusOr<std::vector<JsonRecord<v1::Actor>>> records =
      ParseJsonRecords<v1::Actor>(text);
  if (!records.ok()) return Annotate(records.status(), path);
  if (records->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected one actor, found ", records->size()));
  }
  JsonRecord<v1::Actor>& record = records->front();

  v1::UpdateActorRequest request;
  v1::Actor* actor = request.mutable_actor();
  *actor = std::move(record.message);
  if (!actor->id().empty() && actor->id() != id) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": its id '", actor->id(),
                     "' is not the actor named, '", id, "'"));
  }
  actor->set_id(id);
  if (auto etag = args.Value("etag")) actor->set_etag(*etag);

  if (auto mask = args.Value("mask")) {
    for (absl::string_view field : absl::StrSplit(*mask, ',')) {
      field = absl::StripAsciiWhitespace(field);
      if (!field.empty()) {
        request.mutable_update_mask()->add_paths(std::string(field));
      }
    }
    if (request.update_mask().paths_size() == 0) {
      return UsageError("--mask: no field named");
    }
  } else {
    for (const std::string& field : record.fields) {
      if (std::find(std::begin(kNotUpdatable), std::end(kNotUpdatable),
                    field) == std::end(kNotUpdatable)) {
        request.mutable_update_mask()->add_paths(field);
      }
    }
    if (request.update_mask().paths_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " sets no field to update (name fields to clear with --mask)"));
    }
  }

  v1::Actor updated;
  RETURN_IF_ERROR(client.Check(
      client.actors().UpdateActor(client.NewCall().get(), request, &updated)));
  PrintMessage(updated, format, client.out());
  return absl::OkStatus();
}

absl::Status Delete(Client& client, const ParsedArgs& args) {
  v1::DeleteActorRequest request;
  request.set_id(args.positional()[0]);
  request.set_etag(args.ValueOr("etag", ""));
  google::protobuf::Empty empty;
  RETURN_IF_ERROR(client.Check(
      client.actors().DeleteActor(client.NewCall().get(), request, &empty)));
  client.out() << "deleted " << request.id() << '\n';
  return absl::OkStatus();
}

}  // namespace

CommandGroup ActorsGroup() {
  std::string kinds = ShortEnumNames(*v1::ActorKind_descriptor(), ", ");
  CommandGroup group;
  group.name = "actors";
  group.summary = "organisations acting on territories (ActorService).";

  Command get;
  get.name = "get";
  get.arguments = "ID";
  get.min_args = get.max_args = 1;
  get.summary = "Show one actor.";
  get.flags = {{"full", "", "With its contacts (personal data)."},
               OutputFlag(OutputFormat::kJson, false)};
  get.details = "Example: maillage actors get siret:12345678900011 --full\n";
  get.run = Get;
  group.commands.push_back(std::move(get));

  Command list;
  list.name = "list";
  list.summary = "List actors, filtered.";
  list.description =
      "List actors in id order: a table of id, kind, name and home commune, "
      "or JSONL with --output json.";
  list.flags = {
      {"kind", "KIND", absl::StrCat("Only this kind: ", kinds, ".")},
      {"territory", "LEVEL:CODE",
       "Only actors based in it or acting on a territory overlapping it."},
      {"theme", "THEME", "Only actors working on this theme."},
      {"offers", "RESOURCE", "Only actors offering this resource."},
      {"needs", "RESOURCE", "Only actors needing this resource."},
  };
  for (FlagSpec& flag : PagingFlags()) list.flags.push_back(std::move(flag));
  list.flags.push_back(OutputFlag(OutputFormat::kTable, true));
  list.details =
      "Examples:\n"
      "  maillage actors list --kind company --territory departement:94\n"
      "  maillage actors list --theme youth --needs funding --all "
      "--output json\n";
  list.run = List;
  group.commands.push_back(std::move(list));

  Command create;
  create.name = "create";
  create.arguments = "FILE|-";
  create.min_args = create.max_args = 1;
  create.summary = "Create actors from JSON or JSONL.";
  create.description =
      "Create actors from a JSON file (\"-\": standard input) in protobuf's "
      "JSON mapping: one Actor object, an array of them, or JSONL (one "
      "object per line). An empty id lets the server assign one. Enum values "
      "may be written short (\"kind\": \"company\"). With several actors, "
      "the rejected ones are reported and the others created (exit code 6).";
  create.flags = {OutputFlag(OutputFormat::kTable, true)};
  create.details =
      "Examples:\n"
      "  maillage actors create actors.jsonl --output json > created.jsonl\n"
      "  echo '{\"kind\": \"company\", \"name\": \"Atelier\", "
      "\"home_commune\": \"94018\"}' \\\n"
      "    | maillage actors create -\n";
  create.run = Create;
  group.commands.push_back(std::move(create));

  Command update;
  update.name = "update";
  update.arguments = "ID FILE|-";
  update.min_args = update.max_args = 2;
  update.summary = "Replace fields of an actor.";
  update.description =
      "Replace fields of an actor with those of the JSON Actor in FILE "
      "(\"-\": standard input): the fields FILE sets, or those named by "
      "--mask. Other fields keep their values.";
  update.flags = {
      {"mask", "FIELD,...",
       "Fields to replace (\"name,needs,legal_ids.siret\"); fields named but "
       "absent from FILE are cleared. \"*\": every writable field."},
      {"etag", "ETAG",
       "Fail (exit 5) if the actor changed since this etag was read; "
       "default: the etag in FILE, if any."},
      OutputFlag(OutputFormat::kJson, false)};
  update.details =
      "Examples:\n"
      "  maillage actors get ID > a.json   # edit a.json, then:\n"
      "  maillage actors update ID a.json\n"
      "  echo '{\"capacity\": 5}' | maillage actors update ID -\n";
  update.run = Update;
  group.commands.push_back(std::move(update));

  Command remove;
  remove.name = "delete";
  remove.arguments = "ID";
  remove.min_args = remove.max_args = 1;
  remove.summary = "Delete an actor and its contacts.";
  remove.flags = {{"etag", "ETAG",
                   "Fail (exit 5) if the actor changed since this etag was "
                   "read."}};
  remove.run = Delete;
  group.commands.push_back(std::move(remove));
  return group;
}

}  // namespace maillage::cli
