#ifndef MAILLAGE_SERVICES_GRPC_ORDERING_H_
#define MAILLAGE_SERVICES_GRPC_ORDERING_H_

#include "absl/base/config.h"

#ifdef ABSL_HAVE_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
#endif

namespace maillage::services {

// gRPC orders the work around a callback reactor: an operation started
// (StartRead, StartWrite, Finish) happens before the reaction reporting it
// (OnReadDone, OnWriteDone, OnDone), every reaction comes after the reactor's
// constructor, OnDone after every other reaction, and grpc::Server::Shutdown
// returns only after every OnDone. Debian's gRPC is not instrumented and
// makes much of that ordering with lock-free queues and reference counts,
// which ThreadSanitizer cannot see even with tests/support/tsan_absl_sync.cc
// (which covers what gRPC orders with its mutexes); TSan would then take a
// reactor's own state, written on a worker and read in the next reaction on
// a gRPC thread, for a race.
//
// These calls state that ordering, keyed by the object it concerns:
// GrpcOrderBefore(key) right before handing work to gRPC, GrpcOrderAfter(key)
// first thing in the code gRPC runs after it. Reactors pass `this`, in every
// reaction including OnCancel (gRPC runs it after the constructor, but not in
// order with the other reactions: what OnCancel touches stays under the
// reactor's own mutex; it does run before OnDone, so an OnCancel that writes
// what OnDone destroys ends its writes with GrpcOrderBefore(this)). For Server::Shutdown, every reactor's OnDone ends
// with GrpcOrderBefore(the request handler), after `delete this` (the
// destructor still ends the call's audit record, which logs and counts into
// what the server then destroys), and Shutdown calls GrpcOrderAfter(the
// request handler) once gRPC's Shutdown has returned. They compile to
// nothing except under ThreadSanitizer (scripts/sanitize.sh thread).
inline void GrpcOrderBefore(const void* key) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  __tsan_release(const_cast<void*>(key));
#else
  static_cast<void>(key);
#endif
}

inline void GrpcOrderAfter(const void* key) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  __tsan_acquire(const_cast<void*>(key));
#else
  static_cast<void>(key);
#endif
}

}  // namespace maillage::services

#endif  // MAILLAGE_SERVICES_GRPC_ORDERING_H_
