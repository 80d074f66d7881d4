//! What an app's server-side rendering (Leptos, Yew) sees of the Rust driver: the code shared with the browser
//! builds for the server's target, and the clients are not made there (`invalid_config`, no panic in web-sys).
#![cfg(not(target_arch = "wasm32"))]

use spa_auth::{AuthClient, Environment, LegacyJwtClient, LegacyOptions, Options};

fn options() -> Options {
    Options {
        issuer: "https://id.example.com".into(),
        client_id: "spa".into(),
        redirect_uri: "https://app.example.com/cb".into(),
        ..Options::default()
    }
}

#[test]
fn the_clients_are_not_made_outside_the_browser() {
    let refusals = [
        AuthClient::new(options()).err(),
        AuthClient::publiq(Environment::Testing, Options { issuer: String::new(), ..options() }).err(),
        LegacyJwtClient::new(LegacyOptions {
            server_url: "https://jwt-test.uitdatabank.be".into(),
            api_key: "key".into(),
            lang: None,
        })
        .err(),
    ];
    for (e, client) in refusals.into_iter().zip(["AuthClient", "AuthClient", "LegacyJwtClient"]) {
        let e = e.expect("refused on the server");
        assert_eq!(e.code(), "invalid_config");
        assert!(e.message().contains(client) && e.message().contains("server-side rendering"), "{}", e.message());
    }
}
