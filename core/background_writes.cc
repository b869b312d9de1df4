#include "core/background_writes.h"

#include "base/thread_priority.h"

namespace maillage::core {

BackgroundWriteGovernor::BackgroundWriteGovernor(storage::Store* store,
                                                 const ImportPacer* activity,
                                                 Options options)
    : store_(store), activity_(activity), options_(options) {
  if (options_.start_thread) thread_ = std::thread([this] { Run(); });
}

BackgroundWriteGovernor::~BackgroundWriteGovernor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  store_->LimitBackgroundWrites(false);
}

bool BackgroundWriteGovernor::Update() {
  const bool limited = activity_->ServingInteractiveCalls() &&
                       !activity_->Importing(options_.import_quiet_after) &&
                       !store_->CompactionsFallingBehind();
  store_->LimitBackgroundWrites(limited);
  return limited;
}

void BackgroundWriteGovernor::Run() {
  base::SetThisThreadName("mlg-bg-writes");
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.interval),
                            [this] { return stopping_; })) {
    lock.unlock();
    Update();
    lock.lock();
  }
}

}  // namespace maillage::core
