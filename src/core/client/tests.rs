//! The step machines driven natively: memory stores, a settable clock, serde_json.

use super::*;
use crate::core::config::{Options, TabsMode};
use crate::core::encoding::{base64url, parse_params};
use crate::core::json::SerdeJson;
use crate::core::store::MemoryStore;
use sha2::Digest;

const ISSUER: &str = "https://id.example.com";

/// Memory stores, a settable clock, fixed randomness, serde_json.
#[derive(Default)]
struct TestEnv {
    logins: MemoryStore,
    tokens: MemoryStore,
    now: Cell<u64>,
    logins_lost: Cell<bool>,
    /// The keys written with `keep_login` (where they survive a navigation).
    kept: std::cell::RefCell<Vec<String>>,
    /// Draws so far: each draw differs from the last.
    draws: Cell<u8>,
}

impl Env for TestEnv {
    type Json = SerdeJson;
    fn json(&self) -> &SerdeJson {
        &SerdeJson
    }
    fn now(&self) -> u64 {
        self.now.get()
    }
    fn now_ms(&self) -> u64 {
        self.now.get() * 1000
    }
    fn random(&self) -> Result<LoginRandomness> {
        self.draws.set(self.draws.get().wrapping_add(3));
        let n = (self.now.get() as u8).wrapping_add(self.draws.get());
        Ok(LoginRandomness { verifier: [n; 32], state: [n.wrapping_add(1); 32], nonce: [n.wrapping_add(2); 32] })
    }
    fn logins(&self) -> &dyn Store {
        &self.logins
    }
    fn keep_login(&self, key: &str, value: &str) -> Result<()> {
        if self.logins_lost.get() {
            return Err(Error::new(code::STORAGE_UNAVAILABLE, "sessionStorage is full."));
        }
        self.kept.borrow_mut().push(key.to_owned());
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

fn client(extra: impl FnOnce(&mut Options)) -> Client<TestEnv> {
    let mut options = Options {
        issuer: ISSUER.into(),
        client_id: "spa".into(),
        redirect_uri: "https://app.example/cb".into(),
        scope: Some("openid offline_access".into()),
        ..Options::default()
    };
    extra(&mut options);
    let env = TestEnv::default();
    env.now.set(1000);
    Client::new(options.validate().unwrap(), env)
}

fn http(status: u16, text: &str) -> Option<Answer> {
    Some(Answer::Http { status, text: text.into(), nonce: None, challenge: None })
}

fn metadata() -> String {
    serde_json::json!({
        "issuer": ISSUER, "authorization_endpoint": "https://id.example.com/auth",
        "token_endpoint": "https://id.example.com/token", "revocation_endpoint": "https://id.example.com/revoke",
        "end_session_endpoint": "https://id.example.com/logout", "authorization_response_iss_parameter_supported": true,
        "userinfo_endpoint": "https://id.example.com/me", "jwks_uri": "https://id.example.com/jwks",
    })
    .to_string()
}

fn id_token(nonce: Option<&str>, now: u64) -> String {
    let claims = serde_json::json!({"iss": ISSUER, "sub": "alice", "aud": "spa", "nonce": nonce, "iat": now, "exp": now + 300});
    [base64url(br#"{"alg":"RS256"}"#), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".")
}

fn tokens_answer(access: &str, id_token: Option<String>) -> String {
    let refresh = ["rt-", access].concat();
    let mut body = serde_json::json!({"access_token": access, "token_type": "Bearer", "expires_in": 300, "refresh_token": refresh});
    if let Some(t) = id_token {
        body["id_token"] = t.into();
    }
    body.to_string()
}

fn query(url: &str) -> Vec<(String, String)> {
    parse_params(url.split_once('?').map_or("", |(_, q)| q))
}

fn param(url: &str, name: &str) -> String {
    query(url).into_iter().find(|(n, _)| n == name).map(|(_, v)| v).unwrap_or_default()
}

/// A login through discovery and the code exchange; returns the client, logged in.
fn logged_in() -> Client<TestEnv> {
    let c = client(|_| {});
    let mut step = c.login(LoginOptions { app_state: Some("{\"to\":\"/x\"}".into()), ..LoginOptions::default() });
    assert_eq!(
        c.advance(&mut step, None).unwrap(),
        Action::Fetch(HttpRequest::get("https://id.example.com/.well-known/openid-configuration".into()))
    );
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert!(url.starts_with("https://id.example.com/auth?"));
    assert_eq!(param(&url, "code_challenge_method"), "S256");
    let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
    assert!(c.is_callback(&back));
    let mut step = c.callback(&back).unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!("a token request") };
    assert_eq!(request.url, "https://id.example.com/token");
    let form = parse_params(request.body.as_deref().unwrap());
    assert!(form.contains(&("grant_type".into(), "authorization_code".into())));
    assert!(form.iter().any(|(n, v)| n == "code_verifier" && v.len() == 43));
    let nonce = param(&url, "nonce");
    let done = c.advance(&mut step, http(200, &tokens_answer("at1", Some(id_token(Some(&nonce), 1000))))).unwrap();
    assert_eq!(done, Action::Done(Outcome::LoggedIn(Some("{\"to\":\"/x\"}".into()))));
    c
}

/// A new client (a new tab) logged in at `now` through discovery, holding `access_token`.
fn logged_in_at(now: u64, access_token: &str) -> Client<TestEnv> {
    let c = client(|_| {});
    c.env().now.set(now);
    let mut step = c.login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer(access_token, Some(id_token(Some(&param(&url, "nonce")), now)));
    assert_eq!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Done(Outcome::LoggedIn(None)));
    c
}

/// The claims of a DPoP proof's signing input.
fn proof_claims(input: &str) -> serde_json::Value {
    let claims = crate::core::encoding::base64url_decode(input.split('.').nth(1).unwrap()).unwrap();
    serde_json::from_slice(&claims).unwrap()
}

fn dpop_answer(access: &str, id_token: Option<String>) -> String {
    tokens_answer(access, id_token).replace("\"Bearer\"", "\"DPoP\"")
}

#[test]
fn with_dpop_every_grant_and_token_use_carries_a_proof_and_nonces_are_followed_once() {
    let c = client(|o| o.dpop = true);
    let mut step = c.login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    let no_key = c.advance(&mut step, http(200, &metadata())).unwrap_err();
    assert_eq!(no_key.code(), "invalid_config", "no login without the key it would be bound to");

    let key = PublicKey::p256(X, Y).unwrap();
    c.set_dpop_key(Some(key.clone()));
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(param(&url, "dpop_jkt"), key.thumbprint());

    // The code exchange: a proof without `ath`; the server's nonce challenge is answered once, with its nonce.
    let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
    let mut step = c.callback(&back).unwrap();
    let Action::Fetch(first) = c.advance(&mut step, None).unwrap() else { panic!() };
    let claims = proof_claims(first.dpop.as_deref().unwrap());
    assert_eq!((claims["htm"].as_str(), claims["htu"].as_str()), (Some("POST"), Some("https://id.example.com/token")));
    assert!(claims.get("ath").is_none() && claims.get("nonce").is_none());
    let challenge = Some(Answer::Http {
        status: 400,
        text: r#"{"error":"use_dpop_nonce"}"#.into(),
        nonce: Some("n1".into()),
        challenge: None,
    });
    let Action::Fetch(again) = c.advance(&mut step, challenge).unwrap() else { panic!("sent again with the nonce") };
    assert_eq!((&again.url, &again.body), (&first.url, &first.body));
    let claims_again = proof_claims(again.dpop.as_deref().unwrap());
    assert_eq!(claims_again["nonce"], "n1");
    assert_ne!(claims_again["jti"], claims["jti"], "every proof is new");
    let second_challenge = Some(Answer::Http {
        status: 400,
        text: r#"{"error":"use_dpop_nonce"}"#.into(),
        nonce: Some("n2".into()),
        challenge: None,
    });
    assert_eq!(c.advance(&mut step, second_challenge).unwrap_err().code(), "use_dpop_nonce", "never a second retry");
    assert!(c.tokens().is_none());

    // A bearer token where DPoP was asked for is a downgrade: refused, nothing stored.
    let login = |c: &Client<TestEnv>| {
        let mut step = c.login(LoginOptions::default());
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
        let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
        let mut step = c.callback(&back).unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(proof_claims(request.dpop.as_deref().unwrap())["nonce"], "n2", "the server's latest nonce");
        (step, param(&url, "nonce"))
    };
    let (mut step, nonce) = login(&c);
    let bearer = c.advance(&mut step, http(200, &tokens_answer("at1", Some(id_token(Some(&nonce), 1000))))).unwrap_err();
    assert_eq!(bearer.code(), "server_error");
    assert!(c.tokens().is_none());
    let (mut step, nonce) = login(&c);
    c.advance(&mut step, http(200, &dpop_answer("at1", Some(id_token(Some(&nonce), 1000))))).unwrap();
    assert_eq!(c.tokens().unwrap().token_type, "DPoP");

    // UserInfo: the DPoP scheme and a proof with the token's hash.
    let mut step = c.user_info("at1".into(), false);
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(request.authorization.as_deref(), Some("DPoP at1"));
    let claims = proof_claims(request.dpop.as_deref().unwrap());
    assert_eq!((claims["htm"].as_str(), claims["ath"].as_str()), (Some("GET"), Some(base64url(&sha2::Sha256::digest(b"at1")).as_str())));
    let resource_challenge = Some(Answer::Http {
        status: 401,
        text: String::new(),
        nonce: Some("n3".into()),
        challenge: Some(r#"DPoP error="use_dpop_nonce""#.into()),
    });
    let Action::Fetch(again) = c.advance(&mut step, resource_challenge).unwrap() else { panic!() };
    assert_eq!(proof_claims(again.dpop.as_deref().unwrap())["nonce"], "n3");

    // Refresh and revocation carry proofs too; discovery and JWKS requests never do.
    let mut step = c.refresh().unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(request.dpop.is_some());
    c.advance(&mut step, http(200, &dpop_answer("at2", None))).unwrap();
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(request.url, "https://id.example.com/revoke");
    assert!(request.dpop.is_some());

    // fetch(): the app's method; a resource server's nonce challenge asks for one more try, any other 401 does not.
    let mut step = c.resource("PUT".into(), "https://api.example/r?q=1".into(), "at2", true);
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(request.authorization.as_deref(), Some("DPoP at2"));
    let claims = proof_claims(request.dpop.as_deref().unwrap());
    assert_eq!((claims["htm"].as_str(), claims["htu"].as_str()), (Some("PUT"), Some("https://api.example/r")));
    let answer = |nonce: &str, error: &str| {
        Some(Answer::Http { status: 401, text: String::new(), nonce: Some(nonce.into()), challenge: Some(format!("DPoP error=\"{error}\"")) })
    };
    let Action::Fetch(again) = c.advance(&mut step, answer("r1", "use_dpop_nonce")).unwrap() else { panic!() };
    assert_eq!(proof_claims(again.dpop.as_deref().unwrap())["nonce"], "r1");
    let done = c.advance(&mut step, answer("r2", "use_dpop_nonce")).unwrap();
    assert_eq!(done, Action::Done(Outcome::Answered { refresh: false }), "never a second retry, and no refresh for a nonce");
    let mut step = c.resource("GET".into(), "https://api.example/other".into(), "at2", true);
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(proof_claims(request.dpop.as_deref().unwrap())["nonce"], "r2", "the latest nonce of that server");
    assert_eq!(c.advance(&mut step, answer("r3", "invalid_token")).unwrap(), Action::Done(Outcome::Answered { refresh: true }));
    // After a refresh the request is sent once more, without a nonce retry.
    let mut step = c.resource("GET".into(), "https://api.example/other".into(), "at3", false);
    let Action::Fetch(_) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(c.advance(&mut step, answer("r4", "use_dpop_nonce")).unwrap(), Action::Done(Outcome::Answered { refresh: false }));
    // Its answer's nonce is still kept for the next request (§8.2).
    let mut step = c.resource("GET".into(), "https://api.example/other".into(), "at3", true);
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(proof_claims(request.dpop.as_deref().unwrap())["nonce"], "r4");
}

#[test]
fn with_dpop_a_nonce_challenge_whose_nonce_header_is_hidden_says_why() {
    let c = client(|o| {
        o.dpop = true;
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    c.set_dpop_key(PublicKey::p256(X, Y));
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
    let Action::Fetch(_) = c.advance(&mut step, None).unwrap() else { panic!("the token request") };
    // Cross-origin, the browser hides DPoP-Nonce unless the server exposes it: the driver reports no nonce.
    let e = c.advance(&mut step, http(400, r#"{"error":"use_dpop_nonce"}"#)).unwrap_err();
    assert_eq!((e.code(), e.error()), ("use_dpop_nonce", Some("use_dpop_nonce")));
    assert!(e.message().contains("Access-Control-Expose-Headers") && e.message().contains("https://id.example.com"), "{}", e.message());
    assert_eq!(c.advance(&mut step, None).unwrap_err().code(), "invalid_state", "the operation ended");
    assert!(c.tokens().is_none());
}

/// A P-256 public key's coordinates (RFC 7638's example key), for the driver's DPoP key.
const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";

/// A `dpop: true` client with known authorization, token and revocation endpoints (and `extra`), holding the key.
fn dpop_client(extra: impl FnOnce(&mut Options)) -> Client<TestEnv> {
    let c = client(|o| {
        o.dpop = true;
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
        o.revocation_endpoint = Some("https://id.example.com/revoke".into());
        extra(o);
    });
    c.set_dpop_key(PublicKey::p256(X, Y));
    c
}

/// `c`'s store holding the token set `json` (as the driver stores it).
fn store(c: &Client<TestEnv>, json: &str) {
    c.env().save_tokens(&TokenSet::read(&SerdeJson, json).unwrap()).unwrap();
}

#[test]
fn with_dpop_a_changed_key_a_missing_key_and_a_bearer_session_fail_safe() {
    let c = dpop_client(|_| {});
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    // The key was removed (a logout in another tab) and another one made: the code is not sent.
    c.set_dpop_key(PublicKey::p256(Y, X));
    let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat();
    let mut step = c.callback(&back).unwrap();
    let e = c.advance(&mut step, None).unwrap_err();
    assert_eq!(e.code(), "invalid_state");
    assert!(e.message().contains("DPoP key"));
    // A bearer session stored before `dpop: true` is no session: never sent as a DPoP token.
    store(&c, r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"Bearer","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#);
    assert!(!c.is_authenticated());
    assert_eq!(c.access_token(None, false).unwrap_err().code(), "login_required");
    // A DPoP session whose key is gone still logs out, without the revocation it could not prove.
    store(&c, r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"DPoP","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#);
    c.set_dpop_key(None);
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
    assert!(c.tokens().is_none());
}

#[test]
fn with_dpop_a_code_redeemed_while_a_logout_removed_the_key_keeps_no_tokens() {
    let c = dpop_client(|_| {});
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat();
    let mut step = c.callback(&back).unwrap();
    let Action::Fetch(_) = c.advance(&mut step, None).unwrap() else { panic!("the code is sent") };
    // A logout (here or in another tab) removes the key while the token endpoint answers: its tokens are bound to a
    // key no proof can use any more.
    c.set_dpop_key(None);
    let now = c.env().now();
    let answer = dpop_answer("at-gone", Some(id_token(Some(&param(&url, "nonce")), now)));
    let e = c.advance(&mut step, http(200, &answer)).unwrap_err();
    assert_eq!(e.code(), "invalid_state");
    assert!(e.message().contains("DPoP key that is gone"), "{}", e.message());
    assert!(c.tokens().is_none(), "nothing kept");
    // The same answer with the key still there is a login (the answer itself is good).
    c.set_dpop_key(PublicKey::p256(X, Y));
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c2&state=", &param(&url, "state")].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = dpop_answer("at-kept", Some(id_token(Some(&param(&url, "nonce")), now)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Done(Outcome::LoggedIn(_))));
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at-kept");
}

#[test]
fn with_dpop_a_revocation_nonce_challenge_the_browser_hid_does_not_stop_the_logout() {
    let c = dpop_client(|o| o.end_session_endpoint = Some("https://id.example.com/logout".into()));
    store(&c, r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"DPoP","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#);
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    let Action::Fetch(revocation) = c.advance(&mut step, None).unwrap() else { panic!("a revocation") };
    assert!(revocation.dpop.is_some());
    // `DPoP-Nonce` not exposed by CORS: no retry is possible, and the logout goes on to the provider.
    let hidden = Some(Answer::Http { status: 400, text: r#"{"error":"use_dpop_nonce"}"#.into(), nonce: None, challenge: None });
    assert!(matches!(c.advance(&mut step, hidden).unwrap(), Action::Navigate(url) if url.starts_with("https://id.example.com/logout?")));
    // UserInfo's hidden challenge names the endpoint that asked (RFC 9449 §9).
    let c = dpop_client(|o| o.userinfo_endpoint = Some("https://id.example.com/me".into()));
    let mut step = c.user_info("a".into(), false);
    c.advance(&mut step, None).unwrap();
    let hidden = Some(Answer::Http { status: 401, text: String::new(), nonce: None, challenge: Some(r#"DPoP error="use_dpop_nonce""#.into()) });
    let e = c.advance(&mut step, hidden).unwrap_err();
    assert!(e.code() == "use_dpop_nonce" && e.message().starts_with("The UserInfo endpoint at https://id.example.com") && e.message().contains("§9"), "{e:?}");
}

#[test]
fn the_dpop_key_is_shared_by_shared_tabs_and_per_tab_when_isolated() {
    let shared = client(|o| o.dpop = true);
    assert_eq!(shared.dpop_key_name().unwrap(), "https://id.example.com spa");
    assert_eq!(client(|_| {}).dpop_key_name(), None);
    let isolated = client(|o| {
        o.dpop = true;
        o.tabs = TabsMode::Isolated;
    });
    let name = isolated.dpop_key_name().unwrap();
    assert!(name.starts_with("https://id.example.com spa ") && name.len() > "https://id.example.com spa ".len() + 40);
    assert_eq!(isolated.dpop_key_name().unwrap(), name, "the same name for the tab's lifetime (sessionStorage)");
    let api = client(|o| {
        o.dpop = true;
        o.audience = Some("https://api.example/".into());
    });
    assert_eq!(api.dpop_key_name().unwrap(), "https://id.example.com spa https://api.example/", "a key per audience's session");
}

#[test]
fn a_session_for_an_audience_keeps_its_own_login_and_logout_times() {
    let c = client(|o| o.audience = Some("api1".into()));
    assert_eq!(c.tabs_channel().as_deref(), Some("spa-auth https://id.example.com spa api1"));
    c.set_session_at(5);
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
    let logins = c.env().logins();
    assert_eq!(logins.get("spa-auth:spa:logged-out-at:api1").unwrap().as_deref(), Some("1000000"));
    assert_eq!(logins.get("spa-auth:spa:logged-out-at").unwrap(), None, "another audience's session of this client id is not ended");
    assert_eq!(logins.get("spa-auth:spa:session-at:api1").unwrap(), None);
}

#[test]
fn a_login_and_its_callback_run_as_steps() {
    let c = logged_in();
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at1");
    assert_eq!(c.generation(), 1);
    assert!(c.user_claims_json().unwrap().contains("alice"));
    assert_eq!(c.access_token(None, false).unwrap().as_deref(), Some("at1"));
}

#[test]
fn only_this_clients_callbacks_are_scrubbed_from_the_address_bar() {
    let c = client(|_| {});
    // Another service's answer the app handles on a page of its own (Slack, Stripe Connect) stays as it is.
    let foreign = "https://app.example/integrations/slack?code=SLACK&state=theirs#tab";
    assert_eq!(c.scrub_callback_url(foreign), foreign);
    assert_eq!(c.scrub_callback_url("https://app.example/cb/?code=x&state=y&keep=1"), "https://app.example/cb/?keep=1", "the redirectUri page");
    let mut step = c.login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    let ours = ["https://app.example/elsewhere?code=c1&state=", &param(&url, "state")].concat();
    assert_eq!(c.scrub_callback_url(&ours), "https://app.example/elsewhere", "a state of this client's logins, on any page");
    let _spent = c.callback(&ours).unwrap();
    assert_eq!(c.scrub_callback_url(&ours), "https://app.example/elsewhere", "also once spent");
}

#[test]
fn an_answer_without_scope_granted_the_scope_the_login_asked_for() {
    let c = client(|_| {});
    let login = LoginOptions { authorization_params: vec![("scope".into(), "openid api:read".into())], ..LoginOptions::default() };
    let mut step = c.login(login);
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert_eq!(param(&url, "scope"), "openid api:read");
    let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at1", Some(id_token(Some(&param(&url, "nonce")), 1000)));
    assert!(!answer.contains("\"scope\""));
    c.advance(&mut step, http(200, &answer)).unwrap();
    assert_eq!(c.tokens().unwrap().scope.as_deref(), Some("openid api:read"), "the login's own scope, not the client's");
}

#[test]
fn a_cached_discovery_serves_each_configuration_its_own_endpoints() {
    // A tab's first client discovers with an end-session endpoint of its own; the cache keeps what was published.
    let a = client(|o| o.end_session_endpoint = Some("https://custom.example/logout".into()));
    let mut step = a.login(LoginOptions::default());
    a.advance(&mut step, None).unwrap();
    a.advance(&mut step, http(200, &metadata())).unwrap();
    assert_eq!(a.known_endpoints().unwrap().end_session.as_deref(), Some("https://custom.example/logout"));
    let cached = a.env().logins.get("spa-auth:spa:discovery").unwrap().unwrap();
    let with_cache = |extra: fn(&mut Options)| {
        let c = client(extra);
        c.env().logins.set("spa-auth:spa:discovery", &cached).unwrap();
        c.known_endpoints().unwrap()
    };
    // A later client of the same tab without that option: the published endpoint.
    assert_eq!(with_cache(|_| {}).end_session.as_deref(), Some("https://id.example.com/logout"));
    // A cached endpoint is checked before use: an insecure one is no cache (discovery again, which refuses it).
    let tampered = cached.replace("https://id.example.com/me", "http://evil.example/me");
    let c = client(|_| {});
    c.env().logins.set("spa-auth:spa:discovery", &tampered).unwrap();
    assert!(c.known_endpoints().is_none());
    // One with a token endpoint of its own, given alone: that one, and the published authorization endpoint.
    let proxied = with_cache(|o| o.token_endpoint = Some("https://proxy.example/token".into()));
    assert_eq!((proxied.token.as_str(), proxied.authorization.as_str()), ("https://proxy.example/token", "https://id.example.com/auth"));
}

#[test]
fn a_state_is_spent_before_the_code_is_redeemed() {
    let c = client(|_| {});
    let mut step = c.login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
    let _first = c.callback(&back).unwrap();
    assert_eq!(c.callback(&back).unwrap_err().code(), "invalid_state");
    assert_eq!(c.callback("https://app.example/cb?code=c&state=other").unwrap_err().code(), "missing_transaction", "no login pending");
}

#[test]
fn a_logins_own_mistaken_parameters_are_refused_before_discovery() {
    let c = client(|_| {});
    for params in [vec![("redirect_uri", "https://evil.example/")], vec![("audience", "https://other-api")], vec![("max_age", "soon")]] {
        let authorization_params = params.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        let mut step = c.login(LoginOptions { authorization_params, ..LoginOptions::default() });
        assert_eq!(c.advance(&mut step, None).unwrap_err().code(), "invalid_argument", "{params:?}: no discovery request first");
    }
    let mut step = c.login(LoginOptions { authorization_params: vec![("prompt".into(), "login".into())], ..LoginOptions::default() });
    assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(_)), "good parameters go on to discovery");
}

#[test]
fn a_login_that_cannot_be_kept_is_refused_before_the_url_exists() {
    let c = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    c.env().logins_lost.set(true);
    let mut step = c.login(LoginOptions::default());
    assert_eq!(c.advance(&mut step, None).unwrap_err().code(), "storage_unavailable");
}

#[test]
fn an_openid_code_exchange_without_an_id_token_stores_nothing() {
    let c = client(|_| {});
    let mut step = c.login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    assert_eq!(c.advance(&mut step, http(200, &tokens_answer("at1", None))).unwrap_err().code(), "id_token_invalid");
    assert!(c.tokens().is_none());
    assert_eq!(c.generation(), 0);
}

#[test]
fn refresh_rotates_and_a_refused_refresh_token_ends_the_session() {
    let c = logged_in();
    assert_eq!(c.tokens().unwrap().scope.as_deref(), Some("openid offline_access"), "left out of the answer: as asked (RFC 6749 §5.1)");
    c.env().now.set(1290);
    assert_eq!(c.access_token(None, false).unwrap(), None, "30 s margin: refresh");
    let mut step = c.refresh().unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(request.body.as_deref().unwrap().contains("refresh_token=rt-at1"));
    let done = c.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap();
    assert_eq!(done, Action::Done(Outcome::AccessToken("at2".into())));
    assert!(c.tokens().unwrap().id_token.is_some(), "the ID token is kept");
    assert!(request.body.as_deref().unwrap().ends_with("&scope=openid%20offline_access"), "the scope as asked: {:?}", request.body);

    // The scope the server said it granted goes with the next refresh (RFC 6749 §6; Entra ID needs it).
    let mut step = c.refresh().unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut granted: serde_json::Value = serde_json::from_str(&tokens_answer("at3", None)).unwrap();
    granted["scope"] = "openid api://spa/read".into();
    c.advance(&mut step, http(200, &granted.to_string())).unwrap();
    assert!(request.body.as_deref().unwrap().ends_with("&scope=openid%20offline_access"));
    let mut step = c.refresh().unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(request.body.as_deref().unwrap().ends_with("&scope=openid%20api%3A%2F%2Fspa%2Fread"), "{:?}", request.body);
    c.advance(&mut step, http(200, &tokens_answer("at4", None))).unwrap();
    assert_eq!(c.tokens().unwrap().scope.as_deref(), Some("openid api://spa/read"), "kept when the answer leaves it out");

    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let refused = c.advance(&mut step, http(400, r#"{"error":"invalid_grant"}"#)).unwrap_err();
    assert_eq!((refused.code(), refused.error()), ("login_required", Some("invalid_grant")));
    assert!(c.tokens().is_none());
}

#[test]
fn a_scope_refused_on_refresh_is_left_out_once() {
    // ZITADEL drops a scope it does not know from the grant, names none in its answer (so the session holds the
    // scope as asked, RFC 6749 §5.1) and refuses it on refresh: the refresh is sent once more without `scope`.
    let c = logged_in();
    let mut step = c.refresh().unwrap();
    let Action::Fetch(first) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(first.body.as_deref().unwrap().contains("&scope="));
    let refused = r#"{"error":"invalid_scope","error_description":"scope not in session"}"#;
    let Action::Fetch(again) = c.advance(&mut step, http(400, refused)).unwrap() else { panic!("sent again") };
    assert_eq!((again.url.as_str(), again.body.as_deref()), (first.url.as_str(), Some("grant_type=refresh_token&refresh_token=rt-at1&client_id=spa")));
    assert_eq!(c.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap(), Action::Done(Outcome::AccessToken("at2".into())));
    assert_eq!(c.tokens().unwrap().scope, None, "the scope as asked was not granted: none is claimed");
    // The next refresh sends no scope at all: no refusal first.
    let mut step = c.refresh().unwrap();
    let Action::Fetch(next) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(!next.body.as_deref().unwrap().contains("scope="), "{:?}", next.body);
}

#[test]
fn a_refresh_the_server_wants_the_user_for_ends_the_session() {
    for error in ["interaction_required", "login_required", "consent_required"] {
        let c = logged_in();
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        let answer = [r#"{"error":""#, error, r#"","error_description":"AADSTS50079: MFA"}"#].concat();
        let refused = c.advance(&mut step, http(400, &answer)).unwrap_err();
        assert_eq!((refused.code(), refused.error()), ("login_required", Some(error)));
        assert!(c.tokens().is_none(), "{error}: no refresh token left to send again");
    }
    // Every RFC 6749 §5.2 refusal ends it too (Keycloak answers a revoked consent with `invalid_scope`), and
    // Keycloak's `not_allowed` for offline tokens no longer allowed, and RFC 8707's `invalid_target` for the login's
    // resource: sent again, the same refresh token would be refused again on every call.
    for error in ["invalid_request", "invalid_scope", "unauthorized_client", "invalid_client", "not_allowed", "invalid_target"] {
        let c = logged_in();
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        let answer = [r#"{"error":""#, error, r#""}"#].concat();
        if error == "invalid_scope" {
            // Asked once more without `scope` (the original grant, RFC 6749 §6) before the session ends.
            let Action::Fetch(again) = c.advance(&mut step, http(400, &answer)).unwrap() else { panic!("sent again") };
            assert!(!again.body.as_deref().unwrap().contains("scope="), "{:?}", again.body);
        }
        let refused = c.advance(&mut step, http(400, &answer)).unwrap_err();
        assert_eq!((refused.code(), refused.error()), ("login_required", Some(error)));
        assert!(c.tokens().is_none(), "{error}");
    }
    // What may pass keeps the session: the server's own code (`server_error` for a 5xx, its `error` kept), the
    // tokens still there.
    for (status, error) in [(503, "temporarily_unavailable"), (400, "invalid_dpop_proof"), (400, "slow_down"), (400, "invalid_request")] {
        let c = logged_in();
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        // Keycloak refuses a DPoP proof with `invalid_request` and a `DPoP …` description: the proof, not the grant.
        let answer = [r#"{"error":""#, error, r#"","error_description":"DPoP proof is not active"}"#].concat();
        let e = c.advance(&mut step, http(status, &answer)).unwrap_err();
        assert_eq!((e.code(), e.error()), (if status >= 500 { "server_error" } else { error }, Some(error)));
        assert!(c.tokens().is_some(), "{error}: the session stays");
    }
}

#[test]
fn an_unreachable_server_is_a_network_error_naming_it() {
    let c = logged_in();
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let e = c.advance(&mut step, Some(Answer::Unreachable)).unwrap_err();
    assert_eq!(e.code(), "network_error");
    assert!(e.message().contains("https://id.example.com/token"));
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at1", "nothing lost");
}

#[test]
fn logout_forgets_at_once_revokes_then_navigates() {
    let c = logged_in();
    let mut step = c.logout(LogoutOptions { return_to: Some("https://app.example/".into()), ..LogoutOptions::default() }).unwrap();
    assert!(c.tokens().is_none(), "forgotten before any request");
    let Action::Fetch(revoke) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(revoke.url, "https://id.example.com/revoke");
    let Action::Navigate(url) = c.advance(&mut step, Some(Answer::Unreachable)).unwrap() else { panic!() };
    assert!(url.starts_with("https://id.example.com/logout?id_token_hint="));
    assert_eq!(param(&url, "post_logout_redirect_uri"), "https://app.example/");
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
    let mut local = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut local, None).unwrap(), Action::Done(Outcome::LoggedOut));
}

#[test]
fn tabs_share_sessions_and_logout_wins() {
    let a = logged_in();
    let b = client(|_| {});
    let session = a.session_text().unwrap();
    let at = a.session_at();
    assert_eq!(at, 1_000_000, "when the login stored it, in ms");
    assert!(b.adopt(&session, at), "a new tab adopts the session");
    assert_eq!(b.tokens().unwrap().access_token.secret(), "at1");
    assert!(!b.adopt(&session, at), "the same session again changes nothing");
    assert!(!b.adopt("{\"not\":\"tokens\"}", at + 1));

    // A refreshes: B takes the newer session, and never an older one afterwards (a spent refresh token).
    a.env().now.set(1001);
    let mut step = a.refresh().unwrap();
    a.advance(&mut step, None).unwrap();
    a.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap();
    assert!(b.adopt(&a.session_text().unwrap(), a.session_at()));
    assert!(!b.adopt(&session, at), "an older session is not taken back");
    assert_eq!(b.tokens().unwrap().access_token.secret(), "at2");

    // A logs out: B hears of it and forgets; a session from before the logout is not taken back.
    a.env().now.set(1002);
    let mut step = a.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    a.advance(&mut step, None).unwrap();
    assert_eq!(a.logged_out_at(), 1_002_000);
    assert!(b.logged_out_elsewhere(a.logged_out_at()));
    assert!(b.tokens().is_none());
    assert!(!b.adopt(&session, 1_001_000), "a session from a tab that had not heard of the logout");
    assert!(!b.logged_out_elsewhere(1_000_000), "an older logout");

    // A new tab that never heard of that logout logs in later: its session reaches B, and its logout too.
    let d = logged_in_at(1003, "at3");
    assert!(b.adopt(&d.session_text().unwrap(), d.session_at()), "a login after the logout is taken");
    d.env().now.set(1004);
    let mut step = d.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    d.advance(&mut step, None).unwrap();
    assert!(b.logged_out_elsewhere(d.logged_out_at()), "and its logout too");
    assert!(b.tokens().is_none());

    let isolated = client(|o| o.tabs = TabsMode::Isolated);
    assert_eq!(isolated.tabs_channel(), None);
    assert_eq!(b.tabs_channel().as_deref(), Some("spa-auth https://id.example.com spa"));
}

#[test]
fn a_tab_message_is_heard_and_answered_by_the_core() {
    let a = logged_in();
    let b = client(|_| {});
    let hello = b.tab_message("hello");
    assert_eq!((hello.kind, hello.text.as_deref(), hello.at), ("hello", None, 0), "a new tab has no session yet");
    let heard = a.hear(hello.kind, hello.text.as_deref(), hello.at);
    assert_eq!(heard, Heard { replies: &["here"], ..Heard::default() }, "no logout yet: only `here`");
    assert_eq!(a.tab_message("here"), TabMessage { kind: "here", text: None, at: 1_000_000 });

    // B asks; A answers with its session, which B takes (and wakes whoever waits).
    let ask = b.tab_message("ask");
    assert_eq!(a.hear(ask.kind, None, ask.at), Heard { replies: &["session"], ..Heard::default() });
    let session = a.tab_message("session");
    assert_eq!((session.text.clone(), session.at), (a.session_text(), 1_000_000));
    let heard = b.hear(session.kind, session.text.as_deref(), session.at);
    assert_eq!(heard, Heard { adopted: true, changed: true, ..Heard::default() });
    assert_eq!(b.tokens().unwrap().access_token.secret(), "at1");
    assert!(!b.hear("session", None, u64::MAX).adopted, "a session message without text");
    assert_eq!(b.hear("ask", None, 0).replies.len(), 1, "B has a session now: it answers too");

    // A logs out: B forgets, drops the DPoP key handle, and tells a tab that opens later of the logout.
    a.env().now.set(1002);
    let mut step = a.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    a.advance(&mut step, None).unwrap();
    let logout = a.tab_message("logout");
    assert_eq!((logout.kind, logout.at), ("logout", 1_002_000));
    assert_eq!(b.hear(logout.kind, None, logout.at), Heard { drop_key: true, changed: true, ..Heard::default() });
    assert!(b.tokens().is_none());
    assert!(b.hear("ask", None, 0).replies.is_empty(), "no session, no answer");
    assert_eq!(b.hear("hello", None, 0).replies, ["here", "logged-out"]);
    assert_eq!((b.tab_message_at("here"), b.tab_message_at("logged-out")), (0, 1_002_000), "B's session is gone");

    // A tab that was away and kept the old login ends it when told on its hello; a repeat changes nothing.
    let c = client(|_| {});
    assert!(c.adopt(&session.text.clone().unwrap(), session.at));
    assert_eq!(c.hear("logged-out", None, 1_002_000), Heard { drop_key: true, changed: true, ..Heard::default() });
    assert_eq!(c.hear("logged-out", None, 1_002_000), Heard { changed: true, ..Heard::default() });
    assert_eq!(c.hear("here", None, 5), Heard::default(), "`here` and unknown kinds change nothing");
    assert_eq!(c.hear("nonsense", Some("x"), u64::MAX), Heard::default());
}

#[test]
fn user_info_is_fetched_with_the_token_and_its_sub_checked() {
    let c = logged_in();
    let mut step = c.user_info("at1".into(), false);
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(request.authorization.as_deref(), Some("Bearer at1"));
    let claims = r#"{"sub":"alice","email":"a@example.com"}"#;
    assert_eq!(c.advance(&mut step, http(200, claims)).unwrap(), Action::Done(Outcome::UserInfo(claims.into())));
    let answer = |status: u16, text: &str| {
        let mut step = c.user_info("at1".into(), false);
        c.advance(&mut step, None).unwrap();
        c.advance(&mut step, http(status, text)).unwrap_err()
    };
    assert_eq!(answer(200, r#"{"sub":"mallory"}"#).code(), "id_token_invalid");
    assert_eq!(answer(200, r#"{"email":"x"}"#).code(), "id_token_invalid");
    // Signed UserInfo (application/jwt, OIDC Core 5.3.2): its claims, once `iss` and `aud` are this client's.
    let jws = |header: &str, claims: serde_json::Value| [base64url(header.as_bytes()), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".");
    let good = serde_json::json!({"iss": ISSUER, "aud": "spa", "sub": "alice", "email": "a@example.com"});
    let mut step = c.user_info("at1".into(), false);
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::UserInfo(claims)) = c.advance(&mut step, http(200, &jws(r#"{"alg":"RS256"}"#, good.clone()))).unwrap() else { panic!() };
    assert_eq!(serde_json::from_str::<serde_json::Value>(&claims).unwrap(), good);
    for (header, claims) in [
        (r#"{"alg":"RS256"}"#, serde_json::json!({"iss": "https://evil.example", "aud": "spa", "sub": "alice"})),
        (r#"{"alg":"RS256"}"#, serde_json::json!({"iss": ISSUER, "aud": ["other"], "sub": "alice"})),
        (r#"{"alg":"RS256"}"#, serde_json::json!({"iss": ISSUER, "sub": "alice"})),
        (r#"{"alg":"none"}"#, good.clone()),
        (r#"{"alg":"RS256"}"#, serde_json::json!({"iss": ISSUER, "aud": "spa", "sub": "mallory"})),
    ] {
        assert_eq!(answer(200, &jws(header, claims.clone())).code(), "id_token_invalid", "{header} {claims}");
    }
    let encrypted = answer(200, "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d");
    assert!(encrypted.code() == "server_error" && encrypted.message().contains("encrypted"), "{}", encrypted.message());
    // With `verifySignature` a signed UserInfo's signature is checked with the provider's JWK Set (OIDC Core
    // §5.3.4) before its claims are given: verified, they are; refused (also after one more look at the key set),
    // `id_token_invalid` naming UserInfo.
    let verifying = client(|o| {
        o.verify_signature = true;
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
        o.userinfo_endpoint = Some("https://id.example.com/me".into());
        o.jwks_uri = Some("https://id.example.com/jwks".into());
    });
    let session = serde_json::json!({"issuer": ISSUER, "accessToken": "at1", "tokenType": "Bearer", "idToken": id_token(None, 1000), "expiresAt": 9999, "receivedAt": 1000});
    verifying.env().save_tokens(&TokenSet::read(&SerdeJson, &session.to_string()).unwrap()).unwrap();
    for verified in [true, false] {
        verifying.env().logins().remove(&verifying.keys.jwks("https://id.example.com/jwks")).unwrap();
        let mut step = verifying.user_info("at1".into(), false);
        verifying.advance(&mut step, None).unwrap();
        let signed = jws(r#"{"alg":"RS256"}"#, good.clone());
        let Action::Fetch(jwks) = verifying.advance(&mut step, http(200, &signed)).unwrap() else { panic!("the JWK Set") };
        assert_eq!(jwks.url, "https://id.example.com/jwks");
        let Action::Verify(v) = verifying.advance(&mut step, http(200, JWKS)).unwrap() else { panic!("the signature") };
        assert_eq!(v.signing_input, signed.rsplit_once('.').unwrap().0, "the UserInfo JWT's own signature");
        // A key set fetched just now: a signature that fails with it is refused at once.
        let done = verifying.advance(&mut step, Some(Answer::Verified(verified)));
        match verified {
            true => assert!(matches!(done.unwrap(), Action::Done(Outcome::UserInfo(claims)) if claims.contains("alice"))),
            false => {
                let e = done.unwrap_err();
                assert!(e.code() == "id_token_invalid" && e.message().contains("signed UserInfo"), "{}", e.message());
            }
        }
    }
    assert!(verifying.tokens().is_some(), "a refused UserInfo leaves the session as it was");
    // A 401 refuses the token sent (RFC 6750 §3.1) also when its error cannot be read (a challenge hidden from a
    // cross-origin page, Entra's error object): `invalid_token`, which the drivers answer with one refresh and retry.
    for unreadable in ["", "Unauthorized", r#"{"error":{"code":"InvalidAuthenticationToken"}}"#] {
        let e = answer(401, unreadable);
        assert_eq!((e.code(), e.error()), ("invalid_token", None), "{unreadable:?}: not the server's own word");
        // The one more try after a refresh, refused alike: the server's failure, as API.md names a non-JSON answer.
        let mut step = c.user_info("at2".into(), true);
        c.advance(&mut step, None).unwrap();
        let e = c.advance(&mut step, http(401, unreadable)).unwrap_err();
        assert!(e.code() == "server_error" && e.message().contains("401"), "{unreadable:?}: {}", e.message());
    }
    assert_eq!(answer(403, "").code(), "server_error");
    assert!(answer(200, r#"{"sub":7}"#).message().contains("not a string"));
    // The server's own error: in a JSON body, or in the challenge (RFC 6750 §3).
    let refused = answer(401, r#"{"error":"invalid_token","error_description":"revoked"}"#);
    assert_eq!((refused.code(), refused.error_description()), ("invalid_token", Some("revoked")));
    // Keycloak's answer once the session ended elsewhere: a 401 with `invalid_request` still refuses the token sent.
    let gone = answer(401, r#"{"error":"invalid_request","error_description":"User session not found or doesn't have client attached on it"}"#);
    assert_eq!((gone.code(), gone.error()), ("invalid_token", Some("invalid_request")), "refresh and one more try");
    let mut step = c.user_info("at2".into(), true);
    c.advance(&mut step, None).unwrap();
    let again = c.advance(&mut step, http(401, r#"{"error":"invalid_request"}"#)).unwrap_err();
    assert_eq!(again.code(), "invalid_request", "the one more try's refusal is the server's own word");
    // A 400 `invalid_request` is the request's fault, not the token's: no refresh.
    assert_eq!(answer(400, r#"{"error":"invalid_request"}"#).code(), "invalid_request");
    let failed = answer(500, r#"{"error":"unknown_error"}"#);
    assert_eq!((failed.code(), failed.error()), ("server_error", Some("unknown_error")), "a 5xx is the server's failure");
    let mut step = c.user_info("at1".into(), false);
    c.advance(&mut step, None).unwrap();
    let challenged = Answer::Http {
        status: 401,
        text: String::new(),
        nonce: None,
        challenge: Some(r#"Bearer realm="uitid", error="invalid_token", error_description="expired""#.into()),
    };
    assert_eq!(c.advance(&mut step, Some(challenged)).unwrap_err().code(), "invalid_token");
    // A refused DPoP proof (Keycloak's words, or a challenge beside another error in the body) is not the token's
    // fault: no refresh would cure it, so it is not `invalid_token`.
    let clock = answer(401, r#"{"error":"invalid_request","error_description":"DPoP proof is not active"}"#);
    assert!(clock.code() == "invalid_request" && clock.message().contains("clock"), "{}", clock.message());
    let mut step = c.user_info("at1".into(), false);
    c.advance(&mut step, None).unwrap();
    let proof = Answer::Http {
        status: 401,
        text: r#"{"error":"invalid_request"}"#.into(),
        nonce: None,
        challenge: Some(r#"DPoP error="invalid_dpop_proof""#.into()),
    };
    assert_eq!(c.advance(&mut step, Some(proof)).unwrap_err().code(), "invalid_request", "the server's own word, no refresh");
    let no_endpoint = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    let mut step = no_endpoint.user_info("at".into(), false);
    assert_eq!(no_endpoint.advance(&mut step, None).unwrap_err().code(), "invalid_config");
}

#[test]
fn user_info_is_checked_against_the_id_token_of_when_the_call_began() {
    let c = logged_in();
    // Another tab logs out while the request is out: the answer is still checked against alice's ID token.
    let begun = |c: &Client<TestEnv>| {
        let mut step = c.user_info("at1".into(), false);
        c.advance(&mut step, None).unwrap();
        step
    };
    let (mut alice, mut mallory) = (begun(&c), begun(&c));
    c.env().remove_tokens().unwrap();
    assert!(matches!(c.advance(&mut alice, http(200, r#"{"sub":"alice"}"#)).unwrap(), Action::Done(Outcome::UserInfo(_))));
    assert_eq!(c.advance(&mut mallory, http(200, r#"{"sub":"mallory"}"#)).unwrap_err().code(), "id_token_invalid");
    // No ID token to compare with: the claims are not used (OIDC Core 5.3.2).
    let unchecked = c.advance(&mut begun(&c), http(200, r#"{"sub":"alice"}"#)).unwrap_err();
    assert!(unchecked.code() == "id_token_invalid" && unchecked.message().contains("no ID token"), "{unchecked:?}");
}

#[test]
fn a_silent_check_ends_quietly_on_login_required_and_is_tried_once() {
    let c = client(|_| {});
    assert!(!c.silent_tried());
    // A check whose discovery failed never left the page: the next one may try.
    let mut step = c.silent_login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    assert_eq!(c.advance(&mut step, Some(Answer::Unreachable)).unwrap_err().code(), "network_error");
    assert!(!c.silent_tried());
    let mut step = c.silent_login(LoginOptions { app_state: Some("1".into()), ..LoginOptions::default() });
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert!(c.silent_tried());
    assert!(c.env.kept.borrow().contains(&c.keys.silent_tried()), "remembered where it survives the navigation");
    assert_eq!(param(&url, "prompt"), "none");
    let back = ["https://app.example/cb?error=login_required&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
    let mut step = c.callback(&back).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::NotLoggedIn(Some("1".into()))));
    assert!(c.tokens().is_none());

    // Another error, or the same error for an ordinary login, is still an error.
    let mut step = c.silent_login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!("endpoints known") };
    let denied = ["https://app.example/cb?error=access_denied&state=", &param(&url, "state")].concat();
    assert_eq!(c.callback(&denied).unwrap_err().code(), "access_denied");
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let required = ["https://app.example/cb?error=login_required&state=", &param(&url, "state")].concat();
    assert_eq!(c.callback(&required).unwrap_err().code(), "login_required");
    // A repeated parameter (RFC 6749 §3.1) is no quiet answer either.
    let mut step = c.silent_login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let repeated = ["https://app.example/cb?error=login_required&error=x&state=", &param(&url, "state")].concat();
    assert!(c.callback(&repeated).is_err());
}

#[test]
fn a_popup_login_is_told_by_its_state() {
    let c = client(|_| {});
    let mut step = c.login(LoginOptions { popup: true, ..LoginOptions::default() });
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    let state = param(&url, "state");
    assert!(state.starts_with("popup.") && state.len() == 6 + 43);
    let channel = c.popup_channel(&url).unwrap();
    assert_eq!(channel, ["spa-auth popup ", &state].concat());
    let back = ["https://app.example/cb?code=c&state=", &state].concat();
    assert_eq!(c.popup_channel(&back).as_deref(), Some(channel.as_str()), "the redirect page finds the same channel");
    assert_eq!(c.popup_channel("https://app.example/cb?code=c&state=abc"), None, "an ordinary login");
}

#[test]
fn a_request_that_takes_too_long_is_a_timeout_naming_the_step_and_origin() {
    let c = logged_in();
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let e = c.advance(&mut step, Some(Answer::TimedOut)).unwrap_err();
    assert_eq!(e.code(), "timeout");
    assert!(e.message().contains("refresh request to https://id.example.com took longer than 10000 ms"), "{}", e.message());
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at1", "nothing written");
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    c.advance(&mut step, None).unwrap();
    assert!(matches!(c.advance(&mut step, Some(Answer::TimedOut)).unwrap(), Action::Navigate(_)), "logout goes on");
}

#[test]
fn with_verify_signature_nothing_is_stored_before_the_signature_verified() {
    let login = |verified: bool| {
        let c = client(|o| o.verify_signature = true);
        let mut step = c.login(LoginOptions::default());
        c.advance(&mut step, None).unwrap();
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
        let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
        let mut step = c.callback(&back).unwrap();
        c.advance(&mut step, None).unwrap();
        let answer = tokens_answer("at1", Some(id_token(Some(&param(&url, "nonce")), 1000)));
        let Action::Fetch(jwks) = c.advance(&mut step, http(200, &answer)).unwrap() else { panic!("the JWK Set first") };
        assert_eq!(jwks.url, "https://id.example.com/jwks");
        let set = r#"{"keys":[{"kty":"RSA","n":"bg","e":"AQAB"}]}"#;
        let Action::Verify(v) = c.advance(&mut step, http(200, set)).unwrap() else { panic!("then the signature") };
        assert_eq!((v.alg.as_str(), v.jwk.as_str()), ("RS256", r#"{"kty":"RSA","n":"bg","e":"AQAB"}"#));
        assert!(c.tokens().is_none(), "nothing stored before the signature verified");
        (c.advance(&mut step, Some(Answer::Verified(verified))), c)
    };
    let (done, c) = login(true);
    assert_eq!(done.unwrap(), Action::Done(Outcome::LoggedIn(None)));
    assert!(c.tokens().is_some());
    let (refused, c) = login(false);
    assert_eq!(refused.unwrap_err().code(), "id_token_invalid");
    assert!(c.tokens().is_none());
}

/// A client with `verifySignature` and known endpoints, logged in (signature verified) with refresh token `rt-at1`.
fn verifying_logged_in() -> Client<TestEnv> {
    let c = client(|o| {
        o.verify_signature = true;
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
        o.jwks_uri = Some("https://id.example.com/jwks".into());
    });
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at1", Some(id_token(Some(&param(&url, "nonce")), 1000)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Fetch(_)), "the JWK Set");
    assert!(matches!(c.advance(&mut step, http(200, JWKS)).unwrap(), Action::Verify(_)));
    assert_eq!(c.advance(&mut step, Some(Answer::Verified(true))).unwrap(), Action::Done(Outcome::LoggedIn(None)));
    c
}

const JWKS: &str = r#"{"keys":[{"kty":"RSA","n":"bg","e":"AQAB"}]}"#;

#[test]
fn a_refresh_whose_signature_check_fails_keeps_the_rotated_refresh_token() {
    let c = verifying_logged_in();
    // The JWK Set cannot be fetched (a cached one is gone, as in a tab that took the session from another).
    c.env().logins().remove(&c.keys.jwks("https://id.example.com/jwks")).unwrap();
    c.env().now.set(1290);
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at2", Some(id_token(None, 1290)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Fetch(r) if r.url.ends_with("/jwks")));
    assert_eq!(c.advance(&mut step, http(503, "")).unwrap_err().code(), "server_error");
    let kept = c.env().load_tokens().unwrap();
    assert_eq!(kept.refresh_token.as_ref().map(|t| t.secret()), Some("rt-at2"), "the spent one is replaced");
    assert_eq!(kept.access_token.secret(), "at1", "nothing unverified is taken");
    let mut step = c.refresh().unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(request.body.as_deref().unwrap().contains("refresh_token=rt-at2"));

    // A key set that is no key set (a captive portal's page): the server's failure too, the session stays.
    let answer = tokens_answer("at3", Some(id_token(None, 1290)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Fetch(_)), "no key set cached yet");
    assert_eq!(c.advance(&mut step, http(200, "<html>Log in to the Wi-Fi</html>")).unwrap_err().code(), "server_error");
    assert_eq!(c.env().load_tokens().unwrap().refresh_token.as_ref().map(|t| t.secret()), Some("rt-at3"));

    // A signature that fails with the cached key set: the set is fetched once more (new key material under the same
    // `kid`, or none).
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at4", Some(id_token(None, 1290)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Fetch(_)), "no key set cached yet");
    assert!(matches!(c.advance(&mut step, http(200, JWKS)).unwrap(), Action::Verify(_)));
    assert_eq!(c.advance(&mut step, Some(Answer::Verified(true))).unwrap(), Action::Done(Outcome::AccessToken("at4".into())));
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at5", Some(id_token(None, 1291)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Verify(_)), "the cached key set");
    assert!(matches!(c.advance(&mut step, Some(Answer::Verified(false))).unwrap(), Action::Fetch(r) if r.url.ends_with("/jwks")));
    assert!(matches!(c.advance(&mut step, http(200, JWKS)).unwrap(), Action::Verify(_)));
    assert_eq!(c.advance(&mut step, Some(Answer::Verified(true))).unwrap(), Action::Done(Outcome::AccessToken("at5".into())));
    assert_eq!(c.env().load_tokens().unwrap().refresh_token.as_ref().map(|t| t.secret()), Some("rt-at5"));

    // Failing again with the key set just fetched is final: the session ends, as a refused refresh does (every
    // later refresh would bring the same token).
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at6", Some(id_token(None, 1292)));
    assert!(matches!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Verify(_)));
    assert!(matches!(c.advance(&mut step, Some(Answer::Verified(false))).unwrap(), Action::Fetch(_)));
    assert!(matches!(c.advance(&mut step, http(200, JWKS)).unwrap(), Action::Verify(_)));
    assert_eq!(c.advance(&mut step, Some(Answer::Verified(false))).unwrap_err().code(), "id_token_invalid");
    assert!(c.env().load_tokens().is_none(), "the session ended");
}

#[test]
fn logout_survives_a_failed_discovery() {
    let c = client(|_| {});
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(_)));
    assert_eq!(c.advance(&mut step, http(500, "down")).unwrap(), Action::Done(Outcome::LoggedOut));
    // With a `returnTo`, the browser still goes there.
    let mut step = c.logout(LogoutOptions { return_to: Some("https://app.example/bye".into()), ..LogoutOptions::default() }).unwrap();
    assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(_)));
    assert_eq!(c.advance(&mut step, http(500, "down")).unwrap(), Action::Navigate("https://app.example/bye".into()));
}

#[test]
fn logout_params_reach_the_logout_url_and_the_id_token_hint_may_be_left_out() {
    let c = logged_in();
    let params = vec![("ui_locales".to_owned(), "nl".to_owned())];
    // Refused before anything is forgotten.
    let reserved = LogoutOptions { logout_params: vec![("client_id".to_owned(), "x".to_owned())], ..LogoutOptions::default() };
    assert_eq!(c.logout(reserved).unwrap_err().code(), "invalid_argument");
    assert!(c.tokens().is_some());
    let options = LogoutOptions { logout_params: params, omit_id_token_hint: true, local_only: false, ..LogoutOptions::default() };
    let mut step = c.logout(options).unwrap();
    let Action::Fetch(revocation) = c.advance(&mut step, None).unwrap() else { panic!("a revocation") };
    assert!(revocation.url.ends_with("/revoke"));
    let Action::Navigate(url) = c.advance(&mut step, http(200, "")).unwrap() else { panic!("the end-session redirect") };
    assert_eq!((param(&url, "ui_locales"), param(&url, "client_id")), ("nl".into(), "spa".into()));
    assert!(!url.contains("id_token_hint"), "{url}");
}

#[test]
fn a_session_without_the_refresh_token_offline_access_asked_for_says_why() {
    let session = r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"Bearer","expiresAt":1,"receivedAt":0}"#;
    let c = client(|_| {}); // scope "openid offline_access"
    c.env().save_tokens(&TokenSet::read(&SerdeJson, session).unwrap()).unwrap();
    let e = c.access_token(None, false).unwrap_err();
    assert!(e.code() == "login_required" && e.message().contains("prompt=consent"), "{}", e.message());
    let c = client(|o| o.scope = Some("openid".into()));
    c.env().save_tokens(&TokenSet::read(&SerdeJson, session).unwrap()).unwrap();
    assert!(!c.access_token(None, false).unwrap_err().message().contains("offline_access"), "not asked for: not named");
}

#[test]
fn a_refresh_token_past_its_refresh_expires_in_is_no_session() {
    let c = client(|_| {});
    let session = r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"Bearer","refreshToken":"r","refreshExpiresAt":999,"expiresAt":900,"receivedAt":0}"#;
    c.env().save_tokens(&TokenSet::read(&SerdeJson, session).unwrap()).unwrap();
    assert!(!c.is_authenticated(), "now 1000: the refresh token's end has passed");
    let e = c.access_token(None, false).unwrap_err();
    assert!(e.code() == "login_required" && e.message().contains("refresh token expired"), "{}", e.message());
    assert!(c.tokens().is_none(), "the expired session is removed, no request sent");
}

#[test]
fn configured_logout_endpoints_serve_when_discovery_fails_or_is_skipped() {
    let c = client(|o| {
        o.revocation_endpoint = Some("https://id.example.com/revoke".into());
        o.end_session_endpoint = Some("https://id.example.com/logout".into());
    });
    let session = r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"Bearer","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#;
    c.env().save_tokens(&TokenSet::read(&SerdeJson, session).unwrap()).unwrap();
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(r) if r.url.ends_with("/openid-configuration")));
    let Action::Fetch(revocation) = c.advance(&mut step, http(500, "down")).unwrap() else { panic!("a revocation") };
    assert_eq!(revocation.url, "https://id.example.com/revoke");
    let Action::Navigate(url) = c.advance(&mut step, http(200, "")).unwrap() else { panic!("the end-session redirect") };
    assert!(url.starts_with("https://id.example.com/logout?") && param(&url, "client_id") == "spa", "{url}");
    // `localOnly` never asks for discovery: the configured revocation endpoint is still called.
    c.env().save_tokens(&TokenSet::read(&SerdeJson, session).unwrap()).unwrap();
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(r) if r.url == "https://id.example.com/revoke"));
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
}

#[test]
fn a_tab_that_never_discovered_still_revokes_at_a_local_only_or_auth0_logout() {
    // A session taken from another tab: this tab has no discovery cached.
    let session = r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"Bearer","refreshToken":"r","expiresAt":9999,"receivedAt":1}"#;
    for (style, local_only) in [(LogoutStyle::Oidc, true), (LogoutStyle::Auth0, false), (LogoutStyle::Auth0, true)] {
        let c = client(|o| o.logout_style = style);
        store(&c, session);
        let mut step = c.logout(LogoutOptions { local_only, ..LogoutOptions::default() }).unwrap();
        assert!(c.tokens().is_none(), "forgotten before any request");
        assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(r) if r.url.ends_with("/openid-configuration")));
        let Action::Fetch(revocation) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!("a revocation") };
        assert_eq!(revocation.url, "https://id.example.com/revoke");
        assert!(revocation.body.as_deref().unwrap().contains("token=r"));
        let last = c.advance(&mut step, http(200, "")).unwrap();
        match local_only {
            true => assert_eq!(last, Action::Done(Outcome::LoggedOut)),
            false => assert!(matches!(last, Action::Navigate(u) if u.starts_with("https://id.example.com/v2/logout?")), "Auth0's logout URL"),
        }
    }
    // Nothing to revoke: a `localOnly` logout asks nothing.
    let c = client(|_| {});
    store(&c, r#"{"issuer":"https://id.example.com","accessToken":"a","tokenType":"Bearer","expiresAt":9999,"receivedAt":1}"#);
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
}

#[test]
fn logout_without_an_end_session_endpoint_goes_to_return_to() {
    // Google's discovery names no end_session_endpoint: the provider's session stays, the app's ends.
    let c = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    let mut step = c.logout(LogoutOptions { return_to: Some("https://app.example/bye".into()), ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Navigate("https://app.example/bye".into()));
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
    // Only to a page of the app's own origin: unchecked by any provider here, so no open redirect (no http(s) URL at
    // all is refused before: `a_logout_whose_return_to_is_no_absolute_http_url_is_refused_before_anything_is_forgotten`).
    for elsewhere in ["https://evil.example/", "https://app.example.evil.example/x", "http://app.example/"] {
        let mut step = c.logout(LogoutOptions { return_to: Some(elsewhere.into()), ..LogoutOptions::default() }).unwrap();
        assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut), "{elsewhere}");
    }
    let mut step = c.logout(LogoutOptions { return_to: Some("HTTPS://APP.EXAMPLE/bye".into()), ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Navigate("HTTPS://APP.EXAMPLE/bye".into()));
}

#[test]
fn a_session_of_another_issuer_under_the_same_client_id_is_never_used() {
    let a = logged_in();
    let text = a.session_text().unwrap();
    assert!(text.contains(r#""issuer":"https://id.example.com""#), "the set names its issuer: {text}");
    // The app switched realms (same client id): the stored session is not this client's to send anywhere.
    let b = client(|o| o.issuer = "https://other.example.com/realms/b".into());
    b.env().tokens.set("t", &text).unwrap();
    assert!(!b.is_authenticated());
    assert!(b.tokens().is_none());
    assert_eq!(b.access_token(None, false).unwrap_err().code(), "login_required");
    assert_eq!(b.access_token(None, true).unwrap_err().code(), "login_required");
    assert_eq!(b.refresh().unwrap_err().code(), "login_required");
    assert!(!b.adopt(&text, u64::MAX), "nor taken from another tab");
    // Its logout neither revokes A's refresh token at B nor sends A's ID token as a hint.
    let mut step = b.logout(LogoutOptions { return_to: Some("https://app.example/".into()), ..LogoutOptions::default() }).unwrap();
    let mut answer = None;
    loop {
        match b.advance(&mut step, answer.take()).unwrap() {
            Action::Fetch(request) => {
                assert!(!request.url.contains("/revoke"), "no revocation of another issuer's token: {}", request.url);
                answer = if request.url.ends_with("openid-configuration") {
                    http(200, &metadata().replace(ISSUER, "https://other.example.com/realms/b"))
                } else {
                    http(200, "{}")
                };
            }
            Action::Navigate(url) => assert!(!url.contains("id_token_hint"), "{url}"),
            Action::Done(_) => break,
            Action::Verify(_) => panic!("no signature to check"),
        }
    }
    // The same session is still A's.
    a.env().tokens.set("t", &text).unwrap();
    assert!(a.is_authenticated());
}

#[test]
fn a_clock_set_back_never_orders_a_new_session_or_login_before_an_older_one() {
    let c = logged_in();
    let first = c.session_at();
    let old_text = c.session_text().unwrap();
    // NTP sets the clock back ten minutes; a refresh now is still the newer session for the other tabs.
    c.env().now.set(400);
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    assert_eq!(c.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap(), Action::Done(Outcome::AccessToken("at2".into())));
    assert!(c.session_at() > first, "{} after {first}", c.session_at());
    let other_tab = client(|_| {});
    other_tab.env().now.set(400);
    other_tab.set_session_at(first);
    other_tab.env().tokens.set("t", &old_text).unwrap();
    assert!(other_tab.adopt(&c.session_text().unwrap(), c.session_at()), "the other tab takes the refreshed session");
    // A logout, the clock set back again, a login: it comes after the logout for every tab.
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    c.advance(&mut step, None).unwrap();
    let logged_out_at = c.logged_out_at();
    assert!(other_tab.logged_out_elsewhere(logged_out_at), "the logout ends the session there too, its time after that login's");
    assert!(other_tab.tokens().is_none());
    c.env().now.set(100);
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!("discovery is cached") };
    let mut step = c.callback(&["https://app.example/cb?code=c2&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    let answer = tokens_answer("at3", Some(id_token(Some(&param(&url, "nonce")), 100)));
    assert_eq!(c.advance(&mut step, http(200, &answer)).unwrap(), Action::Done(Outcome::LoggedIn(None)));
    assert!(c.env().load_tokens().unwrap().login_at.unwrap() > logged_out_at);
    assert!(other_tab.adopt(&c.session_text().unwrap(), c.session_at()), "and the other tab takes the new login");
}

#[test]
fn a_refresh_that_ends_after_another_tab_logged_in_answers_with_that_login() {
    let c = logged_in();
    c.env().now.set(1290);
    let mut step = c.refresh().unwrap();
    let Action::Fetch(_) = c.advance(&mut step, None).unwrap() else { panic!("a token request") };
    // Meanwhile another tab logged in afresh: its session is stored here (the tabs' channel, or the same store).
    let other = r#"{"issuer":"https://id.example.com","accessToken":"other","tokenType":"Bearer","refreshToken":"rt-other","expiresAt":9999,"receivedAt":1280}"#;
    c.env().save_tokens(&TokenSet::read(&SerdeJson, other).unwrap()).unwrap();
    let done = c.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap();
    assert_eq!(done, Action::Done(Outcome::AccessToken("other".into())), "the new login answers; nothing is overwritten");
    assert_eq!(c.tokens().unwrap().access_token.secret(), "other");
    // After a logout meanwhile there is nothing to answer with.
    let mut step = c.refresh().unwrap();
    c.advance(&mut step, None).unwrap();
    c.env().remove_tokens().unwrap();
    assert_eq!(c.advance(&mut step, http(200, &tokens_answer("at3", None))).unwrap_err().code(), "login_required");
}

#[test]
fn a_login_started_for_another_audience_is_not_redeemed_by_this_client() {
    // Two clients with one client id for two APIs: the app handles the callback with the wrong one.
    let b = client(|o| o.audience = Some("https://api2".into()));
    let mut step = b.login(LoginOptions::default());
    b.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = b.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert_eq!(param(&url, "audience"), "https://api2");
    let a = client(|o| o.audience = Some("https://api1".into()));
    a.env().logins.set(&a.keys.transaction(&param(&url, "state")), &b.env().logins.get(&b.keys.transaction(&param(&url, "state"))).unwrap().unwrap()).unwrap();
    let back = ["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat();
    let e = a.callback(&back).unwrap_err();
    assert!(e.code() == "invalid_state" && e.message().contains("audience"), "{}", e.message());
    assert!(a.tokens().is_none());
    assert!(a.env().logins.get(&a.keys.transaction(&param(&url, "state"))).unwrap().is_some(), "left for the right client to redeem");
}

#[test]
fn a_session_asked_for_another_audience_is_never_used() {
    let a = client(|o| o.audience = Some("https://api-one.example".into()));
    let mut step = a.login(LoginOptions::default());
    let Action::Fetch(_) = a.advance(&mut step, None).unwrap() else { panic!("discovery") };
    let Action::Done(Outcome::AuthorizeUrl(url)) = a.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert_eq!(param(&url, "audience"), "https://api-one.example");
    let mut step = a.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state"), "&iss=", ISSUER].concat()).unwrap();
    a.advance(&mut step, None).unwrap();
    let nonce = param(&url, "nonce");
    a.advance(&mut step, http(200, &tokens_answer("at-one", Some(id_token(Some(&nonce), 1000))))).unwrap();
    let text = a.session_text().unwrap();
    assert!(text.contains(r#""audience":"https://api-one.example""#), "{text}");
    // A client of the same app for another API (or for none) neither takes it nor hears of it.
    for audience in [Some("https://api-two.example"), None] {
        let b = client(|o| o.audience = audience.map(Into::into));
        b.env().tokens.set("t", &text).unwrap();
        assert!(!b.is_authenticated() && b.tokens().is_none(), "{audience:?}");
        assert_eq!(b.access_token(None, false).unwrap_err().code(), "login_required");
        assert!(!b.adopt(&text, u64::MAX));
        assert_ne!(b.tabs_channel(), a.tabs_channel());
    }
    assert!(a.is_authenticated());
}

#[test]
fn refreshed_id_tokens_are_compared_with_the_original_login() {
    let c = logged_in();
    let nonce = c.stored().unwrap().login_nonce.clone().expect("the login's nonce is kept");
    let refresh = |access: &str, id: String| {
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        c.advance(&mut step, http(200, &tokens_answer(access, Some(id))))
    };
    assert!(refresh("at2", id_token(None, 1000)).is_ok(), "a refreshed ID token may leave the nonce out");
    assert_eq!(c.stored().unwrap().login_nonce.as_deref(), Some(nonce.as_str()), "the original's nonce is kept");
    assert!(refresh("at3", id_token(Some(&nonce), 1001)).is_ok(), "the original login's nonce again (OIDC Core 12.2)");
    assert_eq!(refresh("at4", id_token(Some("other"), 1002)).unwrap_err().code(), "id_token_invalid");
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at3", "nothing stored from the refused answer");
}

#[test]
fn a_refresh_after_the_user_authenticated_again_in_the_provider_session_is_taken() {
    // Keycloak (UiTiD) keeps one auth_time per provider session and moves it forward when the user authenticates
    // again (prompt=login, max_age) in any app of it: this app's refreshed ID tokens then carry the new one.
    let c = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    let token = |nonce: Option<&str>, auth_time: u64, iat: u64| {
        let claims = serde_json::json!({"iss": ISSUER, "sub": "alice", "aud": "spa", "nonce": nonce, "auth_time": auth_time, "iat": iat, "exp": iat + 300});
        [base64url(br#"{"alg":"RS256"}"#), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".")
    };
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
    c.advance(&mut step, None).unwrap();
    let login = tokens_answer("at1", Some(token(Some(&param(&url, "nonce")), 990, 1000)));
    assert_eq!(c.advance(&mut step, http(200, &login)).unwrap(), Action::Done(Outcome::LoggedIn(None)));
    let refresh = |access: &str, id: String| {
        let mut step = c.refresh().unwrap();
        c.advance(&mut step, None).unwrap();
        c.advance(&mut step, http(200, &tokens_answer(access, Some(id))))
    };
    c.env().now.set(1500);
    assert_eq!(refresh("at2", token(None, 1400, 1500)).unwrap(), Action::Done(Outcome::AccessToken("at2".into())));
    assert_eq!(c.stored().unwrap().auth_time, Some(1400), "the later authentication is the one kept");
    let back = refresh("at3", token(None, 990, 1500)).unwrap_err();
    assert_eq!(back.code(), "id_token_invalid", "never back to an earlier one");
    assert!(back.message().contains("`auth_time`"), "{}", back.message());
    let refresh_token = || c.stored().unwrap().refresh_token.as_ref().unwrap().secret().to_owned();
    assert_eq!(refresh_token(), "rt-at2", "nothing taken of an answer for an earlier authentication");
    assert_eq!(refresh("at4", token(None, 1700, 1500)).unwrap_err().code(), "id_token_invalid", "nor one in the future");
    assert_eq!(refresh_token(), "rt-at4", "a clock ahead: only the rotated refresh token is taken");
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at2", "no access token of the refused answers");
}

#[test]
fn a_refresh_refused_by_the_clock_alone_keeps_the_rotated_refresh_token() {
    // The server has spent the refresh token it rotated (RFC 6749 §6); one with reuse detection revokes the whole
    // grant when the spent one comes back (RFC 9700 §4.14.2).
    let c = logged_in_at(1000, "at1");
    c.env().now.set(1100);
    let refresh = |access: &str, id: String, sends: &str| {
        let mut step = c.refresh().unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert!(request.body.as_deref().unwrap().contains(&["refresh_token=", sends, "&"].concat()), "{:?}", request.body);
        c.advance(&mut step, http(200, &tokens_answer(access, Some(id))))
    };
    let stored = || {
        let s = c.env().load_tokens().unwrap();
        (s.access_token.secret().to_owned(), s.refresh_token.as_ref().unwrap().secret().to_owned())
    };
    // A server node whose clock is ahead (`iat` in the future), then a device clock that is (`exp` passed).
    let refused = refresh("at2", id_token(None, 2000), "rt-at1").unwrap_err();
    assert_eq!((refused.code(), refused.message()), ("id_token_invalid", "The ID token was issued in the future (check the device clock, or `leeway`)."));
    assert_eq!(stored(), ("at1".into(), "rt-at2".into()), "only the rotated refresh token is taken");
    assert_eq!(refresh("at3", id_token(None, 500), "rt-at2").unwrap_err().code(), "id_token_invalid");
    assert_eq!(stored(), ("at1".into(), "rt-at3".into()));
    assert_eq!(refresh("at4", id_token(None, 1100), "rt-at3").unwrap(), Action::Done(Outcome::AccessToken("at4".into())));

    // Another user's or client's token is refused whatever the clock: nothing of that answer is taken.
    let other = |claim: &str, value: &str, iat: u64| {
        let mut claims = serde_json::json!({"iss": ISSUER, "sub": "alice", "aud": "spa", "iat": iat, "exp": iat + 300});
        claims[claim] = value.into();
        [base64url(br#"{"alg":"RS256"}"#), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".")
    };
    assert_eq!(refresh("at5", other("sub", "mallory", 1100), "rt-at4").unwrap_err().code(), "id_token_invalid");
    assert_eq!(refresh("at6", other("aud", "another-app", 1100), "rt-at4").unwrap_err().code(), "id_token_invalid");
    // Also when the clock is off as well: the first refusal is the clock's, the token is still another user's.
    assert_eq!(refresh("at7", other("sub", "mallory", 2000), "rt-at4").unwrap_err().code(), "id_token_invalid");
    assert_eq!(refresh("at8", other("azp", "another-app", 500), "rt-at4").unwrap_err().code(), "id_token_invalid");
    assert_eq!(stored(), ("at4".into(), "rt-at4".into()));
}

#[test]
fn a_logout_after_an_absurd_logout_time_from_another_tab_does_not_overflow() {
    let c = logged_in();
    // `at` reaches the core through `f64 as u64`, which saturates: Infinity is u64::MAX.
    assert_eq!(c.hear("logout", None, u64::MAX), Heard { drop_key: true, changed: true, ..Heard::default() });
    c.adopt(&logged_in().session_text().unwrap(), u64::MAX);
    let mut step = c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
    assert_eq!(c.logged_out_at(), u64::MAX);
}

#[test]
fn a_login_with_max_age_needs_a_recent_auth_time() {
    let c = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    let exchange = |auth_time: Option<u64>| {
        let params = vec![("max_age".to_owned(), "300".to_owned())];
        let mut step = c.login(LoginOptions { authorization_params: params, ..LoginOptions::default() });
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert_eq!(param(&url, "max_age"), "300");
        let mut claims = serde_json::json!({"iss": ISSUER, "sub": "alice", "aud": "spa", "nonce": param(&url, "nonce"), "iat": 1000, "exp": 1300});
        if let Some(t) = auth_time {
            claims["auth_time"] = t.into();
        }
        let token = [base64url(br#"{"alg":"RS256"}"#), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".");
        let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
        c.advance(&mut step, None).unwrap();
        c.advance(&mut step, http(200, &tokens_answer("at1", Some(token))))
    };
    assert_eq!(exchange(None).unwrap_err().code(), "id_token_invalid", "max_age makes auth_time required");
    assert_eq!(exchange(Some(600)).unwrap_err().code(), "id_token_invalid", "authenticated 400 s ago");
    assert!(c.tokens().is_none());
    assert!(exchange(Some(900)).is_ok());
    assert_eq!(c.stored().unwrap().auth_time, Some(900));
}

#[test]
fn a_login_for_a_resource_asks_for_it_again_at_the_code_exchange_and_every_refresh() {
    // RFC 8707 §2.2: oidc-provider with resource indicators issues a token for no resource (its UserInfo only) to a
    // token request without `resource`, though the authorize request named one.
    let c = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    let api = "https://api.example/v1";
    let mut step = c.login(LoginOptions { authorization_params: vec![("resource".into(), api.into())], ..LoginOptions::default() });
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(param(&url, "resource"), api);
    let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(parse_params(request.body.as_deref().unwrap()).contains(&("resource".into(), api.into())), "{:?}", request.body);
    c.advance(&mut step, http(200, &tokens_answer("at1", Some(id_token(Some(&param(&url, "nonce")), 1000))))).unwrap();
    for (answer, retried) in [("at2", false), ("at3", true)] {
        let mut step = c.refresh().unwrap();
        let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
        assert!(parse_params(request.body.as_deref().unwrap()).contains(&("resource".into(), api.into())), "{:?}", request.body);
        if retried {
            // Refused for its scope: once more without it, still for the resource.
            let Action::Fetch(again) = c.advance(&mut step, http(400, r#"{"error":"invalid_scope"}"#)).unwrap() else { panic!() };
            let form = parse_params(again.body.as_deref().unwrap());
            assert!(form.contains(&("resource".into(), api.into())) && !form.iter().any(|(n, _)| n == "scope"), "{:?}", again.body);
        }
        c.advance(&mut step, http(200, &tokens_answer(answer, None))).unwrap();
    }
    // The resource as the authorize URL carries it, blanks and all: the server keys the code by that one.
    let mut step = c.login(LoginOptions { authorization_params: vec![("resource".into(), [api, " "].concat())], ..LoginOptions::default() });
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c3&state=", &param(&url, "state")].concat()).unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(parse_params(request.body.as_deref().unwrap()).contains(&("resource".into(), param(&url, "resource"))));
    // A login without one sends none.
    let mut step = c.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = c.callback(&["https://app.example/cb?code=c2&state=", &param(&url, "state")].concat()).unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert!(!request.body.as_deref().unwrap().contains("resource="));
}

#[test]
fn a_client_whose_options_name_a_resource_takes_only_sessions_for_it() {
    let for_resource = |resource: Option<&str>| {
        client(|o| {
            o.authorization_endpoint = Some("https://id.example.com/auth".into());
            o.token_endpoint = Some("https://id.example.com/token".into());
            o.authorization_params = resource.map(|r| vec![("resource".to_owned(), r.to_owned())]).unwrap_or_default();
        })
    };
    let a = for_resource(Some("https://a.example/"));
    let mut step = a.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = a.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = a.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
    a.advance(&mut step, None).unwrap();
    a.advance(&mut step, http(200, &tokens_answer("at1", Some(id_token(Some(&param(&url, "nonce")), 1000))))).unwrap();
    let session = a.stored().expect("a's session");
    assert!(a.takes(&session));
    // Another client of the same client id (the same store key): its API never gets API a's token.
    assert!(!for_resource(Some("https://b.example/")).takes(&session), "a token for another resource is none of its business");
    assert!(for_resource(None).takes(&session), "a client that names no resource takes the session as it is");
}

#[test]
fn a_login_for_an_auth0_organization_needs_an_id_token_of_it() {
    let c = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
        o.authorization_params = vec![("organization".into(), "org_abc".into())];
    });
    let exchange = |c: &Client<TestEnv>, own: Option<&str>, org: serde_json::Value| {
        let params = own.map(|o| vec![("organization".to_owned(), o.to_owned())]).unwrap_or_default();
        let mut step = c.login(LoginOptions { authorization_params: params, ..LoginOptions::default() });
        let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, None).unwrap() else { panic!() };
        if let Some(o) = own {
            assert_eq!(param(&url, "organization"), o, "the login's own organization is the one sent");
        }
        let mut claims = serde_json::json!({"iss": ISSUER, "sub": "alice", "aud": "spa", "nonce": param(&url, "nonce"), "iat": 1000, "exp": 1300});
        claims.as_object_mut().unwrap().extend(org.as_object().unwrap().clone());
        let token = [base64url(br#"{"alg":"RS256"}"#), base64url(claims.to_string().as_bytes()), "c2ln".into()].join(".");
        let mut step = c.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
        c.advance(&mut step, None).unwrap();
        c.advance(&mut step, http(200, &tokens_answer("at1", Some(token))))
    };
    // The user took `organization` out of the authorization URL, or logged in to another one.
    for org in [serde_json::json!({}), serde_json::json!({"org_id": "org_other"}), serde_json::json!({"org_id": 5}), serde_json::json!({"org_name": "org_abc"})] {
        let e = exchange(&c, None, org.clone()).unwrap_err();
        assert_eq!(e.code(), "id_token_invalid", "{org}");
        assert!(e.message().contains("org_abc") && e.message().contains("`org_id`"), "{}", e.message());
        assert!(c.tokens().is_none(), "nothing stored for {org}");
    }
    assert!(exchange(&c, None, serde_json::json!({"org_id": "org_abc"})).is_ok());
    // A login's own organization, by name: compared with `org_name` in any case.
    let e = exchange(&c, Some("Acme"), serde_json::json!({"org_id": "org_abc", "org_name": "globex"})).unwrap_err();
    assert!(e.message().contains("`org_name`"), "{}", e.message());
    assert!(exchange(&c, Some(" Acme "), serde_json::json!({"org_id": "org_abc", "org_name": "acme"})).is_ok());
    // No organization asked for: the claims are not looked at.
    let plain = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
    });
    assert!(exchange(&plain, None, serde_json::json!({"org_id": "org_other"})).is_ok());
    // Asked for, but no `openid`, so no ID token to check it with: refused.
    let no_openid = client(|o| {
        o.authorization_endpoint = Some("https://id.example.com/auth".into());
        o.token_endpoint = Some("https://id.example.com/token".into());
        o.scope = Some("profile".into());
        o.authorization_params = vec![("organization".into(), "org_abc".into())];
    });
    let mut step = no_openid.login(LoginOptions::default());
    let Action::Done(Outcome::AuthorizeUrl(url)) = no_openid.advance(&mut step, None).unwrap() else { panic!() };
    let mut step = no_openid.callback(&["https://app.example/cb?code=c1&state=", &param(&url, "state")].concat()).unwrap();
    no_openid.advance(&mut step, None).unwrap();
    let e = no_openid.advance(&mut step, http(200, &tokens_answer("at1", None))).unwrap_err();
    assert!(e.code() == "id_token_invalid" && e.message().contains("openid"), "{}", e.message());
    assert!(no_openid.tokens().is_none());
}

#[test]
fn an_error_answer_without_state_keeps_the_server_error() {
    let c = client(|_| {});
    let e = c.callback("https://app.example/cb?error=access_denied&error_description=no%20thanks").unwrap_err();
    assert_eq!((e.code(), e.error(), e.error_description()), ("invalid_state", Some("access_denied"), Some("no thanks")));
    assert!(e.message().contains("access_denied"), "{}", e.message());
    // With the state of a login that expired (a provider page left open past 10 minutes, then Cancel), or one
    // already spent: the code says why no login takes it, and the server's error goes with it.
    let mut step = c.login(LoginOptions::default());
    c.advance(&mut step, None).unwrap();
    let Action::Done(Outcome::AuthorizeUrl(url)) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    c.env().now.set(1000 + 601);
    let cancelled = ["https://app.example/cb?error=access_denied&error_description=cancelled&state=", &param(&url, "state")].concat();
    let e = c.callback(&cancelled).unwrap_err();
    assert_eq!((e.code(), e.error(), e.error_description()), ("invalid_state", Some("access_denied"), Some("cancelled")));
    let e = c.callback(&cancelled).unwrap_err();
    assert_eq!((e.code(), e.error()), ("invalid_state", Some("access_denied")), "spent: {}", e.message());
    let e = c.callback("https://app.example/cb?error=access_denied&state=unknown").unwrap_err();
    assert_eq!((e.code(), e.error()), ("missing_transaction", Some("access_denied")));
}

#[test]
fn a_logout_ends_a_login_refreshed_by_a_tab_that_had_not_heard_of_it() {
    let a = logged_in();
    let b = client(|_| {});
    assert!(b.adopt(&a.session_text().unwrap(), a.session_at()));
    // A logs out; B, not told yet (away on another site, or its refresh under way), refreshes afterwards.
    a.env().now.set(1002);
    let mut step = a.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    a.advance(&mut step, None).unwrap();
    b.env().now.set(1003);
    let mut step = b.refresh().unwrap();
    b.advance(&mut step, None).unwrap(); // B's discovery
    b.advance(&mut step, http(200, &metadata())).unwrap();
    b.advance(&mut step, http(200, &tokens_answer("at2", None))).unwrap();
    assert!(b.session_at() > a.logged_out_at(), "B's refresh is newer than the logout");
    assert!(!a.adopt(&b.session_text().unwrap(), b.session_at()), "A does not take back the login it ended");
    assert!(b.logged_out_elsewhere(a.logged_out_at()), "B hears of the logout (or is told on its hello) and ends it");
    assert!(b.tokens().is_none());
    // A login after the logout is a new one: a repeated logout message does not end it.
    let c = logged_in_at(1004, "at3");
    assert!(!c.logged_out_elsewhere(a.logged_out_at()));
    assert_eq!(c.tokens().unwrap().access_token.secret(), "at3");
}

#[test]
fn a_logout_without_return_to_uses_the_post_logout_redirect_uri_option() {
    let c = client(|o| o.post_logout_redirect_uri = Some("https://app.example/bye".into()));
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    c.advance(&mut step, None).unwrap(); // discovery
    let Action::Navigate(url) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert_eq!(param(&url, "post_logout_redirect_uri"), "https://app.example/bye");
    let mut step = c.logout(LogoutOptions { return_to: Some("https://app.example/other".into()), ..LogoutOptions::default() }).unwrap();
    let Action::Navigate(url) = c.advance(&mut step, None).unwrap() else { panic!() };
    assert_eq!(param(&url, "post_logout_redirect_uri"), "https://app.example/other", "returnTo wins");
    let bad = Options {
        issuer: ISSUER.into(),
        client_id: "spa".into(),
        redirect_uri: "https://app.example/cb".into(),
        post_logout_redirect_uri: Some("javascript:alert(1)".into()),
        ..Options::default()
    };
    assert!(bad.validate().unwrap_err().message().contains("postLogoutRedirectUri"));
}

#[test]
fn a_logout_whose_return_to_is_no_absolute_http_url_is_refused_before_anything_is_forgotten() {
    let c = logged_in();
    for return_to in ["/", "app.example/bye", "javascript:alert(1)", "https://", "https://app.example/a\tb"] {
        let options = LogoutOptions { return_to: Some(return_to.into()), ..LogoutOptions::default() };
        let e = c.logout(options).unwrap_err();
        assert_eq!((e.code(), e.message().contains("`returnTo` must be an absolute http(s) URL")), ("invalid_argument", true), "{return_to}");
    }
    assert!(c.stored().is_some(), "the session stays");
    let mut step = c.logout(LogoutOptions { return_to: Some("http://localhost:8080/bye".into()), ..LogoutOptions::default() }).unwrap();
    c.advance(&mut step, None).unwrap(); // discovery
    assert!(c.stored().is_none());
}

#[test]
fn debug_of_requests_answers_outcomes_steps_and_tab_messages_shows_no_secret() {
    let c = logged_in();
    let mut step = c.refresh().unwrap();
    let Action::Fetch(request) = c.advance(&mut step, None).unwrap() else { panic!() };
    let refresh_token = c.stored().unwrap().refresh_token.as_ref().unwrap().secret().to_owned();
    assert!(request.body.as_deref().unwrap().contains(&refresh_token));
    let answer = Answer::Http { status: 200, text: tokens_answer("at-secret", None), nonce: None, challenge: None };
    let message = TabMessage { kind: "session", text: c.session_text(), at: 1 };
    let id_token = c.stored().unwrap().id_token.as_ref().unwrap().secret().to_owned();
    let navigate = Action::Navigate(["https://id.example.com/logout?id_token_hint=", &id_token].concat());
    let actions = format!("{:?} {navigate:?}", Action::Fetch(request.clone()));
    let shown = format!("{request:?} {step:?} {answer:?} {:?} {message:?} {actions}", Outcome::AccessToken("at-secret".into()));
    assert!(shown.contains("https://id.example.com/token") && shown.contains("200") && shown.contains("/logout"), "{shown}");
    for secret in [refresh_token.as_str(), "at-secret", "at1", &id_token] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[test]
fn a_cognito_logout_returns_by_logout_uri_from_the_discovered_endpoint() {
    let c = client(|o| o.logout_style = crate::core::config::LogoutStyle::Cognito);
    let mut step = c.logout(LogoutOptions { return_to: Some("https://app.example/bye".into()), ..LogoutOptions::default() }).unwrap();
    assert!(matches!(c.advance(&mut step, None).unwrap(), Action::Fetch(_)), "discovery for the end-session endpoint");
    let Action::Navigate(url) = c.advance(&mut step, http(200, &metadata())).unwrap() else { panic!() };
    assert!(url.starts_with("https://id.example.com/logout?client_id=spa&"), "{url}");
    assert_eq!(param(&url, "logout_uri"), "https://app.example/bye");
    assert!(!url.contains("post_logout_redirect_uri") && !url.contains("id_token_hint"), "{url}");
    // Nowhere to return to: Cognito would show an error page, so the logout stays local.
    let mut step = c.logout(LogoutOptions::default()).unwrap();
    assert_eq!(c.advance(&mut step, None).unwrap(), Action::Done(Outcome::LoggedOut));
}

#[test]
fn a_logout_without_a_session_changes_nothing_the_listeners_know_of() {
    let c = logged_in();
    let before = c.generation();
    c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.generation(), before + 1, "the session ended");
    c.logout(LogoutOptions { local_only: true, ..LogoutOptions::default() }).unwrap();
    assert_eq!(c.generation(), before + 1, "nothing more to end: the Rust driver's listeners are not called again");
}
