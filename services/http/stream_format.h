#ifndef MAILLAGE_SERVICES_HTTP_STREAM_FORMAT_H_
#define MAILLAGE_SERVICES_HTTP_STREAM_FORMAT_H_

#include <string_view>

#include "google/protobuf/descriptor.h"

// How the HTTP face carries gRPC streams, decided from the message types
// (shared by the server and the OpenAPI generator):
//  - a server stream answers NDJSON, or Server-Sent Events when the client
//    accepts text/event-stream; each message is a line (an event), except
//    a message whose only field is a repeated message, whose elements are
//    one line each (ExportActors: one Actor per line, what an import reads
//    back);
//  - an SSE event's id is the message's string field "token", and the
//    request's string field "resume_token" takes Last-Event-ID;
//  - a client stream (ImportActors) is an upload: NDJSON rows of the
//    request's repeated message field, or a directory file (CSV, SIRENE,
//    RNA) read by the importer, cut into batches; the answers stream back
//    as NDJSON.
namespace maillage::services::http {

// The repeated message field whose elements are the lines of `response`'s
// NDJSON, or nullptr (the message itself is the line).
const google::protobuf::FieldDescriptor* StreamElements(
    const google::protobuf::Descriptor& response);

// The repeated message field holding an upload's rows (ImportActorsRequest:
// actors), or nullptr.
const google::protobuf::FieldDescriptor* UploadRowsField(
    const google::protobuf::Descriptor& request);

// Query parameters of an upload (what `maillage import` takes as flags).
struct UploadParameter {
  std::string_view name;
  std::string_view description;
};
inline constexpr UploadParameter kUploadParameters[] = {
    {"format",
     "jsonl (the default for application/x-ndjson: one protobuf-JSON row a "
     "line), csv (the default for text/csv: a lab's spreadsheet with map), "
     "sirene (StockEtablissement) or rna (rna_waldec)"},
    {"map",
     "csv: column=field, repeated (the mapping of `maillage import --map`)"},
    {"source", "csv: the source name of ext:<source>:<key> ids (default lab)"},
    {"mode", "IMPORT_MODE_MERGE (default) or IMPORT_MODE_REPLACE"},
    {"dryRun", "true: validate and diff only, write nothing"},
    {"batch", "rows per durable batch (default 2000, at most 10000)"},
};

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_STREAM_FORMAT_H_
