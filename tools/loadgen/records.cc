#include "tools/loadgen/records.h"

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace maillage::loadgen {
namespace {

constexpr auto kDeadline = std::chrono::seconds(120);

}  // namespace

absl::Status Failed(std::string_view what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(AsAbsl(what), ": ", status.error_message()));
}

absl::StatusOr<std::map<std::string, v1::Actor>> ScanActorRecords(
    v1::ActorService::Stub& actors) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  v1::ExportActorsRequest request;
  request.set_view(v1::ACTOR_VIEW_FULL);
  auto reader = actors.ExportActors(&context, request);
  std::map<std::string, v1::Actor> out;
  v1::ExportActorsResponse chunk;
  while (reader->Read(&chunk)) {
    for (v1::Actor& a : *chunk.mutable_actors()) {
      std::string id = a.id();
      if (!out.emplace(std::move(id), std::move(a)).second) {
        return absl::DataLossError("ExportActors gave an actor twice");
      }
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return Failed("ExportActors", status);
  return out;
}

absl::StatusOr<std::vector<std::string>> ListActorIds(
    v1::ActorService::Stub& actors, v1::ListActorsRequest filter) {
  std::vector<std::string> ids;
  filter.set_page_size(1000);
  filter.set_view(v1::ACTOR_VIEW_BASIC);
  for (;;) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kDeadline);
    v1::ListActorsResponse page;
    grpc::Status status = actors.ListActors(&context, filter, &page);
    if (!status.ok()) return Failed("ListActors", status);
    for (const v1::Actor& a : page.actors()) ids.push_back(a.id());
    if (page.next_page_token().empty()) return ids;
    filter.set_page_token(page.next_page_token());
  }
}

}  // namespace maillage::loadgen
