// maillage weights [learn]: the weights the workspace's matching starts
// from, learned from its outcomes or the defaults (MatchService.
// GetMatchWeights, LearnMatchWeights).
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "cli/output.h"
#include "maillage/v1/matching.grpc.pb.h"

namespace maillage::cli {
namespace {

std::string Held(const v1::HeldOutRanking& r) {
  return absl::StrCat("NDCG@10 ", FormatScore(r.ndcg_at_10()), ", recall@10 ",
                      FormatScore(r.recall_at_10()));
}

// Every weight, in effect, default and fitted, then where they come from
// and the held-out test.
void PrintWeights(const v1::WorkspaceMatchWeights& w, std::ostream& out) {
  out << "workspace: " << w.workspace() << "\n"
      << "source: " << ShortEnumName(w.source()) << "\n"
      << WrapHanging("reason: " + w.reason(), 0, 2);
  Table table({"WEIGHT", "IN EFFECT", "DEFAULT", "FITTED"});
  for (int c : {1, 2, 3}) table.AlignRight(static_cast<size_t>(c));
  const google::protobuf::Descriptor* type = v1::MatchWeights::descriptor();
  const google::protobuf::Reflection* reflection =
      v1::MatchWeights::GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    auto value = [&](const v1::MatchWeights& m) {
      return reflection->HasField(m, field)
                 ? FormatNumber(reflection->GetDouble(m, field))
                 : std::string();
    };
    table.AddRow({field->name(), value(w.weights()), value(w.defaults()),
                  value(w.fitted())});
  }
  table.Print(out);
  if (w.has_learn_time()) {
    out << "learned: " << FormatTime(w.learn_time()) << ", from "
        << FormatCount(w.training_askers()) << " askers ("
        << FormatCount(w.training_positives()) << " positive pairs, "
        << FormatCount(w.training_negatives()) << " turned down); "
        << FormatCount(w.held_out_askers()) << " askers held out\n"
        << "held-out test (" << FormatCount(w.with_defaults().pairs())
        << " pairs): defaults " << Held(w.with_defaults()) << "; fitted "
        << Held(w.with_fitted()) << "\n";
  }
}

absl::Status Show(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::WorkspaceMatchWeights weights;
  RETURN_IF_ERROR(client.Check(client.match().GetMatchWeights(
      client.NewCall().get(), v1::GetMatchWeightsRequest(), &weights)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(weights);
  } else {
    PrintWeights(weights, client.out());
  }
  return absl::OkStatus();
}

absl::Status Learn(Client& client, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format,
                   GetOutputFormat(args, OutputFormat::kTable));
  v1::WorkspaceMatchWeights weights;
  RETURN_IF_ERROR(client.Check(client.match().LearnMatchWeights(
      client.NewCall().get(), v1::LearnMatchWeightsRequest(), &weights)));
  if (format == OutputFormat::kJson) {
    client.out() << JsonDocument(weights);
  } else {
    PrintWeights(weights, client.out());
  }
  return absl::OkStatus();
}

}  // namespace

CommandGroup WeightsGroup() {
  CommandGroup group;
  group.name = "weights";
  group.summary = "the workspace's matching weights, learned or default.";

  Command show;
  show.name = "show";
  show.summary = "The weights the workspace's matching starts from.";
  show.description =
      "The weights the workspace's matching starts from (a request's "
      "--weight flags override them): the server's defaults, or the weights "
      "learned from the workspace's outcomes (partnerships formed or "
      "registered, meetings, dismissals) once they ranked held-out outcomes "
      "better than the defaults; with the last fit and its held-out test.";
  show.flags = {OutputFlag(OutputFormat::kTable, false)};
  show.details = "Example: maillage weights show\n";
  show.run = Show;
  group.commands.push_back(std::move(show));

  Command learn;
  learn.name = "learn";
  learn.summary = "Learn the workspace's weights from its outcomes now.";
  learn.description =
      "Learn the workspace's weights from its outcomes now (the server also "
      "does so in the background when they change), test them on held-out "
      "outcomes, and show the result. The learned weights are used only when "
      "they pass the test.";
  learn.flags = {OutputFlag(OutputFormat::kTable, false)};
  learn.details = "Example: maillage weights learn\n";
  learn.run = Learn;
  group.commands.push_back(std::move(learn));
  return group;
}

}  // namespace maillage::cli
