#include "services/write_health.h"

#include "base/log.h"

namespace maillage::services {
namespace {

using WriteState = storage::Store::WriteState;

const char* Describe(WriteState state) {
  switch (state) {
    case WriteState::kWritable:
      return "writes accepted";
    case WriteState::kDiskFull:
      return "writes refused: the disk is full (free space under "
             "--min_free_disk_mb)";
    case WriteState::kStopped:
      return "writes refused: the store stopped after a storage error";
  }
  return "?";
}

}  // namespace

WriteHealthReporter::WriteHealthReporter(
    storage::Store* store, grpc::HealthCheckServiceInterface* health,
    absl::Duration interval)
    : store_(store), health_(health), interval_(interval) {
  Update();
  poller_ = std::make_unique<base::PeriodicThread>(interval_, "mlg-write-hlth",
                                                   [this] { Update(); });
}

WriteHealthReporter::~WriteHealthReporter() = default;

void WriteHealthReporter::Update() {
  WriteState state = store_->CheckWrites();
  if (published_ && state == state_) return;
  health_->SetServingStatus(kWritesServiceName, state == WriteState::kWritable);
  if (published_ || state != WriteState::kWritable) {
    base::Log(state == WriteState::kWritable ? base::LogLevel::kInfo
                                             : base::LogLevel::kWarning,
              "storage.writes")
        .Add("message", Describe(state));
  }
  published_ = true;
  state_ = state;
}

}  // namespace maillage::services
