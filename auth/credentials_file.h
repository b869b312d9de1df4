#ifndef MAILLAGE_AUTH_CREDENTIALS_FILE_H_
#define MAILLAGE_AUTH_CREDENTIALS_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maillage::auth {

// The local credentials file: how the CLI on the server's machine finds the
// admin key the server created at its first start, with no manual step.
//
// One line per server: "<host:port> <API key>"; lines starting with '#' are
// comments. The file and its folder are created readable by their owner
// only (0600, 0700); a key is only ever sent to the server its line names.
// "localhost" and "127.0.0.1" name the same host.

// $MAILLAGE_CREDENTIALS when set, else $XDG_CONFIG_HOME/maillage/credentials,
// else $HOME/.config/maillage/credentials; empty when none can be formed.
std::string DefaultCredentialsPath();

// The key stored for `server` in the file at `path`; nullopt when the file or
// the line is absent.
absl::StatusOr<std::optional<std::string>> FindStoredKey(
    const std::string& path, std::string_view server);

// The key of the file's last line whatever its server, "" when none: for
// tools and tests that restart a server on the same store (its port, hence
// its line, changes; its admin key does not).
std::string LastStoredKey(const std::string& path);

// Writes (or replaces) the line of `server`, keeping the others; creates the
// file and its folder owner-only. The file is replaced atomically (written
// to a temporary file, synced, renamed).
absl::Status StoreKey(const std::string& path, std::string_view server,
                      std::string_view key);

}  // namespace maillage::auth

#endif  // MAILLAGE_AUTH_CREDENTIALS_FILE_H_
