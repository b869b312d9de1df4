#include "core/background_writes.h"

namespace maillage::core {

BackgroundWriteGovernor::BackgroundWriteGovernor(storage::Store* store,
                                                 const ImportPacer* activity,
                                                 Options options)
    : store_(store), activity_(activity), options_(options) {
  if (options_.start_thread) {
    thread_ = std::make_unique<base::PeriodicThread>(
        options_.interval, "mlg-bg-writes", [this] { Update(); });
  }
}

BackgroundWriteGovernor::~BackgroundWriteGovernor() {
  thread_.reset();
  store_->LimitBackgroundWrites(false);
}

bool BackgroundWriteGovernor::Update() {
  const bool limited = activity_->ServingInteractiveCalls() &&
                       !activity_->Importing(options_.import_quiet_after) &&
                       !store_->CompactionsFallingBehind();
  store_->LimitBackgroundWrites(limited);
  return limited;
}

}  // namespace maillage::core
