//! The client's protocol without I/O: every operation (login, callback, refresh, logout) is a [`Step`] that a
//! driver advances. The driver asks for the next [`Action`] (fetch this request, navigate there, done with this
//! value), carries it out, and feeds back the [`Answer`]; the core decides everything else. Storage, the clock
//! and randomness are synchronous calls into the driver's [`Env`]; nothing here awaits.
//!
//! The JavaScript driver (`src/js/driver.js`) and the Rust driver (`browser::client`) run the same steps.
//!
//! Beside the operations here: `tabs` (sessions and logouts shared between an app's tabs), `proofs` (DPoP in the
//! steps and the app's own requests) and `signature_check` (`verifySignature`); `tests` drives them natively.

use crate::core::encoding::concat;
use super::authorize::{self, LoginOptions, LoginRandomness, Transaction, TRANSACTION_TTL};
use super::callback::{self, AuthorizationResponse, StoredLogin};
use super::config::{Config, LogoutStyle, TabsMode};
use super::discovery::{CachedDiscovery, Endpoints, ProviderMetadata};
use super::dpop::{self, Nonces, PublicKey};
use super::encoding::{base64url, pieces};
use super::error::{code, Error, Result};
use super::freshness::{self, Freshness};
use super::id_token::{self, Claims, Expected};
use super::json::{members as json_members, FromJson, Json};
use super::keys::Keys;
use super::logout;
use super::secret::{IdToken, RefreshToken};
use super::signature::{self, KeyChoice, Verification};
use super::store::Store;
use super::token::{self, decimal, TokenResponse, TokenSet, Tokens};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// What a driver provides: stores, clock, randomness and JSON, all synchronous.
pub trait Env {
    type Json: Json;
    fn json(&self) -> &Self::Json;
    /// Now, in epoch seconds.
    fn now(&self) -> u64;
    /// Now, in epoch milliseconds: orders the sessions tabs hand each other.
    fn now_ms(&self) -> u64;
    /// Fresh verifier, state and nonce bytes.
    fn random(&self) -> Result<LoginRandomness>;
    /// Logins in progress, used states and the discovery cache (sessionStorage, or its memory fallback).
    fn logins(&self) -> &dyn Store;
    /// Writes a login in progress where it survives leaving the page, or fails with `storage_unavailable`.
    fn keep_login(&self, key: &str, value: &str) -> Result<()>;
    /// The stored token set (an implementation may reuse its parse of unchanged text).
    fn load_tokens(&self) -> Option<Rc<TokenSet>>;
    /// The stored token set's text, as another tab of this app adopts it.
    fn tokens_text(&self) -> Option<String>;
    fn save_tokens(&self, set: &TokenSet) -> Result<()>;
    fn remove_tokens(&self) -> Result<()>;
}

/// A request the driver sends: `GET url` (JSON accepted) without a body, `POST url` form-encoded with one;
/// with an `Authorization` header when `authorization` is set. Its `Debug` shows the method and URL only: the body,
/// the `Authorization` header and the proof carry codes, verifiers and tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    pub body: Option<String>,
    pub authorization: Option<String>,
    /// `dpop: true`: a DPoP proof's signing input (RFC 9449 §4.2); the driver signs it with its key and sends
    /// `input "." BASE64URL(signature)` as the `DPoP` header.
    pub dpop: Option<String>,
    /// The app's own method ([`Client::resource`]); otherwise `GET`, or `POST` with a body.
    pub method: Option<String>,
}

impl HttpRequest {
    fn get(url: String) -> Self {
        HttpRequest { url, body: None, authorization: None, dpop: None, method: None }
    }

    fn post(url: String, body: String) -> Self {
        HttpRequest { body: Some(body), ..HttpRequest::get(url) }
    }

    /// The HTTP method the driver uses.
    pub fn method(&self) -> &str {
        let default = if self.body.is_some() { "POST" } else { "GET" };
        self.method.as_deref().unwrap_or(default)
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest").field("method", &self.method()).field("url", &self.url).finish_non_exhaustive()
    }
}

/// What became of the last request. Its `Debug` leaves out the answer's text (a token response).
pub enum Answer {
    /// The server answered: its status and body text, and its `DPoP-Nonce` and `WWW-Authenticate` headers
    /// (RFC 9449 §8, §9; a driver that does not do DPoP gives `None`).
    Http { status: u16, text: String, nonce: Option<String>, challenge: Option<String> },
    /// No answer: offline, DNS, CORS, or the connection dropped.
    Unreachable,
    /// No answer within `timeoutMs`: the driver aborted the request.
    TimedOut,
    /// The driver's WebCrypto verified (or refused) the signature asked for by [`Action::Verify`].
    Verified(bool),
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Http { status, .. } => f.debug_struct("Http").field("status", status).finish_non_exhaustive(),
            Answer::Unreachable => f.write_str("Unreachable"),
            Answer::TimedOut => f.write_str("TimedOut"),
            Answer::Verified(ok) => f.debug_tuple("Verified").field(ok).finish(),
        }
    }
}

/// What the driver does next. Its `Debug` shows a navigation's URL without its query (a logout's `id_token_hint`)
/// and no signature input (an ID token).
#[derive(PartialEq, Eq)]
pub enum Action {
    Fetch(HttpRequest),
    /// Leave the page (`location.assign`).
    Navigate(String),
    /// Verify an ID token's signature with this key (`verifySignature`); answer with [`Answer::Verified`].
    Verify(Verification),
    Done(Outcome),
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Fetch(request) => f.debug_tuple("Fetch").field(request).finish(),
            Action::Navigate(url) => f.debug_tuple("Navigate").field(&url.split(['?', '#']).next().unwrap_or_default()).finish(),
            Action::Verify(_) => f.write_str("Verify(..)"),
            Action::Done(outcome) => f.debug_tuple("Done").field(outcome).finish(),
        }
    }
}

/// What an operation ends with. Its `Debug` redacts an access token.
#[derive(PartialEq, Eq)]
pub enum Outcome {
    /// `login`: the authorize URL (the login is stored under its state).
    AuthorizeUrl(String),
    /// `callback`: the login's `appState` as JSON text.
    LoggedIn(Option<String>),
    /// `refresh`: the new access token.
    AccessToken(String),
    /// `logout`: done (a navigation may have been asked for before).
    LoggedOut,
    /// `user_info`: the UserInfo claims as JSON text (their `sub` is the ID token's).
    UserInfo(String),
    /// `resource`: the resource server answered (and did not ask for its nonce, or was asked once already);
    /// `refresh`: it was a 401 that a new access token may cure.
    Answered { refresh: bool },
    /// `callback` of a silent check that the provider answered with "log in first" (`login_required` and the
    /// like): not logged in, quietly; the login's `appState`.
    NotLoggedIn(Option<String>),
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::AuthorizeUrl(url) => f.debug_tuple("AuthorizeUrl").field(url).finish(),
            Outcome::LoggedIn(app_state) => f.debug_tuple("LoggedIn").field(app_state).finish(),
            Outcome::AccessToken(_) => f.write_str("AccessToken([redacted])"),
            Outcome::LoggedOut => f.write_str("LoggedOut"),
            Outcome::UserInfo(claims) => f.debug_tuple("UserInfo").field(claims).finish(),
            Outcome::Answered { refresh } => f.debug_struct("Answered").field("refresh", refresh).finish(),
            Outcome::NotLoggedIn(app_state) => f.debug_tuple("NotLoggedIn").field(app_state).finish(),
        }
    }
}

/// The provider's answers to `prompt=none` that mean "not without the user" (OIDC Core §3.1.2.6): a silent check
/// ends quietly with them.
const QUIET_ERRORS: [&str; 4] = ["login_required", "interaction_required", "consent_required", "account_selection_required"];

/// The token endpoint's refusals (RFC 6749 §5.2) that no later attempt of the same refresh can overcome, and
/// Keycloak's `not_allowed` ("Offline tokens not allowed for the user or client": the user lost the
/// `offline_access` role, or the client that scope; keycloak/keycloak#43734), and RFC 8707's `invalid_target` (the
/// login's `resource`, sent with every refresh, is no longer one the server takes).
const REFUSALS: [&str; 8] =
    ["invalid_grant", "invalid_request", "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "not_allowed", "invalid_target"];

/// A `leeway` (seconds) that sets the clock aside: with it an ID token's times (`exp`, `iat`, `nbf`, `auth_time`)
/// pass for about 136 years either way, so a check that still fails did not fail by the clock.
const CLOCK_SET_ASIDE: u64 = u32::MAX as u64;

/// Options of [`Client::logout`].
#[derive(Clone, Debug, Default)]
pub struct LogoutOptions {
    /// Where the server sends the browser after logout (`post_logout_redirect_uri`; Auth0: `returnTo`; Cognito:
    /// `logout_uri`).
    pub return_to: Option<String>,
    /// No redirect to the server: the tokens are forgotten (in every tab with shared tabs) and the refresh token
    /// revoked when possible.
    pub local_only: bool,
    /// More parameters of the server's logout URL (`ui_locales`, `logout_hint`, `state`, Auth0's `federated`);
    /// names the library sets are refused (`invalid_argument`).
    pub logout_params: Vec<(String, String)>,
    /// Leave `id_token_hint` out of the logout URL (RECOMMENDED, not required: RP-Initiated Logout 1.0 §2): for an
    /// ID token too long for the server's URL limit (Entra ID with many groups, Keycloak's 4 KiB request line).
    pub omit_id_token_hint: bool,
}

/// An operation in progress; advance it with [`Client::advance`]. Its `Debug` shows nothing of what it holds (a
/// refresh or access token, a transaction's verifier).
pub struct Step {
    state: State,
    /// Discovery was asked for (its answer is the next one).
    discovering: bool,
    /// The outstanding request: its URL names it in errors; with DPoP it is sent again once with the server's nonce.
    requested: Option<HttpRequest>,
    /// The outstanding request was already sent again with a server's nonce.
    nonce_retried: bool,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step").finish_non_exhaustive()
    }
}

enum State {
    Login(Option<LoginOptions>),
    Callback { response: Option<Box<AuthorizationResponse>>, transaction: Box<Transaction>, sent: bool },
    Refresh { old: Rc<TokenSet>, refresh_token: RefreshToken, sent: bool },
    Logout { set: Option<Rc<TokenSet>>, options: LogoutOptions, endpoints: Option<Option<Rc<Endpoints>>>, revoked: bool, navigated: bool },
    /// `sub`: the stored ID token's when the call began (OIDC Core §5.3.2), the one the answer must name.
    /// `retried`: the one more try after a refusal (`invalid_token`) and a refresh.
    UserInfo { access_token: String, sub: Option<String>, sent: bool, retried: bool },
    /// The app's own request to a resource server with a DPoP token (`fetch`): the driver sends it; `nonce_retry`:
    /// a nonce challenge may be answered once.
    Resource { request: Option<HttpRequest>, nonce_retry: bool },
    /// A silent check that ended with "log in first".
    Quiet(Option<String>),
    /// A signed token whose signature is being checked before what it carries is taken.
    Verifying { checked: Checked, fetched: bool, awaiting: Awaiting },
    Finished,
}

/// What a signature check is for: a token set (its ID token) and what it goes on to once stored, or a signed
/// UserInfo answer's claims.
enum Checked {
    Tokens(Box<TokenSet>, Finish),
    UserInfo { jwt: String, claims: String },
}

impl Checked {
    /// The JWT whose signature is checked: the set's ID token, or the UserInfo answer.
    fn jwt(&self) -> &str {
        match self {
            Checked::Tokens(set, _) => set.id_token.as_ref().map_or("", |t| t.secret()),
            Checked::UserInfo { jwt, .. } => jwt,
        }
    }
}

/// What a token set whose signature verified goes on to.
enum Finish {
    Login(Option<String>),
    Refresh { refresh_token: RefreshToken },
}

/// What a signature check waits for.
#[derive(PartialEq, Eq)]
enum Awaiting {
    Nothing,
    Jwks,
    Signature,
}

impl Step {
    fn new(state: State) -> Step {
        Step { state, discovering: false, requested: None, nonce_retried: false }
    }

    /// The URL of the outstanding request.
    fn requested_url(&self) -> &str {
        self.requested.as_ref().map_or("", |r| r.url.as_str())
    }
}

/// One public client of one authorization server: its configuration, its keys and the driver's environment.
pub struct Client<E: Env> {
    config: Config,
    keys: Keys,
    env: E,
    endpoints: RefCell<Option<Rc<Endpoints>>>,
    /// Bumped by every change of the stored session made here, so a driver knows when to tell its listeners.
    generation: Cell<u32>,
    /// `dpop: true`: the public half of the driver's key, once it gave it.
    dpop_key: RefCell<Option<PublicKey>>,
    /// `dpop: true`: the latest DPoP nonce of each server.
    nonces: RefCell<Nonces>,
}

fn login_required(message: &'static str) -> Error {
    Error::new(code::LOGIN_REQUIRED, message)
}

impl<E: Env> Client<E> {
    pub fn new(config: Config, env: E) -> Self {
        Client {
            keys: Keys::new(&config.client_id, config.audience.as_deref()),
            endpoints: RefCell::new(Endpoints::configured(&config).map(Rc::new)),
            config,
            env,
            generation: Cell::new(0),
            dpop_key: RefCell::new(None),
            nonces: RefCell::new(Nonces::default()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn env(&self) -> &E {
        &self.env
    }

    /// Changes of the session made through this client so far.
    pub fn generation(&self) -> u32 {
        self.generation.get()
    }

    fn changed(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
    }

    // ---- endpoints -------------------------------------------------------------------------------------

    /// Endpoints known without a request: configured, already discovered, or cached in the store.
    pub fn known_endpoints(&self) -> Option<Rc<Endpoints>> {
        if let Some(e) = self.endpoints.borrow().clone() {
            return Some(e);
        }
        let text = self.env.logins().get(&self.keys.discovery()).ok()??;
        let cached = CachedDiscovery::read(self.env.json(), &text)?;
        let endpoints = Rc::new(cached.endpoints_for(&self.config)?.with_options(&self.config).ok()?);
        *self.endpoints.borrow_mut() = Some(endpoints.clone());
        Some(endpoints)
    }

    /// Reads a discovery answer (OIDC Discovery §4): a JSON object naming exactly the configured issuer.
    fn accept_discovery(&self, status: u16, text: &str) -> Result<Rc<Endpoints>> {
        let metadata = ProviderMetadata::read(self.env.json(), text);
        let metadata = match metadata {
            Some(m) if (200..300).contains(&status) => m,
            _ => {
                return Err(Error::server(
                    concat(&["The discovery document at ", &self.config.discovery_url, " could not be read (HTTP ", &decimal(status.into()), if status < 500 {
                        "); metadata published elsewhere goes in the `discoveryUrl` option."
                    } else {
                        ")."
                    }]),
                ))
            }
        };
        let published = Endpoints::discovered(&self.config, metadata)?;
        let endpoints = Rc::new(published.clone().with_options(&self.config)?);
        let cached = CachedDiscovery {
            discovery_url: self.config.discovery_url.clone(),
            issuer: self.config.issuer.clone(),
            endpoints: published,
        };
        if let Some(text) = self.env.json().stringify(&cached) {
            // A cache that cannot be written only costs a request later.
            let _ = self.env.logins().set(&self.keys.discovery(), &text);
        }
        *self.endpoints.borrow_mut() = Some(endpoints.clone());
        Ok(endpoints)
    }

    /// The endpoints, or the discovery request to send first; its answer is read on the next call.
    fn endpoints_for(&self, step: &mut Step, answer: &mut Option<Answer>) -> Result<Option<Rc<Endpoints>>> {
        if let Some(e) = self.known_endpoints() {
            return Ok(Some(e));
        }
        if !step.discovering {
            step.discovering = true;
            return Ok(None);
        }
        step.discovering = false;
        let (status, text) = self.http_answer(answer.take(), "discovery", &self.config.discovery_url)?;
        self.accept_discovery(status, &text).map(Some)
    }

    /// The status and text of an answer to the `step` request sent to `url`: `network_error` naming `url` when
    /// there was none, `timeout` naming the step and the origin when it took longer than `timeoutMs`.
    fn http_answer(&self, answer: Option<Answer>, step: &str, url: &str) -> Result<(u16, String)> {
        match answer {
            Some(Answer::Http { status, text, .. }) => Ok((status, text)),
            Some(Answer::TimedOut) => {
                let origin = super::encoding::origin(url);
                let ms = decimal(self.config.timeout_ms);
                Err(Error::new(
                    code::TIMEOUT,
                    concat(&["The ", step, " request to ", origin, " took longer than ", &ms, " ms (`timeoutMs`); nothing was stored."]),
                ))
            }
            _ => Err(Error::new(
                code::NETWORK_ERROR,
                concat(&["Could not reach ", url, " (offline, DNS, or the server does not allow this origin by CORS)."]),
            )),
        }
    }

    // ---- the session -----------------------------------------------------------------------------------

    /// The stored token set, when its type is this client's (`DPoP` with `dpop: true`, `Bearer` without): a session
    /// stored before the option changed is no session, so a bearer token is never sent as a DPoP one.
    fn stored(&self) -> Option<Rc<TokenSet>> {
        self.env.load_tokens().filter(|s| self.takes(s))
    }

    /// Whether `set` is this client's: issued by its issuer for its audience (another issuer's or API's session under
    /// the same client id is none of its business: its tokens are never sent there), for the `resource` its options
    /// name if they name one (RFC 8707), and of its token type.
    pub(super) fn takes(&self, set: &TokenSet) -> bool {
        let resource = self.config.authorization_params.iter().find(|(n, _)| n == "resource").map(|(_, v)| v);
        set.issuer == self.config.issuer
            && set.audience == self.config.audience
            && resource.is_none_or(|r| set.resource.as_ref() == Some(r))
            && set.token_type.eq_ignore_ascii_case(token::token_type(self.config.dpop))
    }

    /// The `Authorization` header value for `access_token` (RFC 6750 §2.1, RFC 9449 §7.1).
    pub(super) fn authorization(&self, access_token: &str) -> String {
        concat(&[token::token_type(self.config.dpop), " ", access_token])
    }

    /// A stored token set that is not expired, or that can be refreshed.
    pub fn is_authenticated(&self) -> bool {
        freshness::is_authenticated(self.stored().as_deref(), self.env.now())
    }

    /// The current tokens, without the refresh token.
    pub fn tokens(&self) -> Option<Tokens> {
        self.stored().map(|s| s.public())
    }

    /// The validated ID token's claims, as JSON text.
    pub fn user_claims_json(&self) -> Option<String> {
        let set = self.stored()?;
        let id_token = set.id_token.as_ref()?;
        id_token::payload_json(id_token.secret()).ok().map(|(_, payload)| payload)
    }

    /// `getAccessToken`'s decision: the stored access token when it is valid for `min_validity` more seconds,
    /// `None` when a refresh must get one, `login_required` (and an expired session removed) when nothing can.
    pub fn access_token(&self, min_validity: Option<u64>, force_refresh: bool) -> Result<Option<String>> {
        let set = self.stored();
        let now = self.env.now();
        match freshness::assess(set.as_deref(), now, min_validity, force_refresh) {
            Freshness::Valid => Ok(set.map(|s| s.access_token.secret().to_owned())),
            Freshness::Refresh => Ok(None),
            Freshness::LoginRequired => {
                let expired = set.as_ref().is_some_and(|s| s.refresh_token.is_some());
                let asked = set.is_some() && pieces(&self.config.scope, b' ').any(|s| s == "offline_access");
                // Only an expired session is removed; a valid one without a refresh token stays usable.
                if set.is_some_and(|s| s.expires_at <= now) {
                    self.forget_tokens();
                }
                Err(login_required(if expired {
                    "No access token valid for long enough, and the refresh token expired (the lifetime the server gave it: the \
                     provider's session ended): log in again."
                } else if asked {
                    "No access token valid for long enough, and no refresh token: log in again. The login asked for \
                     `offline_access` but the server issued no refresh token (oidc-provider and Logto issue one only with \
                     `prompt=consent`, OIDC Core 11)."
                } else {
                    "No access token valid for long enough, and no refresh token: log in again."
                }))
            }
        }
    }

    /// Whether the stored session is still the one `refresh_token` belongs to (no logout, login or other tab's
    /// refresh meanwhile): the compare-and-set of every write a refresh makes.
    fn holds(&self, refresh_token: &RefreshToken) -> bool {
        self.stored().is_some_and(|s| s.refresh_token.as_ref() == Some(refresh_token))
    }

    /// The refresh token `set` rotated, saved into the session it refreshed (`old`) with nothing else of the answer,
    /// while that session is still the stored one: the server has spent `sent` (RFC 6749 §6), and a server with
    /// reuse detection revokes the whole grant when a spent one comes back (RFC 9700 §4.14.2). Returns the refresh
    /// token the session holds now.
    fn keep_rotated(&self, old: &TokenSet, sent: RefreshToken, set: &TokenSet) -> Result<RefreshToken> {
        match set.refresh_token.as_ref().filter(|t| **t != sent) {
            Some(rotated) if self.holds(&sent) => {
                self.save(&TokenSet { refresh_token: Some(rotated.clone()), refresh_expires_at: set.refresh_expires_at, ..old.clone() })?;
                Ok(rotated.clone())
            }
            _ => Ok(sent),
        }
    }

    fn save(&self, set: &TokenSet) -> Result<()> {
        self.env.save_tokens(set)?;
        // After this tab's last session even when the clock was set back (NTP, a laptop's sleep): the other tabs
        // take only a newer one, and would otherwise send the refresh token this one spent.
        self.set_session_at(self.env.now_ms().max(self.session_at().max(self.logged_out_at()).saturating_add(1)));
        self.changed();
        Ok(())
    }

    fn forget_tokens(&self) {
        let _ = self.env.remove_tokens();
        let _ = self.env.logins().remove(&self.keys.session_at());
        self.changed();
    }

    fn expected<'a>(&'a self, nonce: Option<&'a str>, now: u64) -> Expected<'a> {
        Expected { issuer: &self.config.issuer, client_id: &self.config.client_id, nonce, now, leeway: self.config.leeway }
    }

    /// Reads a token endpoint answer into a token set (nothing is stored here).
    fn token_set(&self, status: u16, text: &str, previous: Option<&TokenSet>) -> Result<TokenSet> {
        let body = TokenResponse::read(self.env.json(), text);
        let response = token::check_response("token endpoint", status, body)?;
        TokenSet::from_response(response, self.env.now(), previous, self.config.dpop).map(|set| set.issued_by(&self.config.issuer, self.config.audience.as_deref()))
    }

    fn claims_of(&self, token: &IdToken) -> Option<Claims> {
        Claims::read(self.env.json(), &id_token::payload_json(token.secret()).ok()?.1)
    }

    // ---- silent checks and popups ------------------------------------------------------------------------

    /// Whether this tab already tried a silent check (`prompt=none`): it tries once per tab session, so an app
    /// that asks on every load never loops.
    pub fn silent_tried(&self) -> bool {
        self.env.logins().get(&self.keys.silent_tried()).ok().flatten().is_some()
    }

    /// A silent check: a login with `prompt=none` (state, nonce and PKCE as always), remembered as tried once its
    /// URL exists (a discovery that failed first leaves the next check free to try).
    pub fn silent_login(&self, mut login: LoginOptions) -> Step {
        login.silent = true;
        self.login(login)
    }

    /// The channel a popup login's answer travels on, when `url` (an authorize URL, or the redirect back) carries
    /// a popup login's state: `spa-auth popup {state}`.
    pub fn popup_channel(&self, url: &str) -> Option<String> {
        // An authorize URL carries its state in the query, whatever the response mode.
        let state = callback::parse_response(url, self.config.response_mode)
            .state
            .or_else(|| callback::parse_response(url, crate::core::config::ResponseMode::Query).state)?;
        state.starts_with(authorize::POPUP_STATE_PREFIX).then(|| concat(&["spa-auth popup ", &state]))
    }

    // ---- operations ------------------------------------------------------------------------------------

    /// A login: verifier, challenge, state and nonce, the login stored under its state (where it survives
    /// leaving the page, or `storage_unavailable`); ends with the authorize URL.
    pub fn login(&self, login: LoginOptions) -> Step {
        Step::new(State::Login(Some(login)))
    }

    /// Whether `url` is an authorization response for this client's response mode.
    pub fn is_callback(&self, url: &str) -> bool {
        callback::is_callback(url, self.config.response_mode)
    }

    /// The address bar after a callback: `url` without the response's parameters; `url` as it is when it is not
    /// this client's callback (neither the `redirectUri` page nor a state of its logins), such as another service's
    /// `?code=…&state=…` that the app handles on a page of its own.
    pub fn scrub_callback_url(&self, url: &str) -> String {
        match self.is_own_callback(url) {
            true => callback::scrub_url(url, self.config.response_mode),
            false => url.to_owned(),
        }
    }

    fn is_own_callback(&self, url: &str) -> bool {
        if callback::same_page(url, &self.config.redirect_uri) {
            return true;
        }
        let Some(state) = callback::parse_response(url, self.config.response_mode).state else { return false };
        let logins = self.env.logins();
        [self.keys.transaction(&state), self.keys.used_state(&state)].iter().any(|key| logins.get(key).is_ok_and(|v| v.is_some()))
    }

    /// `invalid_state` when `dpop: true` and the key `transaction` was bound to is no longer this client's (a logout
    /// here or in another tab removed it).
    fn check_login_key(&self, transaction: &Transaction) -> Result<()> {
        if self.config.dpop && transaction.dpop_jkt != self.dpop_key.borrow().as_ref().map(PublicKey::thumbprint) {
            return Err(Error::new(
                code::INVALID_STATE,
                "This login was bound to a DPoP key that is gone (a logout here or in another tab removed it): log in again.",
            ));
        }
        Ok(())
    }

    /// Completes a login from the redirect back at `url`: the state is checked and spent at once (single use),
    /// the server's own error reported without a request; the code exchange follows.
    pub fn callback(&self, url: &str) -> Result<Step> {
        let response = callback::parse_response(url, self.config.response_mode);
        let Some(state) = response.state.clone() else {
            return Err(match response.error {
                // The server's error (RFC 6749 §4.1.2.1) kept for the app to see, under the code that says it
                // belongs to no login here.
                Some(error) => Error::caused_by(
                    code::INVALID_STATE,
                    concat(&["The authorization server answered ", &error, " without a `state`, so it belongs to no login here."]),
                    &Error::oauth(error, response.error_description),
                ),
                None => Error::new(code::INVALID_STATE, "The URL carries no `state`: it is not an authorization response."),
            });
        };
        let now = self.env.now();
        // An unknown, spent or expired state keeps its code, and the server's own error (the user cancelled at a
        // provider page left open too long: RFC 6749 §4.1.2.1) goes with it for the app to see.
        let checked = self.take_login(&state, now).and_then(|login| callback::check_state(login, &self.config.issuer, now));
        let transaction = checked.map_err(|e| e.with_server_error(response.error.clone(), response.error_description.clone()))?;
        let quiet = response.error.as_deref().is_some_and(|e| QUIET_ERRORS.contains(&e));
        if transaction.silent && quiet && !response.repeated && response.iss.as_deref().is_none_or(|iss| iss == self.config.issuer) {
            return Ok(Step::new(State::Quiet(transaction.app_state)));
        }
        if response.error.is_some() {
            // The server's own error needs no endpoints: report it even when discovery would fail.
            return Err(callback::check_response(response, &self.config.issuer, false)
                .err()
                .unwrap_or_else(|| Error::server("The callback carries an error.")));
        }
        Ok(Step::new(State::Callback { response: Some(Box::new(response)), transaction, sent: false }))
    }

    /// A refresh (RFC 6749 §6) of the stored session; ends with the new access token. Drivers run at most one
    /// at a time per token key and share its result.
    pub fn refresh(&self) -> Result<Step> {
        let Some(old) = self.stored() else { return Err(login_required("Not logged in.")) };
        let Some(refresh_token) = old.refresh_token.clone() else {
            return Err(login_required("The session has no refresh token: log in again."));
        };
        Ok(Step::new(State::Refresh { old, refresh_token, sent: false }))
    }

    /// Forgets this client's tokens and logins in progress at once, then revokes the refresh token when a
    /// revocation endpoint is known (a failure does not stop the logout) and, unless `local_only`, navigates to
    /// the server's logout.
    pub fn logout(&self, mut options: LogoutOptions) -> Result<Step> {
        logout::check_params(&options.logout_params)?;
        logout::check_return_to(options.return_to.as_deref())?;
        if options.return_to.is_none() {
            options.return_to.clone_from(&self.config.post_logout_redirect_uri);
        }
        let set = self.stored();
        self.env.remove_tokens()?;
        // After the last logout and the session it ends, also when the clock was set back since: every tab orders it so.
        let ended = set.as_ref().and_then(|s| s.login_at).unwrap_or(0).max(self.session_at()).max(self.logged_out_at());
        self.env.logins().remove(&self.keys.session_at())?;
        self.set_logged_out_at(self.env.now_ms().max(ended.saturating_add(1)));
        let logins = self.env.logins();
        for key in logins.keys(self.keys.prefix())? {
            if self.keys.is_login_record(&key) {
                logins.remove(&key)?;
            }
        }
        if set.is_some() {
            self.changed(); // a logout that found no session changes nothing the listeners know of
        }
        Ok(Step::new(State::Logout { set, options, endpoints: None, revoked: false, navigated: false }))
    }

    /// The next action of `step`, given the answer to the last `Fetch` it asked for.
    pub fn advance(&self, step: &mut Step, answer: Option<Answer>) -> Result<Action> {
        let retry = self.nonce_retry(step, &answer);
        if retry.is_err() {
            step.state = State::Finished;
        }
        if let Some(request) = retry? {
            return self.send(step, request, true);
        }
        let result = match self.advance_inner(step, answer) {
            Ok(Action::Fetch(request)) => self.send(step, request, false),
            other => other,
        };
        if !matches!(result, Ok(Action::Fetch(_)) | Ok(Action::Navigate(_)) | Ok(Action::Verify(_))) {
            step.state = State::Finished;
        }
        result
    }

    fn advance_inner(&self, step: &mut Step, mut answer: Option<Answer>) -> Result<Action> {
        let discovery = || Action::Fetch(HttpRequest::get(self.config.discovery_url.clone()));
        match std::mem::replace(&mut step.state, State::Finished) {
            State::Finished => Err(Error::new(code::INVALID_STATE, "This operation already ended.")),
            State::Login(login) => {
                // A login's own parameters are refused before discovery, which a mistake in them would not need.
                if let Some(login) = &login {
                    authorize::check_login_params(&self.config, &login.authorization_params)?;
                }
                let Some(endpoints) = self.endpoints_for(step, &mut answer)? else {
                    step.state = State::Login(login);
                    return Ok(discovery());
                };
                let url = self.start_login(&endpoints, login.unwrap_or_default())?;
                Ok(Action::Done(Outcome::AuthorizeUrl(url)))
            }
            State::Callback { response, transaction, sent: false } => {
                let Some(endpoints) = self.endpoints_for(step, &mut answer)? else {
                    step.state = State::Callback { response, transaction, sent: false };
                    return Ok(discovery());
                };
                let response = response.map_or_else(Default::default, |r| *r);
                let code = callback::check_response(response, &self.config.issuer, endpoints.iss_parameter_supported)?;
                // The server would refuse the code (RFC 9449 §10); say why instead.
                self.check_login_key(&transaction)?;
                let body = token::code_grant_body(&code, &transaction, &self.config.client_id);
                step.state = State::Callback { response: None, transaction, sent: true };
                Ok(Action::Fetch(HttpRequest::post(endpoints.token.clone(), body)))
            }
            State::Callback { transaction, sent: true, .. } => {
                let (status, text) = self.http_answer(answer, "token", step.requested_url())?;
                // A logout while the code was being redeemed removed the key the tokens are bound to: no proof could
                // use them, so they are not kept.
                self.check_login_key(&transaction)?;
                let mut set = self.token_set(status, &text, None)?;
                if set.scope.is_none() {
                    // Left out: as asked (RFC 6749 §5.1).
                    set.scope = Some(transaction.scope.clone().unwrap_or_else(|| self.config.scope.clone()));
                }
                set.resource = transaction.resource.clone();
                let nonce = transaction.nonce.as_ref().map(|n| n.secret());
                let now = self.env.now();
                let claims = id_token::verify_code_exchange(set.id_token.as_ref(), &self.expected(nonce, now), self.env.json())?;
                if let Some(organization) = &transaction.organization {
                    id_token::check_organization(claims.as_ref(), organization)?;
                }
                if let Some(claims) = claims {
                    if let Some(max_age) = transaction.max_age {
                        id_token::check_max_age(&claims, max_age, now, self.config.leeway)?;
                    }
                    set.login_nonce = claims.nonce;
                    set.auth_time = claims.auth_time.map(|t| t as u64);
                }
                let finish = Finish::Login(transaction.app_state);
                if self.config.verify_signature && set.id_token.is_some() {
                    return self.check_signature(step, Checked::Tokens(Box::new(set), finish), false, Awaiting::Nothing, None);
                }
                self.finish(set, finish)
            }
            State::Refresh { old, refresh_token, sent: false } => {
                let Some(endpoints) = self.endpoints_for(step, &mut answer)? else {
                    step.state = State::Refresh { old, refresh_token, sent: false };
                    return Ok(discovery());
                };
                let body = token::refresh_grant_body(&refresh_token, &self.config.client_id, old.scope.as_deref(), old.resource.as_deref());
                step.state = State::Refresh { old, refresh_token, sent: true };
                Ok(Action::Fetch(HttpRequest::post(endpoints.token.clone(), body)))
            }
            State::Refresh { old, refresh_token, sent: true } => {
                let (status, text) = self.http_answer(answer, "refresh", step.requested_url())?;
                if old.scope.is_some() && token::answer_names_error(self.env.json(), &text, "invalid_scope") {
                    // A server that granted less than asked without saying so (ZITADEL drops scopes it does not know
                    // and names none in its answer, which RFC 6749 §5.1 reads as "as asked") refuses that scope on
                    // refresh: once more without `scope`, which asks for the original grant (§6); a second refusal
                    // ends the session as any other.
                    let old = Rc::new(TokenSet { scope: None, ..(*old).clone() });
                    let body = token::refresh_grant_body(&refresh_token, &self.config.client_id, None, old.resource.as_deref());
                    let url = step.requested_url().to_owned();
                    step.state = State::Refresh { old, refresh_token, sent: true };
                    return Ok(Action::Fetch(HttpRequest::post(url, body)));
                }
                let set = match self.refreshed(&old, &refresh_token, status, &text)? {
                    Ok(set) => set,
                    Err(token) => return Ok(Action::Done(Outcome::AccessToken(token))),
                };
                if self.config.verify_signature && set.id_token.is_some() && set.id_token != old.id_token {
                    // Kept before the signature check, which may fail for a moment (the JWK Set unreachable).
                    let refresh_token = self.keep_rotated(&old, refresh_token, &set)?;
                    return self.check_signature(step, Checked::Tokens(Box::new(set), Finish::Refresh { refresh_token }), false, Awaiting::Nothing, None);
                }
                self.finish(set, Finish::Refresh { refresh_token })
            }
            State::Verifying { checked, fetched, awaiting } => self.check_signature(step, checked, fetched, awaiting, answer),
            State::Logout { set, options, endpoints: None, .. } => {
                // Discovery is needed only for the end-session endpoint; its failure costs the revocation and
                // the redirect, not the logout.
                // A refresh token is revoked also by a `localOnly` or Auth0 logout, in a tab that took the session
                // from another and never discovered (RFC 7009 §1).
                let revocable = set.as_ref().is_some_and(|s| s.refresh_token.is_some()) && self.config.revocation_endpoint.is_none();
                let wants_discovery = revocable || (!options.local_only && self.config.logout_style != LogoutStyle::Auth0);
                let endpoints = if wants_discovery {
                    match self.endpoints_for(step, &mut answer) {
                        Ok(None) => {
                            step.state = State::Logout { set, options, endpoints: None, revoked: false, navigated: false };
                            return Ok(discovery());
                        }
                        Ok(found) => found,
                        Err(_) => None,
                    }
                } else {
                    self.known_endpoints()
                };
                self.logout_next(step, set, options, endpoints, false, false)
            }
            State::Logout { set, options, endpoints: Some(endpoints), revoked, navigated } => {
                // The revocation's answer, whatever it is, changes nothing.
                self.logout_next(step, set, options, endpoints, revoked, navigated)
            }
            State::UserInfo { access_token, sub, sent: false, retried } => {
                let Some(endpoints) = self.endpoints_for(step, &mut answer)? else {
                    step.state = State::UserInfo { access_token, sub, sent: false, retried };
                    return Ok(discovery());
                };
                let Some(url) = endpoints.userinfo.clone() else {
                    return Err(Error::invalid_config(
                        "The provider's metadata names no userinfo_endpoint: give the `userinfoEndpoint` option.",
                    ));
                };
                let authorization = Some(self.authorization(&access_token));
                step.state = State::UserInfo { access_token, sub, sent: true, retried };
                Ok(Action::Fetch(HttpRequest { authorization, ..HttpRequest::get(url) }))
            }
            State::Quiet(app_state) => Ok(Action::Done(Outcome::NotLoggedIn(app_state))),
            State::Resource { request: Some(request), nonce_retry } => {
                step.state = State::Resource { request: None, nonce_retry };
                Ok(Action::Fetch(request))
            }
            State::Resource { request: None, .. } => {
                // A 401 that a new access token may cure: not one about the proof or the nonce (RFC 9449 §7.1, §9).
                let refresh = match &answer {
                    Some(Answer::Http { status: 401, challenge, .. }) => {
                        !challenge.as_deref().is_some_and(dpop::challenge_is_about_proof)
                    }
                    _ => false,
                };
                Ok(Action::Done(Outcome::Answered { refresh }))
            }
            State::UserInfo { sub: expected, sent: true, retried, .. } => {
                let challenge = match &answer {
                    Some(Answer::Http { challenge, .. }) => challenge.clone(),
                    _ => None,
                };
                let (status, text) = self.http_answer(answer, "UserInfo", step.requested_url())?;
                let (claims, jwt) = self.check_user_info(status, text, challenge.as_deref(), expected, retried)?;
                match jwt.filter(|_| self.config.verify_signature) {
                    Some(jwt) => self.check_signature(step, Checked::UserInfo { jwt, claims }, false, Awaiting::Nothing, None),
                    None => Ok(Action::Done(Outcome::UserInfo(claims))),
                }
            }
        }
    }

    fn logout_next(
        &self,
        step: &mut Step,
        set: Option<Rc<TokenSet>>,
        options: LogoutOptions,
        endpoints: Option<Rc<Endpoints>>,
        revoked: bool,
        navigated: bool,
    ) -> Result<Action> {
        let refresh_token = set.as_ref().and_then(|s| s.refresh_token.clone());
        // With `dpop: true` the revocation needs a proof: without the key (IndexedDB failed) it is skipped, the
        // logout goes on.
        let provable = !self.config.dpop || self.dpop_key.borrow().is_some();
        // Without discovered endpoints (discovery failed, or was not needed), the configured ones still serve.
        let revocation = endpoints.as_ref().map_or(self.config.revocation_endpoint.clone(), |e| e.revocation.clone()).filter(|_| provable);
        if let (false, Some(refresh_token), Some(url)) = (revoked, refresh_token, revocation) {
            let body = token::revocation_body(&refresh_token, &self.config.client_id);
            step.state = State::Logout { set, options, endpoints: Some(endpoints), revoked: true, navigated };
            return Ok(Action::Fetch(HttpRequest::post(url, body)));
        }
        if options.local_only || navigated {
            return Ok(Action::Done(Outcome::LoggedOut));
        }
        let return_to = options.return_to.as_deref();
        let style = self.config.logout_style;
        let endpoint = match style {
            LogoutStyle::Auth0 => Some(&self.config.issuer),
            // Cognito's /logout shows an error page without a `logout_uri`: the logout stays local then.
            LogoutStyle::Cognito if return_to.is_none() => None,
            _ => endpoints.as_ref().map_or(self.config.end_session_endpoint.as_ref(), |e| e.end_session.as_ref()),
        };
        let id_token = set.as_ref().and_then(|s| s.id_token.as_ref()).filter(|_| !options.omit_id_token_hint);
        let target = endpoint.map(|endpoint| logout::logout_url(style, endpoint, id_token, &self.config.client_id, return_to, &options.logout_params));
        // No end-session endpoint known (Google's discovery has none; or discovery failed): the provider's session
        // stays, this app's is over, and the browser still goes where the app asked, when that is a page of the app's
        // own origin (the redirect URI's): no provider checks it here, so nothing else is navigated to.
        let own_page = |url: &&String| super::encoding::origin(url).eq_ignore_ascii_case(super::encoding::origin(&self.config.redirect_uri));
        match target.or_else(|| options.return_to.as_ref().filter(own_page).cloned()) {
            Some(url) => {
                step.state = State::Logout { set, options, endpoints: Some(endpoints), revoked: true, navigated: true };
                Ok(Action::Navigate(url))
            }
            None => Ok(Action::Done(Outcome::LoggedOut)),
        }
    }

    /// Reads a UserInfo answer (OIDC Core §5.3.2, §5.3.4): a JSON object whose `sub` is `expected`, the ID token's.
    /// The claims, and the JWT they came in when the answer was signed (its signature checked by the caller with
    /// `verifySignature`, OIDC Core §5.3.4).
    fn check_user_info(&self, status: u16, text: String, challenge: Option<&str>, expected: Option<String>, retried: bool) -> Result<(String, Option<String>)> {
        if !(200..300).contains(&status) {
            // The server's own error (RFC 6750 §3: in the challenge, or as a JSON body), e.g. `invalid_token`.
            let body = TokenResponse::read(self.env.json(), &text).and_then(|b| Some((b.error?, b.error_description)));
            let named = body.or_else(|| Some((dpop::challenge_error(challenge?)?.to_owned(), None))).filter(|(error, _)| !error.is_empty());
            let server = named.map(|(error, description)| Error::oauth(error, description));
            // About the DPoP proof, not the token (RFC 9449 §7.1; Keycloak's `invalid_request` "DPoP proof …"), as
            // the body or any challenge says: no refresh cures that.
            let about_proof = server.as_ref().is_some_and(|e| e.refuses_dpop_proof() || e.code() == "use_dpop_nonce")
                || challenge.is_some_and(dpop::challenge_is_about_proof);
            if status == 401 && !retried && !about_proof {
                // The token was sent, so a 401 refuses it (RFC 6750 §3.1), whatever its error says (Keycloak's
                // `invalid_request` "User session not found" once the session ended elsewhere) or where it cannot be
                // read (a challenge hidden from a cross-origin page, Entra's error object): `invalid_token`, with the
                // server's words kept, for one refresh and one more try, whose own 401 is the server's failure.
                const REFUSED: &str = "The UserInfo endpoint refused the access token (HTTP 401).";
                return Err(match &server {
                    Some(cause) => Error::caused_by("invalid_token", REFUSED, cause),
                    None => Error::new("invalid_token", REFUSED),
                });
            }
            if let Some(cause) = server {
                return Err(token::server_failure("UserInfo endpoint", status, cause));
            }
            let status = decimal(status.into());
            return Err(Error::server(concat(&["The UserInfo endpoint answered HTTP ", &status, "."])));
        }
        // JSON, or a signed JWT (application/jwt) whose claims are read after its `iss` and `aud` are checked.
        let signed = || id_token::signed_user_info(text.trim_ascii(), &self.config.issuer, &self.config.client_id, self.env.json());
        let (text, jwt) = match json_members(self.env.json(), &text, &["sub"]) {
            Some(_) => (text, None),
            None => match signed() {
                Some(claims) => (claims?, Some(text.trim_ascii().to_owned())),
                None => {
                    return Err(Error::server(
                        "The UserInfo answer is neither JSON nor a signed JWT (encrypted UserInfo is not supported).",
                    ))
                }
            },
        };
        let Some([sub]) = json_members(self.env.json(), &text, &["sub"]) else {
            return Err(Error::server("Signed UserInfo: its payload is not a JSON object."));
        };
        let missing = matches!(sub, crate::core::json::Member::Missing | crate::core::json::Member::Null);
        match (sub.text().flatten(), expected) {
            (Some(sub), Some(expected)) if sub == expected => Ok((text, jwt)),
            (Some(_), None) => Err(Error::id_token("The session has no ID token to check the UserInfo `sub` against (OIDC Core 5.3.2).")),
            (Some(_), Some(_)) => Err(Error::id_token("The UserInfo `sub` is not the ID token's (OIDC Core 5.3.2): the answer is refused.")),
            (None, _) if missing => Err(Error::id_token("The UserInfo answer has no `sub` (OIDC Core 5.3.2).")),
            (None, _) => Err(Error::id_token("The UserInfo `sub` is not a string (OIDC Core 5.3.2).")),
        }
    }

    /// The UserInfo claims for `access_token` (OIDC Core §5.3), checked against the ID token's `sub`; `retried`:
    /// the one more try after an `invalid_token` refusal and a refresh.
    pub fn user_info(&self, access_token: String, retried: bool) -> Step {
        let sub = self.stored().and_then(|s| s.id_token.as_ref().and_then(|t| self.claims_of(t))).map(|c| c.sub);
        Step::new(State::UserInfo { access_token, sub, sent: false, retried })
    }

    /// Builds the authorize URL and stores the login under its state.
    fn start_login(&self, endpoints: &Endpoints, mut login: LoginOptions) -> Result<String> {
        if self.config.dpop {
            // RFC 9449 §10: the code is bound to the key, so only this key's holder can redeem it.
            let key = self.dpop_key.borrow();
            let Some(key) = key.as_ref() else {
                return Err(Error::invalid_config("`dpop: true`, but the driver gave no DPoP key before the login."));
            };
            login.dpop_jkt = Some(key.thumbprint());
        }
        let now = self.env.now();
        let silent = login.silent;
        let request = authorize::authorization_request(&self.config, &endpoints.authorization, login, &self.env.random()?, now)?;
        self.forget_old_logins(now)?;
        let text = self.env.json().stringify(&request.transaction).ok_or_else(|| Error::invalid_config("appState must be JSON."))?;
        // A silent check is tried once per tab session: remembered where it survives the navigation (not in the
        // memory fallback of a full sessionStorage, which would let every page load try again), or not started.
        if silent {
            self.env.keep_login(&self.keys.silent_tried(), "1")?;
        }
        // A login that could not be found on the way back is refused here, before the page is left (and a silent
        // check that did not start stays free to try).
        if let Err(e) = self.env.keep_login(&self.keys.transaction(request.state.secret()), &text) {
            if silent {
                let _ = self.env.logins().remove(&self.keys.silent_tried());
            }
            return Err(e);
        }
        Ok(request.url)
    }

    /// Removes logins in progress and used-state records older than the transaction lifetime.
    fn forget_old_logins(&self, now: u64) -> Result<()> {
        let logins = self.env.logins();
        for key in logins.keys(self.keys.prefix())? {
            if !self.keys.is_login_record(&key) {
                continue;
            }
            let value = logins.get(&key)?.unwrap_or_default();
            let stale = if self.keys.is_transaction(&key) {
                Transaction::read(self.env.json(), &value).is_none_or(|t| t.expired(now))
            } else {
                value.parse::<u64>().map_or(true, |until| until < now)
            };
            if stale {
                logins.remove(&key)?;
            }
        }
        Ok(())
    }

    /// Takes the login stored under `state` out of the store (single use: it is deleted and the state remembered
    /// as used before anything else happens).
    fn take_login(&self, state: &str, now: u64) -> Result<StoredLogin> {
        let logins = self.env.logins();
        let key = self.keys.transaction(state);
        if let Some(text) = logins.get(&key)? {
            let transaction = Transaction::read(self.env.json(), &text);
            if transaction.as_ref().is_some_and(|t| t.audience != self.config.audience) {
                // Started by the client for another audience (same client id): left for it to redeem.
                return Err(Error::new(code::INVALID_STATE, "This callback's login is another `audience`'s client's: handle it with that one."));
            }
            logins.remove(&key)?;
            logins.set(&self.keys.used_state(state), &decimal(now + TRANSACTION_TTL))?;
            return Ok(transaction.map_or(StoredLogin::Unknown, |t| StoredLogin::Pending(Box::new(t))));
        }
        if logins.get(&self.keys.used_state(state))?.is_some() {
            return Ok(StoredLogin::Used);
        }
        let pending = logins.keys(self.keys.prefix())?.iter().any(|k| self.keys.is_transaction(k));
        Ok(if pending { StoredLogin::Unknown } else { StoredLogin::NoneStarted })
    }

    /// Reads a refresh answer into the token set to store (`Ok`), or, when another client refreshed meanwhile, its
    /// access token (`Err`).
    fn refreshed(&self, old: &TokenSet, refresh_token: &RefreshToken, status: u16, text: &str) -> Result<std::result::Result<TokenSet, String>> {
        let set = match self.token_set(status, text, Some(old)) {
            Ok(set) => set,
            // A refused refresh token, one the server will only honour after the user acts (Entra's MFA and
            // Conditional Access answer `interaction_required`), or any other RFC 6749 §5.2 refusal (a revoked
            // consent is Keycloak's `invalid_scope`): that refresh can never succeed, so the session cannot go on
            // without a login. Errors that may pass (any 5xx, which is `server_error`; a DPoP proof's) keep it.
            Err(e) if (REFUSALS.contains(&e.code()) && !e.refuses_dpop_proof()) || QUIET_ERRORS.contains(&e.code()) => {
                if self.holds(refresh_token) {
                    self.forget_tokens();
                } else if let Some(current) = self.stored().filter(|s| s.expires_at > self.env.now()) {
                    // Another client refreshed (or logged in) meanwhile: its tokens are the answer.
                    return Ok(Err(current.access_token.secret().to_owned()));
                }
                return Err(Error::caused_by(code::LOGIN_REQUIRED, "The server refused the refresh (its `error` says why): log in again.", &e));
            }
            Err(e) => return Err(e),
        };
        let mut set = set;
        if set.id_token != old.id_token {
            if let Some(new_id) = &set.id_token {
                let claims = match self.check_refreshed(old, new_id, self.config.leeway) {
                    Ok(claims) => claims,
                    Err(e) => {
                        // Refused by the clock alone (`exp`, `iat`, `nbf` or `auth_time` beyond `leeway`: the
                        // device's clock or a server node's is off): the answer is still this session's, so the
                        // refresh token it rotated is kept, and the next refresh does not send a spent one. An
                        // answer for another user, client or login takes nothing.
                        if self.check_refreshed(old, new_id, CLOCK_SET_ASIDE).is_ok() {
                            // A store that cannot keep it does not hide the refusal.
                            let _ = self.keep_rotated(old, refresh_token.clone(), &set);
                        }
                        return Err(e);
                    }
                };
                set.login_nonce = claims.nonce;
                set.auth_time = claims.auth_time.map(|t| t as u64).or(set.auth_time);
            }
        }
        Ok(Ok(set))
    }

    /// The claims to keep with the session after a refresh of `old` brought the ID token `new_id`, checked with
    /// `leeway` (OIDC Core §12.2): the original login's, with a later `auth_time` taken.
    fn check_refreshed(&self, old: &TokenSet, new_id: &IdToken, leeway: u64) -> Result<Claims> {
        let expected = Expected { leeway, ..self.expected(None, self.env.now()) };
        match old.id_token.as_ref().and_then(|t| self.claims_of(t)) {
            Some(mut original) => {
                // The original authentication's `nonce` and `auth_time`, also where the last refreshed ID token left
                // them out (OIDC Core §12.2).
                original.nonce = old.login_nonce.clone().or(original.nonce);
                original.auth_time = old.auth_time.map(|t| t as f64).or(original.auth_time);
                let refreshed = id_token::verify_refreshed(new_id, &original, &expected, self.env.json())?;
                // A later authentication in the provider's session (never an earlier one) is the one to compare the
                // next refresh with.
                original.auth_time = refreshed.auth_time.or(original.auth_time);
                Ok(original)
            }
            None => id_token::verify(new_id, &expected, self.env.json()),
        }
    }

    /// Stores a token set that passed every check and ends the operation. A refresh's result is stored only if the
    /// session was not changed meanwhile.
    fn finish(&self, set: TokenSet, finish: Finish) -> Result<Action> {
        match finish {
            Finish::Login(app_state) => {
                // After the last logout known here, also when the clock was set back since: the tabs take it.
                let set = TokenSet { login_at: Some(self.env.now_ms().max(self.logged_out_at().saturating_add(1))), ..set };
                self.save(&set)?;
                Ok(Action::Done(Outcome::LoggedIn(app_state)))
            }
            Finish::Refresh { refresh_token } => {
                if !self.holds(&refresh_token) {
                    // Another tab logged in (or refreshed) meanwhile: its session stays, and answers; after a logout
                    // there is none.
                    if let Some(current) = self.stored().filter(|s| s.expires_at > self.env.now()) {
                        return Ok(Action::Done(Outcome::AccessToken(current.access_token.secret().to_owned())));
                    }
                    return Err(login_required("The session changed while refreshing (logout or a new login)."));
                }
                self.save(&set)?;
                Ok(Action::Done(Outcome::AccessToken(set.access_token.secret().to_owned())))
            }
        }
    }

}

mod proofs;
mod signature_check;
mod tabs;
pub use tabs::{Heard, TabMessage};
#[cfg(test)]
mod tests;
