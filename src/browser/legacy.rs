//! The legacy UiTiD v1 JWT client (Entry API 3): login redirect, callback, refresh and authenticated requests.

use crate::core::encoding::concat;
#[cfg(feature = "rust")]
use super::http;
use super::json::BrowserJson;
use super::location;
use super::now;
#[cfg(feature = "rust")]
use super::single_flight::SingleFlight;
use super::storage::{FallbackStore, Store};
use crate::core::error::{code, Error, Result};
use crate::core::json::{FromJson, Json};
use crate::core::keys::Keys;
use crate::core::legacy_jwt::{self, LegacyConfig, LegacyOptions, LegacySession};
use std::rc::Rc;

struct Inner {
    config: LegacyConfig,
    key: String,
    store: FallbackStore,
    #[cfg(feature = "rust")]
    refresh: SingleFlight<Result<String>>,
}

/// A client of publiq's deprecated JWT provider (`jwt.uitdatabank.be`), for apps still migrating to UiTiD v2.
#[derive(Clone)]
pub struct LegacyJwtClient {
    inner: Rc<Inner>,
}

impl LegacyJwtClient {
    /// Validates the options (`invalid_config`) and opens sessionStorage (key `spa-auth:legacy:{apiKey}:tokens`).
    pub fn new(options: LegacyOptions) -> Result<Self> {
        #[cfg(not(target_arch = "wasm32"))]
        super::in_browser("LegacyJwtClient")?;
        let config = options.validate()?;
        let keys = Keys::new(&concat(&["legacy:", config.api_key.as_str()]), None);
        Ok(LegacyJwtClient {
            inner: Rc::new(Inner {
                key: keys.tokens(),
                store: FallbackStore::new(keys.prefix()),
                config,
                #[cfg(feature = "rust")]
                refresh: SingleFlight::default(),
            }),
        })
    }

    /// Goes to `{serverUrl}/connect`; the provider comes back to `destination` (default: this page).
    pub fn login(&self, destination: Option<String>) -> Result<()> {
        let destination = match destination {
            Some(d) => d,
            None => legacy_jwt::scrub_url(&location::href()?),
        };
        location::assign(&legacy_jwt::connect_url(&self.inner.config, &destination))
    }

    /// Whether `url` (default: the current one) carries `?jwt=`.
    pub fn is_callback(&self, url: Option<&str>) -> bool {
        match url {
            Some(u) => legacy_jwt::parse_callback(u).is_some(),
            None => location::href().is_ok_and(|u| legacy_jwt::parse_callback(&u).is_some()),
        }
    }

    /// Reads `?jwt=` (and `&refresh=`) from `url` (default: the address bar, which is scrubbed first), checks the
    /// JWT decodes and has not expired, and stores it.
    pub fn handle_callback(&self, url: Option<String>) -> Result<()> {
        let url = location::take_callback_url(url, legacy_jwt::scrub_url)?;
        let callback = legacy_jwt::parse_callback(&url)
            .ok_or_else(|| Error::new(code::LOGIN_REQUIRED, "The URL carries no `jwt`: the login did not complete."))?;
        let session = legacy_jwt::session(callback.jwt, callback.refresh, now(), &BrowserJson)?;
        self.save(&session)
    }

    fn load(&self) -> Option<LegacySession> {
        LegacySession::read(&BrowserJson, &self.inner.store.get(&self.inner.key).ok()??)
    }

    fn save(&self, session: &LegacySession) -> Result<()> {
        let text = BrowserJson.stringify(session).ok_or_else(|| Error::server("The session could not be serialized."))?;
        self.inner.store.set(&self.inner.key, &text)
    }

    /// The JWT, while it has not expired.
    pub fn token(&self) -> Option<String> {
        self.load().filter(|s| s.expires_at > now()).map(|s| s.jwt.secret().to_owned())
    }

    /// A JWT that has not expired, or a refresh token to get one.
    pub fn is_authenticated(&self) -> bool {
        self.load().is_some_and(|s| s.expires_at > now() || s.refresh.is_some())
    }

    /// The refresh request's URL (`GET {serverUrl}/refresh?apiKey=…&refresh=…`); `login_required` without a
    /// stored refresh token.
    pub fn refresh_url(&self) -> Result<String> {
        let Some(session) = self.load() else { return Err(Error::new(code::LOGIN_REQUIRED, "Not logged in.")) };
        let Some(refresh) = session.refresh else {
            return Err(Error::new(code::LOGIN_REQUIRED, "No refresh token (the API key may not refresh): log in again."));
        };
        Ok(legacy_jwt::refresh_url(&self.inner.config, &refresh))
    }

    /// A refresh without an answer within its 10 s.
    pub fn refresh_timed_out() -> Error {
        Error::new(code::TIMEOUT, "The legacy JWT provider did not answer the refresh within 10 s.")
    }

    /// Reads the refresh answer (`None`: no answer at all) and stores the new JWT; a refused refresh token removes
    /// the session (`login_required`).
    pub fn accept_refresh(&self, status: Option<u16>, body: &str) -> Result<String> {
        let Some(status) = status else {
            return Err(Error::new(code::NETWORK_ERROR, "Could not reach the JWT provider (offline, DNS, or CORS)."));
        };
        let Some(refresh) = self.load().and_then(|s| s.refresh) else {
            return Err(Error::new(code::LOGIN_REQUIRED, "The session ended while refreshing: log in again."));
        };
        let jwt = match legacy_jwt::refreshed_token(status, body) {
            Ok(jwt) => jwt,
            Err(e) => {
                if e.code() == code::LOGIN_REQUIRED {
                    self.logout();
                }
                return Err(e);
            }
        };
        let session = legacy_jwt::session(jwt, Some(refresh), now(), &BrowserJson)?;
        self.save(&session)?;
        Ok(session.jwt.secret().to_owned())
    }

    /// The API key, sent as `X-Api-Key` with every request.
    pub fn api_key(&self) -> &str {
        &self.inner.config.api_key
    }

    /// Whether a refresh token is stored.
    pub fn can_refresh(&self) -> bool {
        self.load().is_some_and(|s| s.refresh.is_some())
    }

    /// `GET {serverUrl}/refresh`: a new JWT (plain text) for the stored refresh token; one request for all
    /// concurrent callers, which runs to its end even if the caller that started it is dropped (so no second one
    /// starts beside it). A refused refresh token removes the session (`login_required`).
    #[cfg(feature = "rust")]
    pub async fn refresh(&self) -> Result<String> {
        let this = self.clone();
        super::client::detached(async move { this.inner.refresh.run(|| this.refresh_once()).await })
            .await
            .unwrap_or_else(|| Err(Error::server("The refresh ended without its result.")))
    }

    #[cfg(feature = "rust")]
    async fn refresh_once(&self) -> Result<String> {
        let url = self.refresh_url()?;
        let (status, body) = match http::get_text(&url).await {
            Ok((status, body)) => (Some(status), body),
            Err(e) if e.code() == code::TIMEOUT => return Err(Self::refresh_timed_out()),
            Err(_) => (None, String::new()),
        };
        self.accept_refresh(status, &body)
    }

    /// The JWT, refreshed first when it has expired.
    #[cfg(feature = "rust")]
    pub async fn get_token(&self) -> Result<String> {
        match self.token() {
            Some(jwt) => Ok(jwt),
            None => self.refresh().await,
        }
    }

    /// Sends `request` with `Authorization: Bearer <jwt>` and `X-Api-Key`; on a 401, one refresh and one retry
    /// when a refresh token is stored, unless another call already replaced the refused JWT (then that one is
    /// sent). The 401 itself when the refresh fails, after an abort, or when the 401 came from another origin after
    /// a redirect; the request's `signal` is honoured while a JWT is on its way (`network_error`), as in
    /// [`AuthClient::fetch`](crate::AuthClient::fetch).
    #[cfg(feature = "rust")]
    pub async fn fetch(&self, request: web_sys::Request) -> Result<web_sys::Response> {
        http::headed(&request)?;
        let signal = request.signal();
        let jwt = http::unless_aborted(&signal, self.get_token()).await?;
        let response = self.send(&request, &jwt).await?;
        if response.status() != 401 || !self.can_refresh() || signal.aborted() || http::redirected_away(&request, &response) {
            return Ok(response);
        }
        let next = match self.token() {
            Some(current) if current != jwt => Ok(current),
            _ => http::unless_aborted(&signal, self.refresh()).await,
        };
        match next {
            Ok(jwt) => self.send(&request, &jwt).await,
            Err(aborted) if signal.aborted() => Err(aborted),
            Err(_) => Ok(response),
        }
    }

    #[cfg(feature = "rust")]
    async fn send(&self, request: &web_sys::Request, jwt: &str) -> Result<web_sys::Response> {
        let bearer = concat(&["Bearer ", jwt]);
        http::send_with_headers(request, &[("Authorization", &bearer), ("X-Api-Key", &self.inner.config.api_key)]).await
    }

    /// Forgets the session here.
    pub fn logout(&self) {
        let _ = self.inner.store.remove(&self.inner.key);
    }
}
