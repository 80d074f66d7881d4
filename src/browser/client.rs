//! The Rust driver: the async [`AuthClient`] for Rust apps (Yew, Leptos). It runs the core's steps
//! ([`crate::core::client`]) with the browser's fetch and location, shares refreshes (in the tab, and across the
//! app's tabs under a Web Lock), shares sessions and logouts with the app's other tabs, and calls listeners.
//! The JavaScript driver (`src/js/driver.js`) runs the same steps; this one is not in the npm build.

use crate::core::encoding::concat;
use super::env::{self, BrowserClient};
use super::http;
use super::location;
use super::popup;
use super::single_flight::SingleFlight;
use super::tabs::{self, Locked};
use super::webcrypto;
use crate::core::authorize::LoginOptions;
use crate::core::client::{Action, Answer, Outcome, Step};
use crate::core::dpop::PublicKey;
pub use crate::core::client::LogoutOptions;
use crate::core::config::{Config, Options};
use crate::core::error::{Error, Result};
use crate::core::publiq::{self, Environment};
use crate::core::token::Tokens;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;

/// Options of [`AuthClient::get_access_token`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenOptions {
    /// Seconds the token must stay valid: as given; by default 30, capped at half the token's lifetime.
    pub min_validity: Option<u64>,
    /// Refresh even when the cached token is valid.
    pub force_refresh: bool,
}

/// Options of [`AuthClient::check_session`].
#[derive(Clone, Debug)]
pub struct CheckSessionOptions {
    /// How long to wait for another open tab of the app to hand its session over, in milliseconds (default 100).
    pub tab_wait_ms: u32,
    /// Last, a top-level redirect with `prompt=none` (once per tab session); the page navigates away and the call
    /// resolves only if the browser brings the page back from its back/forward cache (with `is_authenticated()`).
    /// `handle_redirect_callback` on the way back logs in, or returns quietly for "log in first".
    pub silent_redirect: bool,
    /// The silent check's `appState` (JSON text, e.g. the page to return to), which `handle_redirect_callback`
    /// returns on the way back, logged in or not.
    pub app_state: Option<String>,
}

impl Default for CheckSessionOptions {
    fn default() -> Self {
        CheckSessionOptions { tab_wait_ms: 100, silent_redirect: false, app_state: None }
    }
}

/// Options of [`AuthClient::login_with_popup`].
#[derive(Clone, Debug)]
pub struct PopupLoginOptions {
    /// The login's own options (`app_state`, `authorization_params`).
    pub login: LoginOptions,
    /// How long the popup may take, in milliseconds (default 300000); then `timeout`.
    pub timeout_ms: u32,
}

impl Default for PopupLoginOptions {
    fn default() -> Self {
        PopupLoginOptions { login: LoginOptions::default(), timeout_ms: 300_000 }
    }
}

/// How long a tab that waited for the refresh lock waits for the other tabs' answer before it refreshes itself.
const WAITED_ASK_MS: i32 = 250;
/// How long after its "hello" a new client waits for the other tabs' answers before its first refresh.
const HELLO_MS: f64 = 100.0;

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
    /// `dpop: true`: the key pair, once loaded.
    key: RefCell<Option<Rc<webcrypto::Key>>>,
    /// How often the key was forgotten (a logout here or in another tab): a load that began before is stale.
    key_drops: Cell<u32>,
    /// `dpop: true`: the key's IndexedDB name (fixed for the client's lifetime).
    key_name: Option<String>,
    /// `tabs: "shared"`: the channel to this app's other tabs.
    channel: Option<tabs::Channel>,
    /// The logout under way: a second call (a double click, an effect run twice) shares it, so it cannot go to the
    /// provider's logout without the `id_token_hint` the first one took.
    logout: SingleFlight<Result<()>>,
    /// The popup login under way: its window, its task (a promise that settles when it ends) and its outcome.
    popup_login: RefCell<Option<(web_sys::Window, js_sys::Promise, CallbackOutcome)>>,
    /// Tells the listeners and the other tabs when the page comes back from the back/forward cache.
    _restored: Option<tabs::Restored>,
    /// The session text the other tabs last heard of from this client (or it last heard of).
    heard_text: RefCell<Option<String>>,
    /// Whether another tab of this app (or another client of it in this tab) was heard from.
    others: Cell<bool>,
    /// When this client said "hello" to the other tabs ([`monotonic_ms`](crate::browser::monotonic_ms)).
    hello_at: Cell<f64>,
    /// Wake-ups of [`AuthClient::ask`] calls waiting for another tab's session.
    waiting: RefCell<Vec<js_sys::Function>>,
}

/// A public OAuth 2.0 / OpenID Connect client for one authorization server and client id.
/// Cloning is cheap and shares the same session.
#[derive(Clone)]
pub struct AuthClient {
    inner: Rc<Inner>,
}

/// Two handles are equal when they are clones of one client (one session): what Yew's `ContextProvider` and
/// `Properties` need to tell whether the client changed.
impl PartialEq for AuthClient {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

/// Names the client (issuer and client id), never a token.
impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let config = self.config();
        f.debug_struct("AuthClient").field("issuer", &config.issuer).field("client_id", &config.client_id).finish_non_exhaustive()
    }
}

thread_local! {
    /// The refresh flight of each sessionStorage token key, shared by every client on the page that uses it,
    /// so two instances with one client id never send the same (rotating) refresh token twice.
    static FLIGHTS: RefCell<Vec<(String, Flight)>> = const { RefCell::new(Vec::new()) };
}

/// Where a callback's outcome lands once its task ends.
type CallbackOutcome = Rc<RefCell<Option<Result<Option<String>>>>>;

/// A callback being handled: the token key of its client, the URL, the URL scrubbed, its task (a promise that
/// settles when it ends) and where its outcome lands.
type Handling = (String, String, String, js_sys::Promise, CallbackOutcome);

thread_local! {
    /// The callback being handled, so a second `handle_redirect_callback` for it (an effect run twice, two
    /// components) shares its outcome instead of failing on the spent state, as in the JS driver.
    static HANDLING: RefCell<Option<Handling>> = const { RefCell::new(None) };
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

/// Runs `future` to its end even when the caller's future is dropped (a Yew or Leptos component unmounting): the
/// browser's request goes on anyway, and an answer thrown away would lose a rotated refresh token or a login whose
/// state is spent. `None` only if the task ended without an outcome.
pub(crate) async fn detached<T: 'static>(future: impl std::future::Future<Output = T> + 'static) -> Option<T> {
    let slot = Rc::new(RefCell::new(None));
    let out = slot.clone();
    let promise = wasm_bindgen_futures::future_to_promise(async move {
        *out.borrow_mut() = Some(future.await);
        Ok(JsValue::UNDEFINED)
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    let outcome = slot.borrow_mut().take();
    outcome
}

/// Runs `future` as a task of its own that ends with an outcome, in `outcome`, even if nobody awaits it (its caller
/// dropped); the promise settles when it ended, so every caller can await it with [`shared_outcome`].
fn shared_task(outcome: &CallbackOutcome, future: impl std::future::Future<Output = Result<Option<String>>> + 'static) -> js_sys::Promise {
    let slot = outcome.clone();
    wasm_bindgen_futures::future_to_promise(async move {
        let result = future.await;
        *slot.borrow_mut() = Some(result);
        Ok(JsValue::UNDEFINED)
    })
}

/// The outcome of a callback's task, once it ended.
async fn shared_outcome(task: js_sys::Promise, outcome: &CallbackOutcome) -> Result<Option<String>> {
    let _ = wasm_bindgen_futures::JsFuture::from(task).await;
    let result = outcome.borrow().clone();
    result.unwrap_or_else(|| Err(unexpected()))
}

fn unexpected() -> Error {
    Error::server("The operation ended without its result.")
}

impl AuthClient {
    /// Validates `options` (`invalid_config` on anything unsafe) and opens the token store.
    /// Outside the browser (server-side rendering), `invalid_config`.
    pub fn new(options: Options) -> Result<Self> {
        #[cfg(not(target_arch = "wasm32"))]
        super::in_browser("AuthClient")?;
        let config = options.validate()?;
        if config.dpop && !webcrypto::available() {
            return Err(Error::invalid_config(
                "`dpop: true` needs WebCrypto (a secure context: https: or localhost) and IndexedDB, which this page does \
not have; spa-auth does not fall back to bearer tokens silently.",
            ));
        }
        let memory = config.storage == crate::core::config::StorageKind::Memory;
        let client = env::client(config);
        let refresh = if memory { Flight::default() } else { shared_flight(client.env().tokens_key()) };
        let key_name = client.dpop_key_name();
        let channel_name = client.tabs_channel();
        let heard_text = RefCell::new(client.session_text());
        let inner = Rc::new_cyclic(|this: &Weak<Inner>| {
            let (this, back) = (this.clone(), this.clone());
            let channel = channel_name.and_then(|name| {
                tabs::Channel::open(&name, move |message| {
                    if let Some(inner) = this.upgrade() {
                        AuthClient { inner }.hear(message);
                    }
                })
            });
            // Tokens in memory: no other page can change them while this one is in the cache.
            let restored = (!memory).then(|| tabs::Restored::listen(move || {
                if let Some(inner) = back.upgrade() {
                    let auth = AuthClient { inner };
                    auth.notify_changes(false);
                    auth.post("hello");
                    // Like a new client: asks the others before its first refresh from the copy it slept with.
                    auth.inner.hello_at.set(crate::browser::monotonic_ms());
                }
            })).flatten();
            Inner {
                client,
                refresh,
                listeners: RefCell::new(Vec::new()),
                next_listener: Cell::new(0),
                heard: Cell::new(0),
                key: RefCell::new(None),
                key_drops: Cell::new(0),
                key_name,
                channel,
                _restored: restored,
                logout: SingleFlight::default(),
                popup_login: RefCell::new(None),
                heard_text,
                others: Cell::new(false),
                hello_at: Cell::new(crate::browser::monotonic_ms()),
                waiting: RefCell::default(),
            }
        });
        let auth = AuthClient { inner };
        auth.post("hello");
        Ok(auth)
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

    /// `dpop: true`: the key pair (loaded once, from IndexedDB or new), given to the core; otherwise `None`.
    async fn dpop_key(&self) -> Result<Option<Rc<webcrypto::Key>>> {
        let Some(name) = &self.inner.key_name else { return Ok(None) };
        if let Some(key) = self.inner.key.borrow().clone() {
            return Ok(Some(key));
        }
        let key = loop {
            let drops = self.inner.key_drops.get();
            let key = Rc::new(webcrypto::load(name).await?);
            // A logout meanwhile removed the key this load may have read: load again (a new key then).
            if self.inner.key_drops.get() == drops {
                break key;
            }
        };
        let public = PublicKey::p256(&key.x, &key.y)
            .ok_or_else(|| Error::new(crate::core::error::code::CRYPTO_UNAVAILABLE, "The DPoP key is not a P-256 key."))?;
        self.client().set_dpop_key(Some(public));
        *self.inner.key.borrow_mut() = Some(key.clone());
        Ok(Some(key))
    }

    /// The `DPoP` header for a request the core gave a proof's signing input.
    async fn proof(key: Option<&webcrypto::Key>, input: Option<&str>) -> Result<Option<String>> {
        match (key, input) {
            (Some(key), Some(input)) => webcrypto::sign(key, input).await.map(Some),
            _ => Ok(None),
        }
    }

    /// Runs `step` to its end: fetches what it asks for, navigates where it says; listeners hear of any change,
    /// and (`share`) the other tabs of a new session.
    async fn run(&self, step: Step, share: bool) -> Result<Outcome> {
        let key = self.dpop_key().await?;
        self.run_with(step, key.as_deref(), share).await
    }

    /// [`run`](Self::run) with the DPoP key already loaded (logout removes it from IndexedDB before it runs).
    async fn run_with(&self, mut step: Step, key: Option<&webcrypto::Key>, share: bool) -> Result<Outcome> {
        let mut answer = None;
        let result = loop {
            match self.client().advance(&mut step, answer.take()) {
                Ok(Action::Fetch(request)) => match Self::proof(key, request.dpop.as_deref()).await {
                    Ok(proof) => answer = Some(http::send(&request, self.config().timeout_ms, proof.as_deref()).await),
                    Err(e) => break Err(e),
                },
                Ok(Action::Navigate(url)) => {
                    if let Err(e) = location::assign(&url) {
                        break Err(e);
                    }
                }
                Ok(Action::Done(outcome)) => break Ok(outcome),
                Ok(Action::Verify(verification)) => answer = Some(Answer::Verified(webcrypto::verify(&verification).await)),
                Err(e) => break Err(e),
            }
        };
        self.notify_changes(share);
        result
    }

    /// Creates verifier, challenge, state and nonce, stores the login under its state, and returns the URL.
    pub async fn build_authorize_url(&self, login: LoginOptions) -> Result<String> {
        match self.run(self.client().login(login), false).await? {
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
        // Resolved once, so the shared-callback record, the popup check and its hand-over see this page's address.
        let url = url.map(location::resolved);
        let href = match &url {
            Some(url) => url.clone(),
            None => location::href()?,
        };
        let mut key = self.client().env().tokens_key().to_owned();
        if self.client().config().storage == crate::core::config::StorageKind::Memory {
            // Per client where its tokens are its own: another's login would not be this one's.
            key = concat(&[&key, "@", &crate::core::token::decimal(Rc::as_ptr(&self.inner) as usize as u64)]);
        }
        let running = HANDLING.with(|handling| {
            let handling = handling.borrow();
            let (k, first, scrubbed, task, outcome) = handling.as_ref()?;
            let same = *k == key && (*first == href || (*scrubbed == href && !self.client().is_callback(&href)));
            same.then(|| (task.clone(), outcome.clone()))
        });
        if let Some((task, outcome)) = running {
            // The same callback again (a second client, a remount): the same outcome, and this client's listeners
            // hear of the session it brought.
            let result = shared_outcome(task, &outcome).await;
            self.notify_changes(false);
            return result;
        }
        // A task of its own, so it ends with an outcome (and the entry goes) even if this future is dropped; this
        // call and any second one for the same callback (the popup's hand-over too) await it.
        let outcome: CallbackOutcome = Rc::default();
        let (this, mine, at) = (self.clone(), outcome.clone(), href.clone());
        let task = shared_task(&outcome, async move {
            let result = match this.client().popup_channel(&at) {
                Some(channel) => this.hand_over(&channel, url, &at).await,
                None => this.callback(url).await,
            };
            HANDLING.with(|handling| {
                let mut handling = handling.borrow_mut();
                if handling.as_ref().is_some_and(|(.., o)| Rc::ptr_eq(o, &mine)) {
                    *handling = None; // shared only while it runs: the same callback later is a replay (`invalid_state`)
                }
            });
            result
        });
        let scrubbed = self.client().scrub_callback_url(&href);
        HANDLING.with(|handling| *handling.borrow_mut() = Some((key, href, scrubbed, task.clone(), outcome.clone())));
        shared_outcome(task, &outcome).await
    }

    /// The redirect page of a popup login: hands the answer to the opener (which redeems it with every check),
    /// leaves the address bar clean, and closes.
    async fn hand_over(&self, channel: &str, url: Option<String>, href: &str) -> Result<Option<String>> {
        if url.is_none() || location::href().is_ok_and(|current| current == href) {
            let _ = location::replace(&self.client().scrub_callback_url(href));
        }
        if !popup::hand_over(channel, href).await {
            return Err(Error::new(
                crate::core::error::code::MISSING_TRANSACTION,
                "No login in this browser took this popup's answer within 5 s (its window was closed, or the link was \
not made by a login here).",
            ));
        }
        Ok(None)
    }

    /// The callback at `url` (default: the address bar, scrubbed first), redeemed with every check.
    async fn callback(&self, url: Option<String>) -> Result<Option<String>> {
        let url = location::take_callback_url(url, |u| self.client().scrub_callback_url(u))?;
        // The DPoP key before the state is spent: a key IndexedDB cannot read leaves the login to try again.
        self.dpop_key().await?;
        let (this, step) = (self.clone(), self.client().callback(&url)?);
        // The state is spent: the code exchange runs to its end even if this future is dropped.
        match detached(async move { this.run(step, true).await }).await.unwrap_or_else(|| Err(unexpected()))? {
            Outcome::LoggedIn(app_state) | Outcome::NotLoggedIn(app_state) => Ok(app_state),
            _ => Err(unexpected()),
        }
    }

    /// The same login in a popup, so the page stays: call it from a click handler (else `popup_blocked`). The
    /// redirect page, loaded in the popup, runs the app's usual [`handle_redirect_callback`](Self::handle_redirect_callback),
    /// which hands the answer back over a `BroadcastChannel` keyed by the state (and by `postMessage` where the
    /// opener is still there) and closes the popup; this tab then redeems the code with every check. Returns the
    /// login's `app_state` (JSON text). `popup_closed` when the popup reads as closed (one that was only cut off by a
    /// later page's COOP may still answer until `timeout_ms`: that login completes and the listeners hear of it),
    /// `timeout` after `timeout_ms`.
    pub async fn login_with_popup(&self, options: PopupLoginOptions) -> Result<Option<String>> {
        if options.timeout_ms == 0 {
            return Err(Error::new(crate::core::error::code::INVALID_ARGUMENT, "`timeout_ms` must be a number of milliseconds above 0."));
        }
        // A second call while this client's popup is open (a double click, a popup gone behind the page) brings it
        // to the front and shares its login, which a second window would only compete with.
        let pending = self.inner.popup_login.borrow().clone();
        if let Some((window, task, outcome)) = pending.filter(|(window, ..)| !window.closed().unwrap_or(true)) {
            let _ = window.focus();
            return shared_outcome(task, &outcome).await;
        }
        let window = popup::open()?;
        // The popup is open: the login runs to its end even if this future is dropped (a component unmounting), so
        // an answer the user gives there is taken (its listeners hear of it) and the popup does not wait in vain.
        let (this, opened, outcome) = (self.clone(), window.clone(), CallbackOutcome::default());
        let task = shared_task(&outcome, async move {
            let result = this.popup_login(opened.clone(), options).await;
            let mut pending = this.inner.popup_login.borrow_mut();
            if pending.as_ref().is_some_and(|(window, ..)| *window == opened) {
                *pending = None;
            }
            result
        });
        *self.inner.popup_login.borrow_mut() = Some((window, task.clone(), outcome.clone()));
        shared_outcome(task, &outcome).await
    }

    /// The popup login in `window`, opened by [`login_with_popup`](Self::login_with_popup).
    async fn popup_login(&self, window: web_sys::Window, options: PopupLoginOptions) -> Result<Option<String>> {
        let url = match self.run(self.client().login(LoginOptions { popup: true, ..options.login }), false).await {
            Ok(Outcome::AuthorizeUrl(url)) => url,
            other => {
                let _ = window.close();
                return Err(other.err().unwrap_or_else(unexpected));
            }
        };
        if window.closed().unwrap_or(true) {
            return Err(Error::new(crate::core::error::code::POPUP_CLOSED, "The login popup was closed before the login finished."));
        }
        let Some(channel) = self.client().popup_channel(&url) else {
            let _ = window.close();
            return Err(unexpected());
        };
        // After `popup_closed` nobody awaits a late answer's login: the listeners (and the other tabs) hear of it.
        let this = self.clone();
        let late = move |answer: String| {
            if let Ok(step) = this.client().callback(&answer) {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = this.run(step, true).await;
                });
            }
        };
        let (this, name) = (self.clone(), channel.clone());
        let is_answer = move |text: &str| this.client().popup_channel(text).as_deref() == Some(name.as_str());
        let answer = popup::answer(&window, &channel, &url, options.timeout_ms, is_answer, late).await?;
        self.dpop_key().await?; // before the state is spent
        match self.run(self.client().callback(&answer)?, true).await? {
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
        self.notify_changes(false);
        match decided? {
            Some(token) => Ok(token),
            None => {
                let this = self.clone();
                detached(async move { this.inner.refresh.run(|| this.refresh_shared(options.min_validity)).await })
                    .await
                    .unwrap_or_else(|| Err(unexpected()))
            }
        }
    }

    /// One refresh for all the app's tabs: under the app's Web Lock (taken at once if free, else waited for), and
    /// not at all when another tab obtained a session meanwhile (see [`refresh_after`](Self::refresh_after)).
    /// Without Web Locks, one at a time in this tab only.
    async fn refresh_shared(&self, min_validity: Option<u64>) -> Result<String> {
        let before = self.client().session_text();
        let Some(name) = self.client().tabs_channel() else { return self.refresh_after(false, before, min_validity).await };
        for waited in [false, true] {
            let (this, seen) = (self.clone(), before.clone());
            let refresh = async move { this.refresh_after(waited, seen, min_validity).await };
            match tabs::locked(&name, !waited, refresh).await {
                Locked::Ran(result) => return result,
                Locked::Busy => continue,
                Locked::Unavailable => return self.refresh_after(waited, before, min_validity).await,
            }
        }
        self.refresh_after(true, before, min_validity).await
    }

    /// Refreshes, unless the session changed since `before` (another tab refreshed or logged out): then its token
    /// (or `login_required`). When other tabs exist, or this one `waited` for the lock, it first asks them (the tab
    /// that refreshed answers with its newer session), so a spent refresh token is never sent.
    async fn refresh_after(&self, waited: bool, before: Option<String>, min_validity: Option<u64>) -> Result<String> {
        if self.client().session_text() == before {
            // A client made a moment ago has not heard the other tabs' answers to its "hello" yet: a tab reloaded,
            // restored or reopened with an old copy of the session asks before it sends that copy's refresh token.
            let young = HELLO_MS - (crate::browser::monotonic_ms() - self.inner.hello_at.get());
            if waited || self.inner.others.get() {
                self.ask(WAITED_ASK_MS).await;
            } else if young > 0.0 {
                self.ask(young as i32).await;
            }
        }
        if self.client().session_text() != before {
            if let Some(token) = self.client().access_token(min_validity, false)? {
                return Ok(token);
            }
        }
        self.refresh_once().await
    }

    async fn refresh_once(&self) -> Result<String> {
        // The key first: the step takes the stored refresh token when it is made, and a session another tab shared
        // while the key loaded from IndexedDB is the one to refresh (its token is not spent).
        let key = self.dpop_key().await?;
        match self.run_with(self.client().refresh()?, key.as_deref(), true).await? {
            Outcome::AccessToken(token) => Ok(token),
            _ => Err(unexpected()),
        }
    }

    /// The UserInfo claims (OIDC Core §5.3) as JSON text, with a valid access token; their `sub` must be the ID
    /// token's (`id_token_invalid` otherwise). A 401 (`invalid_token`, whatever the server said) costs one refresh and one more try.
    pub async fn get_user_info(&self) -> Result<String> {
        let token = self.get_access_token(TokenOptions::default()).await?;
        let key = self.dpop_key().await?;
        let claims = match self.run_with(self.client().user_info(token.clone(), false), key.as_deref(), false).await {
            // A token the server no longer takes: one refresh (unless another caller already replaced it), one
            // more try, as in the JS driver.
            Err(e) if e.code() == "invalid_token" => {
                let force_refresh = self.get_tokens().is_some_and(|t| t.access_token.secret() == token);
                let fresh = self.get_access_token(TokenOptions { force_refresh, ..TokenOptions::default() }).await?;
                self.run_with(self.client().user_info(fresh, true), key.as_deref(), false).await?
            }
            other => other?,
        };
        match claims {
            Outcome::UserInfo(claims) => Ok(claims),
            _ => Err(unexpected()),
        }
    }

    /// Sends `request` with `Authorization: Bearer …` (with `dpop: true`: `Authorization: DPoP …` and a proof, sent
    /// once more when the server asks for its nonce); on a 401, refreshes once and retries once (the body is
    /// replayed from a clone). The request's `signal` is honoured also while a token is on its way: its abort is
    /// `network_error` at once, and never leads to the retry. A `mode: "no-cors"` request is `invalid_argument`
    /// (the browser would drop the headers).
    pub async fn fetch(&self, request: web_sys::Request, _options: FetchOptions) -> Result<web_sys::Response> {
        http::headed(&request)?;
        let signal = request.signal();
        let token = http::unless_aborted(&signal, self.get_access_token(TokenOptions::default())).await?;
        let (response, refresh) = self.send(&request, &token, true).await?;
        if !refresh || signal.aborted() || http::redirected_away(&request, &response) {
            return Ok(response);
        }
        // Refresh unless another caller already replaced the token that was refused; when no new token can be had
        // (no refresh token, the refresh failed), the 401 itself tells the app more than "log in again" would.
        let force_refresh = self.get_tokens().is_some_and(|t| t.access_token.secret() == token);
        let token = match http::unless_aborted(&signal, self.get_access_token(TokenOptions { force_refresh, ..TokenOptions::default() })).await {
            Ok(token) => token,
            Err(aborted) if signal.aborted() => return Err(aborted),
            Err(_) => return Ok(response),
        };
        http::discard(&response).await;
        Ok(self.send(&request, &token, false).await?.0)
    }

    /// Sends `request` with `token`: as a bearer token, or with the headers the core's steps name (RFC 9449 §7, §9;
    /// a nonce challenge answered once when `nonce_retry`). Also says whether a refresh may cure the answer.
    async fn send(&self, request: &web_sys::Request, token: &str, nonce_retry: bool) -> Result<(web_sys::Response, bool)> {
        let Some(key) = self.dpop_key().await? else {
            let response = send_with_bearer(request, token).await?;
            let refresh = response.status() == 401;
            return Ok((response, refresh));
        };
        let mut step = self.client().resource(request.method(), request.url(), token, nonce_retry);
        let mut answer = None;
        let mut response = None;
        loop {
            match self.client().advance(&mut step, answer.take())? {
                Action::Fetch(sent) => {
                    if let Some(challenged) = response.take() {
                        http::discard(&challenged).await; // a nonce challenge: sent again
                    }
                    let proof = Self::proof(Some(&key), sent.dpop.as_deref()).await?.unwrap_or_default();
                    let authorization = sent.authorization.unwrap_or_default();
                    let answered = http::send_with_headers(request, &[("Authorization", &authorization), ("DPoP", &proof)]).await?;
                    let (nonce, challenge) = http::dpop_headers(&answered);
                    answer = Some(Answer::Http { status: answered.status(), text: String::new(), nonce, challenge });
                    response = Some(answered);
                }
                Action::Done(Outcome::Answered { refresh }) => return response.map(|r| (r, refresh)).ok_or_else(unexpected),
                _ => return Err(unexpected()),
            }
        }
    }

    /// Forgets this client's tokens and logins in progress, revokes the refresh token when a revocation endpoint
    /// is known (a failure does not stop the logout), then, unless `local_only`, goes to the server's logout (with
    /// `logout_params`, and without `id_token_hint` when `omit_id_token_hint`). `return_to` relative to this page
    /// (`/`) is made absolute against it. `logout_params` naming what the library sets, or a `return_to` that is
    /// empty or no http(s) URL, is `invalid_argument`, before anything is forgotten. A second call while one runs
    /// shares the first (a double click would otherwise send the provider a logout without `id_token_hint`).
    pub async fn logout(&self, mut options: LogoutOptions) -> Result<()> {
        crate::core::logout::check_params(&options.logout_params)?;
        if options.return_to.as_deref().is_some_and(|r| r.trim().is_empty()) {
            // Not `post_logout_redirect_uri=`, which Keycloak refuses; checked before anything is forgotten.
            return Err(Error::new(crate::core::error::code::INVALID_ARGUMENT, "`return_to` must be a URL, not empty."));
        }
        options.return_to = options.return_to.map(location::absolute);
        crate::core::logout::check_return_to(options.return_to.as_deref())?;
        // Runs to its end even if this future is dropped (a listener told of the logout may unmount its caller): the
        // revocation and the provider's logout still happen.
        // A second call while one runs shares it (its own options unused).
        let this = self.clone();
        detached(async move { this.inner.logout.run(|| this.logout_now(options.clone())).await }).await.unwrap_or_else(|| Err(unexpected()))
    }

    async fn logout_now(&self, options: LogoutOptions) -> Result<()> {
        // With DPoP: the key if it can be loaded (without it the revocation is skipped, the logout goes on), removed
        // from IndexedDB before the logout; the revocation still signs with it from memory.
        let name = &self.inner.key_name;
        let key = self.dpop_key().await.ok().flatten();
        if let Some(name) = &name {
            webcrypto::remove(name).await;
        }
        let step = self.client().logout(options);
        if step.is_ok() {
            self.post("logout");
        }
        self.notify_changes(false);
        let result = match step {
            Ok(step) => self.run_with(step, key.as_deref(), false).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if name.is_some() {
            self.drop_key();
        }
        result
    }

    fn drop_key(&self) {
        self.inner.key_drops.set(self.inner.key_drops.get().wrapping_add(1));
        self.inner.key.borrow_mut().take();
        self.client().set_dpop_key(None);
    }

    /// Whether a session is usable, trying the cheap routes in order: this tab's store; another open tab of the
    /// app (`tabs: "shared"`, waiting up to `tab_wait_ms`); and only with `silent_redirect`, a top-level redirect
    /// with `prompt=none` (tried once per tab session).
    pub async fn check_session(&self, options: CheckSessionOptions) -> Result<bool> {
        if self.is_authenticated() {
            return Ok(true);
        }
        if self.inner.channel.is_some() {
            self.ask(i32::try_from(options.tab_wait_ms).unwrap_or(i32::MAX)).await;
            if self.is_authenticated() {
                return Ok(true);
            }
        }
        if !options.silent_redirect || self.client().silent_tried() {
            return Ok(false);
        }
        let login = LoginOptions { app_state: options.app_state, ..LoginOptions::default() };
        let Outcome::AuthorizeUrl(url) = self.run(self.client().silent_login(login), false).await? else {
            return Err(unexpected());
        };
        // The page is left; should the browser bring it back from its back/forward cache (Back from the provider),
        // the check ends there with what this tab has.
        let mut shown = page_shown();
        location::assign(&url)?;
        loop {
            let event = shown.await.unwrap_or(JsValue::UNDEFINED);
            if js_sys::Reflect::get(&event, &JsValue::from_str("persisted")).is_ok_and(|p| p.is_truthy()) {
                return Ok(self.is_authenticated());
            }
            shown = page_shown();
        }
    }

    /// Asks the other tabs for their session and waits until a newer one than this tab's was adopted, or `ms`.
    async fn ask(&self, ms: i32) {
        if self.inner.channel.is_none() {
            return;
        }
        let registered = Registered { waiting: &self.inner.waiting, wake: RefCell::new(None) };
        tabs::wait(ms, |wake| {
            self.inner.waiting.borrow_mut().push(wake.clone());
            *registered.wake.borrow_mut() = Some(wake);
            self.post("ask");
        })
        .await;
    }

    /// A message from another tab (see `src/browser/tabs.rs`); the core decides what it means (`Client::hear`).
    fn hear(&self, message: tabs::Message) {
        self.inner.others.set(true);
        let heard = self.client().hear(&message.kind, message.text.as_deref(), message.at);
        if heard.adopted {
            let waiting: Vec<js_sys::Function> = self.inner.waiting.borrow().clone();
            for wake in waiting {
                let _ = wake.call0(&JsValue::UNDEFINED);
            }
        }
        if heard.drop_key {
            self.drop_key();
        }
        for kind in heard.replies {
            self.post(kind);
        }
        if heard.changed {
            self.notify_changes(false);
        }
    }

    /// Tells the other tabs (`Client::tab_message`).
    fn post(&self, kind: &'static str) {
        if let Some(channel) = &self.inner.channel {
            channel.post(&self.client().tab_message(kind));
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

    /// Calls the listeners when the session changed since they last heard; (`share`) tells the other tabs of this
    /// tab's own new session.
    fn notify_changes(&self, share: bool) {
        let text = self.client().session_text();
        // The stored text changes also when another client of this app in the tab (sharing the store) refreshed.
        let text_changed = *self.inner.heard_text.borrow() != text;
        if text_changed {
            if share && text.is_some() {
                self.post("session");
            }
            *self.inner.heard_text.borrow_mut() = text;
        }
        let generation = self.client().generation();
        if self.inner.heard.replace(generation) == generation && !text_changed {
            return;
        }
        let tokens = self.get_tokens();
        let listeners: Vec<(u32, Listener)> = self.inner.listeners.borrow().clone();
        for (id, listener) in listeners {
            // A listener changed the session again: the round for that newer session told everyone.
            if self.inner.heard.get() != generation {
                return;
            }
            // One removed by an earlier listener of this round is not called, as DOM events do.
            if self.inner.listeners.borrow().iter().any(|(i, _)| *i == id) {
                listener(tokens.clone());
            }
        }
    }
}

/// An `ask`'s wake-up in the waiting list, taken out again when the ask ends or its future is dropped.
struct Registered<'a> {
    waiting: &'a RefCell<Vec<js_sys::Function>>,
    wake: RefCell<Option<js_sys::Function>>,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        if let Some(wake) = self.wake.take() {
            self.waiting.borrow_mut().retain(|w| AsRef::<JsValue>::as_ref(w) != AsRef::<JsValue>::as_ref(&wake));
        }
    }
}

/// One attempt of [`AuthClient::fetch`]: a clone of `request` with the bearer token.
async fn send_with_bearer(request: &web_sys::Request, token: &str) -> Result<web_sys::Response> {
    http::send_with_headers(request, &[("Authorization", &concat(&["Bearer ", token]))]).await
}

/// The next `pageshow` event of the window (never, without a window).
fn page_shown() -> wasm_bindgen_futures::JsFuture {
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        if let Some(window) = super::window() {
            let _ = window.add_event_listener_with_callback_and_add_event_listener_options("pageshow", &resolve, &options);
        }
    }))
}
