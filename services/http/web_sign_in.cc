#include "services/http/web_sign_in.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "auth/base64url.h"
#include "auth/strict_json.h"
#include "services/http/json_mapping.h"

namespace maillage::services::http {
namespace {

constexpr char kSessionCookie[] = "maillage_session";
constexpr char kLoginCookie[] = "maillage_login";
constexpr char kJson[] = "application/json";

// 32 random bytes, base64url: states, nonces, verifiers, session ids.
std::string RandomToken() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(bytes.size())) != 1) {
    // No randomness means no safe session: crash loudly, never guess.
    std::abort();
  }
  return auth::EncodeBase64Url(bytes);
}

// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)).
std::string CodeChallenge(const std::string& verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(),
             nullptr);
  return auth::EncodeBase64Url(
      std::string_view(reinterpret_cast<const char*>(digest), length));
}

// application/x-www-form-urlencoded (and query string) encoding.
std::string FormEncode(std::string_view text) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Param(std::string_view query, std::string_view name) {
  auto params = ParseQuery(query);
  if (!params.ok()) return "";
  for (auto& [key, value] : *params) {
    if (key == name) return value;
  }
  return "";
}

std::string CookieValue(const std::string& header, const std::string& name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return "";
}

// Where a sign-in may send the browser back: a path of this site only
// ("/", "/#/acteur/…"), never another origin ("//evil.example").
std::string SafeReturnPath(std::string path) {
  if (path.empty() || path[0] != '/' || absl::StartsWith(path, "//") ||
      absl::StrContains(path, "\\")) {
    return "/";
  }
  return path;
}

// The payload of a JWT already verified by the authenticator.
absl::StatusOr<auth::json::Value> Claims(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second =
      first == token.npos ? token.npos : token.find('.', first + 1);
  if (second == token.npos)
    return absl::UnauthenticatedError("malformed token");
  std::optional<std::string> payload = auth::DecodeBase64Url(
      std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload) return absl::UnauthenticatedError("malformed token");
  return auth::json::Parse(*payload);
}

void SendPage(ResponseSink& sink, int status, const std::string& message) {
  sink.Send(status, "text/html; charset=utf-8",
            absl::StrCat("<!doctype html><html lang=\"fr\"><meta "
                         "charset=\"utf-8\"><title>Connexion</title><p>",
                         message,
                         "</p><p><a href=\"/\">Retour au tableau de "
                         "bord</a></p></html>\n"),
            {});
}

}  // namespace

WebSignIn::WebSignIn(Options options, const auth::Authenticator* verifier,
                     PostForm post_form)
    : options_(std::move(options)),
      verifier_(verifier),
      post_form_(std::move(post_form)),
      exchange_thread_([this] { RunExchanges(); }) {}

WebSignIn::~WebSignIn() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  exchange_thread_.join();
}

bool WebSignIn::Handle(const HttpRequest& request,
                       const std::shared_ptr<ResponseSink>& sink) {
  if (!absl::StartsWith(request.path, "/auth/")) return false;
  if (request.method == "GET" && request.path == "/auth/login") {
    Login(request, *sink);
  } else if (request.method == "GET" && request.path == "/auth/callback") {
    Callback(request, sink);
  } else if (request.method == "GET" && request.path == "/auth/session") {
    SessionInfo(request, *sink);
  } else if (request.method == "POST" && request.path == "/auth/logout") {
    Logout(request, *sink);
  } else {
    SendError(*sink, absl::NotFoundError(absl::StrCat(
                         "no route for ", request.method, " ", request.path)));
  }
  return true;
}

void WebSignIn::Login(const HttpRequest& request, ResponseSink& sink) {
  PendingLogin login;
  login.code_verifier = RandomToken();
  login.nonce = RandomToken();
  login.return_path = SafeReturnPath(Param(request.query, "return"));
  login.created = absl::Now();
  login.redirect_uri =
      !options_.redirect_uri.empty()
          ? options_.redirect_uri
          : absl::StrCat(options_.secure_cookies ? "https://" : "http://",
                         request.host, "/auth/callback");
  const std::string state = RandomToken();
  std::string location = absl::StrCat(
      options_.authorization_endpoint,
      absl::StrContains(options_.authorization_endpoint, "?") ? "&" : "?",
      "response_type=code&client_id=", FormEncode(options_.client_id),
      "&redirect_uri=", FormEncode(login.redirect_uri),
      "&scope=", FormEncode(options_.scopes), "&state=", state,
      "&nonce=", login.nonce,
      "&code_challenge=", CodeChallenge(login.code_verifier),
      "&code_challenge_method=S256");
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto next = std::next(it);
      if (login.created - it->second.created > options_.login_timeout) {
        pending_.erase(it);
      }
      it = next;
    }
    if (pending_.size() >= options_.max_pending_logins) {
      SendError(sink, absl::ResourceExhaustedError(
                          "too many sign-ins under way; retry later"));
      return;
    }
    pending_[state] = std::move(login);
  }
  sink.Send(302, "text/plain", "",
            {{"Location", location},
             {"Cache-Control", "no-store"},
             {"Set-Cookie",
              Cookie(kLoginCookie, state, "/auth/", options_.login_timeout)}});
}

void WebSignIn::Callback(const HttpRequest& request,
                         const std::shared_ptr<ResponseSink>& sink) {
  const std::string state = Param(request.query, "state");
  if (std::string error = Param(request.query, "error"); !error.empty()) {
    SendPage(*sink, 401, "Le fournisseur d'identité a refusé la connexion.");
    return;
  }
  PendingLogin login;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(state);
    // The state must be one this server issued, to this browser (its
    // cookie), recently; it is used once.
    if (state.empty() || it == pending_.end() ||
        CookieValue(request.cookie, kLoginCookie) != state ||
        absl::Now() - it->second.created > options_.login_timeout) {
      SendPage(*sink, 400,
               "Cette connexion n'a pas été demandée depuis ce navigateur ou "
               "a expiré. Recommencez.");
      return;
    }
    login = std::move(it->second);
    pending_.erase(it);
  }
  std::string code = Param(request.query, "code");
  {
    std::lock_guard lock(mu_);
    exchanges_.push_back([this, code = std::move(code),
                          login = std::move(login), sink]() mutable {
      Exchange(std::move(code), std::move(login), sink);
    });
  }
  wake_.notify_one();
}

void WebSignIn::Exchange(std::string code, PendingLogin login,
                         const std::shared_ptr<ResponseSink>& sink) {
  const std::string form =
      absl::StrCat("grant_type=authorization_code&code=", FormEncode(code),
                   "&redirect_uri=", FormEncode(login.redirect_uri),
                   "&code_verifier=", login.code_verifier,
                   "&client_id=", FormEncode(options_.client_id));
  // client_secret_basic (RFC 6749 2.3.1: the parts form-encoded first).
  const std::string basic = absl::StrCat(
      "Basic ",
      absl::Base64Escape(absl::StrCat(FormEncode(options_.client_id), ":",
                                      FormEncode(options_.client_secret))));
  absl::StatusOr<std::string> answer = post_form_(
      options_.token_endpoint, form, basic, options_.token_request_timeout);
  if (!answer.ok()) {
    std::fprintf(stderr, "maillage: sign-in: %s\n",
                 std::string(answer.status().message()).c_str());
    SendPage(*sink, 502, "Le fournisseur d'identité n'a pas répondu.");
    return;
  }
  absl::StatusOr<auth::json::Value> tokens = auth::json::Parse(*answer);
  const std::string* id_token =
      tokens.ok() ? tokens->FindString("id_token") : nullptr;
  if (id_token == nullptr) {
    SendPage(*sink, 502, "Le fournisseur d'identité n'a pas donné d'identité.");
    return;
  }
  auth::Credentials credentials;
  credentials.bearer = *id_token;
  absl::StatusOr<auth::Principal> principal =
      verifier_->Authenticate(credentials);
  absl::StatusOr<auth::json::Value> claims = Claims(*id_token);
  const std::string* nonce =
      claims.ok() ? claims->FindString("nonce") : nullptr;
  const auth::json::Value* exp = claims.ok() ? claims->Find("exp") : nullptr;
  if (!principal.ok() || nonce == nullptr || *nonce != login.nonce ||
      exp == nullptr || !exp->is_number()) {
    SendPage(*sink, 401,
             "Cette identité n'est pas acceptée par ce serveur (jeton refusé "
             "ou aucune règle ne lui donne de rôle).");
    return;
  }
  Session session;
  session.id_token = *id_token;
  session.csrf = RandomToken();
  session.expires =
      std::min(absl::FromUnixSeconds(static_cast<int64_t>(exp->number())),
               absl::Now() + options_.max_session);
  const std::string id = RandomToken();
  const absl::Duration lifetime = session.expires - absl::Now();
  {
    std::lock_guard lock(mu_);
    const absl::Time now = absl::Now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto next = std::next(it);
      if (it->second.expires <= now) sessions_.erase(it);
      it = next;
    }
    if (sessions_.size() >= options_.max_sessions) {
      SendPage(*sink, 503, "Trop de sessions ouvertes ; réessayez plus tard.");
      return;
    }
    sessions_[id] = std::move(session);
  }
  Headers headers = {
      {"Location", login.return_path},
      {"Cache-Control", "no-store"},
      {"Set-Cookie", Cookie(kSessionCookie, id, "/", lifetime)},
  };
  // Beast keeps one value per name set with set(): the login cookie is
  // cleared by its own short lifetime and single use.
  sink->Send(302, "text/plain", "", std::move(headers));
}

void WebSignIn::SessionInfo(const HttpRequest& request, ResponseSink& sink) {
  std::optional<Session> session = FindSession(request);
  std::string body =
      absl::StrCat("{\"oidc\":true,\"signedIn\":", session ? "true" : "false");
  if (session) {
    absl::StrAppend(&body, ",\"csrf\":\"", session->csrf,
                    "\",\"expireTime\":\"",
                    absl::FormatTime(absl::RFC3339_sec, session->expires,
                                     absl::UTCTimeZone()),
                    "\"");
  }
  body += "}\n";
  sink.Send(200, kJson, std::move(body), {{"Cache-Control", "no-store"}});
}

void WebSignIn::Logout(const HttpRequest& request, ResponseSink& sink) {
  std::optional<Session> session = FindSession(request);
  if (session && request.csrf_token == session->csrf) {
    std::lock_guard lock(mu_);
    sessions_.erase(CookieValue(request.cookie, kSessionCookie));
  }
  sink.Send(
      200, kJson, "{\"signedIn\":false}\n",
      {{"Set-Cookie", Cookie(kSessionCookie, "", "/", absl::ZeroDuration())},
       {"Cache-Control", "no-store"}});
}

void WebSignIn::Authorize(HttpRequest* request) {
  if (!request->authorization.empty() || request->cookie.empty()) return;
  std::optional<Session> session = FindSession(*request);
  if (!session || request->csrf_token != session->csrf) return;
  request->authorization = "Bearer " + session->id_token;
}

std::optional<WebSignIn::Session> WebSignIn::FindSession(
    const HttpRequest& request) {
  std::string id = CookieValue(request.cookie, kSessionCookie);
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= absl::Now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

std::string WebSignIn::Cookie(const std::string& name, const std::string& value,
                              const std::string& path,
                              absl::Duration max_age) const {
  return absl::StrCat(name, "=", value, "; Path=", path,
                      "; Max-Age=", absl::ToInt64Seconds(max_age),
                      "; HttpOnly; SameSite=Lax",
                      options_.secure_cookies ? "; Secure" : "");
}

void WebSignIn::RunExchanges() {
  for (;;) {
    std::function<void()> exchange;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !exchanges_.empty(); });
      if (exchanges_.empty()) return;  // stopping, nothing left
      exchange = std::move(exchanges_.front());
      exchanges_.pop_front();
    }
    exchange();
  }
}

}  // namespace maillage::services::http
