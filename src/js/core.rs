//! The core as the JavaScript driver sees it: `Core` (one client's synchronous calls) and `Step` (an operation in
//! progress, advanced by the driver's loop in `driver.js`). The driver checks every argument and passes strings,
//! numbers and booleans (options as JSON text); no protocol logic lives here.

use super::convert::{from_text, js_text, optional_text, params_from_text, text, to_value};
use super::error::{either, to_js};
use crate::browser::env::{self, BrowserClient};
use crate::browser::location;
use crate::core::authorize::LoginOptions;
use crate::core::client::{Action, Answer, LogoutOptions, Outcome, Step};
use crate::core::config::Options;
use crate::core::dpop::PublicKey;
use crate::core::error::code;
use crate::core::publiq::{self, Environment};
use js_sys::{Object, Reflect, JSON};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

type Thrown<T> = std::result::Result<T, JsValue>;

/// One client's protocol state (the driver's `AuthClient` holds one).
#[wasm_bindgen(js_name = Core)]
pub struct JsCore {
    client: Rc<BrowserClient>,
}

/// An operation in progress: `next(status, text)` gives the next action for the answer to the last one.
#[wasm_bindgen(js_name = Step)]
pub struct JsStep {
    client: Rc<BrowserClient>,
    step: Step,
}

fn object(pairs: &[(&str, &JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

impl JsCore {
    /// Validates the options (JSON text; `invalid_config`).
    pub fn new(options: Option<String>) -> Thrown<JsCore> {
        let options: Options = from_text(options, "AuthClient options", code::INVALID_CONFIG).map_err(to_js)?;
        Self::open(options)
    }

    fn open(options: Options) -> Thrown<JsCore> {
        let config = options.validate().map_err(to_js)?;
        Ok(JsCore { client: Rc::new(env::client(config)) })
    }
}

#[wasm_bindgen(js_class = Core)]
impl JsCore {
    /// A `Core` for the options (JSON text), or an `AuthError` (`invalid_config`) the driver throws: a factory, not
    /// a constructor, so that its glue is one line (a constructor's `Result` is read back from memory).
    pub fn create(options: JsValue) -> JsValue {
        let options = options.as_string();
        either(Self::new(options).map(JsValue::from))
    }

    /// publiq's UiTiD v2 in `environment` (the options' `environment` when it is a string), or an `AuthError`
    /// (`invalid_config`).
    pub fn publiq(options: JsValue, environment: JsValue) -> JsValue {
        let (options, environment) = (options.as_string(), environment.as_string());
        let core = from_text(options, "AuthClient.publiq options", code::INVALID_CONFIG).and_then(|parsed: Options| {
            publiq::options(Environment::from_name(&environment.unwrap_or_default())?, parsed)
        });
        either(core.map_err(to_js).and_then(Self::open).map(JsValue::from))
    }

    /// The storage key of the token set: refreshes are shared per key.
    #[wasm_bindgen(js_name = tokensKey)]
    pub fn tokens_key(&self) -> JsValue {
        js_text(Some(self.client.env().tokens_key()))
    }

    /// Whether tokens live in this page's memory (`storage: "memory"`): nothing is shared then.
    pub fn memory(&self) -> bool {
        self.client.config().storage == crate::core::config::StorageKind::Memory
    }

    /// The IndexedDB key of this client's DPoP key pair (see `Client::dpop_key_name`); `undefined` without
    /// `dpop: true`.
    #[wasm_bindgen(js_name = dpopKeyName)]
    pub fn dpop_key_name(&self) -> JsValue {
        js_text(self.client.dpop_key_name().as_deref())
    }

    /// The public half of the driver's DPoP key (its JWK's `x` and `y`); no arguments forget it. Gives an
    /// `AuthError` (`crypto_unavailable`) for a key that is not P-256.
    #[wasm_bindgen(js_name = dpopKey)]
    pub fn dpop_key(&self, x: JsValue, y: JsValue) -> JsValue {
        let key = match (x.as_string(), y.as_string()) {
            (Some(x), Some(y)) => match PublicKey::p256(&x, &y) {
                Some(key) => Some(key),
                None => return to_js(crate::core::error::Error::new(code::CRYPTO_UNAVAILABLE, "The DPoP key is not a P-256 key.")),
            },
            _ => None,
        };
        self.client.set_dpop_key(key);
        JsValue::UNDEFINED
    }

    /// The app's own request (`fetch`, the driver's `Request`'s `method` and `url`) with a DPoP `accessToken`; its
    /// steps name the headers to send (`authorization`, `dpop`) and end with whether a refresh may cure the answer
    /// (a 401 not about the proof or nonce). `nonceRetry`: whether a nonce challenge may be answered.
    pub fn resource(&self, method: JsValue, url: JsValue, access_token: JsValue, nonce_retry: bool) -> JsStep {
        let [method, url, access_token] = [method, url, access_token].map(text);
        self.step(self.client.resource(method, url, &access_token, nonce_retry))
    }

    /// The bound on every network step (`timeoutMs`).
    #[wasm_bindgen(js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> f64 {
        self.client.config().timeout_ms as f64
    }

    /// The `BroadcastChannel` and Web Lock name of this app's tabs; `undefined` when tabs are isolated.
    #[wasm_bindgen(js_name = tabsChannel)]
    pub fn tabs_channel(&self) -> JsValue {
        js_text(self.client.tabs_channel().as_deref())
    }

    /// The stored session's text (what another tab adopts), or `undefined`.
    #[wasm_bindgen(js_name = sessionText)]
    pub fn session_text(&self) -> JsValue {
        js_text(self.client.session_text().as_deref())
    }

    /// A message another tab sent (`type`, `text` when a string, `at` in epoch ms); the core decides what it
    /// means (`Client::hear`). Returns what the driver does, in this order, as bits: 1 wake the `ask`s waiting
    /// (a newer session was adopted), 2 forget the DPoP key handle, 8 / 16 / 32 send a `here` / `logged-out` /
    /// `session` message, 4 tell the listeners if the session changed.
    pub fn hear(&self, kind: JsValue, session: JsValue, at: f64) -> u32 {
        let heard = self.client.hear(&text(kind), session.as_string().as_deref(), at as u64);
        let replies = heard.replies.iter().map(|kind| match *kind {
            "here" => 8,
            "logged-out" => 16,
            _ => 32,
        });
        u32::from(heard.adopted) | u32::from(heard.drop_key) << 1 | u32::from(heard.changed) << 2 | replies.fold(0, |bits, bit| bits | bit)
    }

    /// The `at` of this tab's message of `type` (epoch ms; `Client::tab_message_at`).
    #[wasm_bindgen(js_name = tabMessageAt)]
    pub fn tab_message_at(&self, kind: JsValue) -> f64 {
        let kind = text(kind);
        self.client.tab_message_at(&kind) as f64
    }

    fn step(&self, step: Step) -> JsStep {
        JsStep { client: self.client.clone(), step }
    }

    /// A login (`options`: the login options' JSON text; `app_state`: `appState`'s; `popup`: for
    /// `loginWithPopup`); its step ends with the authorize URL. Gives an `AuthError` for options it refuses.
    pub fn login(&self, options: JsValue, app_state: JsValue, popup: Option<bool>) -> JsValue {
        let app_state = app_state.as_string();
        match params_from_text(options.as_string(), "login options", &["authorizationParams"], code::INVALID_ARGUMENT) {
            Ok(authorization_params) => {
                let login = LoginOptions { authorization_params, app_state, popup: popup.unwrap_or(false), ..LoginOptions::default() };
                self.step(self.client.login(login)).into()
            }
            Err(e) => to_js(e),
        }
    }

    /// A silent check (`prompt=none`; `app_state`: its `appState`'s JSON text), remembered as tried in this tab;
    /// its step ends with the authorize URL.
    #[wasm_bindgen(js_name = silentLogin)]
    pub fn silent_login(&self, app_state: JsValue) -> JsStep {
        let app_state = app_state.as_string();
        self.step(self.client.silent_login(LoginOptions { app_state, ..LoginOptions::default() }))
    }

    /// Whether this tab already tried a silent check.
    #[wasm_bindgen(js_name = silentTried)]
    pub fn silent_tried(&self) -> bool {
        self.client.silent_tried()
    }

    /// The channel of a popup login's answer when `url` carries a popup login's state.
    #[wasm_bindgen(js_name = popupChannel)]
    pub fn popup_channel(&self, url: JsValue) -> JsValue {
        let url = text(url);
        js_text(self.client.popup_channel(&url).as_deref())
    }

    /// `url` without the authorization response's parameters.
    #[wasm_bindgen(js_name = scrubbedUrl)]
    pub fn scrubbed_url(&self, url: JsValue) -> JsValue {
        let url = text(url);
        js_text(Some(&self.client.scrub_callback_url(&url)))
    }

    /// UserInfo for `access_token` (`retried`: the try after a refusal and a refresh); its step ends with the claims.
    #[wasm_bindgen(js_name = userInfo)]
    pub fn user_info(&self, access_token: JsValue, retried: bool) -> JsStep {
        let access_token = text(access_token);
        self.step(self.client.user_info(access_token, retried))
    }

    /// Whether `url` (default: the address bar) carries an authorization response.
    #[wasm_bindgen(js_name = isCallback)]
    pub fn is_callback(&self, url: JsValue) -> bool {
        let url = optional_text(url);
        match url {
            Some(u) => self.client.is_callback(&u),
            None => location::href().is_ok_and(|u| self.client.is_callback(&u)),
        }
    }

    /// The callback at `url` (the driver has scrubbed the address bar): state spent, server errors given as an
    /// `AuthError`; its step ends with `{ appState }`.
    pub fn callback(&self, url: JsValue) -> JsValue {
        let url = text(url);
        either(self.client.callback(&url).map(|step| self.step(step).into()).map_err(to_js))
    }

    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.client.is_authenticated()
    }

    /// `getTokens()`.
    pub fn tokens(&self) -> JsValue {
        self.client.tokens().map_or(JsValue::UNDEFINED, |t| to_value(&t))
    }

    /// `getUser()`.
    pub fn user(&self) -> JsValue {
        self.client.user_claims_json().and_then(|text| JSON::parse(&text).ok()).unwrap_or(JsValue::UNDEFINED)
    }

    /// `getAccessToken`'s decision (`min_validity`: seconds, 0 or more): the cached token, `undefined` when a
    /// refresh is needed, or an `AuthError`.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self, min_validity: Option<f64>, force_refresh: bool) -> JsValue {
        either(self.client.access_token(min_validity.map(|s| s as u64), force_refresh).map(|t| js_text(t.as_deref())).map_err(to_js))
    }

    /// A refresh of the stored session; its step ends with the new access token. Or an `AuthError`.
    pub fn refresh(&self) -> JsValue {
        either(self.client.refresh().map(|step| self.step(step).into()).map_err(to_js))
    }

    /// A logout (`returnTo`, `localOnly`, `idTokenHint`; `params`: `{ logoutParams }` as JSON text, checked first
    /// with [`checkLogout`](Self::check_logout)); the tokens are forgotten before this returns.
    pub fn logout(&self, return_to: JsValue, local_only: bool, id_token_hint: bool, params: JsValue) -> JsValue {
        let return_to = return_to.as_string();
        let step = logout_params(params.as_string()).and_then(|logout_params| {
            self.client.logout(LogoutOptions { return_to, local_only, logout_params, omit_id_token_hint: !id_token_hint })
        });
        either(step.map(|step| self.step(step).into()).map_err(to_js))
    }

    /// Checks a logout's `{ logoutParams }` (JSON text) and `returnTo` before anything is forgotten or the DPoP key
    /// removed: `undefined`, or an `AuthError` (`invalid_argument`).
    #[wasm_bindgen(js_name = checkLogout)]
    pub fn check_logout(params: JsValue, return_to: JsValue) -> JsValue {
        let checked = logout_params(params.as_string()).and_then(|_| crate::core::logout::check_return_to(return_to.as_string().as_deref()));
        either(checked.map(|()| JsValue::UNDEFINED).map_err(to_js))
    }
}

#[wasm_bindgen(js_class = Step)]
impl JsStep {
    /// The next action: `{ fetch, body?, authorization?, dpop? }` (GET accepting JSON without a body, form POST
    /// with one; `dpop`: a proof to sign), `{ navigate }`, `{ verify }` or `{ done }`; an `AuthError` when the
    /// operation fails. `status` is the last answer's HTTP status, 0 before any request, -1 when there was no
    /// answer (offline, CORS, DNS), -2 when it took longer than `timeoutMs` and -3 for a redirect the driver did not
    /// follow (`redirect: "manual"`, read as HTTP status 0: `server_error` at the token endpoint); `nonce` and
    /// `challenge` are its `DPoP-Nonce` and `WWW-Authenticate` headers.
    pub fn next(&mut self, status: i32, body: JsValue, nonce: JsValue, challenge: JsValue) -> JsValue {
        let (text, nonce, challenge) = (text(body), nonce.as_string(), challenge.as_string());
        let answer = match status {
            0 => None,
            -2 => Some(Answer::TimedOut),
            // A redirect the driver did not follow (`redirect: "manual"`): an HTTP answer without a status.
            -3 => Some(Answer::Http { status: 0, text, nonce, challenge }),
            s if s < 0 => Some(Answer::Unreachable),
            s => Some(Answer::Http { status: u16::try_from(s).unwrap_or(0), text, nonce, challenge }),
        };
        either(self.advance(answer))
    }

    /// The next action after the driver's WebCrypto verified (`ok`) or refused the signature of a `{ verify }`.
    pub fn verified(&mut self, ok: bool) -> JsValue {
        either(self.advance(Some(Answer::Verified(ok))))
    }
}

impl JsStep {
    fn advance(&mut self, answer: Option<Answer>) -> Thrown<JsValue> {
        let action = self.client.advance(&mut self.step, answer).map_err(to_js)?;
        Ok(match action {
            Action::Fetch(request) => {
                let action = object(&[("fetch", &request.url.into())]);
                if let Some(body) = request.body {
                    let _ = Reflect::set(&action, &"body".into(), &body.into());
                }
                if let Some(authorization) = request.authorization {
                    let _ = Reflect::set(&action, &"authorization".into(), &authorization.into());
                }
                if let Some(proof) = request.dpop {
                    let _ = Reflect::set(&action, &"dpop".into(), &proof.into());
                }
                action
            }
            Action::Navigate(url) => object(&[("navigate", &url.into())]),
            Action::Verify(v) => {
                let verify = object(&[
                    ("alg", &v.alg.into()),
                    ("jwk", &v.jwk.into()),
                    ("data", &v.signing_input.into()),
                    ("signature", &v.signature.into()),
                ]);
                object(&[("verify", &verify)])
            }
            Action::Done(outcome) => object(&[("done", &done_value(outcome))]),
        })
    }
}

fn done_value(outcome: Outcome) -> JsValue {
    match outcome {
        Outcome::AuthorizeUrl(url) => url.into(),
        Outcome::AccessToken(token) => token.into(),
        Outcome::LoggedIn(app_state) | Outcome::NotLoggedIn(app_state) => {
            let value = app_state.and_then(|text| JSON::parse(&text).ok()).unwrap_or(JsValue::UNDEFINED);
            object(&[("appState", &value)])
        }
        Outcome::UserInfo(claims) => JSON::parse(&claims).unwrap_or(JsValue::UNDEFINED),
        Outcome::Answered { refresh } => refresh.into(),
        Outcome::LoggedOut => JsValue::UNDEFINED,
    }
}

/// The checked `logoutParams` of a logout's `{ logoutParams }` JSON text.
fn logout_params(text: Option<String>) -> crate::core::error::Result<Vec<(String, String)>> {
    let params = params_from_text(text, "logout options", &["logoutParams"], code::INVALID_ARGUMENT)?;
    crate::core::logout::check_params(&params)?;
    Ok(params)
}
