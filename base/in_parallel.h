#ifndef MAILLAGE_BASE_IN_PARALLEL_H_
#define MAILLAGE_BASE_IN_PARALLEL_H_

#include <thread>
#include <utility>

namespace maillage::base {

// Runs `first` on a thread of its own and `second` on the calling thread,
// and returns once both are done. For the two halves of a start-up step
// (the index rebuild) on a machine with more than one core; the two must
// not write what the other reads or writes.
template <typename First, typename Second>
void InParallel(First first, Second second) {
  std::thread other(std::move(first));
  second();
  other.join();
}

}  // namespace maillage::base

#endif  // MAILLAGE_BASE_IN_PARALLEL_H_
