#ifndef MAILLAGE_BASE_TRACE_CONTEXT_H_
#define MAILLAGE_BASE_TRACE_CONTEXT_H_

#include <optional>
#include <string>
#include <string_view>

namespace maillage::base {

// The W3C Trace Context `traceparent` header
// (https://www.w3.org/TR/trace-context/#traceparent-header): how a partner
// platform names the trace a call belongs to, so that its own logs and
// Maillage's can be followed together. Maillage logs it; it starts no
// trace of its own.
struct TraceParent {
  std::string trace_id;   // 32 lower-case hex digits, not all zero
  std::string parent_id;  // 16 lower-case hex digits, not all zero
  bool sampled = false;   // the trace-flags' sampled bit
};

// Parses a traceparent value as the specification says a receiver must:
// version 00 is exactly "00-<trace-id>-<parent-id>-<flags>" (55
// characters); a later version (not "ff") may add fields after a '-', which
// are ignored. Hex digits must be lower case; an all-zero trace-id or
// parent-id is invalid. nullopt when invalid: the caller then ignores the
// header, as if it were absent.
std::optional<TraceParent> ParseTraceParent(std::string_view value);

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_TRACE_CONTEXT_H_
