#include "services/http/routes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "google/api/annotations.pb.h"

namespace maillage::services::http {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The HTTP method and template of `rule`; an empty method for a rule with
// no pattern.
std::pair<std::string, std::string> PatternOf(
    const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return {"GET", rule.get()};
    case google::api::HttpRule::kPut:
      return {"PUT", rule.put()};
    case google::api::HttpRule::kPost:
      return {"POST", rule.post()};
    case google::api::HttpRule::kDelete:
      return {"DELETE", rule.delete_()};
    case google::api::HttpRule::kPatch:
      return {"PATCH", rule.patch()};
    case google::api::HttpRule::kCustom:
      return {rule.custom().kind(), rule.custom().path()};
    case google::api::HttpRule::PATTERN_NOT_SET:
      break;
  }
  return {"", ""};
}

absl::StatusOr<Route> RouteOf(const MethodDescriptor& method,
                              const google::api::HttpRule& rule) {
  Route route;
  route.method = &method;
  std::tie(route.http_method, route.path) = PatternOf(rule);
  if (route.http_method.empty()) {
    return absl::InvalidArgumentError("the rule has no HTTP method");
  }
  RETURN_IF_ERROR(ParseTemplate(route.path, &route));
  if (rule.body() == "*") {
    route.body_is_request = true;
  } else if (!rule.body().empty()) {
    ASSIGN_OR_RETURN(route.body_field,
                     ResolveFieldPath(*method.input_type(), rule.body()));
    if (route.body_field.size() != 1 || route.body_field[0]->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "body \"", rule.body(), "\" must name a top-level singular field"));
    }
  }
  return route;
}

// Whether `route` matches `segments` (the verb already checked and
// removed); fills `bindings`.
bool MatchSegments(const Route& route, const std::vector<std::string>& segments,
                   std::vector<PathBinding>* bindings) {
  if (segments.size() != route.segments.size()) return false;
  bindings->clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    const Route::Segment& want = route.segments[i];
    if (want.field.empty()) {
      if (segments[i] != want.literal) return false;
      continue;
    }
    if (segments[i].empty()) return false;
    absl::StatusOr<std::string> value = PercentDecode(segments[i], false);
    if (!value.ok()) return false;
    bindings->push_back({&want.field, *std::move(value)});
  }
  return true;
}

int LiteralCount(const Route& route) {
  return static_cast<int>(
      std::count_if(route.segments.begin(), route.segments.end(),
                    [](const Route::Segment& s) { return s.field.empty(); }));
}

}  // namespace

std::string FieldPathName(const FieldPath& path) {
  return absl::StrJoin(path, ".",
                       [](std::string* out, const FieldDescriptor* field) {
                         out->append(field->name());
                       });
}

absl::StatusOr<FieldPath> ResolveFieldPath(const Descriptor& message,
                                           std::string_view dotted) {
  FieldPath path;
  const Descriptor* current = &message;
  for (absl::string_view name : absl::StrSplit(AsAbsl(dotted), '.')) {
    if (current == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", AsAbsl(dotted), "\": ", FieldPathName(path),
                       " is not a message, it has no fields"));
    }
    const FieldDescriptor* field = current->FindFieldByName(std::string(name));
    if (field == nullptr) {
      field = current->FindFieldByCamelcaseName(std::string(name));
    }
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", AsAbsl(dotted), "\": ", current->full_name(),
                       " has no field \"", name, "\""));
    }
    if (!path.empty() && path.back()->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", AsAbsl(dotted), "\": ", FieldPathName(path),
                       " is repeated: name its elements in the body"));
    }
    path.push_back(field);
    current = field->message_type();
  }
  return path;
}

absl::Status ParseTemplate(std::string_view path_template, Route* route) {
  std::string_view rest = path_template;
  if (rest.empty() || rest[0] != '/') {
    return absl::InvalidArgumentError("the template must start with '/'");
  }
  rest.remove_prefix(1);
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos &&
                                      rest.find('/', colon) == rest.npos &&
                                      rest.find('}', colon) == rest.npos) {
    route->verb = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  for (absl::string_view segment : absl::StrSplit(AsAbsl(rest), '/')) {
    Route::Segment parsed;
    if (segment.size() >= 2 && segment.front() == '{' &&
        segment.back() == '}') {
      std::string_view name(segment.data() + 1, segment.size() - 2);
      if (name.find('=') != name.npos) {
        return absl::InvalidArgumentError(
            "variables with a pattern ({x=...}) are not supported");
      }
      ASSIGN_OR_RETURN(parsed.field,
                       ResolveFieldPath(*route->method->input_type(), name));
      if (parsed.field.back()->is_repeated() ||
          parsed.field.back()->message_type() != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("{", AsAbsl(name), "} must be a singular scalar"));
      }
    } else if (segment.empty() ||
               segment.find_first_of("{}*") != segment.npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad segment \"", segment, "\""));
    } else {
      parsed.literal = std::string(segment);
    }
    route->segments.push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PercentDecode(std::string_view text,
                                          bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
      if (lo < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad percent-encoding at byte ", i, " of \"", AsAbsl(text), "\""));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int m = 0; m < service->method_count(); ++m) {
      const MethodDescriptor& method = *service->method(m);
      if (!method.options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule =
          method.options().GetExtension(google::api::http);
      std::vector<const google::api::HttpRule*> rules = {&rule};
      for (const auto& more : rule.additional_bindings())
        rules.push_back(&more);
      for (const google::api::HttpRule* r : rules) {
        absl::StatusOr<Route> route = RouteOf(method, *r);
        if (!route.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("the google.api.http rule of ", method.full_name(),
                           ": ", route.status().message()));
        }
        table.routes_.push_back(*std::move(route));
      }
    }
  }
  return table;
}

RouteLookup RouteTable::Find(std::string_view http_method,
                             std::string_view path) const {
  RouteLookup best;
  if (path.empty() || path[0] != '/') return best;
  std::vector<std::string> segments =
      absl::StrSplit(AsAbsl(path.substr(1)), '/');
  std::string last = segments.back();
  std::vector<PathBinding> bindings;
  int best_rank = -1;
  for (const Route& route : routes_) {
    if (!route.verb.empty()) {
      const std::string suffix = ":" + route.verb;
      if (last.size() <= suffix.size() ||
          last.compare(last.size() - suffix.size(), suffix.size(), suffix) !=
              0) {
        continue;
      }
      segments.back() = last.substr(0, last.size() - suffix.size());
    } else {
      segments.back() = last;
    }
    if (!MatchSegments(route, segments, &bindings)) continue;
    if (route.http_method != http_method) {
      best.allowed_methods.push_back(route.http_method);
      continue;
    }
    int rank = (route.verb.empty() ? 0 : 1000) + LiteralCount(route);
    if (rank > best_rank) {
      best_rank = rank;
      best.route = &route;
      best.bindings = bindings;
    }
  }
  if (best.route != nullptr) best.allowed_methods.clear();
  std::sort(best.allowed_methods.begin(), best.allowed_methods.end());
  best.allowed_methods.erase(
      std::unique(best.allowed_methods.begin(), best.allowed_methods.end()),
      best.allowed_methods.end());
  return best;
}

}  // namespace maillage::services::http
