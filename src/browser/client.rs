//! The Rust driver: the async [`AuthClient`] for Rust apps (Yew, Leptos). It runs the core's steps
//! ([`crate::core::client`]) with the browser's fetch and location, shares refreshes, and calls listeners.
//! The JavaScript driver (`src/js/driver.js`) runs the same steps; this one is not in the npm build.

use super::env::{self, BrowserClient};
use super::http;
use super::location;
use super::single_flight::SingleFlight;
use crate::core::authorize::LoginOptions;
use crate::core::client::{Action, Outcome, Step};
pub use crate::core::client::LogoutOptions;
use crate::core::config::{Config, Options};
use crate::core::error::{Error, Result};
use crate::core::publiq::{self, Environment};
use crate::core::token::Tokens;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Options of [`AuthClient::get_access_token`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenOptions {
    /// Seconds the token must stay valid: as given; by default 30, capped at half the token's lifetime.
    pub min_validity: Option<u64>,
    /// Refresh even when the cached token is valid.
    pub force_refresh: bool,
}

/// Options of [`AuthClient::fetch`]: none yet; reserved so the signature can grow.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchOptions;

type Listener = Rc<dyn Fn(Option<Tokens>)>;
type Flight = Rc<SingleFlight<Result<String>>>;

struct Inner {
    client: BrowserClient,
    refresh: Flight,
    listeners: RefCell<Vec<(u32, Listener)>>,
    next_listener: Cell<u32>,
    /// The core's session generation the listeners last heard of.
    heard: Cell<u32>,
}

/// A public OAuth 2.0 / OpenID Connect client for one authorization server and client id.
/// Cloning is cheap and shares the same session.
#[derive(Clone)]
pub struct AuthClient {
    inner: Rc<Inner>,
}

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

fn unexpected() -> Error {
    Error::server("The operation ended without its result.")
}

impl AuthClient {
    /// Validates `options` (`invalid_config` on anything unsafe) and opens the token store.
    pub fn new(options: Options) -> Result<Self> {
        let config = options.validate()?;
        if config.verify_signature {
            // WebCrypto verification is in the JavaScript driver only for now: refused rather than skipped.
            return Err(Error::invalid_config("`verifySignature` is not available in the Rust driver yet; leave it unset here."));
        }
        if config.dpop {
            // DPoP keys (WebCrypto in IndexedDB) are held by the JavaScript driver only for now: refused, never a
            // silent fallback to bearer tokens.
            return Err(Error::invalid_config(
                "`dpop` (RFC 9449) is not available in the Rust driver yet (the npm package has it); leave it unset here.",
            ));
        }
        let memory = config.storage == crate::core::config::StorageKind::Memory;
        let client = env::client(config);
        let refresh = if memory { Flight::default() } else { shared_flight(client.env().tokens_key()) };
        Ok(AuthClient {
            inner: Rc::new(Inner { client, refresh, listeners: RefCell::new(Vec::new()), next_listener: Cell::new(0), heard: Cell::new(0) }),
        })
    }

    /// A client for publiq's UiTiD v2 in `environment`: endpoints filled in, no discovery request.
    pub fn publiq(environment: Environment, options: Options) -> Result<Self> {
        Self::new(publiq::options(environment, options)?)
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        self.inner.client.config()
    }

    fn client(&self) -> &BrowserClient {
        &self.inner.client
    }

    /// Runs `step` to its end: fetches what it asks for, navigates where it says; listeners hear of any change.
    async fn run(&self, mut step: Step) -> Result<Outcome> {
        let mut answer = None;
        let result = loop {
            match self.client().advance(&mut step, answer.take()) {
                Ok(Action::Fetch(request)) => answer = Some(http::send(&request, self.config().timeout_ms).await),
                Ok(Action::Navigate(url)) => {
                    if let Err(e) = location::assign(&url) {
                        break Err(e);
                    }
                }
                Ok(Action::Done(outcome)) => break Ok(outcome),
                Ok(Action::Verify(_)) => answer = Some(crate::core::client::Answer::Verified(false)),
                Err(e) => break Err(e),
            }
        };
        self.notify_changes();
        result
    }

    /// Creates verifier, challenge, state and nonce, stores the login under its state, and returns the URL.
    pub async fn build_authorize_url(&self, login: LoginOptions) -> Result<String> {
        match self.run(self.client().login(login)).await? {
            Outcome::AuthorizeUrl(url) => Ok(url),
            _ => Err(unexpected()),
        }
    }

    /// [`build_authorize_url`](Self::build_authorize_url), then navigates there.
    pub async fn login_with_redirect(&self, login: LoginOptions) -> Result<()> {
        location::assign(&self.build_authorize_url(login).await?)
    }

    /// Whether `url` (default: the current one) is an authorization response for this client's response mode.
    pub fn is_callback(&self, url: Option<&str>) -> bool {
        match url {
            Some(u) => self.client().is_callback(u),
            None => location::href().is_ok_and(|u| self.client().is_callback(&u)),
        }
    }

    /// Completes a login from the redirect back (default: the current URL) and returns the login's `appState`
    /// (JSON text). The address bar is scrubbed first, also when the callback fails; tokens are stored only when
    /// every check passed.
    pub async fn handle_redirect_callback(&self, url: Option<String>) -> Result<Option<String>> {
        let url = location::take_callback_url(url, |u| self.client().scrub_callback_url(u))?;
        match self.run(self.client().callback(&url)?).await? {
            Outcome::LoggedIn(app_state) | Outcome::NotLoggedIn(app_state) => Ok(app_state),
            _ => Err(unexpected()),
        }
    }

    /// A stored token set that is not expired, or that can be refreshed.
    pub fn is_authenticated(&self) -> bool {
        self.client().is_authenticated()
    }

    /// The current tokens, without the refresh token.
    pub fn get_tokens(&self) -> Option<Tokens> {
        self.client().tokens()
    }

    /// The validated ID token's claims, as JSON text.
    pub fn user_claims_json(&self) -> Option<String> {
        self.client().user_claims_json()
    }

    /// An access token valid for `min_validity` more seconds: the cached one, or one refresh shared by every
    /// concurrent caller. `login_required` (and the stale tokens removed) when no refresh is possible.
    pub async fn get_access_token(&self, options: TokenOptions) -> Result<String> {
        let decided = self.client().access_token(options.min_validity, options.force_refresh);
        self.notify_changes();
        match decided? {
            Some(token) => Ok(token),
            None => self.inner.refresh.run(|| self.refresh_once()).await,
        }
    }

    async fn refresh_once(&self) -> Result<String> {
        match self.run(self.client().refresh()?).await? {
            Outcome::AccessToken(token) => Ok(token),
            _ => Err(unexpected()),
        }
    }

    /// The UserInfo claims (OIDC Core §5.3) as JSON text, with a valid access token; their `sub` must be the ID
    /// token's (`id_token_invalid` otherwise).
    pub async fn get_user_info(&self) -> Result<String> {
        let token = self.get_access_token(TokenOptions::default()).await?;
        match self.run(self.client().user_info(token)).await? {
            Outcome::UserInfo(claims) => Ok(claims),
            _ => Err(unexpected()),
        }
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
        let force_refresh = self.get_tokens().is_some_and(|t| t.access_token.secret() == token);
        let token = self.get_access_token(TokenOptions { force_refresh, ..TokenOptions::default() }).await?;
        send_with_bearer(&request, &token).await
    }

    /// Forgets this client's tokens and logins in progress, revokes the refresh token when a revocation endpoint
    /// is known (a failure does not stop the logout), then, unless `local_only`, goes to the server's logout.
    pub async fn logout(&self, options: LogoutOptions) -> Result<()> {
        let step = self.client().logout(options);
        self.notify_changes();
        self.run(step?).await.map(|_| ())
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

    fn notify_changes(&self) {
        let generation = self.client().generation();
        if self.inner.heard.replace(generation) == generation {
            return;
        }
        let tokens = self.get_tokens();
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
