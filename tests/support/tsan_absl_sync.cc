// Preloaded (LD_PRELOAD) into every process of `scripts/sanitize.sh thread`:
// tells ThreadSanitizer about the locking of Debian's Abseil.
//
// Debian's gRPC and Abseil are not built with ThreadSanitizer, so absl::Mutex
// (which gRPC uses for nearly all its own locking, through grpc_core::Mutex
// and gpr_mu) is invisible to it: an absl::Mutex built with TSan announces
// each lock and unlock to it, Debian's does not. TSan then sees no ordering
// between, say, a reactor callback that gRPC runs under its lock on one
// thread and the next one on another, and reports our own accesses on both
// sides as races. This library defines the Mutex, CondVar and Notification
// entry points that gRPC calls through the dynamic linker, forwards each to
// the real Abseil function and reports the acquire/release to TSan, as
// Abseil's own TSan annotations would. Lock-free handoffs inside gRPC stay
// invisible; tests/tsan.supp covers the reports they cause.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#if !ABSL_OPTION_USE_INLINE_NAMESPACE
#error "the symbol names below assume Abseil's inline namespace"
#endif

namespace {

#define MAILLAGE_STRINGIFY_INNER(x) #x
#define MAILLAGE_STRINGIFY(x) MAILLAGE_STRINGIFY_INNER(x)

// The next definition (the real Abseil one) of the function whose mangled
// name is `prefix` + "4absl" + <inline namespace> + `rest`: Itanium mangling
// of absl::<inline namespace>::<rest>. Aborts when missing: the run would
// otherwise be silently wrong.
void* Next(const char* prefix, const char* rest) {
  const std::string ns = MAILLAGE_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name =
      std::string(prefix) + "4absl" + std::to_string(ns.size()) + ns + rest;
  void* real = dlsym(RTLD_NEXT, name.c_str());
  if (real == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found\n", name.c_str());
    std::abort();
  }
  return real;
}

template <typename Fn>
Fn Real(const char* prefix, const char* rest) {
  return reinterpret_cast<Fn>(Next(prefix, rest));
}

void Acquired(const void* sync) { __tsan_acquire(const_cast<void*>(sync)); }
void Releasing(const void* sync) { __tsan_release(const_cast<void*>(sync)); }

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

// Locking acquires the mutex's history; unlocking releases into it. Reader
// locks are treated as exclusive: stronger ordering than TSan would infer from
// an instrumented Abseil, which can only hide races between gRPC's readers.

void Mutex::Lock() {
  static auto real = Real<void (*)(Mutex*)>("_ZN", "5Mutex4LockEv");
  real(this);
  Acquired(this);
}

void Mutex::ReaderLock() {
  static auto real = Real<void (*)(Mutex*)>("_ZN", "5Mutex10ReaderLockEv");
  real(this);
  Acquired(this);
}

bool Mutex::TryLock() {
  static auto real = Real<bool (*)(Mutex*)>("_ZN", "5Mutex7TryLockEv");
  bool locked = real(this);
  if (locked) Acquired(this);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static auto real = Real<bool (*)(Mutex*)>("_ZN", "5Mutex13ReaderTryLockEv");
  bool locked = real(this);
  if (locked) Acquired(this);
  return locked;
}

void Mutex::Unlock() {
  static auto real = Real<void (*)(Mutex*)>("_ZN", "5Mutex6UnlockEv");
  Releasing(this);
  real(this);
}

void Mutex::ReaderUnlock() {
  static auto real = Real<void (*)(Mutex*)>("_ZN", "5Mutex12ReaderUnlockEv");
  Releasing(this);
  real(this);
}

void Mutex::LockWhen(const Condition& cond) {
  static auto real = Real<void (*)(Mutex*, const Condition&)>(
      "_ZN", "5Mutex8LockWhenERKNS0_9ConditionE");
  real(this, cond);
  Acquired(this);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static auto real = Real<void (*)(Mutex*, const Condition&)>(
      "_ZN", "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  real(this, cond);
  Acquired(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, Duration)>(
      "_ZN", "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  bool met = real(this, cond, timeout);
  Acquired(this);  // held on return either way
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, Time)>(
      "_ZN", "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  bool met = real(this, cond, deadline);
  Acquired(this);
  return met;
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, Duration)>(
      "_ZN",
      "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  bool met = real(this, cond, timeout);
  Acquired(this);
  return met;
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, Time)>(
      "_ZN", "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  bool met = real(this, cond, deadline);
  Acquired(this);
  return met;
}

// Await releases the mutex while it waits and holds it again on return.
void Mutex::Await(const Condition& cond) {
  static auto real = Real<void (*)(Mutex*, const Condition&)>(
      "_ZN", "5Mutex5AwaitERKNS0_9ConditionE");
  Releasing(this);
  real(this, cond);
  Acquired(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, Duration)>(
      "_ZN", "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  Releasing(this);
  bool met = real(this, cond, timeout);
  Acquired(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static auto real = Real<bool (*)(Mutex*, const Condition&, Time)>(
      "_ZN", "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  Releasing(this);
  bool met = real(this, cond, deadline);
  Acquired(this);
  return met;
}

// A condition variable wait releases `mu` and holds it again on return.
void CondVar::Wait(Mutex* mu) {
  static auto real =
      Real<void (*)(CondVar*, Mutex*)>("_ZN", "7CondVar4WaitEPNS0_5MutexE");
  Releasing(mu);
  real(this, mu);
  Acquired(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static auto real = Real<bool (*)(CondVar*, Mutex*, Duration)>(
      "_ZN", "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  Releasing(mu);
  bool timed_out = real(this, mu, timeout);
  Acquired(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static auto real = Real<bool (*)(CondVar*, Mutex*, Time)>(
      "_ZN", "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  Releasing(mu);
  bool timed_out = real(this, mu, deadline);
  Acquired(mu);
  return timed_out;
}

// Notify happens before every wait that returns notified.
void Notification::Notify() {
  static auto real =
      Real<void (*)(Notification*)>("_ZN", "12Notification6NotifyEv");
  Releasing(this);
  real(this);
}

void Notification::WaitForNotification() const {
  static auto real = Real<void (*)(const Notification*)>(
      "_ZNK", "12Notification19WaitForNotificationEv");
  real(this);
  Acquired(this);
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static auto real = Real<bool (*)(const Notification*, Duration)>(
      "_ZNK", "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  bool notified = real(this, timeout);
  if (notified) Acquired(this);
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static auto real = Real<bool (*)(const Notification*, Time)>(
      "_ZNK", "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  bool notified = real(this, deadline);
  if (notified) Acquired(this);
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
