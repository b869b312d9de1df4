#ifndef MAILLAGE_BASE_THREAD_PRIORITY_H_
#define MAILLAGE_BASE_THREAD_PRIORITY_H_

#include <sched.h>

#include "absl/functional/function_ref.h"

namespace maillage::base {

// Sets the calling thread's nice value (Linux: each thread has its own).
// 0 leaves it as it is. Best effort: an unprivileged process may raise its
// nice value (lower its priority) but not lower it back, and a refusal is
// not an error worth stopping for.
void SetThisThreadNice(int nice);

// Names the calling thread (Linux: at most 15 bytes kept) as top, perf and
// scripts/thread_cpu.py show it; threads it starts inherit the name.
void SetThisThreadName(const char* name);

// Runs `work` on a thread of its own at nice value `nice` and returns when
// it is done: CPU-heavy work that holds no lock shared with requests (a
// thread preempted while holding one would hold up everyone waiting for
// it) gives the cores to the requests whenever they want them. With 0,
// `work` runs on the calling thread.
void RunAtNice(int nice, absl::FunctionRef<void()> work);

// For the scope of a short section that holds a lock other threads wait
// for (the index's write lock while an import's rows enter it): the calling
// thread runs at real-time priority (SCHED_FIFO 1), so that nothing at
// normal priority preempts it while those it blocks wait, whatever its nice
// value; back to the thread's own policy (SCHED_OTHER, SCHED_IDLE) and nice
// value at the end. Where the
// process may not (no CAP_SYS_NICE nor RLIMIT_RTPRIO), nothing changes.
// The section must be short: nothing at normal priority runs on its core
// meanwhile (the kernel's real-time throttling caps that at 95% of a core
// per second all the same).
class UnpreemptedSection {
 public:
  UnpreemptedSection();
  ~UnpreemptedSection();
  UnpreemptedSection(const UnpreemptedSection&) = delete;
  UnpreemptedSection& operator=(const UnpreemptedSection&) = delete;

  // Whether this process may run such sections at real-time priority:
  // tried once, on a thread of its own.
  static bool Permitted();
  // Whether this section runs at real-time priority.
  bool raised() const { return raised_; }

 private:
  bool raised_ = false;
  int policy_ = SCHED_OTHER;  // the thread's, restored at the end
};

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_THREAD_PRIORITY_H_
