#ifndef MAILLAGE_SERVICES_HTTP_ROUTES_H_
#define MAILLAGE_SERVICES_HTTP_ROUTES_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

// The routes of the HTTP face, built at start-up from the google.api.http
// rules of the API's methods (proto/google/api/http.proto has the template
// grammar): there is no second, hand-kept list of paths.
namespace maillage::services::http {

// A field path of the request message ("actor.id"), resolved.
using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

// "actor.id" for a FieldPath (proto names).
std::string FieldPathName(const FieldPath& path);

// Resolves `dotted` ("territory.code"; proto or JSON names) in `message`.
// Every element but the last must be a singular message field.
absl::StatusOr<FieldPath> ResolveFieldPath(
    const google::protobuf::Descriptor& message, std::string_view dotted);

// One binding of an RPC to an HTTP method and a path template.
struct Route {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string http_method;  // "GET", "POST", "PATCH", "PUT", "DELETE"
  std::string path;         // the template as written, "/v1/actors/{id}"

  // The template, parsed: each segment a literal or a variable (one path
  // segment bound to a request field), then the custom verb, if any.
  struct Segment {
    std::string literal;  // when `field` is empty
    FieldPath field;
  };
  std::vector<Segment> segments;
  std::string verb;  // "suggestPartners" for ".../{actor_id}:suggestPartners"

  // The body: the whole request ("*"), one field of it, or none (the
  // fields not in the path then come from the query string).
  bool body_is_request = false;
  FieldPath body_field;

  bool streams_requests() const { return method->client_streaming(); }
  bool streams_responses() const { return method->server_streaming(); }
};

// A path segment's value bound to a request field.
struct PathBinding {
  const FieldPath* field;
  std::string value;  // percent-decoded
};

// What Find says about a request line.
struct RouteLookup {
  // The route, and its variables' values; nullptr when none matches.
  const Route* route = nullptr;
  std::vector<PathBinding> bindings;
  // When no route matches: the HTTP methods of the routes whose template
  // matches the path (405 with Allow), or none (404).
  std::vector<std::string> allowed_methods;
};

// Every route of a set of services. Immutable once built; thread-safe.
class RouteTable {
 public:
  // The rules (and their additional bindings) of every method of
  // `services`. A rule that does not parse, or names a field the request
  // does not have, is an error naming the method: the server does not start.
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The route of `http_method` and `path` (no query string; still
  // percent-encoded). A template with a custom verb wins over one without
  // ("/v1/actors/x:explainMatch" is ExplainMatch, not GetActor of
  // "x:explainMatch"), then the one with more literal segments.
  RouteLookup Find(std::string_view http_method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Parses one rule's template into `route` (segments, verb), resolving
// variables against the method's input type.
absl::Status ParseTemplate(std::string_view path_template, Route* route);

// `text` with %XX sequences decoded; INVALID_ARGUMENT on a bad sequence.
absl::StatusOr<std::string> PercentDecode(std::string_view text,
                                          bool plus_is_space);

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_ROUTES_H_
