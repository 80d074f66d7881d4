//! ID tokens from a hostile token endpoint: decoding and the claims checks never panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use spa_auth::core::id_token::{verify, verify_refreshed, Claims, Expected};
use spa_auth::core::secret::IdToken;

fuzz_target!(|data: &[u8]| {
    let token = IdToken::new(String::from_utf8_lossy(data).into_owned());
    let expected = Expected { issuer: "https://id.example.com", client_id: "spa", nonce: Some("n"), now: 1_700_000_000, leeway: 60 };
    let _ = verify(&token, &expected, &common::SerdeJson);
    let original = Claims { iss: "https://id.example.com".into(), sub: "s".into(), aud: vec!["spa".into()], ..Claims::default() };
    let _ = verify_refreshed(&token, &original, &expected, &common::SerdeJson);
    let _ = spa_auth::core::legacy_jwt::session(
        spa_auth::core::secret::AccessToken::new(token.secret().to_owned()),
        None,
        1_700_000_000,
        &common::SerdeJson,
    );
});
