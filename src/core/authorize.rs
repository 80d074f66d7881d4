//! Step one of a login: the authorization request URL and the transaction kept until the callback.

use crate::core::encoding::concat;
use super::config::{check_authorization_params, Config, ResponseMode};
use super::encoding::{append_query, is_blank, pieces, take_named as take};
use super::error::{code, Error, Result};
use super::pkce::{METHOD, RANDOM_LEN};
use super::secret::{Nonce, PkceVerifier, State};
use super::json::{FromJson, Json, Member, Reader};
use serde::Serialize;

/// How long a started login may take before its callback is refused, in seconds.
pub const TRANSACTION_TTL: u64 = 600;

/// What the callback needs from the login that started it; stored under its `state`, used once.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// The issuer the login was started for (a callback for another one is refused: RFC 9700 §4.4).
    pub issuer: String,
    pub verifier: PkceVerifier,
    pub nonce: Option<Nonce>,
    pub redirect_uri: String,
    /// Epoch seconds when the login started.
    pub created_at: u64,
    /// The caller's `appState`, as JSON text, handed back untouched.
    pub app_state: Option<String>,
    /// A silent check (`prompt=none`); stored only when set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub silent: bool,
    /// `dpop: true`: the thumbprint of the key the code is bound to (`dpop_jkt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// The `max_age` the login asked for (seconds, OIDC Core §3.1.2.1): the ID token's `auth_time` is checked
    /// against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    /// The scope the login asked for when it is not the client's `scope` (a login's own `authorizationParams`): the
    /// granted one when the token answer leaves `scope` out (RFC 6749 §5.1); stored only then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client's `audience`: a callback is redeemed only by a client for the same one (sessions are kept per
    /// audience, logins under the client id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The Auth0 `organization` the login named (its `authorizationParams`): the ID token must be for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The `resource` the login named (RFC 8707, its `authorizationParams`): sent again with the code (§2.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl FromJson for Transaction {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(json, text, &["issuer", "verifier", "nonce", "redirectUri", "createdAt", "appState", "silent", "dpopJkt", "maxAge", "scope", "audience", "organization", "resource"])?;
        let transaction = Transaction {
            issuer: r.text().unwrap_or_default(),
            verifier: PkceVerifier::new(r.required()),
            nonce: r.text().map(Nonce::new),
            redirect_uri: r.required(),
            created_at: r.seconds(),
            app_state: r.text(),
            silent: r.member() == Member::Bool(true),
            dpop_jkt: r.text(),
            max_age: r.number().map(|s| s as u64),
            scope: r.text(),
            audience: r.text(),
            organization: r.text(),
            resource: r.text(),
        };
        r.finish(transaction)
    }
}

impl Transaction {
    /// Whether the login is older than [`TRANSACTION_TTL`] at `now` (epoch seconds).
    pub fn expired(&self, now: u64) -> bool {
        now.saturating_sub(self.created_at) > TRANSACTION_TTL || self.created_at > now + TRANSACTION_TTL
    }
}

/// Per-login choices on top of the client's options.
#[derive(Clone, Debug, Default)]
pub struct LoginOptions {
    /// Any JSON value as text, returned by the callback.
    pub app_state: Option<String>,
    /// Extra authorize parameters for this login only (`prompt`, `login_hint`, `ui_locales`, …).
    pub authorization_params: Vec<(String, String)>,
    /// A silent check (`prompt=none`): the provider's "log in first" answers end it quietly, not as errors.
    #[doc(hidden)] // set by the client (`check_session`, popup logins, DPoP)
    pub silent: bool,
    /// A popup login: the state carries [`POPUP_STATE_PREFIX`], so the redirect page in the popup knows to hand
    /// the answer to the opener instead of redeeming it.
    #[doc(hidden)] // set by the client (`check_session`, popup logins, DPoP)
    pub popup: bool,
    /// The thumbprint of the client's DPoP key (RFC 9449 §10): the code is bound to that key. Set by the client.
    #[doc(hidden)] // set by the client (`check_session`, popup logins, DPoP)
    pub dpop_jkt: Option<String>,
}


/// Starts the state of a popup login (a `.` never occurs in the base64url random part).
pub const POPUP_STATE_PREFIX: &str = "popup.";

/// A ready authorization request: where to send the browser, and what to store under which state.
#[derive(Debug)]
pub struct AuthorizationRequest {
    pub url: String,
    pub state: State,
    pub transaction: Transaction,
}

/// Random input for one login: verifier, state and nonce.
pub struct LoginRandomness {
    pub verifier: [u8; RANDOM_LEN],
    pub state: [u8; RANDOM_LEN],
    pub nonce: [u8; RANDOM_LEN],
}

/// A login's own `authorizationParams`, checked (`invalid_argument`): those of the options' rules, and no other
/// audience than the client's (sessions are kept per audience: a login's own for another API would be stored as
/// this client's session).
pub fn check_login_params(config: &Config, params: &[(String, String)]) -> Result<()> {
    check_authorization_params(params, code::INVALID_ARGUMENT)?;
    let configured = config.audience.as_ref().or_else(|| config.authorization_params.iter().find(|(n, _)| n == "audience").map(|(_, v)| v));
    if params.iter().any(|(n, v)| n == "audience" && !is_blank(v) && Some(v) != configured) {
        return Err(Error::new(code::INVALID_ARGUMENT, "`authorizationParams.audience` differs from the client's: make a client per audience."));
    }
    Ok(())
}

/// Builds the authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1); a login's own
/// `authorizationParams` are refused as [`check_login_params`] says (the login step checks them before discovery
/// too), and a `scope` among them replaces the option.
pub fn authorization_request(
    config: &Config,
    authorization_endpoint: &str,
    login: LoginOptions,
    random: &LoginRandomness,
    now: u64,
) -> Result<AuthorizationRequest> {
    check_login_params(config, &login.authorization_params)?;
    let mut extra: Vec<(String, String)> = config.authorization_params.clone();
    for (name, value) in login.authorization_params {
        match extra.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => extra.push((name, value)),
        }
    }
    // An empty one is none, as for the options: the configured one goes.
    let scope = take(&mut extra, "scope").filter(|s| !is_blank(s)).unwrap_or_else(|| config.scope.clone());
    let audience = take(&mut extra, "audience").filter(|a| !is_blank(a)).or_else(|| config.audience.clone());

    let verifier = PkceVerifier::from_random(&random.verifier);
    let state = match login.popup {
        true => State::new(concat(&[POPUP_STATE_PREFIX, State::from_random(&random.state).secret()])),
        false => State::from_random(&random.state),
    };
    if login.silent {
        // OIDC Core §3.1.2.1: no page shown; an answer at once, with a code or `login_required` and the like.
        while take(&mut extra, "prompt").is_some() {}
        extra.push(("prompt".to_owned(), "none".to_owned()));
    }
    let nonce = pieces(&scope, b' ').any(|s| s == "openid").then(|| Nonce::from_random(&random.nonce));
    let challenge = verifier.challenge();

    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &config.redirect_uri),
        ("scope", &scope),
        ("state", state.secret()),
        ("code_challenge", &challenge),
        ("code_challenge_method", METHOD),
    ];
    if let Some(nonce) = &nonce {
        params.push(("nonce", nonce.secret()));
    }
    if config.response_mode == ResponseMode::Fragment {
        params.push(("response_mode", "fragment"));
    }
    if let Some(audience) = &audience {
        params.push(("audience", audience));
    }
    if let Some(jkt) = &login.dpop_jkt {
        params.push(("dpop_jkt", jkt));
    }
    params.extend(extra.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let max_age = extra.iter().find(|(n, _)| n == "max_age").and_then(|(_, v)| v.parse().ok());
    let named = |name: &str| extra.iter().find(|(n, _)| n == name).map(|(_, v)| v).filter(|v| !is_blank(v));
    // The resource as the authorize URL carries it, so the token request names the very same one.
    let (organization, resource) = (named("organization").map(|v| v.trim_ascii().to_owned()), named("resource").cloned());

    Ok(AuthorizationRequest {
        url: append_query(authorization_endpoint, &params),
        transaction: Transaction {
            issuer: config.issuer.clone(),
            verifier,
            nonce,
            redirect_uri: config.redirect_uri.clone(),
            created_at: now,
            app_state: login.app_state,
            silent: login.silent,
            dpop_jkt: login.dpop_jkt,
            max_age,
            scope: (scope != config.scope).then_some(scope),
            audience: config.audience.clone(),
            organization,
            resource,
        },
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Options;
    use crate::core::encoding::parse_params;

    pub(crate) fn config(extra: &[(&str, &str)]) -> Config {
        Options {
            issuer: "https://id.example.com".into(),
            client_id: "spa".into(),
            redirect_uri: "https://app.example.com/cb".into(),
            authorization_params: extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Options::default()
        }
        .validate()
        .unwrap()
    }

    const RANDOM: LoginRandomness = LoginRandomness { verifier: [1; 32], state: [2; 32], nonce: [3; 32] };

    fn query(url: &str) -> Vec<(String, String)> {
        parse_params(url.split_once('?').unwrap().1)
    }

    fn get<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
        q.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn builds_a_pkce_s256_request_with_state_and_nonce() {
        let req = authorization_request(&config(&[]), "https://id.example.com/auth", LoginOptions::default(), &RANDOM, 1000).unwrap();
        assert!(req.url.starts_with("https://id.example.com/auth?response_type=code&client_id=spa&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid%20profile%20email&state="));
        let q = query(&req.url);
        assert_eq!(get(&q, "state"), Some(req.state.secret()));
        assert_eq!(get(&q, "code_challenge_method"), Some("S256"));
        assert_eq!(get(&q, "code_challenge").map(str::to_owned), Some(req.transaction.verifier.challenge()));
        assert_eq!(get(&q, "nonce"), req.transaction.nonce.as_ref().map(|n| n.secret()));
        assert_eq!(req.transaction.verifier.secret().len(), 43);
        assert_ne!(req.state.secret(), req.transaction.verifier.secret());
        assert_eq!(get(&q, "response_mode"), None);
        assert_eq!(req.transaction.created_at, 1000);
    }

    #[test]
    fn no_nonce_without_openid() {
        let mut c = config(&[]);
        c.scope = "api:read".into();
        let req = authorization_request(&c, "https://a/auth", LoginOptions::default(), &RANDOM, 0).unwrap();
        assert!(req.transaction.nonce.is_none());
        assert_eq!(get(&query(&req.url), "nonce"), None);
    }

    #[test]
    fn fragment_mode_audience_and_extra_params() {
        let mut c = config(&[("prompt", "login"), ("ui_locales", "nl")]);
        c.response_mode = ResponseMode::Fragment;
        c.audience = Some("https://api".into());
        let mut login = LoginOptions::default();
        login.authorization_params.push(("ui_locales".into(), "fr".into()));
        login.authorization_params.push(("scope".into(), "openid offline_access".into()));
        let req = authorization_request(&c, "https://a/auth?tenant=x", login, &RANDOM, 0).unwrap();
        let q = query(&req.url);
        assert_eq!(get(&q, "tenant"), Some("x"));
        assert_eq!(get(&q, "response_mode"), Some("fragment"));
        assert_eq!(get(&q, "audience"), Some("https://api"));
        assert_eq!(get(&q, "prompt"), Some("login"));
        assert_eq!(get(&q, "ui_locales"), Some("fr"), "a per-login parameter replaces the client's");
        assert_eq!(get(&q, "scope"), Some("openid offline_access"));
        assert_eq!(q.iter().filter(|(n, _)| n == "scope").count(), 1);
        // Empty ones are none: the configured scope and audience go.
        let mut login = LoginOptions::default();
        login.authorization_params.push(("scope".into(), " ".into()));
        login.authorization_params.push(("audience".into(), "".into()));
        let q = query(&authorization_request(&c, "https://a/auth", login, &RANDOM, 0).unwrap().url);
        assert_eq!((get(&q, "scope"), get(&q, "audience")), (Some(c.scope.as_str()), Some("https://api")));
        // Another API's audience for one login would be stored as this client's session: refused before it leaves.
        let mut login = LoginOptions::default();
        login.authorization_params.push(("audience".into(), "https://other-api".into()));
        assert_eq!(check_login_params(&c, &login.authorization_params).unwrap_err().code(), "invalid_argument");
        let mut login = LoginOptions::default();
        login.authorization_params.push(("audience".into(), "https://api".into()));
        let req = authorization_request(&c, "https://a/auth", login, &RANDOM, 0).unwrap();
        assert_eq!(req.transaction.audience.as_deref(), Some("https://api"), "the same one is fine, and kept with the login");
        // An `audience` in the options' `authorizationParams` (auth0-spa-js v2's place) is the client's too.
        let c = config(&[("audience", "https://cfg")]);
        let mut login = LoginOptions::default();
        login.authorization_params.push(("audience".into(), "https://cfg".into()));
        assert_eq!(get(&query(&authorization_request(&c, "https://a/auth", login, &RANDOM, 0).unwrap().url), "audience"), Some("https://cfg"));
        let mut login = LoginOptions::default();
        login.authorization_params.push(("audience".into(), "https://x".into()));
        assert_eq!(check_login_params(&c, &login.authorization_params).unwrap_err().code(), "invalid_argument");
        assert!(check_login_params(&c, &[("audience".into(), "https://cfg".into())]).is_ok());
    }

    #[test]
    fn per_login_params_cannot_override_security_params() {
        let mut login = LoginOptions::default();
        login.authorization_params.push(("code_challenge_method".into(), "plain".into()));
        let e = check_login_params(&config(&[]), &login.authorization_params).unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "a login's own parameters are a method's argument");
        let e = authorization_request(&config(&[]), "https://a/auth", login.clone(), &RANDOM, 0).unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "also where the URL is built");
        assert!(e.message().contains("`code_challenge_method`"), "{}", e.message());
        let mut login = LoginOptions::default();
        login.authorization_params.push(("client_secret".into(), "s".into()));
        let e = check_login_params(&config(&[]), &login.authorization_params).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "a secret is refused as a secret wherever it is given");
    }

    #[test]
    fn transactions_expire_after_ten_minutes() {
        let req = authorization_request(&config(&[]), "https://a/auth", LoginOptions::default(), &RANDOM, 1000).unwrap();
        assert!(!req.transaction.expired(1600));
        assert!(req.transaction.expired(1601));
    }
}
