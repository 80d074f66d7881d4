//! Callback URLs as an attacker would shape them: parsing, recognising, scrubbing and checking never panic,
//! and scrubbing removes every callback parameter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spa_auth::core::callback::{check_response, is_callback, parse_response, scrub_url};
use spa_auth::core::legacy_jwt;
use spa_auth::ResponseMode;

fuzz_target!(|data: &[u8]| {
    let url = String::from_utf8_lossy(data);
    for mode in [ResponseMode::Query, ResponseMode::Fragment] {
        let _ = is_callback(&url, mode);
        let scrubbed = scrub_url(&url, mode);
        let again = parse_response(&scrubbed, mode);
        assert!(again.code.is_none() && again.state.is_none() && again.iss.is_none(), "scrubbed URL still has a callback");
        for required in [false, true] {
            let _ = check_response(parse_response(&url, mode), "https://id.example.com", required);
        }
    }
    let _ = legacy_jwt::parse_callback(&url);
    assert!(legacy_jwt::parse_callback(&legacy_jwt::scrub_url(&url)).is_none());
});
