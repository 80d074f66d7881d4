//! `Error` → the JavaScript `AuthError` class (a real `Error` subclass, so `instanceof` works).

use crate::core::error::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/auth_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = AuthError)]
    type JsAuthError;

    #[wasm_bindgen(constructor, js_class = "AuthError")]
    fn new(code: &str, message: &str, error: Option<&str>, error_description: Option<&str>) -> JsAuthError;
}

/// The `AuthError` for `error`.
pub fn to_js(error: Error) -> JsValue {
    JsAuthError::new(
        error.code(),
        error.message(),
        error.error(),
        error.error_description(),
    )
    .into()
}

/// `result`'s value, or its `AuthError`, as one value: the driver throws the `AuthError`s it is given (`ok` in
/// `driver.js`). wasm-bindgen gives an export that returns a `Result` a glue of its own that reads the outcome
/// back from memory; one that returns a `JsValue` has a one-line glue (README "Size history").
pub fn either(result: Result<JsValue, JsValue>) -> JsValue {
    result.unwrap_or_else(|e| e)
}
