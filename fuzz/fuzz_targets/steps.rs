//! The core's step machines fed any server answers (discovery, token, refresh, JWK Set, UserInfo, revocation) and
//! any verification results: no panic, and a token set is stored only after a good code exchange or refresh.
#![no_main]

mod common;

use common::SerdeJson;
use libfuzzer_sys::fuzz_target;
use spa_auth::core::authorize::{LoginOptions, LoginRandomness};
use spa_auth::core::client::{Action, Answer, Client, Env, LogoutOptions, Outcome};
use spa_auth::core::error::Result;
use spa_auth::core::json::{FromJson, Json};
use spa_auth::core::store::{MemoryStore, Store};
use spa_auth::core::token::TokenSet;
use spa_auth::Options;
use std::rc::Rc;

#[derive(Default)]
struct FuzzEnv {
    logins: MemoryStore,
    tokens: MemoryStore,
}

impl Env for FuzzEnv {
    type Json = SerdeJson;
    fn json(&self) -> &SerdeJson {
        &SerdeJson
    }
    fn now(&self) -> u64 {
        1_700_000_000
    }
    fn now_ms(&self) -> u64 {
        1_700_000_000_000
    }
    fn random(&self) -> Result<LoginRandomness> {
        Ok(LoginRandomness { verifier: [1; 32], state: [2; 32], nonce: [3; 32] })
    }
    fn logins(&self) -> &dyn Store {
        &self.logins
    }
    fn keep_login(&self, key: &str, value: &str) -> Result<()> {
        self.logins.set(key, value)
    }
    fn load_tokens(&self) -> Option<Rc<TokenSet>> {
        Some(Rc::new(TokenSet::read(&SerdeJson, &self.tokens.get("t").ok()??)?))
    }
    fn tokens_text(&self) -> Option<String> {
        self.tokens.get("t").ok()?
    }
    fn save_tokens(&self, set: &TokenSet) -> Result<()> {
        self.tokens.set("t", &SerdeJson.stringify(set).unwrap_or_default())
    }
    fn remove_tokens(&self) -> Result<()> {
        self.tokens.remove("t")
    }
}

/// Answers cut from the input: a status byte (0 = unreachable, 1 = timed out, 2/3 = verified no/yes) and text up
/// to the next 0xFF; an HTTP answer with an odd status byte carries a DPoP nonce and the text as its challenge too.
fn answers(data: &[u8]) -> Vec<Answer> {
    data.split(|b| *b == 0xFF)
        .filter_map(|chunk| {
            let (kind, text) = chunk.split_first()?;
            let text = String::from_utf8_lossy(text).into_owned();
            Some(match kind {
                0 => Answer::Unreachable,
                1 => Answer::TimedOut,
                2 | 3 => Answer::Verified(*kind == 3),
                k => {
                    let dpop = (k & 1 == 1).then(|| text.clone());
                    Answer::Http { status: 100 + u16::from(*k) * 2, text, nonce: dpop.clone(), challenge: dpop }
                }
            })
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else { return };
    let options = Options {
        issuer: "https://id.example.com".into(),
        client_id: "spa".into(),
        redirect_uri: "https://app.example/cb".into(),
        scope: Some("openid offline_access".into()),
        verify_signature: which & 1 == 1,
        dpop: which & 4 == 4,
        ..Options::default()
    };
    // Half the runs know the endpoints: the first answer is then the token endpoint's, not discovery's.
    let options = match which & 2 {
        0 => options,
        _ => Options {
            authorization_endpoint: Some("https://id.example.com/auth".into()),
            token_endpoint: Some("https://id.example.com/token".into()),
            jwks_uri: Some("https://id.example.com/jwks".into()),
            userinfo_endpoint: Some("https://id.example.com/me".into()),
            revocation_endpoint: Some("https://id.example.com/revoke".into()),
            ..options
        },
    };
    let Ok(config) = options.validate() else { return };
    let client = Client::new(config, FuzzEnv::default());
    let x = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    client.set_dpop_key(spa_auth::core::dpop::PublicKey::p256(x, x));
    let mut answers = answers(rest).into_iter();
    let mut run = |mut step| {
        let mut answer = None;
        for _ in 0..16 {
            match client.advance(&mut step, answer.take()) {
                Ok(Action::Fetch(_)) | Ok(Action::Verify(_)) | Ok(Action::Navigate(_)) => answer = answers.next(),
                Ok(Action::Done(outcome)) => return Some(outcome),
                Err(_) => return None,
            }
        }
        None
    };
    let url = match run(client.login(LoginOptions::default())) {
        Some(Outcome::AuthorizeUrl(url)) => url,
        _ => return,
    };
    let state = url.split("state=").nth(1).and_then(|s| s.split('&').next()).unwrap_or_default().to_owned();
    if let Ok(step) = client.callback(&["https://app.example/cb?code=c&iss=https%3A%2F%2Fid.example.com&state=", &state].concat()) {
        let logged_in = matches!(run(step), Some(Outcome::LoggedIn(_)));
        assert_eq!(logged_in, client.tokens().is_some(), "stored exactly when the callback succeeded");
    }
    if let Ok(step) = client.refresh() {
        let _ = run(step);
    }
    let _ = run(client.user_info("at".into(), false));
    let _ = run(client.user_info("at".into(), true));
    let _ = run(client.resource("DELETE".into(), "https://api.example/r?x".into(), "at", true));
    if let Ok(step) = client.logout(LogoutOptions::default()) {
        let _ = run(step);
    }
    assert!(client.tokens().is_none(), "logged out");
});
