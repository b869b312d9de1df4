// maillage_server: flags in, Server out. Everything else is in server.cc.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/credentials_file.h"
#include "auth/jwt.h"
#include "base/install_dirs.h"
#include "base/log.h"
#include "ops/allocator.h"
#include "ops/memory_trimmer.h"
#include "services/server.h"

#ifndef MAILLAGE_WEB_DIR
#define MAILLAGE_WEB_DIR ""
#endif
#ifndef MAILLAGE_REFERENCE_DIR
#define MAILLAGE_REFERENCE_DIR "reference"
#endif

namespace {

// The reference data beside an installed server (cmake --install:
// <prefix>/bin/maillage_server and <prefix>/share/maillage/reference), else
// the source tree's (a server run from the build folder).
std::string DefaultReferenceDir() {
  std::string installed = maillage::base::InstalledReferenceDir("geo");
  return installed.empty() ? MAILLAGE_REFERENCE_DIR : installed;
}

// The dashboard beside an installed server (<prefix>/share/maillage/web),
// else the build's.
std::string DefaultWebDir() {
  std::string installed =
      maillage::base::InstalledShareDir("web", "index.html");
  return installed.empty() ? MAILLAGE_WEB_DIR : installed;
}

}  // namespace

#ifdef MAILLAGE_JEMALLOC
// jemalloc's settings, read when it starts, before main (the server links
// jemalloc, see CMakeLists.txt): pages freed are given back to the system
// by jemalloc's own background threads rather than by the threads that
// happen to allocate next, 1 s after they were freed rather than jemalloc's
// default 10 s. Kept longer (30 s), the pages of a flushed memtable were to
// be taken again by the next one; they were not, mostly (other arenas'
// threads fill the next one), and the 54-185 MiB kept free moved the RSS
// by as much as the memtables did. At 1 s, 28-108 MiB in side-by-side
// trials, the server's CPU unchanged (0.421 against 0.419 of a core:
// refaulting the next memtable's 16 MiB every few seconds is a few
// thousand page faults a second at most). Longer was tried too
// (RELIABILITY.md, "Soak"): at 10 minutes the RSS climbed by 190 MiB/h,
// each of jemalloc's arenas keeping the pages its own threads freed.
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000";
}
#endif

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to listen on (host:port; port 0 picks a free one).");
ABSL_FLAG(std::string, data_dir, "maillage-data",
          "RocksDB folder of the store; created when missing.");
ABSL_FLAG(std::string, reference_dir, DefaultReferenceDir(),
          "Folder holding the reference data (geo/, vocab/); by default "
          "<prefix>/share/maillage/reference beside an installed server, "
          "else the source tree's.");
ABSL_FLAG(bool, sync_writes, true,
          "fsync the write-ahead log before acknowledging a write, so that "
          "acknowledged writes survive a machine crash (not only a process "
          "crash).");
ABSL_FLAG(int, worker_threads, 16,
          "Threads running the work of calls that only read.");
ABSL_FLAG(int, write_worker_threads, 16,
          "Threads running the work of calls that write (a disk slow to "
          "sync holds these, not the readers'); 0: they share "
          "--worker_threads.");
ABSL_FLAG(int, import_nice, 19,
          "Nice value (0-19) of the threads that prepare and commit imports' "
          "batches: higher lets queries run first while an import streams; 0 "
          "gives imports the queries' priority "
          "(BENCHMARKS.md, \"Mixed load\"). The commit thread is niced only "
          "where the process may run its index-lock slices at real-time "
          "priority (CAP_SYS_NICE or RLIMIT_RTPRIO >= 1). Durability is "
          "unchanged.");
ABSL_FLAG(int64_t, import_rows_per_second_when_busy, 50000,
          "While interactive calls are served (any API call but the health "
          "check, in the last 250 ms), imports are paced to at most this many "
          "rows a second, so that the import's CPU (the server's, RocksDB's "
          "and an importing client's beside it) leaves the cores to the "
          "queries; alone, imports run at full speed. 0: never paced "
          "(BENCHMARKS.md, \"Mixed load\").");
ABSL_FLAG(int, max_queued_calls, 256,
          "Calls waiting for a worker beyond which new calls are refused "
          "with RESOURCE_EXHAUSTED and a retry delay (load shedding).");
ABSL_FLAG(int64_t, max_pairs_per_request, 300000,
          "Cost budget of one territory-wide matching (SuggestForTerritory): "
          "associations in the territory x candidates each.");
ABSL_FLAG(int64_t, background_write_mb_per_second_when_busy, 16,
          "MiB a second RocksDB's flushes and compactions may write while "
          "interactive calls are served, no import ran for 30 s and "
          "compactions keep up; otherwise unlimited. Spreads a compaction's "
          "CPU over more seconds (RELIABILITY.md, \"Soak\"). 0: never "
          "limited.");
ABSL_FLAG(int64_t, min_free_disk_mb, 512,
          "Free space, in MiB, kept on the data folder's filesystem: a write "
          "that would leave less is refused with RESOURCE_EXHAUSTED (and the "
          "health service \"maillage.v1.Writes\" says NOT_SERVING) until "
          "space is freed; reads go on. It is what RocksDB needs to flush and "
          "compact; the write-ahead log is capped at half of it (at most "
          "256 MiB).");
ABSL_FLAG(bool, demo, false,
          "On an empty store, load the synthetic demo territory (320 "
          "fictitious actors in the Val-de-Marne, labelled \"(démo)\", "
          "ids ext:demo:…) so that suggestions work at once.");
ABSL_FLAG(std::string, admin_credentials_file,
          maillage::auth::DefaultCredentialsPath(),
          "When the store has no active admin API key (first start), create "
          "one and write it to this file (owner-only) for the maillage CLI "
          "on this machine. Empty: never create one.");
ABSL_FLAG(std::string, key_digest_secret_file, "",
          "The secret API key digests are keyed with, created at first "
          "start (default: api-key-digest.secret in --data_dir).");
// OpenID Connect bearer tokens (auth/jwt.h): on when --oidc_issuer is set.
ABSL_FLAG(std::string, oidc_issuer, "",
          "Accept bearer JWTs from this OpenID Connect issuer (exact \"iss\"); "
          "needs --oidc_audience, --oidc_jwks_file and --oidc_rules_file.");
ABSL_FLAG(std::string, oidc_audience, "",
          "The \"aud\" the tokens must carry: Maillage's client id at the "
          "provider.");
ABSL_FLAG(std::string, oidc_jwks_file, "",
          "The provider's signing keys (JWKS JSON), reloaded when the file "
          "changes.");
ABSL_FLAG(std::string, oidc_rules_file, "",
          "Claim rules: which role, territories and workspace a token's "
          "claims grant (auth/claim_rules.h).");
ABSL_FLAG(std::string, oidc_algorithms, "RS256,ES256",
          "Signature algorithms accepted (never taken from the token).");
ABSL_FLAG(absl::Duration, oidc_clock_skew, absl::Seconds(60),
          "Tolerance on exp, nbf and iat.");
// The dashboard's sign-in through the provider (services/http/web_sign_in.h):
// on when --oidc_authorization_endpoint is set; the client id is
// --oidc_audience.
ABSL_FLAG(std::string, oidc_authorization_endpoint, "",
          "The provider's authorization endpoint: enables the dashboard's "
          "\"Se connecter\" (authorisation code + PKCE, the server as "
          "confidential client); needs --oidc_issuer, "
          "--oidc_token_endpoint and --oidc_client_secret_file.");
ABSL_FLAG(std::string, oidc_token_endpoint, "",
          "The provider's token endpoint (https://…).");
ABSL_FLAG(std::string, oidc_client_secret_file, "",
          "File holding the server's client secret at the provider.");
ABSL_FLAG(std::string, oidc_redirect_uri, "",
          "This server's /auth/callback as registered at the provider "
          "(default: from the request's Host).");
ABSL_FLAG(std::string, oidc_scopes, "openid email profile",
          "Scopes asked at sign-in.");
ABSL_FLAG(std::string, web_dir, DefaultWebDir(),
          "The dashboard's built files, served at / on the HTTP face "
          "(default: <prefix>/share/maillage/web beside an installed server, "
          "else the build's web/dist). A missing folder: no dashboard.");
ABSL_FLAG(int, cooling_days, 90,
          "Days during which a dismissed or declined pair is not proposed "
          "again.");
ABSL_FLAG(int, default_capacity, 3,
          "Capacity of an actor that does not state one.");
ABSL_FLAG(absl::Duration, weights_relearn_interval, absl::Minutes(10),
          "How often each workspace's matching weights are learned again "
          "from its outcomes when they grew (and once for every workspace "
          "after start). 0: only on LearnMatchWeights.");
ABSL_FLAG(double, weights_relearn_min_growth, 0.05,
          "A workspace is learned again in the background once the changes "
          "to its outcomes reach this share of the labelled pairs its last "
          "round learned from (0: after any change).");
ABSL_FLAG(double, weights_background_share, 0.1,
          "Share of one core a background relearning round may take (it "
          "sleeps between its reads of the index and between its fits' "
          "passes over their examples, at nice 19, to keep to it); in "
          "(0, 1], 1: unpaced.");
// Retention (core/retention.h, docs/PRIVACY.md "Retention"): what is older
// is deleted or pseudonymised at start and every --retention_sweep_interval.
ABSL_FLAG(int, audit_retention_days, 365,
          "Days the audit trail keeps an entry (0: forever).");
ABSL_FLAG(int, suggestion_retention_days, 180,
          "Days after its last showing that a suggestion nobody moved (kept, "
          "dismissed, …) is deleted (0: forever).");
ABSL_FLAG(int, lifecycle_personal_data_retention_days, 730,
          "Days without change after which a closed suggestion (dismissed, "
          "partnership formed or not) loses its people: principal ids become "
          "pseudonyms, names and notes are cleared, reasons replaced by a "
          "marker; states, outcomes and counts stay (0: forever).");
ABSL_FLAG(int, event_retention_days, 90,
          "Days the watch events (WatchSuggestions) are kept (0: forever); a "
          "watcher resuming from an older token gets OUT_OF_RANGE.");
ABSL_FLAG(absl::Duration, retention_sweep_interval, absl::Hours(1),
          "How often retention runs (also once at start).");
ABSL_FLAG(absl::Duration, retention_day_length, absl::Hours(24),
          "For tests only: the length of a day in the *_retention_days "
          "flags (e.g. 1s, to see a purge happen). Leave at 24h.");
ABSL_FLAG(absl::Duration, malloc_trim_interval, absl::Seconds(30),
          "Under glibc's malloc (a server built with -DMAILLAGE_JEMALLOC=OFF), "
          "how often the memory free in its arenas is given back to the "
          "system (malloc_trim; ops/memory_trimmer.h); 0 never. jemalloc, the "
          "default, gives pages back itself.");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port of the Prometheus endpoint (GET /metrics, plain HTTP, "
          "no authentication: keep it on loopback or a private network). "
          "Empty: not served.");
// Logs and metrics (docs/OBSERVABILITY.md).
ABSL_FLAG(std::string, log_level, "info",
          "Least level of the events logged on stderr: debug, info (one "
          "line per request), warning or error.");
ABSL_FLAG(std::string, log_format, "json",
          "json (one JSON object per line, for journald, docker and log "
          "processors) or text (key=value, for a terminal).");
ABSL_FLAG(std::string, http_metrics, "admin",
          "Who may read GET /metrics on the HTTP face's port: admin (a "
          "bearer API key or token of an admin), open (anyone who reaches "
          "the port) or off. --metrics_address serves it apart, unguarded.");
ABSL_FLAG(bool, log_requests, true,
          "One log line per call (at level info); false keeps the per-call "
          "metrics and the other events.");
ABSL_FLAG(bool, observe_requests, true,
          "Per-request metrics and log lines; false only to measure what "
          "they cost.");
ABSL_FLAG(absl::Duration, stall_threshold, absl::Milliseconds(250),
          "A thread of the server asks to wake every 100 ms; woken later than "
          "this, the whole process was not scheduled (cores busy, the "
          "hypervisor's steal, the kernel): logged as process.stall with "
          "what the machine did meanwhile, and counted. 0: not watched.");
ABSL_FLAG(absl::Duration, contacts_purge_interval, absl::Minutes(10),
          "How soon deleted contact persons (a deleted actor's, replaced "
          "ones) are made physically absent from the data folder "
          "(table files and write-ahead log rewritten). 0: only by "
          "ErasePersonalData.");
ABSL_FLAG(double, rate_limit_per_second, 50,
          "Calls per second each principal may make (token bucket); over "
          "it, RESOURCE_EXHAUSTED with a retry delay. 0: unlimited.");
ABSL_FLAG(double, rate_limit_burst, 100,
          "Calls a principal may make at once after being idle (the "
          "bucket's size).");
ABSL_FLAG(double, admin_rate_limit_per_second, 0,
          "The rate limit of admins, apart (burst: --rate_limit_burst). 0: "
          "unlimited, so that the local admin's scripts are never "
          "throttled.");

// Backups (core/backups.h, README "Backup and restore").
ABSL_FLAG(std::string, backup_dir, "",
          "Folder of the store's backups (maillage admin backup create, "
          "--backup_interval): outside --data_dir, ideally on another disk. "
          "Empty: backups are off.");
ABSL_FLAG(int, backup_keep, 7,
          "Retention: the newest N backups are kept, older ones deleted "
          "after each backup (0: no limit by count).");
ABSL_FLAG(absl::Duration, backup_max_age, absl::Hours(24 * 30),
          "Retention: backups older than this are deleted after each backup "
          "(0: no limit by age); the newest is always kept. It bounds how "
          "long erased personal data survives in backups.");
ABSL_FLAG(absl::Duration, backup_interval, absl::ZeroDuration(),
          "Make a backup this often (e.g. 24h), the first one this long after "
          "start. 0: only on request.");
ABSL_FLAG(std::string, restore_from, "",
          "Before starting, restore a backup from this backup folder into "
          "--data_dir, which must be empty or missing (a store is never "
          "overwritten); then serve it.");
ABSL_FLAG(uint32_t, restore_backup_id, 0,
          "With --restore_from: the backup to restore (maillage admin backup "
          "list); 0: the newest.");

// Transport security (services/tls.h, docs/SECURITY.md).
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of the server (leaf first): serve TLS. "
          "Re-read every --tls_reload_interval, so a renewed certificate is "
          "served without restart.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert (re-read with it).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM certificates of the authorities whose client certificates "
          "are accepted (mTLS); a client certificate presented must verify "
          "against them.");
ABSL_FLAG(bool, tls_require_client_cert, false,
          "With --tls_client_ca: refuse clients without a verified "
          "certificate during the handshake.");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(10),
          "How often the TLS files are re-read (whole seconds, at least 1).");
ABSL_FLAG(bool, insecure, false,
          "Allow plaintext on a non-loopback --listen address (a TLS proxy "
          "or a private network protects it); a warning is logged.");
ABSL_FLAG(std::string, client_cert_principals, "",
          "Mapping file of client-certificate identities (CN=…, DNS:…, "
          "URI:…) to roles, scopes and workspaces (docs/SECURITY.md); needs "
          "--tls_client_ca.");

// Transport limits (services/server.h, docs/SECURITY.md); 0 lifts one.
ABSL_FLAG(int, max_concurrent_streams, 100,
          "Streams one connection may have open at once (HTTP/2 "
          "SETTINGS_MAX_CONCURRENT_STREAMS).");
ABSL_FLAG(int64_t, memory_quota_mb, 512,
          "Memory the gRPC transport may take, MiB (grpc::ResourceQuota).");
ABSL_FLAG(int, max_threads, 64,
          "Threads gRPC may start for synchronous services "
          "(grpc::ResourceQuota).");
ABSL_FLAG(int, max_metadata_bytes, 8 << 10,
          "Largest header block of a call, bytes (HTTP/2 "
          "SETTINGS_MAX_HEADER_LIST_SIZE).");
ABSL_FLAG(int, max_receive_message_bytes, 16 << 20,
          "Largest request message, bytes (an ImportActors batch); other "
          "methods refuse more than 2 MiB.");
ABSL_FLAG(int, max_send_message_bytes, 64 << 20,
          "Largest response message, bytes.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "Ping a connection that sent nothing for this long (dead peers).");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "Close a connection whose keepalive ping is not acknowledged "
          "within this long.");
ABSL_FLAG(absl::Duration, min_ping_interval, absl::Seconds(10),
          "Client pings closer together than this without data are strikes.");
ABSL_FLAG(int, max_ping_strikes, 2,
          "Strikes after which a pinging connection gets GOAWAY.");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(5),
          "Close a connection that has had no call for this long.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(30),
          "Send GOAWAY to any connection this old (±10% jitter).");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Minutes(5),
          "Close a connection this long after its age GOAWAY, whatever its "
          "calls.");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "Close a connection that has not sent the HTTP/2 preface and "
          "SETTINGS within this long.");

// The HTTP/JSON face (services/http/, README "HTTP/JSON", docs/SECURITY.md).
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "Address of the HTTP/JSON face (host:port, IP address; port 0 "
          "picks a free one). Empty: no HTTP face. Same TLS files and "
          "loopback rule as --listen.");
ABSL_FLAG(std::vector<std::string>, http_cors_origins, {},
          "Origins allowed to call the HTTP face from a browser (CORS), "
          "comma-separated, e.g. https://dashboard.example.org; * for any. "
          "Empty: no CORS.");
ABSL_FLAG(int64_t, http_max_body_bytes, 4 << 20,
          "Largest HTTP request body, bytes (413 beyond); imports apart.");
ABSL_FLAG(int64_t, http_max_upload_mb, 64,
          "Largest upload to an import route (NDJSON or CSV), MiB.");
ABSL_FLAG(int64_t, http_max_header_bytes, 8 << 10,
          "Largest HTTP request line and headers, bytes (431 beyond).");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(30),
          "An HTTP connection must send a whole request line and headers "
          "within this long of opening or of its previous answer (idle "
          "keep-alive connections, slowloris).");
ABSL_FLAG(absl::Duration, http_body_timeout, absl::Seconds(60),
          "The body must then arrive within this long.");
ABSL_FLAG(absl::Duration, http_write_timeout, absl::Seconds(30),
          "Each answer, chunk or event must be taken by the client within "
          "this long, or the connection is closed.");
ABSL_FLAG(int, http_max_connections, 4096,
          "HTTP connections open at once; beyond, 503 and closed.");
ABSL_FLAG(int, http_max_event_streams, 1000,
          "Server-Sent Events streams (WatchSuggestions) open at once; "
          "beyond, 503.");
ABSL_FLAG(int, http_threads, 2,
          "Threads of the HTTP event loop (the work runs on the workers).");

namespace {

// The --http_* flags above.
maillage::services::http::HttpOptions HttpFromFlags() {
  maillage::services::http::HttpOptions http;
  http.listen_address = absl::GetFlag(FLAGS_http_listen);
  http.cors_origins = absl::GetFlag(FLAGS_http_cors_origins);
  http.max_body_bytes = static_cast<size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_http_max_body_bytes)));
  http.max_upload_bytes = static_cast<size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_http_max_upload_mb)) << 20);
  http.max_header_bytes = static_cast<size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_http_max_header_bytes)));
  http.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  http.body_timeout = absl::GetFlag(FLAGS_http_body_timeout);
  http.write_timeout = absl::GetFlag(FLAGS_http_write_timeout);
  http.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  http.dispatch.max_event_streams = absl::GetFlag(FLAGS_http_max_event_streams);
  http.threads = absl::GetFlag(FLAGS_http_threads);
  return http;
}

// The dashboard's sign-in options of the --oidc_* flags; unset when
// --oidc_authorization_endpoint is empty.
absl::StatusOr<std::optional<maillage::services::http::WebSignIn::Options>>
WebSignInFromFlags(bool tls) {
  maillage::services::http::WebSignIn::Options o;
  o.authorization_endpoint = absl::GetFlag(FLAGS_oidc_authorization_endpoint);
  if (o.authorization_endpoint.empty()) return std::nullopt;
  o.token_endpoint = absl::GetFlag(FLAGS_oidc_token_endpoint);
  o.client_id = absl::GetFlag(FLAGS_oidc_audience);
  const std::string secret_file = absl::GetFlag(FLAGS_oidc_client_secret_file);
  if (o.token_endpoint.empty() || o.client_id.empty() || secret_file.empty()) {
    return absl::InvalidArgumentError(
        "--oidc_authorization_endpoint needs --oidc_token_endpoint, "
        "--oidc_audience (the client id) and --oidc_client_secret_file");
  }
  std::ifstream in(secret_file);
  std::getline(in, o.client_secret);
  if (!in || o.client_secret.empty()) {
    return absl::InvalidArgumentError(
        "cannot read the client secret from --oidc_client_secret_file");
  }
  o.redirect_uri = absl::GetFlag(FLAGS_oidc_redirect_uri);
  o.scopes = absl::GetFlag(FLAGS_oidc_scopes);
  o.secure_cookies = tls;
  return o;
}

// The JWT authenticator of the --oidc_* flags; nullptr when --oidc_issuer is
// empty (bearer tokens other than API keys are then refused).
absl::StatusOr<std::unique_ptr<maillage::auth::JwtAuthenticator>>
JwtFromFlags() {
  maillage::auth::JwtAuthenticator::Options o;
  o.issuer = absl::GetFlag(FLAGS_oidc_issuer);
  if (o.issuer.empty()) return nullptr;
  o.audience = absl::GetFlag(FLAGS_oidc_audience);
  o.jwks_path = absl::GetFlag(FLAGS_oidc_jwks_file);
  o.rules_path = absl::GetFlag(FLAGS_oidc_rules_file);
  if (o.jwks_path.empty() || o.rules_path.empty()) {
    return absl::InvalidArgumentError(
        "--oidc_issuer needs --oidc_jwks_file and --oidc_rules_file");
  }
  o.algorithms = absl::StrSplit(absl::GetFlag(FLAGS_oidc_algorithms), ',',
                                absl::SkipEmpty());
  o.clock_skew = absl::GetFlag(FLAGS_oidc_clock_skew);
  return maillage::auth::JwtAuthenticator::Create(std::move(o));
}

// The --max_* and connection flags above.
maillage::services::Server::Limits LimitsFromFlags() {
  maillage::services::Server::Limits limits;
  limits.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  limits.memory_quota_bytes = absl::GetFlag(FLAGS_memory_quota_mb) << 20;
  limits.max_threads = absl::GetFlag(FLAGS_max_threads);
  limits.max_metadata_bytes = absl::GetFlag(FLAGS_max_metadata_bytes);
  limits.max_receive_message_bytes =
      absl::GetFlag(FLAGS_max_receive_message_bytes);
  limits.max_send_message_bytes = absl::GetFlag(FLAGS_max_send_message_bytes);
  limits.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  limits.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  limits.min_ping_interval = absl::GetFlag(FLAGS_min_ping_interval);
  limits.max_ping_strikes = absl::GetFlag(FLAGS_max_ping_strikes);
  limits.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  limits.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  limits.max_connection_age_grace =
      absl::GetFlag(FLAGS_max_connection_age_grace);
  limits.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  return limits;
}

// The retention flags above, or an error for a day length that is not
// positive.
absl::StatusOr<maillage::core::Retention::Options> RetentionFromFlags(
    absl::Duration* audit_retention) {
  const absl::Duration day = absl::GetFlag(FLAGS_retention_day_length);
  if (day <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retention_day_length must be > 0");
  }
  maillage::core::Retention::Options retention;
  retention.untouched_suggestions =
      day * absl::GetFlag(FLAGS_suggestion_retention_days);
  retention.closed_personal_fields =
      day * absl::GetFlag(FLAGS_lifecycle_personal_data_retention_days);
  retention.events = day * absl::GetFlag(FLAGS_event_retention_days);
  retention.interval = absl::GetFlag(FLAGS_retention_sweep_interval);
  if (retention.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retention_sweep_interval must be > 0");
  }
  *audit_retention = day * absl::GetFlag(FLAGS_audit_retention_days);
  return retention;
}

// The --log_* flags above, applied to the process's log; false (after
// saying why on stderr) when one is invalid.
bool ConfigureLogFromFlags() {
  std::optional<maillage::base::LogLevel> level =
      maillage::base::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  std::optional<maillage::base::LogFormat> format =
      maillage::base::ParseLogFormat(absl::GetFlag(FLAGS_log_format));
  if (!level.has_value() || !format.has_value()) {
    std::fprintf(stderr,
                 "maillage: --log_level must be debug, info, warning or "
                 "error, and --log_format json or text\n");
    return false;
  }
  maillage::base::SetLogOptions({*level, *format, nullptr});
  return true;
}

// The --http_metrics flag, or nullopt when invalid.
std::optional<maillage::services::Server::Options::HttpMetricsAccess>
HttpMetricsFromFlags() {
  using Access = maillage::services::Server::Options::HttpMetricsAccess;
  const std::string value = absl::GetFlag(FLAGS_http_metrics);
  if (value == "admin") return Access::kAdmin;
  if (value == "open") return Access::kOpen;
  if (value == "off") return Access::kOff;
  return std::nullopt;
}

// Says on stderr (the log) that the server serves, and where: one event
// whose message ("maillage listening on HOST:PORT; …; HTTP/JSON on
// HOST:PORT"), last, is what scripts and tests read the ports from.
void LogReady(const maillage::services::Server::Options& options,
              maillage::services::Server& server) {
  auto local = [](const std::string& address, int port) {
    return address.substr(0, address.rfind(':')) + ":" + std::to_string(port);
  };
  const std::string grpc = local(options.listen_address, server.port());
  std::string http = "no HTTP face";
  maillage::base::Log ready(maillage::base::LogLevel::kInfo, "startup.ready");
  ready.Add("address", grpc)
      .Add("tls", options.tls.enabled())
      .Add("allocator", std::string(maillage::ops::AllocatorName(
                            maillage::ops::CurrentAllocator())));
  if (server.http_port() != 0) {
    const std::string address =
        local(options.http.listen_address, server.http_port());
    ready.Add("http_address", address);
    http = "HTTP/JSON on " + address;
  }
  if (!options.metrics_address.empty()) {
    const std::string address =
        local(options.metrics_address, server.metrics_port());
    ready.Add("metrics_address", address);
    maillage::base::Log(maillage::base::LogLevel::kInfo, "startup.metrics")
        .Add("message", "metrics on http://" + address + "/metrics");
  }
  if (server.serves_dashboard()) {
    const std::string address =
        local(options.http.listen_address, server.http_port());
    maillage::base::Log(maillage::base::LogLevel::kInfo, "startup.dashboard")
        .Add("message", std::string("dashboard on ") +
                            (options.tls.enabled() ? "https" : "http") + "://" +
                            address + "/");
  }
  ready.Add("store", server.core().Describe())
      .Add("message", "maillage listening on " + grpc + "; " +
                          (options.tls.enabled() ? "TLS" : "plaintext") + "; " +
                          http);
}

// The --tls_* flags above.
maillage::services::TlsOptions TlsFromFlags() {
  maillage::services::TlsOptions tls;
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  tls.key_file = absl::GetFlag(FLAGS_tls_key);
  tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  tls.require_client_certificate = absl::GetFlag(FLAGS_tls_require_client_cert);
  tls.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  return tls;
}

// The --backup_* flags above.
maillage::core::Backups::Options BackupsFromFlags() {
  maillage::core::Backups::Options backups;
  backups.dir = absl::GetFlag(FLAGS_backup_dir);
  backups.retention.keep_last = std::max(0, absl::GetFlag(FLAGS_backup_keep));
  backups.retention.max_age = absl::GetFlag(FLAGS_backup_max_age);
  backups.interval = absl::GetFlag(FLAGS_backup_interval);
  return backups;
}

// The core's flags: store, disk guard, import, matching budget, keys'
// digest secret, retention, purges, learning, cooling, backups. False, after
// saying why, on a bad value.
bool CoreFromFlags(maillage::core::Maillage::Options* core) {
  core->data_dir = absl::GetFlag(FLAGS_data_dir);
  core->reference_dir = absl::GetFlag(FLAGS_reference_dir);
  core->sync_writes = absl::GetFlag(FLAGS_sync_writes);
  int64_t min_free_disk_mb = absl::GetFlag(FLAGS_min_free_disk_mb);
  if (min_free_disk_mb < 0) {
    std::fprintf(stderr, "maillage: --min_free_disk_mb must be >= 0\n");
    return false;
  }
  core->min_free_disk_bytes = static_cast<uint64_t>(min_free_disk_mb) << 20;
  const int64_t background_write_mb =
      absl::GetFlag(FLAGS_background_write_mb_per_second_when_busy);
  if (background_write_mb < 0 || background_write_mb >= (int64_t{1} << 20)) {
    std::fprintf(stderr,
                 "maillage: --background_write_mb_per_second_when_busy must "
                 "be >= 0 and under 1048576 (1 TiB/s)\n");
    return false;
  }
  core->background_write_bytes_per_second =
      static_cast<uint64_t>(background_write_mb) << 20;
  core->default_capacity = absl::GetFlag(FLAGS_default_capacity);
  core->import_nice = absl::GetFlag(FLAGS_import_nice);
  core->max_pairs_per_request = absl::GetFlag(FLAGS_max_pairs_per_request);
  core->key_digest_secret_file = absl::GetFlag(FLAGS_key_digest_secret_file);
  auto retention = RetentionFromFlags(&core->audit_retention);
  if (!retention.ok()) {
    std::fprintf(stderr, "maillage: %s\n",
                 std::string(retention.status().message()).c_str());
    return false;
  }
  core->retention = *retention;
  core->contacts_purge_interval = absl::GetFlag(FLAGS_contacts_purge_interval);
  core->weights_relearn_interval =
      absl::GetFlag(FLAGS_weights_relearn_interval);
  core->weights_relearn_min_growth =
      absl::GetFlag(FLAGS_weights_relearn_min_growth);
  if (!(core->weights_relearn_min_growth >= 0 &&
        std::isfinite(core->weights_relearn_min_growth))) {
    std::fprintf(stderr,
                 "maillage: --weights_relearn_min_growth must be 0 or more\n");
    return false;
  }
  core->weights_background_share =
      absl::GetFlag(FLAGS_weights_background_share);
  // WeightBook treats any share outside (0, 1) as unpaced: 0 or a negative
  // value would silently take a whole core, not none.
  if (!(core->weights_background_share > 0 &&
        core->weights_background_share <= 1)) {
    std::fprintf(stderr,
                 "maillage: --weights_background_share must be in (0, 1]\n");
    return false;
  }
  core->cooling_period = absl::Hours(24) * absl::GetFlag(FLAGS_cooling_days);
  core->backups = BackupsFromFlags();
  return true;
}

// Admission: the worker queue's bound and the rate limits.
maillage::services::RequestHandler::Options RequestsFromFlags() {
  maillage::services::RequestHandler::Options requests;
  requests.max_queued_calls = absl::GetFlag(FLAGS_max_queued_calls);
  requests.import_pacing.busy_rows_per_second = static_cast<double>(
      absl::GetFlag(FLAGS_import_rows_per_second_when_busy));
  requests.rate_limit.per_second = absl::GetFlag(FLAGS_rate_limit_per_second);
  requests.rate_limit.burst = absl::GetFlag(FLAGS_rate_limit_burst);
  requests.admin_rate_limit.per_second =
      absl::GetFlag(FLAGS_admin_rate_limit_per_second);
  requests.admin_rate_limit.burst = absl::GetFlag(FLAGS_rate_limit_burst);
  return requests;
}

// --restore_from: restores the backup into the empty data folder, and
// gives the core the erasures to make again. Returns false (after saying
// why) when it cannot.
bool RestoreFromFlags(maillage::core::Maillage::Options& core) {
  std::string from = absl::GetFlag(FLAGS_restore_from);
  if (from.empty()) return true;
  auto restored = maillage::core::Backups::Restore(
      from, absl::GetFlag(FLAGS_restore_backup_id), core.data_dir,
      maillage::core::Maillage::DigestSecretFile(core));
  if (!restored.ok()) {
    std::fprintf(stderr, "maillage: cannot restore: %s\n",
                 restored.status().ToString().c_str());
    return false;
  }
  const maillage::v1::Backup& backup = restored->backup;
  std::fprintf(stderr,
               "maillage: restored backup %u (sequence %llu, made at unix "
               "time %lld) from %s into %s; %zu erasures to make again\n",
               backup.id(),
               static_cast<unsigned long long>(backup.sequence_number()),
               static_cast<long long>(backup.create_time().seconds()),
               from.c_str(), core.data_dir.c_str(), restored->erasures.size());
  core.erasures_to_reapply = std::move(restored->erasures);
  return true;
}

// --help lists the server's own flags, wherever they are defined, and none
// of Abseil's (--helpfull has those too).
void ConfigureHelp() {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return !absl::StrContains(file, "absl/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(
      "The Maillage gRPC server (maillage.v1: actors, territories, matching, "
      "lifecycle) and its HTTP/JSON face.\n"
      "Usage: maillage_server [--listen=127.0.0.1:50051] "
      "[--data_dir=maillage-data] [flags]\n"
      "Every flag below with its default; README.md, \"Running the "
      "server\", groups them.");
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, so absl::Mutex (gRPC's locks) runs
  // its debug-only deadlock detector at every lock: a global graph of lock
  // orders updated under a spin lock, and an abort of the whole server at
  // the first inconsistent order it sees. Upstream release builds have it
  // off; so does the server (the tests, in-process, keep it).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ConfigureHelp();
  absl::ParseCommandLine(argc, argv);
  if (!ConfigureLogFromFlags()) return 2;
  auto http_metrics = HttpMetricsFromFlags();
  if (!http_metrics.has_value()) {
    std::fprintf(stderr,
                 "maillage: --http_metrics must be admin, open or off\n");
    return 2;
  }

  // Signals are taken synchronously by this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  maillage::services::Server::Options options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.tls = TlsFromFlags();
  options.insecure = absl::GetFlag(FLAGS_insecure);
  options.http = HttpFromFlags();
  options.http.tls = options.tls;
  options.http.insecure = options.insecure;
  options.client_cert_principals = absl::GetFlag(FLAGS_client_cert_principals);
  if (!CoreFromFlags(&options.core)) return 2;
  options.limits = LimitsFromFlags();
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.write_worker_threads = absl::GetFlag(FLAGS_write_worker_threads);
  options.requests = RequestsFromFlags();
  if (options.requests.import_pacing.busy_rows_per_second < 0) {
    std::fprintf(stderr,
                 "maillage: --import_rows_per_second_when_busy must be >= 0 "
                 "(0: imports never paced)\n");
    return 2;
  }
  options.demo = absl::GetFlag(FLAGS_demo);
  options.admin_credentials_file = absl::GetFlag(FLAGS_admin_credentials_file);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.http_metrics = *http_metrics;
  options.observe_requests = absl::GetFlag(FLAGS_observe_requests);
  options.log_requests = absl::GetFlag(FLAGS_log_requests);
  options.stall_threshold = absl::GetFlag(FLAGS_stall_threshold);
  if (!RestoreFromFlags(options.core)) return 1;

  auto jwt = JwtFromFlags();
  if (!jwt.ok()) {
    maillage::base::Log(maillage::base::LogLevel::kError, "startup.failed")
        .Add("message", "maillage: cannot start: " + jwt.status().ToString());
    return 1;
  }
  options.jwt = jwt->get();
  options.web_dir = absl::GetFlag(FLAGS_web_dir);
  auto sign_in = WebSignInFromFlags(options.tls.enabled());
  if (!sign_in.ok()) {
    std::fprintf(stderr, "maillage: cannot start: %s\n",
                 sign_in.status().ToString().c_str());
    return 2;
  }
  options.web_sign_in = *sign_in;

  auto server = maillage::services::Server::BuildAndStart(options);
  if (!server.ok()) {
    maillage::base::Log(maillage::base::LogLevel::kError, "startup.failed")
        .Add("message",
             "maillage: cannot start: " + server.status().ToString());
    return 1;
  }
  LogReady(options, **server);
  // jemalloc gives free pages back gradually (its decay); purging them all
  // every 30 s on top made the RSS a sawtooth of +-10% in the soak.
  maillage::ops::MemoryTrimmer trimmer(
      maillage::ops::CurrentAllocator() == maillage::ops::Allocator::kGlibc
          ? absl::GetFlag(FLAGS_malloc_trim_interval)
          : absl::ZeroDuration());

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  maillage::base::Log(maillage::base::LogLevel::kInfo, "shutdown.begin")
      .Add("signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM")
      .Add("message", "draining and closing the store");
  (*server)->Shutdown();
  maillage::base::Log(maillage::base::LogLevel::kInfo, "shutdown.end")
      .Add("message", "maillage stopped cleanly");
  return 0;
}
