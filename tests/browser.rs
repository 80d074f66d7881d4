//! Browser tests (`wasm-pack test --headless --chrome`): what needs a real browser — crypto, sessionStorage and
//! its memory fallback, the AuthError class, and a login's first step.
#![cfg(target_arch = "wasm32")]

use spa_auth::browser::storage::{FallbackStore, MemoryStore, SessionStore, Store};
use spa_auth::js::pkce::{create_pkce_pair, pkce_challenge};
use spa_auth::{AuthClient, FetchOptions, LoginOptions, Options, TabsMode, TokenOptions};
use wasm_bindgen::prelude::*;
use std::future::Future;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const original = Object.getOwnPropertyDescriptor(Window.prototype, "sessionStorage")
  || Object.getOwnPropertyDescriptor(window, "sessionStorage");
const setItem = Storage.prototype.setItem;
export function disableSessionStorage() {
  Object.defineProperty(window, "sessionStorage", { configurable: true,
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); } });
}
export function restoreSessionStorage() {
  delete window.sessionStorage;
  if (!("sessionStorage" in window)) Object.defineProperty(window, "sessionStorage", original);
  Storage.prototype.setItem = setItem;
}
export function fillSessionStorage() {
  Storage.prototype.setItem = function () { throw new DOMException("Quota exceeded", "QuotaExceededError"); };
}
export function countWarnings() {
  const warn = console.warn;
  const seen = { count: 0 };
  console.warn = (...args) => { if (String(args[0]).startsWith("spa-auth:")) seen.count++; else warn(...args); };
  return seen;
}
export async function verifyProof(proof, x, y) {
  const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x, y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const [header, claims, signature] = proof.split(".");
  const bytes = Uint8Array.from(atob(signature.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, bytes, new TextEncoder().encode(`${header}.${claims}`));
}
export function slowTokenEndpoint(ms) {
  const original = window.fetch;
  const seen = { calls: 0, restore() { window.fetch = original; } };
  window.fetch = (input, init) => {
    if (!String(input?.url ?? input).endsWith("/token")) return original.call(window, input, init);
    const n = ++seen.calls;
    const body = JSON.stringify({ access_token: `at${n}`, token_type: "Bearer", expires_in: 300, refresh_token: `rt${n}` });
    return new Promise((resolve) => setTimeout(() => resolve(new Response(body, { status: 200 })), ms));
  };
  return seen;
}
export function hangingTokenEndpoint() {
  const original = window.fetch;
  const seen = { calls: 0, restore() { window.fetch = original; } };
  window.fetch = (input, init) => {
    if (!String(input?.url ?? input).endsWith("/token")) return original.call(window, input, init);
    seen.calls++;
    // As the browser's fetch: no answer, and a rejection with the signal's reason once it aborts.
    const signal = init?.signal ?? input.signal;
    return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
  };
  return seen;
}
export function rejectingTokenEndpoint(value) {
  // A page's own wrapper around fetch (a mock, a monitoring script) that rejects with something not an Error.
  const original = window.fetch;
  const seen = { calls: 0, restore() { window.fetch = original; } };
  window.fetch = (input, init) => {
    if (!String(input?.url ?? input).endsWith("/token")) return original.call(window, input, init);
    seen.calls++;
    return Promise.reject(value);
  };
  return seen;
}
export function abortedAfter(ms) {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return new Request("https://api.example/x", { signal: controller.signal });
}
export function alreadyAborted() {
  return new Request("https://api.example/x", { signal: AbortSignal.abort() });
}
export function hideAbortSignalTimeout() {
  const timeout = AbortSignal.timeout;
  delete AbortSignal.timeout;
  return () => { AbortSignal.timeout = timeout; };
}
export function capturingFetch() {
  const original = window.fetch;
  const seen = { restore() { window.fetch = original; } };
  window.fetch = async (input) => {
    seen.url = input.url; seen.method = input.method; seen.cache = input.cache; seen.redirect = input.redirect;
    seen.referrerPolicy = input.referrerPolicy; seen.keepalive = input.keepalive; seen.body = await input.text();
    return new Response("ok");
  };
  return seen;
}
export function postWithSettings() {
  return new Request("https://search.example/events?q=jazz", {
    method: "POST", body: "{\"a\":1}", cache: "no-store", redirect: "manual", referrerPolicy: "no-referrer", keepalive: true,
  });
}
export function listenOn(name) {
  const channel = new BroadcastChannel(name);
  const seen = { types: [], close() { channel.close(); } };
  channel.onmessage = (event) => seen.types.push(event.data.type);
  return seen;
}
export function pageShow(persisted) {
  window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted }));
}
export function isAuthError(e) {
  return e instanceof Error && e.constructor.name === "AuthError" && e.name === "AuthError" && typeof e.code === "string";
}
"#)]
extern "C" {
    fn disableSessionStorage();
    fn restoreSessionStorage();
    fn fillSessionStorage();
    fn countWarnings() -> JsValue;
    fn isAuthError(e: &JsValue) -> bool;
    fn pageShow(persisted: bool);
    fn listenOn(name: &str) -> JsValue;
    fn verifyProof(proof: &str, x: &str, y: &str) -> js_sys::Promise;
    fn slowTokenEndpoint(ms: u32) -> JsValue;
    fn hangingTokenEndpoint() -> JsValue;
    fn rejectingTokenEndpoint(value: &JsValue) -> JsValue;
    fn abortedAfter(ms: u32) -> web_sys::Request;
    fn alreadyAborted() -> web_sys::Request;
    fn hideAbortSignalTimeout() -> js_sys::Function;
    fn capturingFetch() -> JsValue;
    fn postWithSettings() -> web_sys::Request;
}

fn session() -> web_sys::Storage {
    web_sys::window().unwrap().session_storage().unwrap().unwrap()
}

fn get(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &name.into()).unwrap()
}

fn warnings(counter: &JsValue) -> f64 {
    get(counter, "count").as_f64().unwrap()
}

#[wasm_bindgen_test]
async fn pkce_pairs_come_from_the_browser_crypto() {
    let first = JsFuture::from(create_pkce_pair()).await.unwrap();
    let second = JsFuture::from(create_pkce_pair()).await.unwrap();
    let verifier = get(&first, "verifier").as_string().unwrap();
    assert_eq!(verifier.len(), 43);
    assert!(verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(get(&first, "method").as_string().unwrap(), "S256");
    assert_eq!(get(&first, "challenge").as_string().unwrap(), pkce_challenge(verifier.clone().into()).as_string().unwrap());
    assert_ne!(verifier, get(&second, "verifier").as_string().unwrap(), "two pairs never repeat");
}

#[wasm_bindgen_test]
fn rfc7636_vector_in_the_browser() {
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()).as_string().unwrap(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[wasm_bindgen_test]
fn errors_are_auth_error_instances() {
    // Given, not thrown: the driver throws it (`ok`).
    let e = pkce_challenge("too-short".into());
    assert!(isAuthError(&e));
    assert_eq!(get(&e, "code").as_string().unwrap(), "invalid_argument");
    assert!(get(&e, "message").as_string().unwrap().contains("RFC 7636"));
    let secret = r#"{"issuer":"https://id.example.com","clientId":"c","redirectUri":"https://app/","client_secret":"s"}"#;
    let e = spa_auth::js::core::JsCore::new(Some(secret.into())).err().unwrap();
    assert!(isAuthError(&e));
    assert_eq!(get(&e, "code").as_string().unwrap(), "invalid_config");
    assert!(get(&e, "message").as_string().unwrap().contains("backend"));
}

#[wasm_bindgen_test]
fn session_store_round_trips_and_lists_by_prefix() {
    let store = SessionStore::open().unwrap();
    store.set("spa-auth:t1:a", "1").unwrap();
    store.set("spa-auth:t1:b", "2").unwrap();
    store.set("spa-auth:t2:a", "3").unwrap();
    assert_eq!(session().get_item("spa-auth:t1:a").unwrap().as_deref(), Some("1"));
    let mut keys = store.keys("spa-auth:t1:").unwrap();
    keys.sort();
    assert_eq!(keys, vec!["spa-auth:t1:a".to_owned(), "spa-auth:t1:b".to_owned()]);
    store.remove("spa-auth:t1:a").unwrap();
    assert_eq!(store.get("spa-auth:t1:a").unwrap(), None);
    session().clear().unwrap();
}

#[wasm_bindgen_test]
fn memory_store_is_separate_from_session_storage() {
    let store = MemoryStore::default();
    store.set("spa-auth:m:a", "1").unwrap();
    assert_eq!(store.get("spa-auth:m:a").unwrap().as_deref(), Some("1"));
    assert_eq!(session().get_item("spa-auth:m:a").unwrap(), None);
}

#[wasm_bindgen_test]
fn storage_falls_back_to_memory_with_one_warning() {
    let counter = countWarnings();
    // sessionStorage that throws on access (disabled by the user or a sandbox).
    disableSessionStorage();
    assert!(SessionStore::open().is_err());
    let store = FallbackStore::new("spa-auth:f1:");
    store.set("spa-auth:f1:tokens", "t").unwrap();
    assert_eq!(store.get("spa-auth:f1:tokens").unwrap().as_deref(), Some("t"));
    restoreSessionStorage();
    assert_eq!(session().get_item("spa-auth:f1:tokens").unwrap(), None, "nothing reached sessionStorage");

    // sessionStorage that fills up: what was stored moves to memory, and writing goes on there.
    let store = FallbackStore::new("spa-auth:f2:");
    store.set("spa-auth:f2:tokens", "old").unwrap();
    assert_eq!(session().get_item("spa-auth:f2:tokens").unwrap().as_deref(), Some("old"));
    fillSessionStorage();
    store.set("spa-auth:f2:tx:s", "new").unwrap();
    restoreSessionStorage();
    assert_eq!(store.get("spa-auth:f2:tokens").unwrap().as_deref(), Some("old"));
    assert_eq!(store.get("spa-auth:f2:tx:s").unwrap().as_deref(), Some("new"));
    assert_eq!(session().get_item("spa-auth:f2:tx:s").unwrap(), None);
    assert!(warnings(&counter) <= 1.0, "at most one console warning per page");
    assert_eq!(warnings(&counter), 1.0);

    // A login in progress after that: refused while sessionStorage is full, kept once it has room again (in
    // sessionStorage for the way back, and in memory, where this page now reads).
    fillSessionStorage();
    assert_eq!(store.set_durable("spa-auth:f2:tx:t", "login").unwrap_err().code(), "storage_unavailable");
    restoreSessionStorage();
    store.set_durable("spa-auth:f2:tx:t", "login").unwrap();
    assert_eq!(session().get_item("spa-auth:f2:tx:t").unwrap().as_deref(), Some("login"));
    assert_eq!(store.get("spa-auth:f2:tx:t").unwrap().as_deref(), Some("login"));
    session().clear().unwrap();
}

fn options(client_id: &str) -> Options {
    Options {
        issuer: "https://id.example.com".into(),
        client_id: client_id.into(),
        redirect_uri: "https://app.example.com/cb".into(),
        authorization_endpoint: Some("https://id.example.com/authorize".into()),
        token_endpoint: Some("https://id.example.com/token".into()),
        ..Options::default()
    }
}

#[wasm_bindgen_test]
async fn a_login_stores_its_transaction_under_its_state() {
    let client = AuthClient::new(options("login-test")).unwrap();
    let url = client.build_authorize_url(LoginOptions::default()).await.unwrap();
    assert!(url.starts_with("https://id.example.com/authorize?response_type=code&client_id=login-test&"));
    let state = url.split("&state=").nth(1).unwrap().split('&').next().unwrap();
    let stored = session().get_item(&["spa-auth:login-test:tx:", state].concat()).unwrap().unwrap();
    assert!(stored.contains("\"verifier\""), "the transaction holds the verifier");
    assert!(!url.contains("verifier"), "the verifier never leaves the browser before the token request");
    // A second client id never sees the first one's logins.
    let other = AuthClient::new(options("other-client")).unwrap();
    assert!(!other.is_authenticated());
    session().clear().unwrap();
}

#[wasm_bindgen_test]
async fn a_callback_with_a_stranger_state_is_refused_and_nothing_is_stored() {
    let client = AuthClient::new(options("cb-test")).unwrap();
    let e = client.handle_redirect_callback(Some("https://app.example.com/cb?code=c&state=nope".into())).await.unwrap_err();
    assert_eq!(e.code(), "missing_transaction");
    client.build_authorize_url(LoginOptions::default()).await.unwrap();
    let e = client.handle_redirect_callback(Some("https://app.example.com/cb?code=c&state=nope".into())).await.unwrap_err();
    assert_eq!(e.code(), "invalid_state");
    assert!(client.get_tokens().is_none());
    session().clear().unwrap();
}

#[wasm_bindgen_test]
fn the_core_reads_the_callback_from_the_url_it_is_given_or_the_address_bar() {
    // The driver passes `URL` and `Location` arguments as their `href` (tests/e2e/contract-inputs.test.mjs).
    let options = r#"{"issuer":"https://id.example.com","clientId":"c","redirectUri":"https://app.example/cb"}"#;
    let client = spa_auth::js::core::JsCore::new(Some(options.into())).unwrap();
    assert!(client.is_callback("https://app.example/cb?code=c&state=s".into()));
    assert!(!client.is_callback("https://app.example/cb?state=s".into()));
    assert!(!client.is_callback(JsValue::UNDEFINED), "the test runner's page is no callback");
    let wrong = r#"{"issuer":"https://id.example.com","clientId":"c","redirectUri":"https://app.example/cb","scope":["openid"]}"#;
    let e = spa_auth::js::core::JsCore::new(Some(wrong.into())).err().unwrap();
    assert_eq!(get(&e, "code").as_string().unwrap(), "invalid_config");
    assert!(get(&e, "message").as_string().unwrap().contains("`scope` must be a space-separated string, got an array"));
    // The driver's factory gives the AuthError as its value (the driver throws it), or the Core.
    let given = spa_auth::js::core::JsCore::create(wrong.into());
    assert!(isAuthError(&given));
    assert_eq!(get(&given, "code").as_string().unwrap(), "invalid_config");
    assert!(!isAuthError(&spa_auth::js::core::JsCore::create(options.into())));
}

#[wasm_bindgen_test]
async fn the_rust_driver_binds_logins_to_one_dpop_key_until_logout() {
    use spa_auth::browser::webcrypto;
    use spa_auth::core::dpop::PublicKey;
    let client = AuthClient::new(Options { dpop: true, ..options("dpop-test") }).unwrap();
    let url = client.build_authorize_url(LoginOptions::default()).await.unwrap();
    let jkt = url.split("&dpop_jkt=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    // The key in IndexedDB is the one the code is bound to, and it stays the same across loads (a reload).
    let name = "https://id.example.com dpop-test";
    let key = webcrypto::load(name).await.unwrap();
    assert_eq!(PublicKey::p256(&key.x, &key.y).unwrap().thumbprint(), jkt);
    assert_eq!(webcrypto::load(name).await.unwrap().x, key.x);
    // A proof signed with it verifies with its public half (ES256, the JWS's raw r||s signature).
    let proof = webcrypto::sign(&key, "eyJhIjoxfQ.eyJiIjoyfQ").await.unwrap();
    assert!(proof.starts_with("eyJhIjoxfQ.eyJiIjoyfQ."));
    assert_eq!(JsFuture::from(verifyProof(&proof, &key.x, &key.y)).await.unwrap(), JsValue::TRUE);
    // The Rust driver's signature check (`verifySignature`) through the same module: that proof verifies as an
    // ES256 JWS, and not with another payload or a key WebCrypto cannot read.
    let jwk = format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#, key.x, key.y);
    let signature = proof.rsplit('.').next().unwrap().to_owned();
    let check = |data: &str, jwk: &str| spa_auth::core::signature::Verification {
        alg: "ES256".into(),
        jwk: jwk.into(),
        signing_input: data.into(),
        signature: signature.clone(),
    };
    assert!(webcrypto::verify(&check("eyJhIjoxfQ.eyJiIjoyfQ", &jwk)).await);
    assert!(!webcrypto::verify(&check("eyJhIjoxfQ.eyJiIjozfQ", &jwk)).await);
    assert!(!webcrypto::verify(&check("eyJhIjoxfQ.eyJiIjoyfQ", "{}")).await);
    // A logout refused for its options leaves the key alone.
    let reserved = vec![("client_id".to_owned(), "x".to_owned())];
    let refused = client.logout(spa_auth::LogoutOptions { local_only: true, logout_params: reserved, ..Default::default() }).await;
    assert_eq!(refused.unwrap_err().code(), "invalid_argument");
    let empty = client.logout(spa_auth::LogoutOptions { local_only: true, return_to: Some(String::new()), ..Default::default() }).await;
    assert_eq!(empty.unwrap_err().code(), "invalid_argument", "an empty return_to");
    let no_url = client.logout(spa_auth::LogoutOptions { local_only: true, return_to: Some("javascript:x".into()), ..Default::default() }).await;
    assert_eq!(no_url.unwrap_err().code(), "invalid_argument", "a return_to that is no http(s) URL");
    assert_eq!(webcrypto::load(name).await.unwrap().x, key.x, "the key stays");
    // Logout removes it: the next login makes another key. A return_to relative to the page is one of its URLs.
    let page = web_sys::window().unwrap().location().href().unwrap();
    assert_eq!(spa_auth::browser::location::absolute("/bye?x=1".into()), [&page[..page.find("://").unwrap() + 3], page.split('/').nth(2).unwrap(), "/bye?x=1"].concat());
    assert_eq!(spa_auth::browser::location::absolute("HTTPS://app.example".into()), "HTTPS://app.example", "never normalized");
    client.logout(spa_auth::LogoutOptions { local_only: true, return_to: Some("/".into()), ..Default::default() }).await.unwrap();
    let url = client.build_authorize_url(LoginOptions::default()).await.unwrap();
    assert!(!url.contains(&jkt), "a new key after logout");
    assert_ne!(webcrypto::load(name).await.unwrap().x, key.x);
    session().clear().unwrap();
}

/// A client (tabs isolated: its refreshes take no Web Lock) over an expired stored session with a refresh token.
fn expired_session(client_id: &str) -> AuthClient {
    let stored = r#"{"issuer":"https://id.example.com","accessToken":"old","tokenType":"Bearer","refreshToken":"rt0","expiresAt":1,"receivedAt":0}"#;
    session().set_item(&["spa-auth:", client_id, ":tokens"].concat(), stored).unwrap();
    AuthClient::new(Options { tabs: TabsMode::Isolated, ..options(client_id) }).unwrap()
}

/// Puts back the page's `fetch` that `slowTokenEndpoint` replaced, and forgets `client_id`'s stored session; returns
/// how many token requests the endpoint saw.
fn restore(endpoint: &JsValue, client_id: &str) -> Option<f64> {
    let calls = get(endpoint, "calls").as_f64();
    let _ = js_sys::Reflect::get(endpoint, &"restore".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).map(|f| f.call0(endpoint));
    session().remove_item(&["spa-auth:", client_id, ":tokens"].concat()).unwrap();
    calls
}

#[wasm_bindgen_test]
async fn a_refresh_runs_to_its_end_when_the_future_that_started_it_is_dropped() {
    let client = expired_session("dropped-test");
    let endpoint = slowTokenEndpoint(200);
    {
        // A component that unmounts: its future is polled once, while the refresh request is on its way, and dropped.
        let mut first = Box::pin(client.get_access_token(TokenOptions::default()));
        // Tests build on the pinned toolchain (TOOLCHAIN.md), where `Waker::noop` is stable; the crate's MSRV is for users.
        #[allow(clippy::incompatible_msrv)]
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(first.as_mut().poll(&mut cx).is_pending());
    }
    let token = client.get_access_token(TokenOptions::default()).await;
    let calls = restore(&endpoint, "dropped-test");
    assert_eq!(token.unwrap(), "at1", "the first refresh's answer, not a second refresh's");
    assert_eq!(calls, Some(1.0), "one refresh request: the rotated refresh token was never sent again");
}

#[wasm_bindgen_test]
async fn without_abort_signal_timeout_the_rust_driver_still_refreshes() {
    let client = expired_session("no-timeout-test");
    let endpoint = slowTokenEndpoint(10);
    let put_back = hideAbortSignalTimeout(); // Chrome before 103, Firefox before 100, Safari before 16
    let token = client.get_access_token(TokenOptions::default()).await;
    put_back.call0(&JsValue::UNDEFINED).unwrap();
    let calls = restore(&endpoint, "no-timeout-test");
    assert_eq!(token.unwrap(), "at1", "the request runs unbounded there (README), as in the JS driver");
    assert_eq!(calls, Some(1.0));
}

#[wasm_bindgen_test]
async fn a_token_endpoint_that_never_answers_is_a_timeout_with_or_without_abort_signal_timeout() {
    for hide in [false, true] {
        drop(expired_session("hanging-test")); // the stored session, for a client whose requests get 60 ms
        let client = AuthClient::new(Options { timeout_ms: Some(60.0), tabs: TabsMode::Isolated, ..options("hanging-test") }).unwrap();
        let endpoint = hangingTokenEndpoint();
        let put_back = hide.then(hideAbortSignalTimeout); // the timer's signal aborts with an `AbortError` instead
        let token = client.get_access_token(TokenOptions::default()).await;
        put_back.map(|f| f.call0(&JsValue::UNDEFINED).unwrap());
        let calls = restore(&endpoint, "hanging-test");
        assert_eq!(token.unwrap_err().code(), "timeout", "hidden AbortSignal.timeout: {hide}");
        assert_eq!(calls, Some(1.0));
    }
}

#[wasm_bindgen_test]
async fn a_fetch_rejected_with_something_not_an_error_is_a_network_error_not_a_trap() {
    // gloo-net 0.7 panics on such a rejection (README "Performance"): the Rust driver's own requests go through
    // web-sys, and this is what a switch would have to pass.
    for value in [JsValue::from_str("offline"), js_sys::Object::new().into(), JsValue::UNDEFINED] {
        let client = expired_session("rejected-test");
        let endpoint = rejectingTokenEndpoint(&value);
        let token = client.get_access_token(TokenOptions::default()).await;
        let calls = restore(&endpoint, "rejected-test");
        assert_eq!(token.unwrap_err().code(), "network_error", "{value:?}");
        assert_eq!(calls, Some(1.0));
    }
}

#[wasm_bindgen_test]
async fn a_fetch_whose_signal_aborts_while_a_refresh_is_on_its_way_ends_at_once() {
    let client = expired_session("abort-test");
    let endpoint = slowTokenEndpoint(400);
    let started = js_sys::Date::now();
    let aborted = client.fetch(abortedAfter(50), FetchOptions).await;
    let waited = js_sys::Date::now() - started;
    let already = client.fetch(alreadyAborted(), FetchOptions).await;
    let token = client.get_access_token(TokenOptions::default()).await;
    let calls = restore(&endpoint, "abort-test");
    let e = aborted.unwrap_err();
    assert_eq!(e.code(), "network_error");
    assert!(e.message().contains("aborted"), "{}", e.message());
    assert!(waited < 300.0, "ended when the signal aborted ({waited} ms), not when the 400 ms refresh did");
    assert_eq!(token.unwrap(), "at1", "the refresh ran on for the next caller");
    assert_eq!(calls, Some(1.0), "one refresh request");
    assert!(already.unwrap_err().message().contains("aborted"), "an aborted signal: nothing is sent");
}

#[wasm_bindgen_test]
fn a_page_back_from_the_back_forward_cache_tells_the_listeners_what_another_page_did() {
    let key = "spa-auth:restored-test:tokens";
    let stored = r#"{"issuer":"https://id.example.com","accessToken":"at","tokenType":"Bearer","expiresAt":4000000000,"receivedAt":1}"#;
    session().set_item(key, stored).unwrap();
    let client = AuthClient::new(Options { tabs: TabsMode::Isolated, ..options("restored-test") }).unwrap();
    let heard = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    client.on_change({
        let heard = heard.clone();
        move |tokens| heard.borrow_mut().push(tokens.is_some())
    });
    // Another page of this tab logged out while this one was in the cache: only the store changed.
    session().remove_item(key).unwrap();
    pageShow(false);
    assert!(heard.borrow().is_empty(), "a first load is not a return");
    pageShow(true);
    assert_eq!(*heard.borrow(), [false], "the listener hears of the logout once the page is back");
    session().set_item(key, stored).unwrap();
    drop(client);
    pageShow(true);
    assert_eq!(heard.borrow().len(), 1, "a dropped client listens no more");
    session().remove_item(key).unwrap();
}

#[wasm_bindgen_test]
async fn a_page_back_from_the_back_forward_cache_says_hello_to_the_other_tabs() {
    let client = AuthClient::new(options("restored-shared")).unwrap();
    let other_tab = listenOn("spa-auth https://id.example.com restored-shared");
    let heard = || js_sys::Array::from(&get(&other_tab, "types")).iter().filter_map(|t| t.as_string()).collect::<Vec<_>>();
    pageShow(false);
    sleep(50).await;
    assert!(heard().is_empty(), "a first load is not a return: {:?}", heard());
    pageShow(true);
    sleep(50).await;
    assert_eq!(heard(), ["hello"], "back from the cache, the page tells the other tabs it is there");
    drop(client);
    let _ = js_sys::Reflect::get(&other_tab, &"close".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).map(|f| f.call0(&other_tab));
}

#[wasm_bindgen_test]
fn clients_compare_by_session_and_debug_shows_no_token() {
    let client = AuthClient::new(options("eq-test")).unwrap();
    let other = AuthClient::new(options("eq-test")).unwrap();
    assert!(client == client.clone(), "a clone is the same client (Yew context and props)");
    assert!(client != other, "another client is another");
    let shown = format!("{client:?}");
    assert!(shown.contains("eq-test") && shown.contains("https://id.example.com"), "{shown}");
}

#[wasm_bindgen_test]
async fn client_identification_in_query_mode_keeps_the_request_s_settings() {
    let identification = spa_auth::ClientIdentification::new(spa_auth::IdentificationOptions {
        client_id: "my-app".into(),
        mode: spa_auth::IdentificationMode::Query,
        header_name: None,
        query_param: None,
    })
    .unwrap();
    let seen = capturingFetch();
    let response = identification.fetch(postWithSettings()).await;
    let _ = js_sys::Reflect::get(&seen, &"restore".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).map(|f| f.call0(&seen));
    assert_eq!(response.unwrap().status(), 200);
    assert_eq!(get(&seen, "url").as_string().unwrap(), "https://search.example/events?q=jazz&clientId=my-app");
    assert_eq!(get(&seen, "method").as_string().unwrap(), "POST");
    assert_eq!(get(&seen, "body").as_string().unwrap(), r#"{"a":1}"#);
    for (setting, value) in [("cache", "no-store"), ("redirect", "manual"), ("referrerPolicy", "no-referrer")] {
        assert_eq!(get(&seen, setting).as_string().unwrap(), value, "{setting}");
    }
    assert_eq!(get(&seen, "keepalive").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn client_identification_refuses_a_header_the_browser_would_not_send() {
    let identification = |client_id: &str, header_name: &str| {
        spa_auth::ClientIdentification::new(spa_auth::IdentificationOptions {
            client_id: client_id.into(),
            mode: spa_auth::IdentificationMode::Header,
            header_name: Some(header_name.into()),
            query_param: None,
        })
        .unwrap()
    };
    let seen = capturingFetch();
    let forbidden = identification("my-app", "Cookie").fetch(postWithSettings()).await;
    let not_latin1 = identification("app-\u{2615}", "x-client-id").fetch(postWithSettings()).await;
    let nothing_sent = get(&seen, "url").is_undefined();
    let sent = identification("my-app", "x-client-id").fetch(postWithSettings()).await;
    let _ = js_sys::Reflect::get(&seen, &"restore".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).map(|f| f.call0(&seen));
    for (what, result) in [("Cookie", forbidden), ("a clientId beyond Latin-1", not_latin1)] {
        let e = result.unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{what}: {}", e.message());
        assert!(e.message().contains("does not send"), "{}", e.message());
    }
    assert!(nothing_sent, "a refused header sends nothing");
    assert_eq!(sent.unwrap().status(), 200, "an allowed header is sent");
}


#[wasm_bindgen(module = "/src/browser/webcrypto.js")]
extern "C" {
    #[wasm_bindgen(js_name = verifySignature)]
    fn verify_signature(verification: &JsValue) -> js_sys::Promise;
}

#[wasm_bindgen(inline_js = r#"
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const PARAMS = {
  RS512: [{ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-512" }, { name: "RSASSA-PKCS1-v1_5" }],
  PS384: [{ name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" }, { name: "RSA-PSS", saltLength: 48 }],
  ES384: [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
  ES512: [{ name: "ECDSA", namedCurve: "P-521" }, { name: "ECDSA", hash: "SHA-512" }],
  RS256_1024: [{ name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
};
export async function signedWith(name, tamper) {
  const [generate, sign] = PARAMS[name];
  const pair = await crypto.subtle.generateKey(generate, true, ["sign", "verify"]);
  const { kty, n, e, crv, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const data = "eyJhbGciOiJ0ZXN0In0.eyJzdWIiOiJhIn0";
  const signature = b64url(await crypto.subtle.sign(sign, pair.privateKey, new TextEncoder().encode(data)));
  return { alg: name.split("_")[0], jwk: JSON.stringify({ kty, n, e, crv, x, y }), data: tamper ? data + "x" : data, signature };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = signedWith)]
    fn signed_with(name: &str, tamper: bool) -> js_sys::Promise;
}

async fn verifies(name: &str, tamper: bool) -> bool {
    let verification = JsFuture::from(signed_with(name, tamper)).await.unwrap();
    JsFuture::from(verify_signature(&verification)).await.unwrap().as_bool().unwrap()
}

#[wasm_bindgen_test]
async fn webcrypto_verifies_the_384_and_512_bit_algorithms_and_refuses_short_rsa_keys() {
    for name in ["RS512", "PS384", "ES384", "ES512"] {
        assert!(verifies(name, false).await, "{name} verifies");
        assert!(!verifies(name, true).await, "{name} refuses other data");
    }
    assert!(!verifies("RS256_1024", false).await, "an RSA key under 2048 bits verifies nothing (RFC 7518 §3.3)");
}

/// A client of `client_id` with a login started, and that login's callback URL. Plain OAuth (no `openid`): the stub
/// token endpoint sends no ID token.
async fn pending_login(client_id: &str) -> (AuthClient, String) {
    let client = AuthClient::new(Options { scope: Some("api".into()), tabs: TabsMode::Isolated, ..options(client_id) }).unwrap();
    let url = client.build_authorize_url(LoginOptions::default()).await.unwrap();
    let state = url.split("&state=").nth(1).unwrap().split('&').next().unwrap();
    let callback = ["https://app.example.com/cb?code=c1&state=", state].concat();
    (client, callback)
}

#[wasm_bindgen_test]
async fn the_same_callback_handled_twice_at_once_shares_one_code_exchange() {
    let (client, callback) = pending_login("twice-test").await;
    let endpoint = slowTokenEndpoint(50);
    let (first, second) = futures_join(client.handle_redirect_callback(Some(callback.clone())), client.handle_redirect_callback(Some(callback.clone()))).await;
    let replay = client.handle_redirect_callback(Some(callback)).await;
    let calls = restore(&endpoint, "twice-test");
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(second.map_err(|e| e.code().to_owned()), Ok(None), "the second call shares the first's outcome");
    assert_eq!(calls, Some(1.0), "one code exchange");
    assert_eq!(replay.unwrap_err().code(), "invalid_state", "once it ended, the same callback is a replay");
    session().clear().unwrap();
}

/// Both futures' outputs, polled together.
async fn futures_join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut x, mut y) = (None, None);
    std::future::poll_fn(|cx| {
        if x.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                x = Some(v);
            }
        }
        if y.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                y = Some(v);
            }
        }
        if x.is_some() && y.is_some() {
            std::task::Poll::Ready((x.take().unwrap(), y.take().unwrap()))
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

#[wasm_bindgen_test]
async fn a_callback_whose_first_caller_is_dropped_still_ends_and_a_replay_is_invalid_state() {
    let (client, callback) = pending_login("dropped-cb-test").await;
    let endpoint = slowTokenEndpoint(50);
    {
        // The first caller is polled once (its code exchange under way), then dropped: a component unmounting.
        let mut first = std::pin::pin!(client.handle_redirect_callback(Some(callback.clone())));
        struct Noop;
        impl std::task::Wake for Noop {
            fn wake(self: std::sync::Arc<Self>) {}
        }
        let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
        assert!(first.as_mut().poll(&mut std::task::Context::from_waker(&waker)).is_pending());
    }
    let second = client.handle_redirect_callback(Some(callback.clone())).await;
    let replay = client.handle_redirect_callback(Some(callback)).await;
    let logged_in = client.get_tokens().is_some();
    let calls = restore(&endpoint, "dropped-cb-test");
    assert_eq!(second.map_err(|e| e.code().to_owned()), Ok(None), "the second call gets the outcome the first would have had");
    assert!(logged_in, "logged in");
    assert_eq!(replay.unwrap_err().code(), "invalid_state", "then the same callback is a replay");
    assert_eq!(calls, Some(1.0), "one code exchange");
    session().clear().unwrap();
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn without_abort_signal_timeout_a_timer_bounds_the_rust_drivers_requests() {
    // Safari before 16 has no AbortSignal.timeout: the Rust driver's requests are bounded by a timer there.
    let class = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("AbortSignal")).unwrap();
    let timeout = JsValue::from_str("timeout");
    let saved = js_sys::Reflect::get(&class, &timeout).unwrap();
    js_sys::Reflect::set(&class, &timeout, &JsValue::UNDEFINED).unwrap();
    let signal = spa_auth::browser::http::timeout_signal(30);
    js_sys::Reflect::set(&class, &timeout, &saved).unwrap();
    let signal = signal.expect("a signal from the timer");
    assert!(!signal.aborted());
    sleep(120).await;
    assert!(signal.aborted(), "aborted once the time is up");
}

#[wasm_bindgen_test]
fn a_legacy_callback_given_relative_to_the_page_cleans_the_address_bar() {
    use base64::Engine;
    use spa_auth::browser::legacy::LegacyJwtClient;
    use spa_auth::core::legacy_jwt::LegacyOptions;
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let page = window.location().href().unwrap();
    let exp = (js_sys::Date::now() / 1000.0) as u64 + 3600;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"u1","exp":{exp}}}"#));
    // The page shows the JWT provider's answer; the app hands over only its query (`location.search`).
    let query = format!("?jwt=eyJhbGciOiJub25lIn0.{payload}.sig&keep=1");
    history.replace_state_with_url(&JsValue::NULL, "", Some(&query)).unwrap();
    let options = LegacyOptions { server_url: "https://jwt-test.uitdatabank.be".into(), api_key: "relative-test".into(), lang: None };
    let client = LegacyJwtClient::new(options).unwrap();
    let handled = client.handle_callback(Some(query));
    let search = window.location().search().unwrap();
    history.replace_state_with_url(&JsValue::NULL, "", Some(&page)).unwrap();
    handled.unwrap();
    assert_eq!(search, "?keep=1", "the JWT left the address bar");
    assert!(client.token().is_some());
    client.logout();
}

#[wasm_bindgen_test]
async fn a_no_cors_request_is_refused_before_anything_is_sent() {
    use spa_auth::core::client_identification::{ClientIdentification, IdentificationMode, IdentificationOptions};
    // The browser drops `Authorization` and the client id header from such a request: it would go out without them.
    let init = web_sys::RequestInit::new();
    init.set_mode(web_sys::RequestMode::NoCors);
    let request = || web_sys::Request::new_with_str_and_init("https://api.example/events", &init).unwrap();
    let client = AuthClient::new(options("no-cors-test")).unwrap();
    let e = client.fetch(request(), FetchOptions).await.unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    assert!(e.message().contains("got \"no-cors\""), "{}", e.message());
    let identification = |mode| ClientIdentification::new(IdentificationOptions { client_id: "c".into(), mode, ..Default::default() }).unwrap();
    let e = identification(IdentificationMode::Header).fetch(request()).await.unwrap_err();
    assert_eq!(e.code(), "invalid_argument", "{}", e.message());
    // In query mode the client id is in the URL, which a no-cors request keeps: sent (and here unreachable).
    let sent = identification(IdentificationMode::Query).fetch(request()).await;
    assert_ne!(sent.err().map(|e| e.code().to_owned()).as_deref(), Some("invalid_argument"));
}
