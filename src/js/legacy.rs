//! The core of the JavaScript `LegacyJwtClient`: delegates to [`crate::browser::legacy`]; `driver.js` sends.

use super::convert::{from_text, js_text, optional_text, text};
use super::error::{either, to_js};
use crate::browser::legacy::LegacyJwtClient;
use crate::core::error::code;
use wasm_bindgen::prelude::*;

/// publiq's legacy UiTiD v1 JWT flow, for apps still migrating to UiTiD v2.
#[wasm_bindgen(js_name = LegacyCore)]
pub struct JsLegacyJwtClient {
    inner: LegacyJwtClient,
}

#[wasm_bindgen(js_class = LegacyCore)]
impl JsLegacyJwtClient {
    /// A `LegacyCore` for the options (JSON text), or an `AuthError` (`invalid_config`) the driver throws.
    pub fn create(options: JsValue) -> JsValue {
        let options = options.as_string();
        let client = from_text(options, "LegacyJwtClient options", code::INVALID_CONFIG).and_then(LegacyJwtClient::new);
        either(client.map(|inner| JsLegacyJwtClient { inner }.into()).map_err(to_js))
    }

    /// Goes to `{serverUrl}/connect?apiKey=…&destination=…` (destination default: this page).
    pub fn login(&self, destination: JsValue) -> JsValue {
        let destination = destination.as_string();
        either(self.inner.login(destination).map(|()| JsValue::UNDEFINED).map_err(to_js))
    }

    /// Whether the URL (default: the current one) carries `?jwt=`.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, url: JsValue) -> bool {
        let url = optional_text(url);
        self.inner.is_callback(url.as_deref())
    }

    /// Reads `?jwt=` (and `&refresh=`), checks it, stores it, and scrubs the address bar.
    #[wasm_bindgen(js_name = handleCallback)]
    pub fn handle_callback(&self, url: JsValue) -> JsValue {
        let url = optional_text(url);
        either(self.inner.handle_callback(url).map(|()| JsValue::UNDEFINED).map_err(to_js))
    }

    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }

    /// The JWT while it has not expired.
    #[wasm_bindgen(js_name = getToken)]
    pub fn get_token(&self) -> JsValue {
        js_text(self.inner.token().as_deref())
    }

    /// The refresh request's URL; an `AuthError` (`login_required`) without a refresh token.
    #[wasm_bindgen(js_name = refreshUrl)]
    pub fn refresh_url(&self) -> JsValue {
        either(self.inner.refresh_url().map(|url| js_text(Some(&url))).map_err(to_js))
    }

    /// Reads the refresh answer (`status` -1: none, -2: none within 10 s, `timeout`) and stores the new JWT, which it
    /// returns.
    #[wasm_bindgen(js_name = acceptRefresh)]
    pub fn accept_refresh(&self, status: i32, body: JsValue) -> JsValue {
        let text = text(body);
        if status == -2 {
            return to_js(LegacyJwtClient::refresh_timed_out());
        }
        let status = u16::try_from(status).ok().filter(|s| *s > 0);
        either(self.inner.accept_refresh(status, &text).map(|jwt| js_text(Some(&jwt))).map_err(to_js))
    }

    /// The API key (`X-Api-Key`).
    #[wasm_bindgen(js_name = apiKey)]
    pub fn api_key(&self) -> JsValue {
        js_text(Some(self.inner.api_key()))
    }

    #[wasm_bindgen(js_name = canRefresh)]
    pub fn can_refresh(&self) -> bool {
        self.inner.can_refresh()
    }

    /// Forgets the session here.
    pub fn logout(&self) {
        self.inner.logout();
    }
}
