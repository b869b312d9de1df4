#ifndef MAILLAGE_CORE_ID_LOCKS_H_
#define MAILLAGE_CORE_ID_LOCKS_H_

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"

namespace maillage::core {

// Locks on individual keys (actor ids, request ids) that serialise the
// read-modify-write sequences on the same key while letting different keys
// proceed. Unlike striped mutexes:
//  - two import batches of thousands of ids only wait for each other when
//    they really share an id (striped locks almost always share a stripe);
//  - a lock may be released on another thread than the one that took it,
//    so an import batch can keep its ids locked from its validation on one
//    thread to its commit on another.
// A holder takes all its keys at once (waiting while any of them is held
// elsewhere), so holders of several keys cannot deadlock. Keys are kept as
// 64-bit hashes: a collision only makes a holder wait needlessly.
class IdLocks {
 public:
  class Held {
   public:
    Held() = default;
    Held(Held&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)),
          keys_(std::move(other.keys_)) {}
    Held& operator=(Held&& other) noexcept {
      if (this != &other) {
        Release();
        owner_ = std::exchange(other.owner_, nullptr);
        keys_ = std::move(other.keys_);
      }
      return *this;
    }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { Release(); }

    // Unlocks now (also done by the destructor).
    void Release() {
      if (owner_ == nullptr) return;
      owner_->Unlock(keys_);
      owner_ = nullptr;
      keys_.clear();
    }

   private:
    friend class IdLocks;
    Held(IdLocks* owner, std::vector<uint64_t> keys)
        : owner_(owner), keys_(std::move(keys)) {}
    IdLocks* owner_ = nullptr;
    std::vector<uint64_t> keys_;
  };

  // Locks every (non-empty) key until the returned object is released.
  template <typename Keys>
  Held Lock(const Keys& keys) {
    std::vector<uint64_t> hashes;
    hashes.reserve(keys.size());
    for (std::string_view k : keys) {
      if (!k.empty()) hashes.push_back(absl::Hash<std::string_view>{}(k));
    }
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      for (uint64_t h : hashes) {
        if (held_.contains(h)) return false;
      }
      return true;
    });
    held_.insert(hashes.begin(), hashes.end());
    return Held(this, std::move(hashes));
  }
  Held Lock(std::initializer_list<std::string_view> keys) {
    return Lock<std::initializer_list<std::string_view>>(keys);
  }

 private:
  void Unlock(const std::vector<uint64_t>& keys) {
    {
      std::lock_guard lock(mu_);
      for (uint64_t h : keys) held_.erase(h);
    }
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  absl::flat_hash_set<uint64_t> held_;  // guarded by mu_
};

}  // namespace maillage::core

#endif  // MAILLAGE_CORE_ID_LOCKS_H_
