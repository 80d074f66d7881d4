//! `Error` → the JavaScript `AuthError` class (a real `Error` subclass, so `instanceof` works).

use crate::core::error::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/auth_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = AuthError)]
    type JsAuthError;

    #[wasm_bindgen(constructor, js_class = "AuthError")]
    fn new(code: &str, message: &str, error: Option<String>, error_description: Option<String>) -> JsAuthError;
}

/// The `AuthError` for `error`.
pub fn to_js(error: Error) -> JsValue {
    JsAuthError::new(
        error.code(),
        error.message(),
        error.error().map(str::to_owned),
        error.error_description().map(str::to_owned),
    )
    .into()
}
