//! The JavaScript `AuthClient`: converts options and results, delegates to [`crate::AuthClient`].

use super::args::{self, get};
use super::convert::{from_js, promise, request, to_value};
use super::error::to_js;
use crate::browser::client::{AuthClient, FetchOptions, LogoutOptions, TokenOptions};
use crate::core::authorize::LoginOptions;
use crate::core::config::Options;
use crate::core::error::{code, Result};
use crate::core::publiq::Environment;
use js_sys::{Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;

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

/** Options of `AuthClient.publiq(options)`: UiTiD v2 fills in the issuer and endpoints. */
export type PubliqOptions = Omit<AuthClientOptions,
  "issuer" | "discoveryUrl" | "authorizationEndpoint" | "tokenEndpoint" | "endSessionEndpoint" | "revocationEndpoint"> & {
  /** `account.uitid.be`, `account-test.uitid.be` or `account-acc.uitid.be`. */
  environment: "production" | "testing" | "acceptance";
};

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

/** The methods whose options are optional (declared here so TypeScript marks them optional). */
export interface AuthClient {
  /** Creates verifier, challenge, state and nonce, stores the login, and resolves to the authorize URL. */
  buildAuthorizeUrl(options?: LoginOptions): Promise<string>;
  /** `buildAuthorizeUrl`, then `window.location.assign`. */
  loginWithRedirect(options?: LoginOptions): Promise<void>;
  /** A valid access token: cached, or refreshed once for all concurrent callers. */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
  /** `fetch` with `Authorization: Bearer …`; on a 401, one refresh and one retry. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Forgets the tokens, revokes the refresh token when possible, then goes to the server's logout. */
  logout(options?: LogoutOptions): Promise<void>;
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
        let options: Options = from_js(&options, "AuthClient options", code::INVALID_CONFIG).map_err(to_js)?;
        AuthClient::new(options).map(|client| JsAuthClient { client }).map_err(to_js)
    }

    /// A client for publiq's UiTiD v2 (Keycloak realm `uitid`) in `environment`: endpoints filled in, no discovery.
    pub fn publiq(#[wasm_bindgen(unchecked_param_type = "PubliqOptions")] options: JsValue) -> std::result::Result<JsAuthClient, JsValue> {
        let options_value = options;
        let options: Options = from_js(&options_value, "AuthClient.publiq options", code::INVALID_CONFIG).map_err(to_js)?;
        let environment = Environment::from_name(&get(&options_value, "environment").as_string().unwrap_or_default()).map_err(to_js)?;
        AuthClient::publiq(environment, options).map(|client| JsAuthClient { client }).map_err(to_js)
    }

    /// Creates verifier, challenge, state and nonce, stores the login, and resolves to the authorize URL.
    #[wasm_bindgen(js_name = buildAuthorizeUrl, skip_typescript, unchecked_return_type = "Promise<string>")]
    pub fn build_authorize_url(&self, #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: Option<JsValue>) -> Promise {
        let client = self.client.clone();
        promise(async move { client.build_authorize_url(login_options(options.unwrap_or_default())?).await })
    }

    /// `buildAuthorizeUrl`, then `window.location.assign`.
    #[wasm_bindgen(js_name = loginWithRedirect, skip_typescript, unchecked_return_type = "Promise<void>")]
    pub fn login_with_redirect(&self, #[wasm_bindgen(unchecked_optional_param_type = "LoginOptions")] options: Option<JsValue>) -> Promise {
        let client = self.client.clone();
        promise(async move { client.login_with_redirect(login_options(options.unwrap_or_default())?).await.map(|_| JsValue::UNDEFINED) })
    }

    /// Whether the URL (default: the current one) carries `code`+`state` or `error`+`state`.
    #[wasm_bindgen(js_name = isCallback, unchecked_return_type = "boolean")]
    pub fn is_callback(&self, #[wasm_bindgen(unchecked_optional_param_type = "string | URL | Location")] url: Option<JsValue>) -> std::result::Result<bool, JsValue> {
        let url = args::url(&url.unwrap_or_default(), "url").map_err(to_js)?;
        Ok(self.client.is_callback(url.as_deref()))
    }

    /// Completes the login from the redirect back; resolves to `{ appState }`.
    #[wasm_bindgen(js_name = handleRedirectCallback, unchecked_return_type = "Promise<RedirectLoginResult>")]
    pub fn handle_redirect_callback(&self, #[wasm_bindgen(unchecked_optional_param_type = "string | URL | Location")] url: Option<JsValue>) -> Promise {
        let client = self.client.clone();
        let url = args::url(&url.unwrap_or_default(), "url");
        promise(async move {
            let app_state = client.handle_redirect_callback(url?).await?;
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
    #[wasm_bindgen(js_name = getAccessToken, skip_typescript, unchecked_return_type = "Promise<string>")]
    pub fn get_access_token(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "GetAccessTokenOptions")] options: Option<JsValue>,
    ) -> Promise {
        let options = match token_options(&options.unwrap_or_default()) {
            Ok(options) => options,
            Err(e) => return Promise::reject(&to_js(e)),
        };
        if let Some(token) = self.client.valid_access_token(options) {
            return Promise::resolve(&JsValue::from(token));
        }
        let client = self.client.clone();
        promise(async move { client.get_access_token(options).await })
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
    #[wasm_bindgen(skip_typescript, unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: Option<JsValue>,
    ) -> Promise {
        let client = self.client.clone();
        promise(async move { client.fetch(request(input, init.unwrap_or_default())?, FetchOptions).await })
    }

    /// Forgets the tokens, revokes the refresh token when possible, then goes to the server's logout.
    #[wasm_bindgen(skip_typescript, unchecked_return_type = "Promise<void>")]
    pub fn logout(&self, #[wasm_bindgen(unchecked_optional_param_type = "LogoutOptions")] options: Option<JsValue>) -> Promise {
        let options = logout_options(&options.unwrap_or_default());
        let client = self.client.clone();
        promise(async move { client.logout(options?).await.map(|_| JsValue::UNDEFINED) })
    }

    /// Calls `listener` with `getTokens()` after login, refresh and logout; returns the unsubscribe function.
    #[wasm_bindgen(js_name = onChange, unchecked_return_type = "() => void")]
    pub fn on_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(tokens: TokenSet | undefined) => void")] listener: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let listener: Function = args::function(&listener, "listener").map_err(to_js)?;
        let id = self.client.on_change(move |tokens| {
            let value = tokens.map_or(JsValue::UNDEFINED, |t| to_value(&t));
            let _ = listener.call1(&JsValue::UNDEFINED, &value);
        });
        let client = self.client.clone();
        // Callable any number of times; removing twice is harmless.
        Ok(Closure::<dyn Fn()>::new(move || client.remove_listener(id)).into_js_value())
    }
}

fn login_options(options: JsValue) -> Result<LoginOptions> {
    let options = args::options(&options, "options")?;
    let mut login: LoginOptions = from_js(&options, "login options", code::INVALID_ARGUMENT)?;
    let app_state = get(&options, "appState");
    if !app_state.is_undefined() {
        let text = JSON::stringify(&app_state).ok().and_then(|s| s.as_string());
        login.app_state = Some(text.ok_or_else(|| args::invalid("appState", "a JSON value", &app_state))?);
    }
    Ok(login)
}

fn token_options(options: &JsValue) -> Result<TokenOptions> {
    let options = args::options(options, "options")?;
    Ok(TokenOptions { min_validity: args::seconds(&options, "minValidity")?, force_refresh: args::boolean(&options, "forceRefresh")? })
}

fn logout_options(options: &JsValue) -> Result<LogoutOptions> {
    let options = args::options(options, "options")?;
    Ok(LogoutOptions { return_to: args::url(&get(&options, "returnTo"), "returnTo")?, local_only: args::boolean(&options, "localOnly")? })
}
