// Preloaded into the real server (LD_PRELOAD) by tests that need a disk
// that stops syncing: while the file named by $MAILLAGE_SYNC_GATE exists,
// fsync and fdatasync wait (polling every millisecond), then do their real
// work. Without the variable, or once the file is gone, they are the
// C library's own. What a disk whose flushes hang looks like to the
// process (an overloaded cloud volume, a failing device): every durable
// write waits for its WAL's sync.
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

namespace {

using SyncFunction = int (*)(int);

void WaitWhileTheGateIsClosed() {
  const char* gate = getenv("MAILLAGE_SYNC_GATE");
  if (gate == nullptr) return;
  while (access(gate, F_OK) == 0) usleep(1000);
}

SyncFunction Next(const char* name) {
  return reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fdatasync(int fd) {
  static const SyncFunction real = Next("fdatasync");
  WaitWhileTheGateIsClosed();
  return real(fd);
}

extern "C" int fsync(int fd) {
  static const SyncFunction real = Next("fsync");
  WaitWhileTheGateIsClosed();
  return real(fd);
}
