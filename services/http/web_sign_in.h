#ifndef MAILLAGE_SERVICES_HTTP_WEB_SIGN_IN_H_
#define MAILLAGE_SERVICES_HTTP_WEB_SIGN_IN_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/authenticator.h"
#include "services/http/dispatcher.h"

// The dashboard's sign-in with an OpenID Connect provider: the
// authorisation-code flow with PKCE (RFC 7636), the server being the
// confidential client. The browser only ever holds the server's own session
// cookie; the provider's tokens stay in the server.
//
//   GET  /auth/login?return=PATH  302 to the provider (state, nonce, PKCE
//                                 challenge; the state is also bound to the
//                                 browser by a short-lived cookie)
//   GET  /auth/callback           the provider's answer: the code is
//                                 exchanged at the token endpoint (client
//                                 secret and PKCE verifier), the ID token
//                                 verified by the server's JWT authenticator
//                                 (issuer, audience = client id, signature,
//                                 expiry, claim rules) and its nonce checked;
//                                 then a session cookie and 302 to PATH
//   GET  /auth/session            {"oidc":bool,"signedIn":bool,"csrf":…}
//   POST /auth/logout             ends the session (needs the CSRF header)
//
// API calls carrying the session cookie and no Authorization header are
// authenticated as the session's ID token, exactly as if the page had sent
// it as a bearer token (one authentication path: RequestHandler). They must
// also carry the session's CSRF token in X-Maillage-CSRF, which only a page
// of this origin can read from /auth/session, so another site cannot make a
// signed-in browser call the API. A session ends when its ID token expires
// (then 401 and the page signs in again), at logout, or after
// Options::max_session.
//
// Sessions live in memory: a restarted server signs everyone out.
// Thread-safe.
namespace maillage::services::http {

class WebSignIn {
 public:
  struct Options {
    std::string client_id;  // the audience of the server's ID tokens
    std::string client_secret;
    std::string authorization_endpoint;
    std::string token_endpoint;
    // This server's /auth/callback as registered at the provider
    // ("https://maillage.example.org/auth/callback"). Empty: made of the
    // request's Host header (the provider only accepts the URIs registered
    // with it, so a forged Host gains nothing).
    std::string redirect_uri;
    std::string scopes = "openid email profile";
    // Marks the cookies Secure (the HTTP face serves TLS, or sits behind a
    // TLS proxy).
    bool secure_cookies = false;
    absl::Duration max_session = absl::Hours(10);
    absl::Duration login_timeout = absl::Minutes(10);
    absl::Duration token_request_timeout = absl::Seconds(10);
    size_t max_sessions = 10'000;
    size_t max_pending_logins = 10'000;
  };
  // What the token exchange calls (PostTokenRequest in production):
  // (url, form, authorization header, timeout) -> body.
  using PostForm = std::function<absl::StatusOr<std::string>(
      const std::string&, const std::string&, const std::string&,
      absl::Duration)>;

  // `verifier` checks ID tokens (the server's JWT authenticator; not owned,
  // must outlive this).
  WebSignIn(Options options, const auth::Authenticator* verifier,
            PostForm post_form);
  ~WebSignIn();

  // Answers the /auth/ routes above; false for any other request.
  bool Handle(const HttpRequest& request,
              const std::shared_ptr<ResponseSink>& sink);

  // Gives an API request without Authorization the bearer token of its
  // session, when its cookie names a live session and its CSRF header
  // matches. Leaves it unchanged otherwise (the call is then refused as
  // unauthenticated).
  void Authorize(HttpRequest* request);

 private:
  struct PendingLogin {
    std::string code_verifier;
    std::string nonce;
    std::string return_path;
    std::string redirect_uri;  // sent to the provider, sent again at exchange
    absl::Time created;
  };
  struct Session {
    std::string id_token;
    std::string csrf;
    absl::Time expires;
  };

  void Login(const HttpRequest& request, ResponseSink& sink);
  void Callback(const HttpRequest& request,
                const std::shared_ptr<ResponseSink>& sink);
  void SessionInfo(const HttpRequest& request, ResponseSink& sink);
  void Logout(const HttpRequest& request, ResponseSink& sink);
  // The exchange of a callback's code (on the exchange thread): a session
  // cookie and a redirect, or an error page.
  void Exchange(std::string code, PendingLogin login,
                const std::shared_ptr<ResponseSink>& sink);
  // The session the request's cookie names, if live; copied under the lock.
  std::optional<Session> FindSession(const HttpRequest& request);
  std::string Cookie(const std::string& name, const std::string& value,
                     const std::string& path, absl::Duration max_age) const;
  void RunExchanges();

  const Options options_;
  const auth::Authenticator* const verifier_;
  const PostForm post_form_;

  std::mutex mu_;
  absl::flat_hash_map<std::string, PendingLogin> pending_
      ABSL_GUARDED_BY(mu_);  // by state
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  // Token exchanges block on the network: they run one at a time on their
  // own thread, never on the event loop.
  std::deque<std::function<void()>> exchanges_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::condition_variable wake_;
  std::thread exchange_thread_;
};

}  // namespace maillage::services::http

#endif  // MAILLAGE_SERVICES_HTTP_WEB_SIGN_IN_H_
