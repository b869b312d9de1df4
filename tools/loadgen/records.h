#ifndef MAILLAGE_TOOLS_LOADGEN_RECORDS_H_
#define MAILLAGE_TOOLS_LOADGEN_RECORDS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "maillage/v1/actor.grpc.pb.h"

namespace maillage::loadgen {

// Every actor as stored, contacts included, by id: an unfiltered
// ExportActors, which the server answers by scanning the actor records (an
// unfiltered list never touches the in-memory index; see
// ActorDirectory::List), so it is the records' side of every comparison
// with the index.
absl::StatusOr<std::map<std::string, v1::Actor>> ScanActorRecords(
    v1::ActorService::Stub& actors);

// A failed call as a Status naming `what` ("ListActors").
absl::Status Failed(std::string_view what, const grpc::Status& status);

// The ids ListActors returns for `filter`, every page: the index's side.
absl::StatusOr<std::vector<std::string>> ListActorIds(
    v1::ActorService::Stub& actors, v1::ListActorsRequest filter);

}  // namespace maillage::loadgen

#endif  // MAILLAGE_TOOLS_LOADGEN_RECORDS_H_
