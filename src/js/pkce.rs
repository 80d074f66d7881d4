//! `createPkcePair()` and `pkceChallenge(verifier)`.

use super::error::to_js;
use crate::browser::random;
use crate::core::pkce::{self, RANDOM_LEN, METHOD};
use crate::core::secret::PkceVerifier;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

/// A fresh verifier (32 random bytes, base64url) and its S256 challenge (the driver's `createPkcePair`).
#[wasm_bindgen(js_name = pkcePairOf, unchecked_return_type = "Promise<PkcePair>")]
pub fn create_pkce_pair() -> Promise {
    let pair = random::bytes::<RANDOM_LEN>().map(|bytes| {
        let verifier = PkceVerifier::from_random(&bytes);
        let object = Object::new();
        let _ = Reflect::set(&object, &"verifier".into(), &verifier.secret().into());
        let _ = Reflect::set(&object, &"challenge".into(), &verifier.challenge().into());
        let _ = Reflect::set(&object, &"method".into(), &METHOD.into());
        JsValue::from(object)
    });
    match pair {
        Ok(value) => Promise::resolve(&value),
        Err(e) => Promise::reject(&to_js(e)),
    }
}

/// The S256 challenge of `verifier` (43 to 128 unreserved characters); an `AuthError` otherwise (the
/// driver's `pkceChallenge` checks that it is a string).
#[wasm_bindgen(js_name = pkceChallengeOf)]
pub fn pkce_challenge(verifier: JsValue) -> JsValue {
    let verifier = &super::convert::text(verifier);
    super::error::either(pkce::challenge_for(verifier).map(|challenge| super::convert::js_text(Some(&challenge))).map_err(to_js))
}
