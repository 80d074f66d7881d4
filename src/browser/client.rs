//! The async [`AuthClient`]: runs the core's protocol steps with the browser's storage, fetch and location.
//! Rust apps (Yew, Leptos) use it directly; the JavaScript `AuthClient` is a thin facade over it.

use super::http::{self, JsonAnswer};
use super::js_value;
use super::json::BrowserJson;
use super::location;
use super::random;
use super::single_flight::SingleFlight;
use super::storage::{FallbackStore, MemoryStore, Store};
use super::now;
use crate::core::authorize::{self, LoginOptions, Transaction, TRANSACTION_TTL};
use crate::core::callback::{self, StoredLogin};
use crate::core::config::{Config, LogoutStyle, Options, StorageKind};
use crate::core::discovery::{CachedDiscovery, Endpoints, ProviderMetadata};
use crate::core::error::{code, Error, Result};
use crate::core::freshness::{self, Freshness};
use crate::core::id_token::{self, Claims, Expected};
use crate::core::json::Json;
use crate::core::keys::Keys;
use crate::core::logout;
use crate::core::publiq::{self, Environment};
use crate::core::secret::IdToken;
use crate::core::token::{self, decimal, TokenResponse, TokenSet, Tokens};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Options of [`AuthClient::get_access_token`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenOptions {
    /// Seconds the token must stay valid (default 30, capped at half the token's lifetime).
    pub min_validity: Option<u64>,
    /// Refresh even when the cached token is valid.
    pub force_refresh: bool,
}

/// Options of [`AuthClient::logout`].
#[derive(Clone, Debug, Default)]
pub struct LogoutOptions {
    /// Where the server sends the browser after logout (`post_logout_redirect_uri` / `returnTo`).
    pub return_to: Option<String>,
    /// Only forget the tokens here; no redirect to the server.
    pub local_only: bool,
}

/// Options of [`AuthClient::fetch`]: none yet; reserved so the signature can grow.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchOptions;

type Listener = Rc<dyn Fn(Option<Tokens>)>;

struct Inner {
    config: Config,
    keys: Keys,
    tokens_key: String,
    /// The same key as a JavaScript string, for the per-call read of [`AuthClient::load`].
    tokens_key_js: JsValue,
    /// The token set last read or written, with its exact stored text (a JavaScript string, compared without
    /// copying it into wasm): a read that finds the same text skips parsing. The store stays the source of
    /// truth, so another instance's write is always seen.
    parsed: RefCell<Option<(JsValue, Rc<TokenSet>)>>,
    /// Where tokens live (`storage` option).
    tokens: Rc<dyn Store>,
    /// Logins in progress and the discovery cache: always sessionStorage (or its fallback), since a login
    /// leaves the page and comes back.
    store: Rc<FallbackStore>,
    endpoints: RefCell<Option<Endpoints>>,
    refresh: Rc<SingleFlight<Result<TokenSet>>>,
    listeners: RefCell<Vec<(u32, Listener)>>,
    next_listener: Cell<u32>,
}

/// A public OAuth 2.0 / OpenID Connect client for one authorization server and client id.
/// Cloning is cheap and shares the same session.
#[derive(Clone)]
pub struct AuthClient {
    inner: Rc<Inner>,
}

fn login_required(message: &'static str) -> Error {
    Error::new(code::LOGIN_REQUIRED, message)
}

type Flight = Rc<SingleFlight<Result<TokenSet>>>;

thread_local! {
    /// The refresh flight of each sessionStorage token key, shared by every client on the page that uses it,
    /// so two instances with one client id never send the same (rotating) refresh token twice.
    static FLIGHTS: RefCell<Vec<(String, Flight)>> = const { RefCell::new(Vec::new()) };
}

fn shared_flight(tokens_key: &str) -> Flight {
    FLIGHTS.with(|flights| {
        let mut flights = flights.borrow_mut();
        if let Some((_, flight)) = flights.iter().find(|(key, _)| key == tokens_key) {
            return flight.clone();
        }
        let flight = Flight::default();
        flights.push((tokens_key.to_owned(), flight.clone()));
        flight
    })
}

impl AuthClient {
    /// Validates `options` (`invalid_config` on anything unsafe) and opens the token store.
    pub fn new(options: Options) -> Result<Self> {
        let config = options.validate()?;
        let keys = Keys::new(&config.client_id);
        let store = Rc::new(FallbackStore::new(keys.prefix()));
        let (tokens, refresh): (Rc<dyn Store>, Flight) = match config.storage {
            StorageKind::Session => (store.clone() as Rc<dyn Store>, shared_flight(&keys.tokens())),
            StorageKind::Memory => (Rc::new(MemoryStore::default()), Flight::default()),
        };
        Ok(AuthClient {
            inner: Rc::new(Inner {
                endpoints: RefCell::new(Endpoints::configured(&config)),
                tokens_key_js: JsValue::from_str(&keys.tokens()),
                tokens_key: keys.tokens(),
                parsed: RefCell::new(None),
                config,
                keys,
                tokens,
                store,
                refresh,
                listeners: RefCell::new(Vec::new()),
                next_listener: Cell::new(0),
            }),
        })
    }

    /// A client for publiq's UiTiD v2 in `environment`: endpoints filled in, no discovery request.
    pub fn publiq(environment: Environment, options: Options) -> Result<Self> {
        Self::new(publiq::options(environment, options)?)
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    // ---- endpoints -------------------------------------------------------------------------------------

    /// Endpoints known without a request: configured, already discovered, or cached in the store.
    fn known_endpoints(&self) -> Option<Endpoints> {
        if let Some(e) = self.inner.endpoints.borrow().clone() {
            return Some(e);
        }
        let text = self.inner.store.get(&self.inner.keys.discovery()).ok()??;
        let cached: CachedDiscovery = BrowserJson.parse(&text)?;
        let endpoints = cached.endpoints_for(&self.inner.config)?;
        *self.inner.endpoints.borrow_mut() = Some(endpoints.clone());
        Some(endpoints)
    }

    /// The server's endpoints: from the options, the cache, or one discovery request per session.
    pub async fn endpoints(&self) -> Result<Endpoints> {
        if let Some(e) = self.known_endpoints() {
            return Ok(e);
        }
        let config = &self.inner.config;
        let JsonAnswer { status, body } = http::get_json(&config.discovery_url).await?;
        let metadata: Option<ProviderMetadata> = body.and_then(js_value::from_value);
        let metadata = match metadata {
            Some(m) if (200..300).contains(&status) => m,
            _ => {
                return Err(Error::server(
                    ["The discovery document at ", &config.discovery_url, " could not be read (HTTP ", &decimal(status.into()), ")."]
                        .concat(),
                ))
            }
        };
        let endpoints = Endpoints::discovered(config, metadata)?;
        let cached = CachedDiscovery {
            discovery_url: config.discovery_url.clone(),
            issuer: config.issuer.clone(),
            endpoints: endpoints.clone(),
        };
        if let Some(text) = BrowserJson.stringify(&cached) {
            // A cache that cannot be written only costs a request later.
            let _ = self.inner.store.set(&self.inner.keys.discovery(), &text);
        }
        *self.inner.endpoints.borrow_mut() = Some(endpoints.clone());
        Ok(endpoints)
    }

    // ---- login ------------------------------------------------------------------------------------------

    /// Creates verifier, challenge, state and nonce, stores the login under its state, and returns the URL.
    pub async fn build_authorize_url(&self, login: LoginOptions) -> Result<String> {
        let endpoints = self.endpoints().await?;
        let now = now();
        let request = authorize::authorization_request(&self.inner.config, &endpoints.authorization, login, &random::login()?, now)?;
        self.forget_old_logins(now)?;
        let text = BrowserJson.stringify(&request.transaction).ok_or_else(|| Error::invalid_config("appState must be JSON."))?;
        // A login that could not be found on the way back is refused here, before the page is left.
        self.inner.store.set_durable(&self.inner.keys.transaction(request.state.secret()), &text)?;
        Ok(request.url)
    }

    /// [`build_authorize_url`](Self::build_authorize_url), then navigates there.
    pub async fn login_with_redirect(&self, login: LoginOptions) -> Result<()> {
        location::assign(&self.build_authorize_url(login).await?)
    }

    /// Removes logins in progress and used-state records older than the transaction lifetime.
    fn forget_old_logins(&self, now: u64) -> Result<()> {
        let keys = &self.inner.keys;
        for key in self.inner.store.keys(keys.prefix())? {
            if !keys.is_login_record(&key) {
                continue;
            }
            let value = self.inner.store.get(&key)?.unwrap_or_default();
            let stale = if keys.is_transaction(&key) {
                BrowserJson.parse::<Transaction>(&value).is_none_or(|t| t.expired(now))
            } else {
                value.parse::<u64>().map_or(true, |until| until < now)
            };
            if stale {
                self.inner.store.remove(&key)?;
            }
        }
        Ok(())
    }

    /// Whether `url` (default: the current one) is an authorization response for this client's response mode.
    pub fn is_callback(&self, url: Option<&str>) -> bool {
        let current;
        let url = match url {
            Some(u) => u,
            None => match location::href() {
                Ok(href) => {
                    current = href;
                    &current
                }
                Err(_) => return false,
            },
        };
        callback::is_callback(url, self.inner.config.response_mode)
    }

    /// Takes the login stored under `state` out of the store (single use: it is deleted and the state remembered
    /// as used before anything else happens).
    fn take_login(&self, state: &str, now: u64) -> Result<StoredLogin> {
        let store = &self.inner.store;
        let keys = &self.inner.keys;
        let key = keys.transaction(state);
        if let Some(text) = store.get(&key)? {
            store.remove(&key)?;
            store.set(&keys.used_state(state), &decimal(now + TRANSACTION_TTL))?;
            return Ok(BrowserJson.parse(&text).map_or(StoredLogin::Unknown, StoredLogin::Pending));
        }
        if store.get(&keys.used_state(state))?.is_some() {
            return Ok(StoredLogin::Used);
        }
        let pending = store.keys(keys.prefix())?.iter().any(|k| keys.is_transaction(k));
        Ok(if pending { StoredLogin::Unknown } else { StoredLogin::NoneStarted })
    }

    /// Completes a login from the redirect back (default: the current URL) and returns the login's `appState`
    /// (JSON text). The address bar is scrubbed first, also when the callback fails; tokens are stored only when
    /// every check passed.
    pub async fn handle_redirect_callback(&self, url: Option<String>) -> Result<Option<String>> {
        let config = &self.inner.config;
        let url = location::take_callback_url(url, |u| callback::scrub_url(u, config.response_mode))?;
        let response = callback::parse_response(&url, config.response_mode);
        let Some(state) = response.state.clone() else {
            return Err(Error::new(code::INVALID_STATE, "The URL carries no `state`: it is not an authorization response."));
        };
        let now = now();
        let transaction = callback::check_state(self.take_login(&state, now)?, &config.issuer, now)?;
        if response.error.is_some() {
            // The server's own error needs no endpoints: report it even when discovery would fail.
            return Err(callback::check_response(response, &config.issuer, false).err().unwrap_or_else(|| {
                Error::server("The callback carries an error.")
            }));
        }
        let endpoints = self.endpoints().await?;
        let code = callback::check_response(response, &config.issuer, endpoints.iss_parameter_supported)?;
        let body = token::code_grant_body(&code, &transaction, &config.client_id);
        let set = self.request_tokens(&endpoints.token, body, None).await?;
        let nonce = transaction.nonce.as_ref().map(|n| n.secret());
        id_token::verify_code_exchange(set.id_token.as_ref(), &self.expected(nonce, super::now()), &BrowserJson)?;
        self.save(&set)?;
        Ok(transaction.app_state)
    }

    fn expected<'a>(&'a self, nonce: Option<&'a str>, now: u64) -> Expected<'a> {
        let config = &self.inner.config;
        Expected { issuer: &config.issuer, client_id: &config.client_id, nonce, now, leeway: config.leeway }
    }

    /// POSTs a grant to the token endpoint and turns a good answer into a token set (nothing is stored here).
    async fn request_tokens(&self, endpoint: &str, body: String, previous: Option<&TokenSet>) -> Result<TokenSet> {
        let JsonAnswer { status, body } = http::post_form(endpoint, body).await?;
        let parsed = match body {
            Some(json) => Some(
                js_value::from_value::<TokenResponse>(json)
                    .ok_or_else(|| Error::server("The token endpoint's answer has fields of the wrong type."))?,
            ),
            None => None,
        };
        let response = token::check_response("token endpoint", status, parsed)?;
        TokenSet::from_response(response, now(), previous)
    }

    // ---- the session -------------------------------------------------------------------------------------

    fn load(&self) -> Option<Rc<TokenSet>> {
        let stored = self.inner.tokens.get_js(&self.inner.tokens_key_js).ok()?;
        if let Some((cached, set)) = &*self.inner.parsed.borrow() {
            if *cached == stored {
                return Some(set.clone());
            }
        }
        let set = Rc::new(BrowserJson.parse::<TokenSet>(&stored.as_string()?)?);
        *self.inner.parsed.borrow_mut() = Some((stored, set.clone()));
        Some(set)
    }

    fn save(&self, set: &TokenSet) -> Result<()> {
        let text = BrowserJson.stringify(set).ok_or_else(|| Error::server("The token set could not be serialized."))?;
        self.inner.tokens.set(&self.inner.tokens_key, &text)?;
        *self.inner.parsed.borrow_mut() = Some((JsValue::from_str(&text), Rc::new(set.clone())));
        self.notify(Some(set.public()));
        Ok(())
    }

    fn forget_tokens(&self) {
        let _ = self.inner.tokens.remove(&self.inner.tokens_key);
        self.notify(None);
    }

    /// A stored token set that is not expired, or that can be refreshed.
    pub fn is_authenticated(&self) -> bool {
        freshness::is_authenticated(self.load().as_deref(), now())
    }

    /// The current tokens, without the refresh token.
    pub fn get_tokens(&self) -> Option<Tokens> {
        self.load().map(|s| s.public())
    }

    /// The validated ID token's claims, as JSON text.
    pub fn user_claims_json(&self) -> Option<String> {
        let id_token = self.load()?.id_token.clone()?;
        id_token::payload_json(id_token.secret()).ok().map(|(_, payload)| payload)
    }

    /// The stored access token when it is valid for `min_validity` more seconds, without waiting: what
    /// [`get_access_token`](Self::get_access_token) answers at once when no refresh is needed.
    pub fn valid_access_token(&self, options: TokenOptions) -> Option<String> {
        let set = self.load()?;
        (freshness::assess(Some(&set), now(), options.min_validity, options.force_refresh) == Freshness::Valid)
            .then(|| set.access_token.secret().to_owned())
    }

    /// An access token valid for `min_validity` more seconds: the cached one, or one refresh shared by every
    /// concurrent caller. `login_required` (and the stale tokens removed) when no refresh is possible.
    pub async fn get_access_token(&self, options: TokenOptions) -> Result<String> {
        let set = self.load();
        match freshness::assess(set.as_deref(), now(), options.min_validity, options.force_refresh) {
            Freshness::Valid => match set {
                Some(s) => Ok(s.access_token.secret().to_owned()),
                None => Err(login_required("Not logged in.")),
            },
            Freshness::Refresh => Ok(self.refresh().await?.access_token.secret().to_owned()),
            Freshness::LoginRequired => {
                // Only an expired session is removed; a valid one without a refresh token stays usable.
                if set.is_some_and(|s| s.expires_at <= now()) {
                    self.forget_tokens();
                }
                Err(login_required("No access token valid for long enough, and no refresh token: log in again."))
            }
        }
    }

    async fn refresh(&self) -> Result<TokenSet> {
        self.inner.refresh.run(|| self.refresh_once()).await
    }

    /// One refresh (RFC 6749 §6). The result is stored only if the session was not changed meanwhile.
    async fn refresh_once(&self) -> Result<TokenSet> {
        let Some(old) = self.load() else { return Err(login_required("Not logged in.")) };
        let Some(refresh_token) = old.refresh_token.clone() else {
            return Err(login_required("The session has no refresh token: log in again."));
        };
        let endpoints = self.endpoints().await?;
        let body = token::refresh_grant_body(&refresh_token, &self.inner.config.client_id);
        let still_current = |this: &Self| this.load().is_some_and(|s| s.refresh_token.as_ref() == Some(&refresh_token));
        let set = match self.request_tokens(&endpoints.token, body, Some(&old)).await {
            Ok(set) => set,
            Err(e) if e.code() == "invalid_grant" => {
                if still_current(self) {
                    self.forget_tokens();
                } else if let Some(current) = self.load().filter(|s| s.expires_at > now()) {
                    // Another client refreshed (or logged in) meanwhile: its tokens are the answer.
                    return Ok((*current).clone());
                }
                return Err(Error::caused_by(code::LOGIN_REQUIRED, "The session ended at the server (refresh token refused): log in again.", &e));
            }
            Err(e) => return Err(e),
        };
        if set.id_token != old.id_token {
            if let Some(new_id) = &set.id_token {
                let original = old.id_token.as_ref().and_then(|t| self.claims_of(t));
                let expected = self.expected(None, now());
                match original {
                    Some(original) => id_token::verify_refreshed(new_id, &original, &expected, &BrowserJson)?,
                    None => id_token::verify(new_id, &expected, &BrowserJson)?,
                };
            }
        }
        if !still_current(self) {
            return Err(login_required("The session changed while refreshing (logout or a new login)."));
        }
        self.save(&set)?;
        Ok(set)
    }

    fn claims_of(&self, token: &IdToken) -> Option<Claims> {
        BrowserJson.parse(&id_token::payload_json(token.secret()).ok()?.1)
    }

    /// Sends `request` with `Authorization: Bearer …`; on a 401, refreshes once and retries once (the body is
    /// replayed from a clone).
    pub async fn fetch(&self, request: web_sys::Request, _options: FetchOptions) -> Result<web_sys::Response> {
        let token = self.get_access_token(TokenOptions::default()).await?;
        let response = send_with_bearer(&request, &token).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        // Refresh unless another caller already replaced the token that was refused.
        let current = self.load().map(|s| s.access_token.secret().to_owned());
        let force_refresh = current.as_deref() == Some(token.as_str());
        let token = self.get_access_token(TokenOptions { force_refresh, ..TokenOptions::default() }).await?;
        send_with_bearer(&request, &token).await
    }

    // ---- logout and listeners ------------------------------------------------------------------------------

    /// Forgets this client's tokens and logins in progress, revokes the refresh token when a revocation endpoint
    /// is known (a failure does not stop the logout), then, unless `local_only`, goes to the server's logout.
    pub async fn logout(&self, options: LogoutOptions) -> Result<()> {
        let set = self.load();
        let keys = &self.inner.keys;
        self.inner.tokens.remove(&self.inner.tokens_key)?;
        for key in self.inner.store.keys(keys.prefix())? {
            if keys.is_login_record(&key) {
                self.inner.store.remove(&key)?;
            }
        }
        self.notify(None);
        // Discovery is needed only to find the end-session endpoint; its failure costs the revocation, not the logout.
        let endpoints = match (options.local_only, self.inner.config.logout_style) {
            (false, LogoutStyle::Oidc) => self.endpoints().await.ok(),
            _ => self.known_endpoints(),
        };
        if let (Some(refresh_token), Some(url)) =
            (set.as_ref().and_then(|s| s.refresh_token.as_ref()), endpoints.as_ref().and_then(|e| e.revocation.as_ref()))
        {
            let _ = http::post_form(url, token::revocation_body(refresh_token, &self.inner.config.client_id)).await;
        }
        if options.local_only {
            return Ok(());
        }
        let config = &self.inner.config;
        let return_to = options.return_to.as_deref();
        let target = match config.logout_style {
            LogoutStyle::Auth0 => Some(logout::auth0_logout_url(&config.issuer, &config.client_id, return_to)),
            LogoutStyle::Oidc => endpoints.and_then(|e| e.end_session).map(|endpoint| {
                logout::end_session_url(&endpoint, set.as_ref().and_then(|s| s.id_token.as_ref()), &config.client_id, return_to)
            }),
        };
        match target {
            Some(url) => location::assign(&url),
            None => Ok(()),
        }
    }

    /// Calls `listener` with the new tokens after every login, refresh and logout; returns an id for
    /// [`remove_listener`](Self::remove_listener).
    pub fn on_change(&self, listener: impl Fn(Option<Tokens>) + 'static) -> u32 {
        let id = self.inner.next_listener.get();
        self.inner.next_listener.set(id.wrapping_add(1));
        self.inner.listeners.borrow_mut().push((id, Rc::new(listener)));
        id
    }

    /// Stops calling the listener registered under `id`.
    pub fn remove_listener(&self, id: u32) {
        self.inner.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    fn notify(&self, tokens: Option<Tokens>) {
        let listeners: Vec<Listener> = self.inner.listeners.borrow().iter().map(|(_, l)| l.clone()).collect();
        for listener in listeners {
            listener(tokens.clone());
        }
    }
}

/// One attempt of [`AuthClient::fetch`]: a clone of `request` with the bearer token.
async fn send_with_bearer(request: &web_sys::Request, token: &str) -> Result<web_sys::Response> {
    http::send_with_headers(request, &[("Authorization", &["Bearer ", token].concat())]).await
}
