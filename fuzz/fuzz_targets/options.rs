//! Options objects: validation never panics, never accepts a secret, and what it accepts builds an authorize URL
//! that carries S256.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use spa_auth::core::json::FromOptions;
use spa_auth::core::authorize::{authorization_request, LoginOptions, LoginRandomness};
use spa_auth::Options;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(options) = Options::read_options(&common::SerdeJson, text) else { return };
    let has_secret = options.authorization_params.iter().any(|(k, _)| spa_auth::core::config::refuse_secret(k).is_err());
    let Ok(config) = options.validate() else { return };
    assert!(!has_secret, "a secret was accepted");
    assert!(config.issuer.starts_with("https://") || config.issuer.starts_with("http://"));
    let random = LoginRandomness { verifier: [7; 32], state: [8; 32], nonce: [9; 32] };
    let endpoint = config.authorization_endpoint.clone().unwrap_or_else(|| "https://id.example.com/auth".into());
    if let Ok(request) = authorization_request(&config, &endpoint, LoginOptions::default(), &random, 0) {
        assert!(request.url.contains("code_challenge_method=S256"));
    }
});
