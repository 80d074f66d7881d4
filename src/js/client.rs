//! The JavaScript `AuthClient`: converts options and results, delegates to [`crate::AuthClient`].

use super::error::to_js;
use crate::browser::client::{AuthClient, FetchOptions, LogoutOptions, TokenOptions};
use crate::core::authorize::LoginOptions;
use crate::core::config::{refuse_secret, Options};
use crate::core::error::{Error, Result};
use js_sys::{Function, Object, Promise, Reflect, JSON};
use serde::de::DeserializeOwned;
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_TS: &str = r#"
/** Options of `new AuthClient(options)`. */
export interface AuthClientOptions {
  /** Authorization server base URL: `https:`, or `http:` on localhost / 127.0.0.1. */
  issuer: string;
  /** Public client id. */
  clientId: string;
  /** Absolute URL registered at the server, where it sends the browser back. */
  redirectUri: string;
  /** Space-separated scopes (default `"openid profile email"`); `offline_access` asks for a refresh token. */
  scope?: string;
  /** Sent as `audience` (Auth0 style). */
  audience?: string;
  /** Where the provider metadata lives (default `{issuer}/.well-known/openid-configuration`). */
  discoveryUrl?: string;
  /** With `tokenEndpoint`, skips discovery. */
  authorizationEndpoint?: string;
  /** With `authorizationEndpoint`, skips discovery. */
  tokenEndpoint?: string;
  endSessionEndpoint?: string;
  revocationEndpoint?: string;
  /** `"oidc"` (default): RP-initiated logout; `"auth0"`: `{issuer}/v2/logout`. */
  logoutStyle?: "oidc" | "auth0";
  /** Where the callback carries `code` and `state` (default `"query"`). */
  responseMode?: "query" | "fragment";
  /** Where tokens live (default `"session"`: sessionStorage). */
  storage?: "session" | "memory";
  /** Clock skew allowed on ID token `exp` / `iat`, in seconds (default 60). */
  leeway?: number;
  /** Extra authorize parameters (`prompt`, `ui_locales`, `login_hint`, …). */
  authorizationParams?: Record<string, string>;
  /** Never accepted: a secret does not belong in a browser. */
  clientSecret?: never;
}

/** Options of one login. */
export interface LoginOptions {
  /** Any JSON value, handed back by `handleRedirectCallback`. */
  appState?: unknown;
  /** Extra authorize parameters for this login only. */
  authorizationParams?: Record<string, string>;
}

/** What `handleRedirectCallback` resolves to. */
export interface RedirectLoginResult {
  appState?: unknown;
}

/** The current tokens (`expiresAt` in epoch seconds). */
export interface TokenSet {
  accessToken: string;
  idToken?: string;
  tokenType: string;
  scope?: string;
  expiresAt: number;
}

/** Options of `getAccessToken`. */
export interface GetAccessTokenOptions {
  /** Seconds the token must stay valid (default 30, never more than half its lifetime). */
  minValidity?: number;
  /** Refresh even when the cached token is valid. */
  forceRefresh?: boolean;
}

/** Options of `logout`. */
export interface LogoutOptions {
  /** Where the server sends the browser after logout. */
  returnTo?: string;
  /** Forget the tokens here only; no redirect. */
  localOnly?: boolean;
}

/** Validated ID token claims. */
export interface UserClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  azp?: string;
  nonce?: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
  [claim: string]: unknown;
}
"#;

/// Deserializes an options object; `undefined` gives the defaults, anything malformed `invalid_config`.
fn from_js<T: DeserializeOwned + Default>(value: &JsValue, what: &str) -> Result<T> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() {
        return Err(Error::invalid_config([what, " must be an object."].concat()));
    }
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| {
        let detail = String::from(js_sys::Error::from(JsValue::from(e)).message());
        Error::invalid_config([what, ": ", &detail].concat())
    })
}

fn get(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn promise<F, T>(future: F) -> Promise
where
    F: Future<Output = Result<T>> + 'static,
    T: Into<JsValue>,
{
    future_to_promise(async move { future.await.map(Into::into).map_err(to_js) })
}

fn to_value<T: serde::Serialize>(value: &T) -> JsValue {
    serde_wasm_bindgen::to_value(value).unwrap_or(JsValue::UNDEFINED)
}

/// A public OAuth 2.0 / OpenID Connect client (Authorization Code + PKCE).
#[wasm_bindgen(js_name = AuthClient)]
pub struct JsAuthClient {
    client: AuthClient,
}

#[wasm_bindgen(js_class = AuthClient)]
impl JsAuthClient {
    /// Validates the options; throws `AuthError` (`invalid_config`) on anything unsafe or malformed.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "AuthClientOptions")] options: JsValue) -> std::result::Result<JsAuthClient, JsValue> {
        if let Some(object) = options.dyn_ref::<Object>() {
            for key in Object::keys(object).iter() {
                refuse_secret(&key.as_string().unwrap_or_default()).map_err(to_js)?;
            }
        }
        let options: Options = from_js(&options, "AuthClient options").map_err(to_js)?;
        AuthClient::new(options).map(|client| JsAuthClient { client }).map_err(to_js)
    }

    /// Creates verifier, challenge, state and nonce, stores the login, and resolves to the authorize URL.
    #[wasm_bindgen(js_name = buildAuthorizeUrl, unchecked_return_type = "Promise<string>")]
    pub fn build_authorize_url(&self, #[wasm_bindgen(unchecked_param_type = "LoginOptions")] options: Option<Object>) -> Promise {
        let client = self.client.clone();
        promise(async move { client.build_authorize_url(login_options(options)?).await })
    }

    /// `buildAuthorizeUrl`, then `window.location.assign`.
    #[wasm_bindgen(js_name = loginWithRedirect, unchecked_return_type = "Promise<void>")]
    pub fn login_with_redirect(&self, #[wasm_bindgen(unchecked_param_type = "LoginOptions")] options: Option<Object>) -> Promise {
        let client = self.client.clone();
        promise(async move { client.login_with_redirect(login_options(options)?).await.map(|_| JsValue::UNDEFINED) })
    }

    /// Whether the URL (default: the current one) carries `code`+`state` or `error`+`state`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, url: Option<String>) -> bool {
        self.client.is_callback(url.as_deref())
    }

    /// Completes the login from the redirect back; resolves to `{ appState }`.
    #[wasm_bindgen(js_name = handleRedirectCallback, unchecked_return_type = "Promise<RedirectLoginResult>")]
    pub fn handle_redirect_callback(&self, url: Option<String>) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let app_state = client.handle_redirect_callback(url).await?;
            let result = Object::new();
            let value = app_state.and_then(|text| JSON::parse(&text).ok()).unwrap_or(JsValue::UNDEFINED);
            let _ = Reflect::set(&result, &"appState".into(), &value);
            Ok(JsValue::from(result))
        })
    }

    /// A stored token set that is not expired, or that can be refreshed.
    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.client.is_authenticated()
    }

    /// A valid access token: cached, or refreshed once for all concurrent callers.
    #[wasm_bindgen(js_name = getAccessToken, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "GetAccessTokenOptions")] options: Option<Object>,
    ) -> Promise {
        let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let min_validity = get(&options, "minValidity").as_f64().map(|s| s.max(0.0) as u64);
        let force_refresh = get(&options, "forceRefresh").is_truthy();
        let client = self.client.clone();
        promise(async move { client.get_access_token(TokenOptions { min_validity, force_refresh }).await })
    }

    /// The current tokens, or `undefined`.
    #[wasm_bindgen(js_name = getTokens, unchecked_return_type = "TokenSet | undefined")]
    pub fn get_tokens(&self) -> JsValue {
        self.client.get_tokens().map_or(JsValue::UNDEFINED, |t| to_value(&t))
    }

    /// The validated ID token claims, or `undefined`.
    #[wasm_bindgen(js_name = getUser, unchecked_return_type = "UserClaims | undefined")]
    pub fn get_user(&self) -> JsValue {
        self.client.user_claims_json().and_then(|text| JSON::parse(&text).ok()).unwrap_or(JsValue::UNDEFINED)
    }

    /// `fetch` with `Authorization: Bearer …`; on a 401, one refresh and one retry.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RequestInit")] init: Option<Object>,
    ) -> Promise {
        let client = self.client.clone();
        promise(async move { client.fetch(request(input, init)?, FetchOptions).await })
    }

    /// Forgets the tokens, revokes the refresh token when possible, then goes to the server's logout.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self, #[wasm_bindgen(unchecked_param_type = "LogoutOptions")] options: Option<Object>) -> Promise {
        let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let options = LogoutOptions { return_to: get(&options, "returnTo").as_string(), local_only: get(&options, "localOnly").is_truthy() };
        let client = self.client.clone();
        promise(async move { client.logout(options).await.map(|_| JsValue::UNDEFINED) })
    }

    /// Calls `listener` with `getTokens()` after login, refresh and logout; returns the unsubscribe function.
    #[wasm_bindgen(js_name = onChange, unchecked_return_type = "() => void")]
    pub fn on_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(tokens: TokenSet | undefined) => void")] listener: Function,
    ) -> JsValue {
        let id = self.client.on_change(move |tokens| {
            let value = tokens.map_or(JsValue::UNDEFINED, |t| to_value(&t));
            let _ = listener.call1(&JsValue::UNDEFINED, &value);
        });
        let client = self.client.clone();
        Closure::once_into_js(move || client.remove_listener(id))
    }
}

fn login_options(options: Option<Object>) -> Result<LoginOptions> {
    let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let mut login: LoginOptions = from_js(&options, "login options")?;
    let app_state = get(&options, "appState");
    if !app_state.is_undefined() {
        let text = JSON::stringify(&app_state).ok().and_then(|s| s.as_string());
        login.app_state = Some(text.ok_or_else(|| Error::invalid_config("appState must be a JSON value."))?);
    }
    Ok(login)
}

/// `new Request(input, init)`.
fn request(input: JsValue, init: Option<Object>) -> Result<web_sys::Request> {
    let init: web_sys::RequestInit = init.map(JsCast::unchecked_into).unwrap_or_default();
    let built = match input.dyn_ref::<web_sys::Request>() {
        Some(r) => web_sys::Request::new_with_request_and_init(r, &init),
        None => {
            let url = input.as_string().unwrap_or_else(|| String::from(input.unchecked_ref::<Object>().to_string()));
            web_sys::Request::new_with_str_and_init(&url, &init)
        }
    };
    built.map_err(|_| Error::invalid_config("fetch(): the input and init do not make a valid Request."))
}
