#ifndef MAILLAGE_CLI_ACTOR_FILTERS_H_
#define MAILLAGE_CLI_ACTOR_FILTERS_H_

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "cli/args.h"
#include "cli/errors.h"
#include "cli/names.h"
#include "maillage/v1/actor.pb.h"

namespace maillage::cli {

// The filters `actors list` and `export` share (--kind, --territory,
// --theme, --offers, --needs), set on a ListActorsRequest or an
// ExportActorsRequest; a bad value is a usage error naming its option.
template <typename Request>
absl::Status SetActorFilters(const ParsedArgs& args, Request* request) {
  if (auto kind = args.Value("kind")) {
    ASSIGN_OR_RETURN(v1::ActorKind value,
                     AsUsageError(ParseEnum<v1::ActorKind>("--kind", *kind)));
    request->set_kind(value);
  }
  if (auto territory = args.Value("territory")) {
    ASSIGN_OR_RETURN(
        *request->mutable_territory(),
        AsUsageError(ParseTerritoryRef("--territory", *territory)));
  }
  request->set_theme(args.ValueOr("theme", ""));
  request->set_offered_resource(args.ValueOr("offers", ""));
  request->set_needed_resource(args.ValueOr("needs", ""));
  return absl::OkStatus();
}

}  // namespace maillage::cli

#endif  // MAILLAGE_CLI_ACTOR_FILTERS_H_
