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

#[wasm_bindgen(typescript_custom_section)]
const AUTH_ERROR_TS: &str = r#"
/** Every rejection from spa-auth: a real `Error` with a stable `code`. */
export class AuthError extends Error {
  /** `invalid_config`, `invalid_argument`, `invalid_state`, `missing_transaction`, `issuer_mismatch`, `id_token_invalid`,
   * `login_required`, `network_error`, `server_error`, `storage_unavailable`, `crypto_unavailable` (no
   * `crypto.getRandomValues`), or the server's own OAuth error such as `access_denied` or `invalid_grant`. */
  readonly code: string;
  /** The server's OAuth `error`, when it sent one. */
  readonly error?: string;
  /** The server's `error_description`, when it sent one. */
  readonly errorDescription?: string;
}
"#;

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
