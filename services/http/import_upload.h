#ifndef MAILLAGE_SERVICES_HTTP_IMPORT_UPLOAD_H_
#define MAILLAGE_SERVICES_HTTP_IMPORT_UPLOAD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "importer/directory_reader.h"
#include "importer/mappings.h"
#include "maillage/v1/actor.pb.h"
#include "services/http/dispatcher.h"
#include "territory/geography.h"

// Bulk import over HTTP: an upload (NDJSON rows, a lab's CSV with a column
// mapping, a SIRENE or RNA file) read by the importer library the CLI uses,
// with the same presets and mappings, cut into batches and streamed to the
// client-streaming RPC (ImportActors). The server acknowledges each batch
// once it is durable; each answer goes back as an NDJSON line as soon as it
// comes (the same per-batch durability as `maillage import`), then the
// totals.
namespace maillage::services::http {

// An upload opened: its rows, and how to import them.
struct Upload {
  std::unique_ptr<importer::DirectoryReader> reader;
  v1::ImportMode mode = v1::IMPORT_MODE_MERGE;
  bool dry_run = false;
  int batch_rows = 2000;
};

// The upload of `request` (its body is moved out): the format from the
// "format" parameter or the Content-Type, the other parameters of
// kUploadParameters. INVALID_ARGUMENT naming the parameter, or the
// importer's own error (a missing column...).
absl::StatusOr<Upload> OpenUpload(HttpRequest& request,
                                  const ImportReference& reference);

// Starts the route's client-streaming call; once the server has admitted it
// (kStreamOpenMetadata: credentials, role and rate checked before the
// upload is even read), opens the upload, streams it in batches and relays
// the answers to `sink`. A refusal, or an upload that does not open, is an
// HTTP error of its own.
void RelayImport(const Route& route, HttpRequest request,
                 ImportReference reference, GrpcBridge& bridge,
                 std::shared_ptr<ResponseSink> sink);

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_IMPORT_UPLOAD_H_
