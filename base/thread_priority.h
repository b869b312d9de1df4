#ifndef MAILLAGE_BASE_THREAD_PRIORITY_H_
#define MAILLAGE_BASE_THREAD_PRIORITY_H_

#include "absl/functional/function_ref.h"

namespace maillage::base {

// Sets the calling thread's nice value (Linux: each thread has its own).
// 0 leaves it as it is. Best effort: an unprivileged process may raise its
// nice value (lower its priority) but not lower it back, and a refusal is
// not an error worth stopping for.
void SetThisThreadNice(int nice);

// Runs `work` on a thread of its own at nice value `nice` and returns when
// it is done: CPU-heavy work that holds no lock shared with requests (a
// thread preempted while holding one would hold up everyone waiting for
// it) gives the cores to the requests whenever they want them. With 0,
// `work` runs on the calling thread.
void RunAtNice(int nice, absl::FunctionRef<void()> work);

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_THREAD_PRIORITY_H_
