//! Token endpoint answers: any JSON body and status is classified without a panic, and a token set is only
//! made from an answer with an access token.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use spa_auth::core::json::FromJson;
use spa_auth::core::token::{check_response, TokenResponse, TokenSet};

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((s, rest)) => (100 + u16::from(*s) * 2, rest),
        None => return,
    };
    let parsed = std::str::from_utf8(body).ok().and_then(|text| TokenResponse::read(&common::SerdeJson, text));
    if let Ok(response) = check_response("token endpoint", status, parsed) {
        if let Ok(set) = TokenSet::from_response(response, 1_700_000_000, None, data.first().is_some_and(|b| b & 1 == 1)) {
            assert!(!set.access_token.secret().is_empty());
            assert!(set.expires_at >= set.received_at);
        }
    }
});
