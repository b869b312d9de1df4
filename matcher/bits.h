#ifndef MAILLAGE_MATCHER_BITS_H_
#define MAILLAGE_MATCHER_BITS_H_

#include <cstdint>

namespace maillage::matcher {

// Calls visit(i) for each bit i set in `bits`, lowest first (theme sets,
// resource masks).
template <typename Visit>
void ForEachBit(uint64_t bits, Visit visit) {
  while (bits != 0) {
    visit(__builtin_ctzll(bits));
    bits &= bits - 1;
  }
}

}  // namespace maillage::matcher

#endif  // MAILLAGE_MATCHER_BITS_H_
