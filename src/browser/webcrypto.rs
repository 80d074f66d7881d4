//! WebCrypto for the Rust driver, through the module both drivers share (`src/browser/webcrypto.js`, which
//! `src/js/driver.js` imports too): the same DPoP key pair per issuer and client id in IndexedDB as the JavaScript
//! driver keeps (RFC 9449; the core writes every proof, this only loads, removes and signs with the key), and ID
//! token signature checks (`verifySignature`).

use crate::core::encoding::concat;
use crate::core::error::{code, Error, Result};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/webcrypto.js")]
extern "C" {
    #[wasm_bindgen(js_name = loadKey, catch)]
    async fn load_key_js(name: &str) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = removeKey, catch)]
    async fn remove_key_js(name: &str) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = signProof, catch)]
    async fn sign_proof_js(key: &JsValue, input: &str) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = verifySignature)]
    async fn verify_signature_js(verification: &JsValue) -> JsValue;
}

fn unavailable(what: &str, e: &JsValue) -> Error {
    let reason = Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
    Error::new(code::CRYPTO_UNAVAILABLE, concat(&["The DPoP key could not be ", what, ": ", &reason]))
}

/// A loaded key pair: the private `CryptoKey` (opaque here) and the public JWK's `x` and `y`.
pub struct Key {
    js: JsValue,
    pub x: String,
    pub y: String,
}

/// Whether this page has what DPoP needs: WebCrypto (a secure context) and IndexedDB.
pub fn available() -> bool {
    let global = js_sys::global();
    let has = |target: &JsValue, name: &str| Reflect::get(target, &name.into()).is_ok_and(|v| !v.is_undefined() && !v.is_null());
    let crypto = Reflect::get(&global, &"crypto".into()).unwrap_or(JsValue::UNDEFINED);
    has(&crypto, "subtle") && has(&global, "indexedDB")
}

/// The key pair stored under `name`, or a new one (`crypto_unavailable` when IndexedDB or WebCrypto fails).
pub async fn load(name: &str) -> Result<Key> {
    let js = load_key_js(name).await.map_err(|e| unavailable("read from or kept in IndexedDB", &e))?;
    let coordinate = |n: &str| Reflect::get(&js, &n.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let (x, y) = (coordinate("x"), coordinate("y"));
    Ok(Key { js, x, y })
}

/// Removes the key pair stored under `name`; a failure is only warned about (logout goes on).
pub async fn remove(name: &str) {
    if remove_key_js(name).await.is_err() {
        web_sys::console::warn_1(&"spa-auth: the DPoP key could not be removed from IndexedDB.".into());
    }
}

/// The `DPoP` header for the core's signing input `input`.
pub async fn sign(key: &Key, input: &str) -> Result<String> {
    let proof = sign_proof_js(&key.js, input).await.map_err(|e| unavailable("used to sign", &e))?;
    proof.as_string().ok_or_else(|| unavailable("used to sign", &JsValue::UNDEFINED))
}

/// Whether the ID token signature the core chose a key for verifies (a key or signature WebCrypto cannot read
/// verifies nothing).
pub async fn verify(verification: &crate::core::signature::Verification) -> bool {
    let object = js_sys::Object::new();
    for (name, value) in [
        ("alg", verification.alg.as_str()),
        ("jwk", verification.jwk.as_str()),
        ("data", verification.signing_input.as_str()),
        ("signature", verification.signature.as_str()),
    ] {
        let _ = Reflect::set(&object, &name.into(), &value.into());
    }
    verify_signature_js(&object).await.as_bool() == Some(true)
}
