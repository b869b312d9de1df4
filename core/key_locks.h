#ifndef MAILLAGE_CORE_KEY_LOCKS_H_
#define MAILLAGE_CORE_KEY_LOCKS_H_

#include <algorithm>
#include <array>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string_view>
#include <vector>

namespace maillage::core {

// Striped mutexes that serialise read-modify-write sequences on the same key
// (an actor id, a request id) while letting different keys proceed, and so
// letting RocksDB group their synced commits. Locks are taken in stripe
// order, so holders of several keys cannot deadlock.
class KeyLocks {
 public:
  class Held {
   public:
    Held(KeyLocks* owner, std::vector<size_t> stripes)
        : owner_(owner), stripes_(std::move(stripes)) {
      for (size_t s : stripes_) owner_->mu_[s].lock();
    }
    ~Held() {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
        owner_->mu_[*it].unlock();
      }
    }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    KeyLocks* owner_;
    std::vector<size_t> stripes_;
  };

  // Locks every (non-empty) key until the returned object is destroyed.
  Held Lock(const std::vector<std::string_view>& keys) {
    std::vector<size_t> stripes;
    stripes.reserve(keys.size());
    for (std::string_view k : keys) {
      if (!k.empty())
        stripes.push_back(std::hash<std::string_view>()(k) % kStripes);
    }
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
    return Held(this, std::move(stripes));
  }

 private:
  // Many stripes: an import batch of a few thousand ids then holds a small
  // fraction of them, so concurrent imports and unary writes rarely wait.
  static constexpr size_t kStripes = 65536;
  std::array<std::mutex, kStripes> mu_;
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_KEY_LOCKS_H_
