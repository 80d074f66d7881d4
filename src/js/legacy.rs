//! The JavaScript `LegacyJwtClient`: converts and delegates to [`crate::browser::legacy`].

use super::args;
use super::convert::{from_js, promise, request};
use super::error::to_js;
use crate::browser::legacy::LegacyJwtClient;
use crate::core::legacy_jwt::LegacyOptions;
use js_sys::Promise;
use crate::core::error::code;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const LEGACY_TS: &str = r#"
/** Options of `new LegacyJwtClient(options)` (Entry API 3's JWT provider, deprecated by publiq). */
export interface LegacyJwtClientOptions {
  /** e.g. `https://jwt.uitdatabank.be` or `https://jwt-test.uitdatabank.be`. */
  serverUrl: string;
  apiKey: string;
  lang?: "nl" | "fr" | "de";
}

export interface LegacyJwtClient {
  /** `fetch` with `Authorization: Bearer <jwt>` and `X-Api-Key`; refreshes an expired JWT first. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}
"#;

/// publiq's legacy UiTiD v1 JWT flow, for apps still migrating to UiTiD v2.
#[wasm_bindgen(js_name = LegacyJwtClient)]
pub struct JsLegacyJwtClient {
    inner: LegacyJwtClient,
}

#[wasm_bindgen(js_class = LegacyJwtClient)]
impl JsLegacyJwtClient {
    /// Validates the options; throws `AuthError` (`invalid_config`).
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "LegacyJwtClientOptions")] options: JsValue) -> Result<JsLegacyJwtClient, JsValue> {
        let options: LegacyOptions = from_js(&options, "LegacyJwtClient options", code::INVALID_CONFIG).map_err(to_js)?;
        LegacyJwtClient::new(options).map(|inner| JsLegacyJwtClient { inner }).map_err(to_js)
    }

    /// Redirects to `{serverUrl}/connect?apiKey=…&destination=…` (destination default: this page).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(&self, #[wasm_bindgen(unchecked_optional_param_type = "string | URL")] destination: Option<JsValue>) -> Promise {
        let inner = self.inner.clone();
        let destination = args::url(&destination.unwrap_or_default(), "destination");
        promise(async move { inner.login(destination?).map(|_| JsValue::UNDEFINED) })
    }

    /// Whether the URL (default: the current one) carries `?jwt=`.
    #[wasm_bindgen(js_name = isCallback, unchecked_return_type = "boolean")]
    pub fn is_callback(&self, #[wasm_bindgen(unchecked_optional_param_type = "string | URL | Location")] url: Option<JsValue>) -> Result<bool, JsValue> {
        let url = args::url(&url.unwrap_or_default(), "url").map_err(to_js)?;
        Ok(self.inner.is_callback(url.as_deref()))
    }

    /// Reads `?jwt=` (and `&refresh=`), checks it, stores it, and scrubs the address bar.
    #[wasm_bindgen(js_name = handleCallback, unchecked_return_type = "Promise<void>")]
    pub fn handle_callback(&self, #[wasm_bindgen(unchecked_optional_param_type = "string | URL | Location")] url: Option<JsValue>) -> Promise {
        let inner = self.inner.clone();
        let url = args::url(&url.unwrap_or_default(), "url");
        promise(async move { inner.handle_callback(url?).map(|_| JsValue::UNDEFINED) })
    }

    /// A JWT that has not expired, or a refresh token to get one.
    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }

    /// The JWT while it has not expired, else `undefined`.
    #[wasm_bindgen(js_name = getToken)]
    pub fn get_token(&self) -> Option<String> {
        self.inner.token()
    }

    /// `GET {serverUrl}/refresh`: resolves to the new JWT.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn refresh(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move { inner.refresh().await })
    }

    /// `fetch` with `Authorization: Bearer <jwt>` and `X-Api-Key`; refreshes an expired JWT first.
    #[wasm_bindgen(skip_typescript, unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move { inner.fetch(request(input, init.unwrap_or_default())?).await })
    }

    /// Forgets the session here.
    pub fn logout(&self) {
        self.inner.logout();
    }
}
