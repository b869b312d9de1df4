#ifndef MAILLAGE_BASE_STATUS_MACROS_H_
#define MAILLAGE_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Debian's Abseil 20220623 ships no status macros; these are the usual pair.

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function
// when it is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status maillage_status_ = (expr);            \
    if (!maillage_status_.ok()) return maillage_status_; \
  } while (0)

#define MAILLAGE_CONCAT_INNER_(a, b) a##b
#define MAILLAGE_CONCAT_(a, b) MAILLAGE_CONCAT_INNER_(a, b)

// `ASSIGN_OR_RETURN(lhs, expr)`: evaluates `expr` (an absl::StatusOr<T>);
// returns its status when not OK, else moves the value into `lhs` (which may
// be a declaration: `ASSIGN_OR_RETURN(auto x, F());`).
#define ASSIGN_OR_RETURN(lhs, expr)                                           \
  ASSIGN_OR_RETURN_IMPL_(MAILLAGE_CONCAT_(maillage_statusor_, __LINE__), lhs, \
                         expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)        \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // MAILLAGE_BASE_STATUS_MACROS_H_
