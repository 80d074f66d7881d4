//! The client's protocol without I/O: every operation (login, callback, refresh, logout) is a [`Step`] that a
//! driver advances. The driver asks for the next [`Action`] (fetch this request, navigate there, done with this
//! value), carries it out, and feeds back the [`Answer`]; the core decides everything else. Storage, the clock
//! and randomness are synchronous calls into the driver's [`Env`]; nothing here awaits.
//!
//! The JavaScript driver (`src/js/driver.js`) and the Rust driver (`browser::client`) run the same steps.

use super::authorize::{self, LoginOptions, LoginRandomness, Transaction, TRANSACTION_TTL};
use super::callback::{self, AuthorizationResponse, StoredLogin};
use super::config::{Config, LogoutStyle, TabsMode};
use super::discovery::{CachedDiscovery, Endpoints, ProviderMetadata};
use super::dpop::{self, Nonces, PublicKey};
use super::encoding::base64url;
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
/// with an `Authorization` header when `authorization` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// What became of the last request.
#[derive(Debug)]
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

/// What the driver does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Fetch(HttpRequest),
    /// Leave the page (`location.assign`).
    Navigate(String),
    /// Verify an ID token's signature with this key (`verifySignature`); answer with [`Answer::Verified`].
    Verify(Verification),
    Done(Outcome),
}

/// What an operation ends with.
#[derive(Debug, PartialEq, Eq)]
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

/// The provider's answers to `prompt=none` that mean "not without the user" (OIDC Core §3.1.2.6): a silent check
/// ends quietly with them.
const QUIET_ERRORS: [&str; 4] = ["login_required", "interaction_required", "consent_required", "account_selection_required"];

/// Options of [`Client::logout`].
#[derive(Clone, Debug, Default)]
pub struct LogoutOptions {
    /// Where the server sends the browser after logout (`post_logout_redirect_uri` / `returnTo`).
    pub return_to: Option<String>,
    /// Only forget the tokens here; no redirect to the server.
    pub local_only: bool,
}

/// An operation in progress; advance it with [`Client::advance`].
#[derive(Debug)]
pub struct Step {
    state: State,
    /// Discovery was asked for (its answer is the next one).
    discovering: bool,
    /// The outstanding request: its URL names it in errors; with DPoP it is sent again once with the server's nonce.
    requested: Option<HttpRequest>,
    /// The outstanding request was already sent again with a server's nonce.
    nonce_retried: bool,
}

#[derive(Debug)]
enum State {
    Login(Option<LoginOptions>),
    Callback { response: Option<AuthorizationResponse>, transaction: Transaction, sent: bool },
    Refresh { old: Rc<TokenSet>, refresh_token: RefreshToken, sent: bool },
    Logout { set: Option<Rc<TokenSet>>, options: LogoutOptions, endpoints: Option<Option<Endpoints>>, revoked: bool, navigated: bool },
    UserInfo { access_token: String, sent: bool },
    /// The app's own request to a resource server with a DPoP token (`fetch`): the driver sends it; `nonce_retry`:
    /// a nonce challenge may be answered once.
    Resource { request: Option<HttpRequest>, nonce_retry: bool },
    /// A silent check that ended with "log in first".
    Quiet(Option<String>),
    /// A token set whose ID token's signature is being checked before it is stored.
    Verifying { set: TokenSet, finish: Finish, fetched: bool, awaiting: Awaiting },
    Finished,
}

/// What a token set whose signature verified goes on to.
#[derive(Debug)]
enum Finish {
    Login(Option<String>),
    Refresh { refresh_token: RefreshToken },
}

/// What a signature check waits for.
#[derive(Debug, PartialEq, Eq)]
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
    endpoints: RefCell<Option<Endpoints>>,
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
            keys: Keys::new(&config.client_id),
            endpoints: RefCell::new(Endpoints::configured(&config)),
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
    pub fn known_endpoints(&self) -> Option<Endpoints> {
        if let Some(e) = self.endpoints.borrow().clone() {
            return Some(e);
        }
        let text = self.env.logins().get(&self.keys.discovery()).ok()??;
        let cached = CachedDiscovery::read(self.env.json(), &text)?;
        let endpoints = cached.endpoints_for(&self.config)?;
        *self.endpoints.borrow_mut() = Some(endpoints.clone());
        Some(endpoints)
    }

    /// Reads a discovery answer (OIDC Discovery §4): a JSON object naming exactly the configured issuer.
    fn accept_discovery(&self, status: u16, text: &str) -> Result<Endpoints> {
        let metadata = ProviderMetadata::read(self.env.json(), text);
        let metadata = match metadata {
            Some(m) if (200..300).contains(&status) => m,
            _ => {
                return Err(Error::server(
                    ["The discovery document at ", &self.config.discovery_url, " could not be read (HTTP ", &decimal(status.into()), ")."]
                        .concat(),
                ))
            }
        };
        let endpoints = Endpoints::discovered(&self.config, metadata)?;
        let cached = CachedDiscovery {
            discovery_url: self.config.discovery_url.clone(),
            issuer: self.config.issuer.clone(),
            endpoints: endpoints.clone(),
        };
        if let Some(text) = self.env.json().stringify(&cached) {
            // A cache that cannot be written only costs a request later.
            let _ = self.env.logins().set(&self.keys.discovery(), &text);
        }
        *self.endpoints.borrow_mut() = Some(endpoints.clone());
        Ok(endpoints)
    }

    /// The endpoints, or the discovery request to send first; its answer is read on the next call.
    fn endpoints_for(&self, step: &mut Step, answer: &mut Option<Answer>) -> Result<Option<Endpoints>> {
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
                    ["The ", step, " request to ", origin, " took longer than ", &ms, " ms (`timeoutMs`); nothing was stored."].concat(),
                ))
            }
            _ => Err(Error::new(
                code::NETWORK_ERROR,
                ["Could not reach ", url, " (offline, DNS, or the server does not allow this origin by CORS)."].concat(),
            )),
        }
    }

    // ---- the session -----------------------------------------------------------------------------------

    /// The stored token set, when its type is this client's (`DPoP` with `dpop: true`, `Bearer` without): a session
    /// stored before the option changed is no session, so a bearer token is never sent as a DPoP one.
    fn stored(&self) -> Option<Rc<TokenSet>> {
        let expected = if self.config.dpop { "DPoP" } else { "Bearer" };
        self.env.load_tokens().filter(|s| s.token_type.eq_ignore_ascii_case(expected))
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
                // Only an expired session is removed; a valid one without a refresh token stays usable.
                if set.is_some_and(|s| s.expires_at <= now) {
                    self.forget_tokens();
                }
                Err(login_required("No access token valid for long enough, and no refresh token: log in again."))
            }
        }
    }

    fn save(&self, set: &TokenSet) -> Result<()> {
        self.env.save_tokens(set)?;
        self.set_session_at(self.env.now_ms());
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
        TokenSet::from_response(response, self.env.now(), previous, self.config.dpop)
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

    /// A silent check: a login with `prompt=none` (state, nonce and PKCE as always), remembered as tried.
    pub fn silent_login(&self, mut login: LoginOptions) -> Step {
        login.silent = true;
        let _ = self.env.logins().set(&self.keys.silent_tried(), "1");
        self.login(login)
    }

    /// The channel a popup login's answer travels on, when `url` (an authorize URL, or the redirect back) carries
    /// a popup login's state: `spa-auth popup {state}`.
    pub fn popup_channel(&self, url: &str) -> Option<String> {
        let state = callback::parse_response(url, self.config.response_mode).state.or_else(|| {
            let query = url.split('#').next().unwrap_or_default().split_once('?').map_or("", |(_, q)| q);
            super::encoding::parse_params(query).into_iter().find(|(n, _)| n == "state").map(|(_, v)| v)
        })?;
        state.starts_with(authorize::POPUP_STATE_PREFIX).then(|| ["spa-auth popup ", &state].concat())
    }

    // ---- tabs ------------------------------------------------------------------------------------------

    /// The name of the channel (and Web Lock) the tabs of this app share: issuer and client id; `None` when
    /// tabs are isolated or tokens live in memory.
    pub fn tabs_channel(&self) -> Option<String> {
        (self.config.tabs == TabsMode::Shared).then(|| ["spa-auth ", &self.config.issuer, " ", &self.config.client_id].concat())
    }

    /// The stored session as another tab adopts it (it holds the refresh token: it goes only to tabs of the same
    /// origin, issuer and client id).
    pub fn session_text(&self) -> Option<String> {
        self.env.tokens_text()
    }

    /// When the last logout this tab knows of happened (its own or another tab's), in epoch milliseconds. Sessions
    /// and logouts are ordered by time (one machine, one clock): a logout ends every session obtained before it, and
    /// a session obtained before the last logout is never taken back.
    pub fn logged_out_at(&self) -> u64 {
        self.env.logins().get(&self.keys.logged_out_at()).ok().flatten().and_then(|e| e.parse().ok()).unwrap_or(0)
    }

    fn set_logged_out_at(&self, at: u64) {
        let _ = self.env.logins().set(&self.keys.logged_out_at(), &decimal(at));
    }

    /// When this tab's session was obtained (by a login or refresh here or in the tab it came from), in epoch
    /// milliseconds: a tab takes only a newer session than its own, so an answer from a tab that has not yet heard
    /// of a refresh can never bring back a spent refresh token.
    pub fn session_at(&self) -> u64 {
        self.env.logins().get(&self.keys.session_at()).ok().flatten().and_then(|e| e.parse().ok()).unwrap_or(0)
    }

    fn set_session_at(&self, at: u64) {
        let _ = self.env.logins().set(&self.keys.session_at(), &decimal(at));
    }

    /// A session another tab of this app obtained at `at` (its stored text): stored here unless it is older than
    /// the last logout this tab knows of or than this tab's own session, or unreadable or no longer usable.
    /// `true` when it changed this tab's.
    pub fn adopt(&self, text: &str, at: u64) -> bool {
        if at <= self.logged_out_at() || (at <= self.session_at() && self.stored().is_some()) {
            return false;
        }
        let Some(set) = TokenSet::read(self.env.json(), text) else { return false };
        let expected = if self.config.dpop { "DPoP" } else { "Bearer" };
        if !freshness::is_authenticated(Some(&set), self.env.now()) || !set.token_type.eq_ignore_ascii_case(expected) {
            return false;
        }
        if self.env.tokens_text().as_deref() == Some(text) || self.env.save_tokens(&set).is_err() {
            return false;
        }
        self.set_session_at(at);
        self.changed();
        true
    }

    /// Another tab logged out at `at`: this tab forgets a session obtained before then (a session obtained later,
    /// by a login here after that logout, stays). `true` when it had one.
    pub fn logged_out_elsewhere(&self, at: u64) -> bool {
        if at <= self.logged_out_at() {
            return false;
        }
        self.set_logged_out_at(at);
        if self.stored().is_none() || self.session_at() > at {
            return false;
        }
        self.forget_tokens();
        true
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

    /// The address bar after a callback: `url` without the response's parameters.
    pub fn scrub_callback_url(&self, url: &str) -> String {
        callback::scrub_url(url, self.config.response_mode)
    }

    /// Completes a login from the redirect back at `url`: the state is checked and spent at once (single use),
    /// the server's own error reported without a request; the code exchange follows.
    pub fn callback(&self, url: &str) -> Result<Step> {
        let response = callback::parse_response(url, self.config.response_mode);
        let Some(state) = response.state.clone() else {
            return Err(Error::new(code::INVALID_STATE, "The URL carries no `state`: it is not an authorization response."));
        };
        let now = self.env.now();
        let transaction = callback::check_state(self.take_login(&state, now)?, &self.config.issuer, now)?;
        let quiet = response.error.as_deref().is_some_and(|e| QUIET_ERRORS.contains(&e));
        if transaction.silent && quiet && response.iss.as_deref().is_none_or(|iss| iss == self.config.issuer) {
            return Ok(Step::new(State::Quiet(transaction.app_state)));
        }
        if response.error.is_some() {
            // The server's own error needs no endpoints: report it even when discovery would fail.
            return Err(callback::check_response(response, &self.config.issuer, false)
                .err()
                .unwrap_or_else(|| Error::server("The callback carries an error.")));
        }
        Ok(Step::new(State::Callback { response: Some(response), transaction, sent: false }))
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
    pub fn logout(&self, options: LogoutOptions) -> Result<Step> {
        let set = self.stored();
        self.env.remove_tokens()?;
        self.env.logins().remove(&self.keys.session_at())?;
        self.set_logged_out_at(self.env.now_ms().max(self.logged_out_at() + 1));
        let logins = self.env.logins();
        for key in logins.keys(self.keys.prefix())? {
            if self.keys.is_login_record(&key) {
                logins.remove(&key)?;
            }
        }
        self.changed();
        Ok(Step::new(State::Logout { set, options, endpoints: None, revoked: false, navigated: false }))
    }

    /// The next action of `step`, given the answer to the last `Fetch` it asked for.
    pub fn advance(&self, step: &mut Step, answer: Option<Answer>) -> Result<Action> {
        if let Some(request) = self.nonce_retry(step, &answer) {
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

    /// A request as the driver sends it, remembered as the outstanding one; with `dpop: true`, requests that
    /// carry a token or a grant (token, refresh, revocation, UserInfo) get a fresh proof. `retry`: the same
    /// request again, with the nonce the server asked for.
    fn send(&self, step: &mut Step, mut request: HttpRequest, retry: bool) -> Result<Action> {
        if self.config.dpop && (request.body.is_some() || request.authorization.is_some()) {
            let token = request.authorization.as_deref().and_then(|a| a.split_once(' ')).map(|(_, t)| t);
            request.dpop = Some(self.dpop_proof(request.method(), &request.url, token)?);
        }
        step.requested = Some(request.clone());
        step.nonce_retried = retry;
        Ok(Action::Fetch(request))
    }

    /// With `dpop: true`: keeps the nonce of a server's answer and, when the answer asks for the request again
    /// with it (RFC 9449 §8, §9), the request to send again (once per request).
    fn nonce_retry(&self, step: &mut Step, answer: &Option<Answer>) -> Option<HttpRequest> {
        let (Some(Answer::Http { status, text, nonce: Some(nonce), challenge }), Some(sent)) = (answer, &step.requested) else {
            return None;
        };
        if !self.config.dpop || sent.dpop.is_none() || matches!(step.state, State::Resource { nonce_retry: false, .. }) {
            return None;
        }
        self.nonces.borrow_mut().keep(&sent.url, nonce);
        if step.nonce_retried || !dpop::asks_for_nonce(*status, text, challenge.as_deref(), self.env.json()) {
            return None;
        }
        Some(sent.clone())
    }

    // ---- DPoP (RFC 9449) -----------------------------------------------------------------------------

    /// `dpop: true`: the public half of the driver's key (`None` after logout, when the driver removed it).
    pub fn set_dpop_key(&self, key: Option<PublicKey>) {
        *self.dpop_key.borrow_mut() = key;
    }

    /// The signing input of a DPoP proof for `method` `url` (with the hash of `access_token` when the request
    /// carries one) and the server's latest nonce; the driver signs it.
    fn dpop_proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String> {
        let key = self.dpop_key.borrow();
        let Some(key) = key.as_ref() else {
            return Err(Error::invalid_config("`dpop: true`, but the driver gave no DPoP key before a request that needs a proof."));
        };
        let jti = base64url(&self.env.random()?.state);
        let nonces = self.nonces.borrow();
        let proof = dpop::Proof { htm: method, url, iat: self.env.now(), jti: &jti, access_token, nonce: nonces.of(url) };
        Ok(proof.signing_input(key))
    }

    /// The app's own `method` request to `url` with `access_token` (`fetch`), for the driver to send with the
    /// headers each `Fetch` names: `Authorization: DPoP …` and a proof with the token's hash, sent once more when
    /// the server asks for its nonce (RFC 9449 §9). Ends with [`Outcome::Answered`].
    /// `nonce_retry`: whether a nonce challenge may be answered (not on the retry after a refresh, so a request is
    /// never sent more than three times).
    pub fn resource(&self, method: String, url: String, access_token: &str, nonce_retry: bool) -> Step {
        let authorization = Some([if self.config.dpop { "DPoP " } else { "Bearer " }, access_token].concat());
        let request = Some(HttpRequest { authorization, method: Some(method), ..HttpRequest::get(url) });
        Step::new(State::Resource { request, nonce_retry })
    }

    /// The IndexedDB name of this client's DPoP key (`None` without `dpop: true`): issuer and client id, so the tabs
    /// that share a session share its key; with `tabs: "isolated"` also this tab's own id (kept in sessionStorage,
    /// so a reload finds it), so a logout in one tab never removes the key another tab's session is bound to.
    pub fn dpop_key_name(&self) -> Option<String> {
        if !self.config.dpop {
            return None;
        }
        let name = [self.config.issuer.as_str(), " ", &self.config.client_id].concat();
        if self.config.tabs == TabsMode::Shared {
            return Some(name);
        }
        let logins = self.env.logins();
        let tab = match logins.get(&self.keys.dpop_tab()).ok().flatten() {
            Some(tab) => tab,
            None => {
                let tab = base64url(&self.env.random().ok()?.state);
                logins.set(&self.keys.dpop_tab(), &tab).ok()?;
                tab
            }
        };
        Some([name, " ".to_owned(), tab].concat())
    }

    fn advance_inner(&self, step: &mut Step, mut answer: Option<Answer>) -> Result<Action> {
        let discovery = || Action::Fetch(HttpRequest::get(self.config.discovery_url.clone()));
        match std::mem::replace(&mut step.state, State::Finished) {
            State::Finished => Err(Error::new(code::INVALID_STATE, "This operation already ended.")),
            State::Login(login) => {
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
                let response = response.unwrap_or_default();
                let code = callback::check_response(response, &self.config.issuer, endpoints.iss_parameter_supported)?;
                if self.config.dpop && transaction.dpop_jkt != self.dpop_key.borrow().as_ref().map(PublicKey::thumbprint) {
                    // The server would refuse the code (RFC 9449 §10); say why instead.
                    return Err(Error::new(
                        code::INVALID_STATE,
                        "This login was bound to a DPoP key that is gone (a logout in another tab removed it): log in again.",
                    ));
                }
                let body = token::code_grant_body(&code, &transaction, &self.config.client_id);
                step.state = State::Callback { response: None, transaction, sent: true };
                Ok(Action::Fetch(HttpRequest::post(endpoints.token, body)))
            }
            State::Callback { transaction, sent: true, .. } => {
                let (status, text) = self.http_answer(answer, "token", step.requested_url())?;
                let set = self.token_set(status, &text, None)?;
                let nonce = transaction.nonce.as_ref().map(|n| n.secret());
                id_token::verify_code_exchange(set.id_token.as_ref(), &self.expected(nonce, self.env.now()), self.env.json())?;
                let finish = Finish::Login(transaction.app_state);
                if self.config.verify_signature && set.id_token.is_some() {
                    return self.check_signature(step, set, finish, false, Awaiting::Nothing, None);
                }
                self.finish(set, finish)
            }
            State::Refresh { old, refresh_token, sent: false } => {
                let Some(endpoints) = self.endpoints_for(step, &mut answer)? else {
                    step.state = State::Refresh { old, refresh_token, sent: false };
                    return Ok(discovery());
                };
                let body = token::refresh_grant_body(&refresh_token, &self.config.client_id);
                step.state = State::Refresh { old, refresh_token, sent: true };
                Ok(Action::Fetch(HttpRequest::post(endpoints.token, body)))
            }
            State::Refresh { old, refresh_token, sent: true } => {
                let (status, text) = self.http_answer(answer, "refresh", step.requested_url())?;
                let set = match self.refreshed(&old, &refresh_token, status, &text)? {
                    Ok(set) => set,
                    Err(token) => return Ok(Action::Done(Outcome::AccessToken(token))),
                };
                let finish = Finish::Refresh { refresh_token };
                if self.config.verify_signature && set.id_token.is_some() && set.id_token != old.id_token {
                    return self.check_signature(step, set, finish, false, Awaiting::Nothing, None);
                }
                self.finish(set, finish)
            }
            State::Verifying { set, finish, fetched, awaiting } => self.check_signature(step, set, finish, fetched, awaiting, answer),
            State::Logout { set, options, endpoints: None, .. } => {
                // Discovery is needed only for the end-session endpoint; its failure costs the revocation and
                // the redirect, not the logout.
                let wants_discovery = !options.local_only && self.config.logout_style == LogoutStyle::Oidc;
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
            State::UserInfo { access_token, sent: false } => {
                let Some(endpoints) = self.endpoints_for(step, &mut answer)? else {
                    step.state = State::UserInfo { access_token, sent: false };
                    return Ok(discovery());
                };
                let Some(url) = endpoints.userinfo else {
                    return Err(Error::invalid_config(
                        "The provider's metadata names no userinfo_endpoint: give the `userinfoEndpoint` option.",
                    ));
                };
                let scheme = if self.config.dpop { "DPoP " } else { "Bearer " };
                let authorization = Some([scheme, &access_token].concat());
                step.state = State::UserInfo { access_token, sent: true };
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
                        !challenge.as_deref().is_some_and(|c| dpop::names_error(c, "use_dpop_nonce") || dpop::names_error(c, "invalid_dpop_proof"))
                    }
                    _ => false,
                };
                Ok(Action::Done(Outcome::Answered { refresh }))
            }
            State::UserInfo { sent: true, .. } => {
                let (status, text) = self.http_answer(answer, "UserInfo", step.requested_url())?;
                self.check_user_info(status, text).map(|claims| Action::Done(Outcome::UserInfo(claims)))
            }
        }
    }

    fn logout_next(
        &self,
        step: &mut Step,
        set: Option<Rc<TokenSet>>,
        options: LogoutOptions,
        endpoints: Option<Endpoints>,
        revoked: bool,
        navigated: bool,
    ) -> Result<Action> {
        let refresh_token = set.as_ref().and_then(|s| s.refresh_token.clone());
        // With `dpop: true` the revocation needs a proof: without the key (IndexedDB failed) it is skipped, the
        // logout goes on.
        let provable = !self.config.dpop || self.dpop_key.borrow().is_some();
        let revocation = endpoints.as_ref().and_then(|e| e.revocation.clone()).filter(|_| provable);
        if let (false, Some(refresh_token), Some(url)) = (revoked, refresh_token, revocation) {
            let body = token::revocation_body(&refresh_token, &self.config.client_id);
            step.state = State::Logout { set, options, endpoints: Some(endpoints), revoked: true, navigated };
            return Ok(Action::Fetch(HttpRequest::post(url, body)));
        }
        if options.local_only || navigated {
            return Ok(Action::Done(Outcome::LoggedOut));
        }
        let return_to = options.return_to.as_deref();
        let target = match self.config.logout_style {
            LogoutStyle::Auth0 => Some(logout::auth0_logout_url(&self.config.issuer, &self.config.client_id, return_to)),
            LogoutStyle::Oidc => endpoints.as_ref().and_then(|e| e.end_session.as_ref()).map(|endpoint| {
                logout::end_session_url(endpoint, set.as_ref().and_then(|s| s.id_token.as_ref()), &self.config.client_id, return_to)
            }),
        };
        match target {
            Some(url) => {
                step.state = State::Logout { set, options, endpoints: Some(endpoints), revoked: true, navigated: true };
                Ok(Action::Navigate(url))
            }
            None => Ok(Action::Done(Outcome::LoggedOut)),
        }
    }

    /// Reads a UserInfo answer (OIDC Core §5.3.2, §5.3.4): a JSON object whose `sub` is the ID token's.
    fn check_user_info(&self, status: u16, text: String) -> Result<String> {
        if !(200..300).contains(&status) {
            let status = decimal(status.into());
            return Err(Error::server(["The UserInfo endpoint answered HTTP ", &status, "."].concat()));
        }
        let subject = json_members(self.env.json(), &text, &["sub"]);
        let Some([sub]) = subject else {
            let jwt = text.trim().split('.').count() >= 3 && !text.trim_start().starts_with('{');
            return Err(Error::server(if jwt {
                "The UserInfo endpoint answered with a signed or encrypted JWT (application/jwt); spa-auth reads JSON UserInfo only: \
configure the client at the provider for JSON UserInfo."
            } else {
                "The UserInfo endpoint's answer is not a JSON object."
            }));
        };
        let expected = self.stored().and_then(|s| s.id_token.as_ref().and_then(|t| self.claims_of(t))).map(|c| c.sub);
        match (sub.text().flatten(), expected) {
            (Some(sub), Some(expected)) if sub == expected => Ok(text),
            (Some(_), None) => Ok(text),
            (Some(_), Some(_)) => Err(Error::id_token("The UserInfo `sub` is not the ID token's (OIDC Core 5.3.4): the answer is refused.")),
            (None, _) => Err(Error::id_token("The UserInfo answer has no `sub` (OIDC Core 5.3.2).")),
        }
    }

    /// The UserInfo claims for `access_token` (OIDC Core §5.3), checked against the ID token's `sub`.
    pub fn user_info(&self, access_token: String) -> Step {
        Step::new(State::UserInfo { access_token, sent: false })
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
        let request = authorize::authorization_request(&self.config, &endpoints.authorization, login, &self.env.random()?, now)?;
        self.forget_old_logins(now)?;
        let text = self.env.json().stringify(&request.transaction).ok_or_else(|| Error::invalid_config("appState must be JSON."))?;
        // A login that could not be found on the way back is refused here, before the page is left.
        self.env.keep_login(&self.keys.transaction(request.state.secret()), &text)?;
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
            logins.remove(&key)?;
            logins.set(&self.keys.used_state(state), &decimal(now + TRANSACTION_TTL))?;
            return Ok(Transaction::read(self.env.json(), &text).map_or(StoredLogin::Unknown, StoredLogin::Pending));
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
        let still_current = || self.stored().is_some_and(|s| s.refresh_token.as_ref() == Some(refresh_token));
        let set = match self.token_set(status, text, Some(old)) {
            Ok(set) => set,
            Err(e) if e.code() == "invalid_grant" => {
                if still_current() {
                    self.forget_tokens();
                } else if let Some(current) = self.stored().filter(|s| s.expires_at > self.env.now()) {
                    // Another client refreshed (or logged in) meanwhile: its tokens are the answer.
                    return Ok(Err(current.access_token.secret().to_owned()));
                }
                return Err(Error::caused_by(code::LOGIN_REQUIRED, "The session ended at the server (refresh token refused): log in again.", &e));
            }
            Err(e) => return Err(e),
        };
        if set.id_token != old.id_token {
            if let Some(new_id) = &set.id_token {
                let original = old.id_token.as_ref().and_then(|t| self.claims_of(t));
                let expected = self.expected(None, self.env.now());
                match original {
                    Some(original) => id_token::verify_refreshed(new_id, &original, &expected, self.env.json())?,
                    None => id_token::verify(new_id, &expected, self.env.json())?,
                };
            }
        }
        Ok(Ok(set))
    }

    /// Stores a token set that passed every check and ends the operation. A refresh's result is stored only if the
    /// session was not changed meanwhile.
    fn finish(&self, set: TokenSet, finish: Finish) -> Result<Action> {
        match finish {
            Finish::Login(app_state) => {
                self.save(&set)?;
                Ok(Action::Done(Outcome::LoggedIn(app_state)))
            }
            Finish::Refresh { refresh_token } => {
                if !self.stored().is_some_and(|s| s.refresh_token.as_ref() == Some(&refresh_token)) {
                    return Err(login_required("The session changed while refreshing (logout or a new login)."));
                }
                self.save(&set)?;
                Ok(Action::Done(Outcome::AccessToken(set.access_token.secret().to_owned())))
            }
        }
    }

    /// `verifySignature`: the provider's JWK Set (cached for the tab session, fetched again once for an unknown
    /// `kid`), the key that fits the token, the driver's verification, then [`finish`](Self::finish).
    fn check_signature(
        &self,
        step: &mut Step,
        set: TokenSet,
        finish: Finish,
        fetched: bool,
        awaiting: Awaiting,
        answer: Option<Answer>,
    ) -> Result<Action> {
        let jwks_uri = self.known_endpoints().and_then(|e| e.jwks).or_else(|| self.config.jwks_uri.clone());
        let Some(jwks_uri) = jwks_uri else {
            return Err(Error::invalid_config("`verifySignature` needs the provider's jwks_uri: give the `jwksUri` option."));
        };
        let jwks = match awaiting {
            Awaiting::Signature => {
                return match answer {
                    Some(Answer::Verified(true)) => self.finish(set, finish),
                    _ => Err(signature::did_not_verify()),
                }
            }
            Awaiting::Jwks => {
                let (status, text) = self.http_answer(answer, "JWKS", &jwks_uri)?;
                if !(200..300).contains(&status) {
                    return Err(Error::server(["The JWK Set at ", &jwks_uri, " could not be read (HTTP ", &decimal(status.into()), ")."].concat()));
                }
                if self.env.json().items(&text, "keys").is_some() {
                    // Cached only when readable: a captive portal's page does not stick for the tab session.
                    let _ = self.env.logins().set(&self.keys.jwks(), &text);
                }
                Some(text)
            }
            Awaiting::Nothing => self.env.logins().get(&self.keys.jwks()).ok().flatten(),
        };
        let Some(jwks) = jwks else {
            step.state = State::Verifying { set, finish, fetched: true, awaiting: Awaiting::Jwks };
            return Ok(Action::Fetch(HttpRequest::get(jwks_uri)));
        };
        let id_token = set.id_token.as_ref().map(|t| t.secret().to_owned()).unwrap_or_default();
        let announced = self.known_endpoints().map(|e| e.signing_algs).unwrap_or_default();
        match signature::choose_key(&id_token, &jwks, &announced, self.env.json())? {
            KeyChoice::Verify(verification) => {
                step.state = State::Verifying { set, finish, fetched, awaiting: Awaiting::Signature };
                Ok(Action::Verify(verification))
            }
            KeyChoice::UnknownKey if !fetched => {
                // The provider may have rotated its keys: one more look at its JWK Set.
                step.state = State::Verifying { set, finish, fetched: true, awaiting: Awaiting::Jwks };
                Ok(Action::Fetch(HttpRequest::get(jwks_uri)))
            }
            KeyChoice::UnknownKey => Err(Error::id_token(
                "The ID token's signature cannot be accepted: no key of the provider's JWK Set fits its `kid` and `alg`.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{Options, TabsMode};
    use crate::core::encoding::{base64url, parse_params};
    use crate::core::json::SerdeJson;
    use crate::core::store::MemoryStore;
    use sha2::Digest;

    const ISSUER: &str = "https://id.example.com";

    /// Memory stores, a settable clock, fixed randomness, serde_json.
    #[derive(Default)]
    struct TestEnv {
        logins: MemoryStore,
        tokens: MemoryStore,
        now: Cell<u64>,
        logins_lost: Cell<bool>,
        /// Draws so far: each draw differs from the last.
        draws: Cell<u8>,
    }

    impl Env for TestEnv {
        type Json = SerdeJson;
        fn json(&self) -> &SerdeJson {
            &SerdeJson
        }
        fn now(&self) -> u64 {
            self.now.get()
        }
        fn now_ms(&self) -> u64 {
            self.now.get() * 1000
        }
        fn random(&self) -> Result<LoginRandomness> {
            self.draws.set(self.draws.get().wrapping_add(3));
            let n = (self.now.get() as u8).wrapping_add(self.draws.get());
            Ok(LoginRandomness { verifier: [n; 32], state: [n.wrapping_add(1); 32], nonce: [n.wrapping_add(2); 32] })
        }
        fn logins(&self) -> &dyn Store {
            &self.logins
        }
        fn keep_login(&self, key: &str, value: &str) -> Result<()> {
            if self.logins_lost.get() {
                return Err(Error::new(code::STORAGE_UNAVAILABLE, "sessionStorage is full."));
            }
            self.logins.set(key, value)
        }
        fn load_tokens(&self) -> Option<Rc<TokenSet>> {
            Some(Rc::new(TokenSet::read(&SerdeJson, &self.tokens.get("t").ok()??)?))
        }
        fn tokens_text(&self) -> Option<String> {
            self.tokens.get("t").ok()?
        }
        fn save_tokens(&self, set: &TokenSet) -> Result<()> {
            self.tokens.set("t", &SerdeJson.stringify(set).unwrap_or_default())
        }
        fn remove_tokens(&self) -> Result<()> {
            self.tokens.remove("t")
        }
    }

    fn client(extra: impl FnOnce(&mut Options)) -> Client<TestEnv> {
        let mut options = Options {
            issuer: ISSUER.into(),
            client_id: "spa".into(),
            redirect_uri: "https://app.example/cb".into(),
            scope: Some("openid offline_access".into()),
            ..Options::default()
        };
        extra(&mut options);
        let env = TestEnv::default();
        env.now.set(1000);
        Client::new(options.validate().unwrap(), env)
    }

    fn http(status: u16, text: &str) -> Option<Answer> {
        Some(Answer::Http { status, text: text.into(), nonce: None, challenge: None })
    }

    fn metadata() -> String {
        serde_json::json!({
            "issuer": ISSUER, "authorization_endpoint": "https://id.example.com/auth",
            "token_endpoint": "https://id.example.com/token", "revocation_endpoint": "https://id.example.com/revoke",
            "end_session_endpoint": "https://id.example.com/logout", "authorization_response_iss_parameter_supported": true,
            "userinfo_endpoint": "https://id.example.com/me", "jwks_uri": "https://id.example.com/jwks",
        })
        .to_string()
    }

    fn id_token(nonce: Option<&str>, now: u64) -> String {
        let claims = serde_json::json!({"iss": ISSUER, "sub": "alice", "aud": "spa", "nonce": nonce, "iat": now, "exp": now + 300});
        [base64url(br#"{"alg":"RS256"}"#), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".")
    }

    fn tokens_answer(access: &str, id_token: Option<String>) -> String {
        let refresh = ["rt-", access].concat();
        let mut body = serde_json::json!({"access_token": access, "token_type": "Bearer", "expires_in": 300, "refresh_token": refresh});
        if let Some(t) = id_token {
            body["id_token"] = t.into();
        }
        body.to_string()
    }

    fn query(url: &str) -> Vec<(String, String)> {
        parse_params(url.split_once('?').map_or("", |(_, q)| q))
    }

    fn param(url: &str, name: &str) -> String {
        query(url).into_iter().find(|(n, _)| n == name).map(|(_, v)| v).unwrap_or_default()
    }

    /// A login through discovery and the code exchange; returns the client, logged in.
    fn logged_in() -> Client<TestEnv> {
        let c = client(|_| {});
        let mut step = c.login(LoginOptions { app_state: Some("{\"to\":\"/x\"}".into()), ..LoginOptions::default() });
        assert_eq!(
            c.advance(&mut step, None).unwrap(),
            Action::Fetch(HttpRequest::get("https://id.example.com/.well-known/openid-configuration".into()))
        );
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        assert!(url.starts_with("https://id.example.com/auth?"));
        assert_eq!(param(&url, "code_challenge_method"), "S256");
        let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
        assert!(c.is_callback(&back));
        let mut step = c.callback(&back).unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!("a token request") };
        assert_eq!(request.url, "https://id.example.com/token");
        let form = parse_params(request.body.as_deref().unwrap());
        assert!(form.contains(&("grant_type".into(), "authorization_code".into())));
        assert!(form.iter().any(|(n, v)| n == "code_verifier" && v.len() == 43));
        let nonce = param(&url, "nonce");
        let done = c.advance(&mut step, http(200, &tokens_answer("at1", Some(id_token(Some(&nonce), 1000))))).unwrap();
        assert_eq!(done, Action::Done(Outcome::LoggedIn(Some("{\"to\":\"/x\"}".into()))));
        c
    }

    /// The claims of a DPoP proof's signing input.
    fn proof_claims(input: &str) -> serde_json::Value {
        let claims = crate::core::encoding::base64url_decode(input.split('.').nth(1).unwrap()).unwrap();
        serde_json::from_slice(&claims).unwrap()
    }

    fn dpop_answer(access: &str, id_token: Option<String>) -> String {
        tokens_answer(access, id_token).replace("\"Bearer\"", "\"DPoP\"")
    }

    #[test]
    fn with_dpop_every_grant_and_token_use_carries_a_proof_and_nonces_are_followed_once() {
        const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
        const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";
        let c = client(|o| o.dpop = true);
        let mut step = c.login(LoginOptions::default());
        c.advance(&mut step, None).unwrap();
        let no_key = c.advance(&mut step, http(200, &metadata())).unwrap_err();
        assert_eq!(no_key.code(), "invalid_config", "no login without the key it would be bound to");

        let key = PublicKey::p256(X, Y).unwrap();
        c.set_dpop_key(Some(key.clone()));
        let mut step = c.login(LoginOptions::default());
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(param(&url, "dpop_jkt"), key.thumbprint());

        // The code exchange: a proof without `ath`; the server's nonce challenge is answered once, with its nonce.
        let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
        let mut step = c.callback(&back).unwrap();
        let Action::Fetch(first) = c.advance(&mut step, None).unwrap() else { panic!() };
        let claims = proof_claims(first.dpop.as_deref().unwrap());
        assert_eq!((claims["htm"].as_str(), claims["htu"].as_str()), (Some("POST"), Some("https://id.example.com/token")));
        assert!(claims.get("ath").is_none() && claims.get("nonce").is_none());
        let challenge = Some(Answer::Http {
            status: 400,
            text: r#"{"error":"use_dpop_nonce"}"#.into(),
            nonce: Some("n1".into()),
            challenge: None,
        });
        let Action::Fetch(again) = c.advance(&mut step, challenge).unwrap() else { panic!("sent again with the nonce") };
        assert_eq!((&again.url, &again.body), (&first.url, &first.body));
        let claims_again = proof_claims(again.dpop.as_deref().unwrap());
        assert_eq!(claims_again["nonce"], "n1");
        assert_ne!(claims_again["jti"], claims["jti"], "every proof is new");
        let second_challenge = Some(Answer::Http {
            status: 400,
            text: r#"{"error":"use_dpop_nonce"}"#.into(),
            nonce: Some("n2".into()),
            challenge: None,
        });
        assert_eq!(c.advance(&mut step, second_challenge).unwrap_err().code(), "use_dpop_nonce", "never a second retry");
        assert!(c.tokens().is_none());

        // A bearer token where DPoP was asked for is a downgrade: refused, nothing stored.
        let login = |c: &Client<TestEnv>| {
            let mut step = c.login(LoginOptions::default());
            let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
            let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
            let mut step = c.callback(&back).unwrap();
            let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
            assert_eq!(proof_claims(request.dpop.as_deref().unwrap())["nonce"], "n2", "the server's latest nonce");
            (step, param(&url, "nonce"))
        };
        let (mut step, nonce) = login(&c);
        let bearer = c.advance(&mut step, http(200, &tokens_answer("at1", Some(id_token(Some(&nonce), 1000))))).unwrap_err();
        assert_eq!(bearer.code(), "server_error");
        assert!(c.tokens().is_none());
        let (mut step, nonce) = login(&c);
        c.advance(&mut step, http(200, &dpop_answer("at1", Some(id_token(Some(&nonce), 1000))))).unwrap();
        assert_eq!(c.tokens().unwrap().token_type, "DPoP");

        // UserInfo: the DPoP scheme and a proof with the token's hash.
        let mut step = c.user_info("at1".into());
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(request.authorization.as_deref(), Some("DPoP at1"));
        let claims = proof_claims(request.dpop.as_deref().unwrap());
        assert_eq!((claims["htm"].as_str(), claims["ath"].as_str()), (Some("GET"), Some(base64url(&sha2::Sha256::digest(b"at1")).as_str())));
        let resource_challenge = Some(Answer::Http {
            status: 401,
            text: String::new(),
            nonce: Some("n3".into()),
            challenge: Some(r#"DPoP error="use_dpop_nonce""#.into()),
        });
        let Action::Fetch(again) = c.advance(&mut step, resource_challenge).unwrap() else { panic!() };
        assert_eq!(proof_claims(again.dpop.as_deref().unwrap())["nonce"], "n3");

        // Refresh and revocation carry proofs too; discovery and JWKS requests never do.
        let mut step = c.refresh().unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert!(request.dpop.is_some());
        c.advance(&mut step, http(200, &dpop_answer("at2", None))).unwrap();
        let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(request.url, "https://id.example.com/revoke");
        assert!(request.dpop.is_some());

        // fetch(): the app's method; a resource server's nonce challenge asks for one more try, any other 401 does not.
        let mut step = c.resource("PUT".into(), "https://api.example/r?q=1".into(), "at2", true);
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(request.authorization.as_deref(), Some("DPoP at2"));
        let claims = proof_claims(request.dpop.as_deref().unwrap());
        assert_eq!((claims["htm"].as_str(), claims["htu"].as_str()), (Some("PUT"), Some("https://api.example/r")));
        let answer = |nonce: &str, error: &str| {
            Some(Answer::Http { status: 401, text: String::new(), nonce: Some(nonce.into()), challenge: Some(format!("DPoP error=\"{error}\"")) })
        };
        let Action::Fetch(again) = c.advance(&mut step, answer("r1", "use_dpop_nonce")).unwrap() else { panic!() };
        assert_eq!(proof_claims(again.dpop.as_deref().unwrap())["nonce"], "r1");
        let done = c.advance(&mut step, answer("r2", "use_dpop_nonce")).unwrap();
        assert_eq!(done, Action::Done(Outcome::Answered { refresh: false }), "never a second retry, and no refresh for a nonce");
        let mut step = c.resource("GET".into(), "https://api.example/other".into(), "at2", true);
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(proof_claims(request.dpop.as_deref().unwrap())["nonce"], "r2", "the latest nonce of that server");
        assert_eq!(c.advance(&mut step, answer("r3", "invalid_token")).unwrap(), Action::Done(Outcome::Answered { refresh: true }));
        // After a refresh the request is sent once more, without a nonce retry.
        let mut step = c.resource("GET".into(), "https://api.example/other".into(), "at3", false);
        let Action::Fetch(_) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(c.advance(&mut step, answer("r4", "use_dpop_nonce")).unwrap(), Action::Done(Outcome::Answered { refresh: false }));
    }

    #[test]
    fn with_dpop_a_changed_key_a_missing_key_and_a_bearer_session_fail_safe() {
        const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
        const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";
        let c = client(|o| {
            o.dpop = true;
            o.authorization_endpoint = Some("https://id.example.com/auth".into());
            o.token_endpoint = Some("https://id.example.com/token".into());
            o.revocation_endpoint = Some("https://id.example.com/revoke".into());
        });
        c.set_dpop_key(PublicKey::p256(X, Y));
        let mut step = c.login(LoginOptions::default());
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
        // The key was removed (a logout in another tab) and another one made: the code is not sent.
        c.set_dpop_key(PublicKey::p256(Y, X));
        let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat();
        let mut step = c.callback(&back).unwrap();
        let e = c.advance(&mut step, None).unwrap_err();
        assert_eq!(e.code(), "invalid_state");
        assert!(e.message().contains("DPoP key"));
        // A bearer session stored before `dpop: true` is no session: never sent as a DPoP token.
        c.env().save_tokens(&TokenSet::read(&SerdeJson, r#"{"accessToken":"a","tokenType":"Bearer","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#).unwrap()).unwrap();
        assert!(!c.is_authenticated());
        assert_eq!(c.access_token(None, false).unwrap_err().code(), "login_required");
        // A DPoP session whose key is gone still logs out, without the revocation it could not prove.
        c.env().save_tokens(&TokenSet::read(&SerdeJson, r#"{"accessToken":"a","tokenType":"DPoP","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#).unwrap()).unwrap();
        c.set_dpop_key(None);
        let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
        assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
        assert!(c.tokens().is_none());
    }

    #[test]
    fn the_dpop_key_is_shared_by_shared_tabs_and_per_tab_when_isolated() {
        let shared = client(|o| o.dpop = true);
        assert_eq!(shared.dpop_key_name().unwrap(), "https://id.example.com spa");
        assert_eq!(client(|_| {}).dpop_key_name(), None);
        let isolated = client(|o| {
            o.dpop = true;
            o.tabs = TabsMode::Isolated;
        });
        let name = isolated.dpop_key_name().unwrap();
        assert!(name.starts_with("https://id.example.com spa ") && name.len() > "https://id.example.com spa ".len() + 40);
        assert_eq!(isolated.dpop_key_name().unwrap(), name, "the same name for the tab's lifetime (sessionStorage)");
    }

    #[test]
    fn a_login_and_its_callback_run_as_steps() {
        let c = logged_in();
        assert_eq!(c.tokens().unwrap().access_token.secret(), "at1");
        assert_eq!(c.generation(), 1);
        assert!(c.user_claims_json().unwrap().contains("alice"));
        assert_eq!(c.access_token(None, false).unwrap().as_deref(), Some("at1"));
    }

    #[test]
    fn a_state_is_spent_before_the_code_is_redeemed() {
        let c = client(|_| {});
        let mut step = c.login(LoginOptions::default());
        c.advance(&mut step, None).unwrap();
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
        let _first = c.callback(&back).unwrap();
        assert_eq!(c.callback(&back).unwrap_err().code(), "invalid_state");
        assert_eq!(c.callback("https://app.example/cb?code=c&state=other").unwrap_err().code(), "missing_transaction", "no login pending");
    }

    #[test]
    fn a_login_that_cannot_be_kept_is_refused_before_the_url_exists() {
        let c = client(|o| {
            o.authorization_endpoint = Some("https://id.example.com/auth".into());
            o.token_endpoint = Some("https://id.example.com/token".into());
        });
        c.env().logins_lost.set(true);
        let mut step = c.login(LoginOptions::default());
        assert_eq!(c.advance(&mut step, None).unwrap_err().code(), "storage_unavailable");
    }

    #[test]
    fn an_openid_code_exchange_without_an_id_token_stores_nothing() {
        let c = client(|_| {});
        let mut step = c.login(LoginOptions::default());
        c.advance(&mut step, None).unwrap();
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
        c.advance(&mut step, None).unwrap();
        assert_eq!(c.advance(&mut step, http(200, &tokens_answer("at1", None))).unwrap_err().code(), "id_token_invalid");
        assert!(c.tokens().is_none());
        assert_eq!(c.generation(), 0);
    }

    #[test]
    fn refresh_rotates_and_a_refused_refresh_token_ends_the_session() {
        let c = logged_in();
        c.env().now.set(1290);
        assert_eq!(c.access_token(None, false).unwrap(), None, "30 s margin: refresh");
        let mut step = c.refresh().unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert!(request.body.as_deref().unwrap().contains("refresh_token=rt-at1"));
        let done = c.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap();
        assert_eq!(done, Action::Done(Outcome::AccessToken("at2".into())));
        assert!(c.tokens().unwrap().id_token.is_some(), "the ID token is kept");

        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        let refused = c.advance(&mut step, http(400, r#"{"error":"invalid_grant"}"#)).unwrap_err();
        assert_eq!((refused.code(), refused.error()), ("login_required", Some("invalid_grant")));
        assert!(c.tokens().is_none());
    }

    #[test]
    fn an_unreachable_server_is_a_network_error_naming_it() {
        let c = logged_in();
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        let e = c.advance(&mut step, Some(Answer::Unreachable)).unwrap_err();
        assert_eq!(e.code(), "network_error");
        assert!(e.message().contains("https://id.example.com/token"));
        assert_eq!(c.tokens().unwrap().access_token.secret(), "at1", "nothing lost");
    }

    #[test]
    fn logout_forgets_at_once_revokes_then_navigates() {
        let c = logged_in();
        let mut step = c.logout(LogoutOptions { return_to: Some("https://app.example/".into()), local_only: false }).unwrap();
        assert!(c.tokens().is_none(), "forgotten before any request");
        let Action::Fetch(revoke) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(revoke.url, "https://id.example.com/revoke");
        let Action::Navigate(url) = c.advance(&mut step, Some(Answer::Unreachable)).unwrap() else { panic!() };
        assert!(url.starts_with("https://id.example.com/logout?id_token_hint="));
        assert_eq!(param(&url, "post_logout_redirect_uri"), "https://app.example/");
        assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
        let mut local = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
        assert_eq!(c.advance(&mut local, None).unwrap(), Action::Done(Outcome::LoggedOut));
    }

    #[test]
    fn tabs_share_sessions_and_logout_wins() {
        let a = logged_in();
        let b = client(|_| {});
        let session = a.session_text().unwrap();
        let at = a.session_at();
        assert_eq!(at, 1_000_000, "when the login stored it, in ms");
        assert!(b.adopt(&session, at), "a new tab adopts the session");
        assert_eq!(b.tokens().unwrap().access_token.secret(), "at1");
        assert!(!b.adopt(&session, at), "the same session again changes nothing");
        assert!(!b.adopt("{\"not\":\"tokens\"}", at + 1));

        // A refreshes: B takes the newer session, and never an older one afterwards (a spent refresh token).
        a.env().now.set(1001);
        let mut step = a.refresh().unwrap();
        a.advance(&mut step, None).unwrap();
        a.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap();
        assert!(b.adopt(&a.session_text().unwrap(), a.session_at()));
        assert!(!b.adopt(&session, at), "an older session is not taken back");
        assert_eq!(b.tokens().unwrap().access_token.secret(), "at2");

        // A logs out: B hears of it and forgets; a session from before the logout is not taken back.
        a.env().now.set(1002);
        let mut step = a.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
        a.advance(&mut step, None).unwrap();
        assert_eq!(a.logged_out_at(), 1_002_000);
        assert!(b.logged_out_elsewhere(a.logged_out_at()));
        assert!(b.tokens().is_none());
        assert!(!b.adopt(&session, 1_001_000), "a session from a tab that had not heard of the logout");
        assert!(!b.logged_out_elsewhere(1_000_000), "an older logout");

        // A new tab that never heard of that logout logs in later: its session reaches B, and its logout too.
        let d = client(|_| {});
        d.env().now.set(1003);
        let mut step = d.login(LoginOptions::default());
        d.advance(&mut step, None).unwrap();
        let Action::Done(Outcome::AuthorizeUrl(url)) = d.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        let mut step = d.callback(&["https://app.example/cb?code=c&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
        d.advance(&mut step, None).unwrap();
        let answer = tokens_answer("at3", Some(id_token(Some(&param(&url, "nonce")), 1003)));
        d.advance(&mut step, http(200, &answer)).unwrap();
        assert!(b.adopt(&d.session_text().unwrap(), d.session_at()), "a login after the logout is taken");
        d.env().now.set(1004);
        let mut step = d.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
        d.advance(&mut step, None).unwrap();
        assert!(b.logged_out_elsewhere(d.logged_out_at()), "and its logout too");
        assert!(b.tokens().is_none());

        let isolated = client(|o| o.tabs = TabsMode::Isolated);
        assert_eq!(isolated.tabs_channel(), None);
        assert_eq!(b.tabs_channel().as_deref(), Some("spa-auth https://id.example.com spa"));
    }

    #[test]
    fn user_info_is_fetched_with_the_token_and_its_sub_checked() {
        let c = logged_in();
        let mut step = c.user_info("at1".into());
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(request.authorization.as_deref(), Some("Bearer at1"));
        let claims = r#"{"sub":"alice","email":"a@example.com"}"#;
        assert_eq!(c.advance(&mut step, http(200, claims)).unwrap(), Action::Done(Outcome::UserInfo(claims.into())));
        let answer = |status: u16, text: &str| {
            let mut step = c.user_info("at1".into());
            c.advance(&mut step, None).unwrap();
            c.advance(&mut step, http(status, text)).unwrap_err()
        };
        assert_eq!(answer(200, r#"{"sub":"mallory"}"#).code(), "id_token_invalid");
        assert_eq!(answer(200, r#"{"email":"x"}"#).code(), "id_token_invalid");
        let signed = answer(200, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln");
        assert!(signed.code() == "server_error" && signed.message().contains("JWT"));
        assert_eq!(answer(401, "").code(), "server_error");
        let no_endpoint = client(|o| {
            o.authorization_endpoint = Some("https://id.example.com/auth".into());
            o.token_endpoint = Some("https://id.example.com/token".into());
        });
        let mut step = no_endpoint.user_info("at".into());
        assert_eq!(no_endpoint.advance(&mut step, None).unwrap_err().code(), "invalid_config");
    }

    #[test]
    fn a_silent_check_ends_quietly_on_login_required_and_is_tried_once() {
        let c = client(|_| {});
        assert!(!c.silent_tried());
        let mut step = c.silent_login(LoginOptions { app_state: Some("1".into()), ..LoginOptions::default() });
        assert!(c.silent_tried());
        c.advance(&mut step, None).unwrap();
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        assert_eq!(param(&url, "prompt"), "none");
        let back = ["https://app.example/cb?error=login_required&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
        let mut step = c.callback(&back).unwrap();
        assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::NotLoggedIn(Some("1".into()))));
        assert!(c.tokens().is_none());

        // Another error, or the same error for an ordinary login, is still an error.
        let mut step = c.silent_login(LoginOptions::default());
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!("endpoints known") };
        let denied = ["https://app.example/cb?error=access_denied&state=", &param(&url, "state")].concat();
        assert_eq!(c.callback(&denied).unwrap_err().code(), "access_denied");
        let mut step = c.login(LoginOptions::default());
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
        let required = ["https://app.example/cb?error=login_required&state=", &param(&url, "state")].concat();
        assert_eq!(c.callback(&required).unwrap_err().code(), "login_required");
    }

    #[test]
    fn a_popup_login_is_told_by_its_state() {
        let c = client(|_| {});
        let mut step = c.login(LoginOptions { popup: true, ..LoginOptions::default() });
        c.advance(&mut step, None).unwrap();
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        let state = param(&url, "state");
        assert!(state.starts_with("popup.") && state.len() == 6 + 43);
        let channel = c.popup_channel(&url).unwrap();
        assert_eq!(channel, ["spa-auth popup ", &state].concat());
        let back = ["https://app.example/cb?code=c&state=", &state].concat();
        assert_eq!(c.popup_channel(&back).as_deref(), Some(channel.as_str()), "the redirect page finds the same channel");
        assert_eq!(c.popup_channel("https://app.example/cb?code=c&state=abc"), None, "an ordinary login");
    }

    #[test]
    fn a_request_that_takes_too_long_is_a_timeout_naming_the_step_and_origin() {
        let c = logged_in();
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        let e = c.advance(&mut step, Some(Answer::TimedOut)).unwrap_err();
        assert_eq!(e.code(), "timeout");
        assert!(e.message().contains("refresh request to https://id.example.com took longer than 10000 ms"), "{}", e.message());
        assert_eq!(c.tokens().unwrap().access_token.secret(), "at1", "nothing written");
        let mut step = c.logout(LogoutOptions::default()).unwrap();
        c.advance(&mut step, None).unwrap();
        assert!(matches!(c.advance(&mut step, Some(Answer::TimedOut)).unwrap(), Action::Navigate(_)), "logout goes on");
    }

    #[test]
    fn with_verify_signature_nothing_is_stored_before_the_signature_verified() {
        let login = |verified: bool| {
            let c = client(|o| o.verify_signature = true);
            let mut step = c.login(LoginOptions::default());
            c.advance(&mut step, None).unwrap();
            let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
            let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
            let mut step = c.callback(&back).unwrap();
            c.advance(&mut step, None).unwrap();
            let answer = tokens_answer("at1", Some(id_token(Some(&param(&url, "nonce")), 1000)));
            let Action::Fetch(jwks) = c.advance(&mut step, http(200, &answer)).unwrap() else { panic!("the JWK Set first") };
            assert_eq!(jwks.url, "https://id.example.com/jwks");
            let set = r#"{"keys":[{"kty":"RSA","n":"bg","e":"AQAB"}]}"#;
            let Action::Verify(v) = c.advance(&mut step, http(200, set)).unwrap() else { panic!("then the signature") };
            assert_eq!((v.alg.as_str(), v.jwk.as_str()), ("RS256", r#"{"kty":"RSA","n":"bg","e":"AQAB"}"#));
            assert!(c.tokens().is_none(), "nothing stored before the signature verified");
            (c.advance(&mut step, Some(Answer::Verified(verified))), c)
        };
        let (done, c) = login(true);
        assert_eq!(done.unwrap(), Action::Done(Outcome::LoggedIn(None)));
        assert!(c.tokens().is_some());
        let (refused, c) = login(false);
        assert_eq!(refused.unwrap_err().code(), "id_token_invalid");
        assert!(c.tokens().is_none());
    }

    #[test]
    fn logout_survives_a_failed_discovery() {
        let c = client(|_| {});
        let mut step = c.logout(LogoutOptions::default()).unwrap();
        assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(_)));
        assert_eq!(c.advance(&mut step, http(500, "down")).unwrap(), Action::Done(Outcome::LoggedOut));
    }
}
