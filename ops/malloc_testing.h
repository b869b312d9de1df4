#ifndef MAILLAGE_OPS_MALLOC_TESTING_H_
#define MAILLAGE_OPS_MALLOC_TESTING_H_

namespace maillage::ops {

// Whether malloc is glibc's (so mallinfo2 and malloc_trim mean something),
// not a sanitizer's replacement.
constexpr bool GlibcMallocInUse() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return false;
#else
  return true;
#endif
#else
  return true;
#endif
}

}  // namespace maillage::ops

#endif  // MAILLAGE_OPS_MALLOC_TESTING_H_
