//! Client options as users write them, and their validation into a [`Config`] the rest of the core trusts.

use crate::core::encoding::{before_any, concat, is_blank, trim_end_any};
use super::error::{code, Error, Result};
use super::json::{
    FromOptions, Json, Misfit, OptionsReader,
};

/// Where the callback carries `code` and `state`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseMode {
    #[default]
    Query,
    Fragment,
}

/// How `logout` ends the session at the server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogoutStyle {
    /// OpenID Connect RP-initiated logout (`end_session_endpoint`).
    #[default]
    Oidc,
    /// Auth0's `GET {issuer}/v2/logout?client_id=…&returnTo=…`.
    Auth0,
    /// Amazon Cognito's `GET {end_session_endpoint}?client_id=…&logout_uri=…` (its `/logout` refuses
    /// `post_logout_redirect_uri`).
    Cognito,
}

/// Where tokens live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StorageKind {
    /// `window.sessionStorage`: survives reloads, not shared between tabs.
    #[default]
    Session,
    /// This page's memory only.
    Memory,
}

/// Whether the tabs of one app share one session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TabsMode {
    /// One session, one refresh at a time, login and logout for every tab of this app (same origin, issuer and
    /// client id), over a `BroadcastChannel` and a Web Lock.
    #[default]
    Shared,
    /// Nothing passes between tabs.
    Isolated,
}

/// Options for an [`AuthClient`](crate::AuthClient), as API.md lists them (JavaScript names in camelCase).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The authorization server's base URL (`https:`, or `http:` on a loopback host), compared as an exact string
    /// (Entra ID's multi-tenant `https://login.microsoftonline.com/{tenantid}/v2.0` takes an ID token's own `tid`).
    pub issuer: String,
    /// The public client id; a client secret is never taken.
    pub client_id: String,
    /// The absolute URL registered at the server that the login comes back to (no fragment).
    pub redirect_uri: String,
    /// Space-separated scopes (default `openid profile email`); `offline_access` asks for a refresh token.
    pub scope: Option<String>,
    /// Sent as `audience` (Auth0 style); the session is kept apart from other audiences' of the same client id.
    pub audience: Option<String>,
    /// The metadata URL (default `{issuer}/.well-known/openid-configuration`, OIDC Discovery §4).
    pub discovery_url: Option<String>,
    /// The authorization endpoint (default: from discovery); with `token_endpoint` discovery is skipped.
    pub authorization_endpoint: Option<String>,
    /// The token endpoint (default: from discovery); with `authorization_endpoint` discovery is skipped.
    pub token_endpoint: Option<String>,
    /// RP-Initiated Logout's endpoint (default: from discovery).
    pub end_session_endpoint: Option<String>,
    /// RFC 7009 revocation, used at logout (default: from discovery).
    pub revocation_endpoint: Option<String>,
    /// UserInfo (OIDC Core §5.3; default: from discovery).
    pub userinfo_endpoint: Option<String>,
    /// `Oidc` (end-session URL), `Auth0` (`{issuer}/v2/logout`) or `Cognito` (end-session URL with `logout_uri`).
    pub logout_style: LogoutStyle,
    /// Where the answer carries `code` and `state`: the query (default) or the fragment.
    pub response_mode: ResponseMode,
    /// Where tokens live: sessionStorage (default) or this page's memory.
    pub storage: StorageKind,
    /// Clock skew allowed on `exp`, `iat` and `nbf`, in seconds (default 60, at most 86400).
    pub leeway: Option<f64>,
    /// Extra authorize parameters (`prompt`, `ui_locales`, …); none the library sets itself.
    pub authorization_params: Vec<(String, String)>,
    /// `Shared` (default): the app's tabs share one session; `Isolated`: nothing passes between tabs.
    pub tabs: TabsMode,
    /// Bound on every network step, in milliseconds (default 10000, 1 to 3600000).
    pub timeout_ms: Option<f64>,
    /// Verify the ID token's signature with the provider's JWKS (RS, PS and ES with SHA-256, -384 or -512; EdDSA, also
    /// named Ed25519 (RFC 9864), where available).
    pub verify_signature: bool,
    /// The provider's JWK Set URL (default: from discovery).
    pub jwks_uri: Option<String>,
    /// Sender-constrained tokens (RFC 9449) with a non-extractable WebCrypto key kept in IndexedDB.
    pub dpop: bool,
    /// Where the server's logout sends the browser back when `logout()` names no `returnTo`
    /// (`post_logout_redirect_uri`, OIDC RP-Initiated Logout 1.0 §2; the UiTiD preset's default: `redirect_uri`).
    pub post_logout_redirect_uri: Option<String>,
}

/// Validated options: every URL is safe to send codes and tokens to.
#[derive(Clone, Debug)]
pub struct Config {
    pub issuer: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub audience: Option<String>,
    pub discovery_url: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub logout_style: LogoutStyle,
    pub response_mode: ResponseMode,
    pub storage: StorageKind,
    pub leeway: u64,
    pub authorization_params: Vec<(String, String)>,
    /// `Isolated` also when tokens live in memory: then nothing is shared.
    pub tabs: TabsMode,
    /// Bound on every network step, in milliseconds.
    pub timeout_ms: u64,
    /// Verify ID token signatures with the provider's JWKS.
    pub verify_signature: bool,
    pub jwks_uri: Option<String>,
    /// Sender-constrained tokens (RFC 9449): DPoP proofs with the driver's key, `DPoP` tokens only.
    pub dpop: bool,
    /// The `returnTo` of a `logout()` that names none.
    pub post_logout_redirect_uri: Option<String>,
}

/// Scope asked for when none is given.
pub const DEFAULT_SCOPE: &str = "openid profile email";
/// Clock skew allowed on `exp` and `iat` when none is given, in seconds.
pub const DEFAULT_LEEWAY: u64 = 60;
/// Bound on every network step when none is given, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

const SECRET_MESSAGE: &str = "A client secret must never be given to browser code: everything shipped to a browser is public. \
spa-auth is a public client: use Authorization Code with PKCE (this AuthClient) for user access tokens, and \
ClientIdentification to send a public client id. Client access tokens (client_credentials) belong on your backend, \
which keeps the secret and calls the API on the browser's behalf.";

/// Refuses any option or parameter name that carries a client secret, in any spelling
/// (`clientSecret`, `client_secret`, `client-secret`, `CLIENT_SECRET`, …).
pub fn refuse_secret(name: &str) -> Result<()> {
    let normalized: String = name.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).map(|c| c.to_ascii_lowercase()).collect();
    if normalized == "clientsecret" {
        return Err(Error::invalid_config(SECRET_MESSAGE));
    }
    Ok(())
}

/// What the option at `path` (a property path such as `scope` or `authorizationParams.prompt`) must hold, for
/// the message of a wrong type: every constructor's options (AuthClient, its publiq preset, ClientIdentification,
/// LegacyJwtClient, login and logout options).
pub fn expected_option(path: &str) -> &'static str {
    match path {
        "scope" => "a space-separated string",
        "leeway" => "a number of seconds",
        "timeoutMs" => "a number of milliseconds",
        "logoutStyle" => "\"oidc\", \"auth0\" or \"cognito\"",
        "responseMode" => "\"query\" or \"fragment\"",
        "storage" => "\"session\" or \"memory\"",
        "tabs" => "\"shared\" or \"isolated\"",
        "mode" => "\"header\" or \"query\"",
        "environment" => "\"production\", \"testing\" or \"acceptance\"",
        "authorizationParams" | "logoutParams" => "an object of strings",
        "lang" => "\"nl\", \"fr\" or \"de\"",
        "issuer" | "redirectUri" | "discoveryUrl" | "authorizationEndpoint" | "tokenEndpoint" | "endSessionEndpoint"
        | "revocationEndpoint" | "userinfoEndpoint" | "jwksUri" | "serverUrl" => "a URL string",
        "verifySignature" | "dpop" => "a boolean",
        _ => "a string",
    }
}

/// The message for an option of the wrong type: "`{path}` must be {expected}, got {found}."
pub fn wrong_option(what: &str, path: &str, found: &str) -> Error {
    if path.is_empty() {
        return Error::invalid_config(concat(&[what, " must be an object, got ", found, "."]));
    }
    Error::invalid_config(concat(&[what, ": `", path, "` must be ", expected_option(path), ", got ", found, "."]))
}

/// Authorize parameters the library sets itself; callers may not override them.
const RESERVED_PARAMS: [&str; 10] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "response_mode",
    // RFC 9449 §10: the thumbprint of the client's own DPoP key (`dpop: true`), never another's.
    "dpop_jkt",
];

impl FromOptions for Options {
    fn read_options(json: &impl Json, text: &str) -> std::result::Result<Self, Misfit> {
        // In the order the fields below are read.
        let mut r = OptionsReader::new(json, text, &[
            "issuer", "clientId", "redirectUri", "scope", "audience", "discoveryUrl", "authorizationEndpoint",
            "tokenEndpoint", "endSessionEndpoint", "revocationEndpoint", "userinfoEndpoint", "logoutStyle",
            "responseMode", "storage", "leeway", "authorizationParams", "tabs", "timeoutMs", "verifySignature",
            "jwksUri", "dpop", "postLogoutRedirectUri",
        ])?;
        let options = Options {
            issuer: r.text().unwrap_or_default(),
            client_id: r.text().unwrap_or_default(),
            redirect_uri: r.text().unwrap_or_default(),
            scope: r.text(),
            audience: r.text(),
            discovery_url: r.text(),
            authorization_endpoint: r.text(),
            token_endpoint: r.text(),
            end_session_endpoint: r.text(),
            revocation_endpoint: r.text(),
            userinfo_endpoint: r.text(),
            logout_style: r.choice(&[("oidc", LogoutStyle::Oidc), ("auth0", LogoutStyle::Auth0), ("cognito", LogoutStyle::Cognito)]),
            response_mode: r.choice(&[("query", ResponseMode::Query), ("fragment", ResponseMode::Fragment)]),
            storage: r.choice(&[("session", StorageKind::Session), ("memory", StorageKind::Memory)]),
            leeway: r.number(),
            authorization_params: r.pairs(),
            tabs: r.choice(&[("shared", TabsMode::Shared), ("isolated", TabsMode::Isolated)]),
            timeout_ms: r.number(),
            verify_signature: r.flag(),
            jwks_uri: r.text(),
            dpop: r.flag(),
            post_logout_redirect_uri: r.text(),
        };
        r.finish(options)
    }
}

/// Checks extra authorize parameters: no secret (`invalid_config`), no parameter the library controls, no name
/// twice, and a `max_age` the library can enforce: whole seconds (`code`: `invalid_config` for the options,
/// `invalid_argument` for a login's own).
pub fn check_authorization_params(params: &[(String, String)], code: &'static str) -> Result<()> {
    for (i, (name, value)) in params.iter().enumerate() {
        if params.iter().skip(i + 1).any(|(other, _)| other == name) {
            return Err(Error::new(code, concat(&["authorizationParams names `", name, "` twice."])));
        }
        refuse_secret(name)?;
        if RESERVED_PARAMS.contains(&name.as_str()) {
            return Err(Error::new(
                code,
                concat(&[
                    "authorizationParams may not set `",
                    name,
                    "`: the library sets it (`redirect_uri` and `response_mode` come from the redirectUri and responseMode options).",
                ]),
            ));
        }
        if name == "max_age" && value.parse::<u64>().is_err() {
            // Sent but not a whole number, it would go unchecked against the ID token's `auth_time`.
            return Err(Error::new(
                code,
                concat(&["authorizationParams.max_age must be a whole number of seconds (OIDC Core §3.1.2.1), got \"", value, "\"."]),
            ));
        }
    }
    Ok(())
}

/// The authority of `url` after `scheme` (`host[:port]`), up to the first `/`, `?` or `#`.
fn authority<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let rest = url.strip_prefix(scheme)?;
    Some(before_any(rest, b"/?#"))
}

/// `host` or `host:port` with a numeric port; no user info (`user@host`), which would make a browser go elsewhere.
fn host_is(authority: &str, host: &str) -> bool {
    match authority.strip_prefix(host) {
        Some("") => true,
        Some(port) => port.strip_prefix(":").is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

fn is_loopback_http(url: &str) -> bool {
    authority(url, "http://").is_some_and(|a| ["localhost", "127.0.0.1", "[::1]"].iter().any(|h| host_is(a, h)))
}

/// An absolute URL of `scheme` with a host and no user info. (Bytes, not `str::contains`: a `char` pattern in a
/// function that is not inlined brings the substring searcher along, about 1 KB.)
pub(crate) fn has_host(url: &str, scheme: &str) -> bool {
    authority(url, scheme).is_some_and(|a| !a.is_empty() && !a.starts_with(":") && !a.bytes().any(|b| b == b'@'))
}

/// An endpoint that codes and tokens may be sent to: `https:`, or `http:` on a loopback host; never with user info.
pub fn check_secure_url(name: &str, url: &str) -> Result<()> {
    let well_formed = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    let secure = has_host(url, "https://") || is_loopback_http(url);
    if well_formed && secure {
        Ok(())
    } else {
        Err(Error::invalid_config(
            concat(&[
                "`",
                name,
                "` must be an absolute https: URL without user info (http: only on localhost, 127.0.0.1 or [::1]), got \"",
                url,
                "\".",
            ]),
        ))
    }
}

fn required(name: &str, value: &str) -> Result<()> {
    if is_blank(value) {
        return Err(Error::invalid_config(concat(&["`", name, "` is required."])));
    }
    Ok(())
}

fn optional_url(name: &str, value: &Option<String>) -> Result<()> {
    value.as_deref().map_or(Ok(()), |url| check_secure_url(name, url))
}

/// A number option within `range`, or `default`; `None` when out of range.
fn bounded(value: Option<f64>, range: std::ops::RangeInclusive<f64>, default: u64) -> Option<u64> {
    match value {
        None => Some(default),
        Some(n) if n.is_finite() && range.contains(&n) => Some(n as u64),
        Some(_) => None,
    }
}

/// The placeholder of Entra ID's multi-tenant issuer (`https://login.microsoftonline.com/{tenantid}/v2.0`): an ID
/// token's `iss` matches it with its own `tid` in its place.
const TENANT_ID: &[u8] = b"{tenantid}";

/// The text before and after the first `{tenantid}` in `issuer`.
pub fn around_tenant_id(issuer: &str) -> Option<(&str, &str)> {
    let at = crate::core::encoding::find_bytes(issuer, TENANT_ID)?;
    Some((&issuer[..at], &issuer[at + TENANT_ID.len()..]))
}

impl Options {
    /// Validates every option; anything unsafe or malformed is `invalid_config`.
    pub fn validate(self) -> Result<Config> {
        // Every check reads; only a valid set of options is taken apart (one exit with owned values).
        self.check()?;
        let discovery_url = match self.discovery_url {
            Some(url) => url,
            // Entra ID's multi-tenant issuer `…/{tenantid}/v2.0` is published by its `common` metadata.
            None => {
                let base = trim_end_any(&self.issuer, b"/");
                match around_tenant_id(base) {
                    Some((before, after)) => concat(&[before, "common", after, "/.well-known/openid-configuration"]),
                    None => concat(&[base, "/.well-known/openid-configuration"]),
                }
            }
        };
        Ok(Config {
            scope: self.scope.unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
            leeway: bounded(self.leeway, 0.0..=86_400.0, DEFAULT_LEEWAY).unwrap_or(DEFAULT_LEEWAY),
            timeout_ms: bounded(self.timeout_ms, 1.0..=3_600_000.0, DEFAULT_TIMEOUT_MS).unwrap_or(DEFAULT_TIMEOUT_MS),
            authorization_params: self.authorization_params,
            end_session_endpoint: self.end_session_endpoint,
            revocation_endpoint: self.revocation_endpoint,
            userinfo_endpoint: self.userinfo_endpoint,
            issuer: self.issuer,
            client_id: self.client_id,
            redirect_uri: self.redirect_uri,
            audience: self.audience.filter(|a| !a.is_empty()),
            discovery_url,
            authorization_endpoint: self.authorization_endpoint,
            token_endpoint: self.token_endpoint,
            logout_style: self.logout_style,
            response_mode: self.response_mode,
            storage: self.storage,
            tabs: if self.storage == StorageKind::Memory { TabsMode::Isolated } else { self.tabs },
            verify_signature: self.verify_signature,
            dpop: self.dpop,
            jwks_uri: self.jwks_uri,
            post_logout_redirect_uri: self.post_logout_redirect_uri,
        })
    }

    /// Every check of [`validate`](Self::validate), in the order its errors are reported.
    fn check(&self) -> Result<()> {
        required("issuer", &self.issuer)?;
        required("clientId", &self.client_id)?;
        required("redirectUri", &self.redirect_uri)?;
        check_secure_url("issuer", &self.issuer)?;
        if before_any(&self.issuer, b"?#") != self.issuer {
            return Err(Error::invalid_config("`issuer` may not have a query or fragment (OpenID Connect Discovery 1.0 section 3)."));
        }
        if self.client_id.chars().any(char::is_control) {
            return Err(Error::invalid_config("`clientId` may not contain control characters."));
        }
        let app_url = |url: &str| {
            (has_host(url, "https://") || has_host(url, "http://")) && !url.bytes().any(|b| b == b'#') && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        };
        if !app_url(&self.redirect_uri) {
            return Err(Error::invalid_config(
                "`redirectUri` must be an absolute http(s) URL without a fragment, registered at the authorization server.",
            ));
        }
        if !self.post_logout_redirect_uri.as_deref().is_none_or(app_url) {
            return Err(Error::invalid_config(
                "`postLogoutRedirectUri` must be an absolute http(s) URL without a fragment, registered at the authorization server.",
            ));
        }
        if self.scope.as_deref().is_some_and(is_blank) {
            return Err(Error::invalid_config("`scope` may not be empty."));
        }
        if bounded(self.leeway, 0.0..=86_400.0, DEFAULT_LEEWAY).is_none() {
            return Err(Error::invalid_config("`leeway` must be a number of seconds between 0 and 86400."));
        }
        if bounded(self.timeout_ms, 1.0..=3_600_000.0, DEFAULT_TIMEOUT_MS).is_none() {
            return Err(Error::invalid_config("`timeoutMs` must be a number of milliseconds between 1 and 3600000."));
        }
        optional_url("authorizationEndpoint", &self.authorization_endpoint)?;
        optional_url("tokenEndpoint", &self.token_endpoint)?;
        optional_url("discoveryUrl", &self.discovery_url)?;
        check_authorization_params(&self.authorization_params, code::INVALID_CONFIG)?;
        optional_url("endSessionEndpoint", &self.end_session_endpoint)?;
        optional_url("revocationEndpoint", &self.revocation_endpoint)?;
        optional_url("userinfoEndpoint", &self.userinfo_endpoint)?;
        if self.verify_signature && self.authorization_endpoint.is_some() && self.token_endpoint.is_some() && self.jwks_uri.is_none() {
            // Without discovery nothing else names the keys; found out only after the code was spent otherwise.
            return Err(Error::invalid_config(
                "`verifySignature: true` with the endpoints given (no discovery) needs `jwksUri`, the provider's JWK Set URL.",
            ));
        }
        optional_url("jwksUri", &self.jwks_uri)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_without_discovery_need_the_key_set_url() {
        let options = super::Options {
            issuer: "https://id.example.com".into(),
            client_id: "c".into(),
            redirect_uri: "https://app.example/cb".into(),
            authorization_endpoint: Some("https://id.example.com/auth".into()),
            token_endpoint: Some("https://id.example.com/token".into()),
            verify_signature: true,
            ..super::Options::default()
        };
        let e = options.clone().validate().unwrap_err();
        assert!(e.code() == "invalid_config" && e.message().contains("jwksUri"), "{e}");
        assert!(super::Options { jwks_uri: Some("https://id.example.com/certs".into()), ..options.clone() }.validate().is_ok());
        // One endpoint alone: discovery still runs and names the keys.
        assert!(super::Options { authorization_endpoint: None, ..options }.validate().is_ok());
    }

    use super::*;

    fn options() -> Options {
        Options {
            issuer: "https://id.example.com".into(),
            client_id: "spa".into(),
            redirect_uri: "https://app.example.com/callback".into(),
            ..Options::default()
        }
    }

    fn code_of(o: Options) -> String {
        o.validate().unwrap_err().code().to_owned()
    }

    #[test]
    fn dpop_is_carried_into_the_configuration() {
        assert!(Options { dpop: true, ..options() }.validate().unwrap().dpop);
        assert!(!options().validate().unwrap().dpop);
    }

    #[test]
    fn defaults_are_filled_in() {
        let c = options().validate().unwrap();
        assert_eq!(c.scope, "openid profile email");
        assert_eq!(c.leeway, 60);
        assert_eq!(c.discovery_url, "https://id.example.com/.well-known/openid-configuration");
        assert_eq!(c.response_mode, ResponseMode::Query);
        assert_eq!(c.logout_style, LogoutStyle::Oidc);
        assert!(c.token_endpoint.is_none());
    }

    #[test]
    fn discovery_url_does_not_double_a_trailing_slash() {
        let c = Options { issuer: "https://tenant.auth0.com/".into(), ..options() }.validate().unwrap();
        assert_eq!(c.discovery_url, "https://tenant.auth0.com/.well-known/openid-configuration");
        let entra = Options { issuer: "https://login.microsoftonline.com/{tenantid}/v2.0".into(), ..options() }.validate().unwrap();
        assert_eq!(entra.discovery_url, "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration");
        assert_eq!(entra.issuer, "https://login.microsoftonline.com/{tenantid}/v2.0", "compared with the metadata's as it is");
        assert_eq!(c.issuer, "https://tenant.auth0.com/", "the issuer is kept exactly as given");
    }

    #[test]
    fn required_options_are_required() {
        assert_eq!(code_of(Options { issuer: String::new(), ..options() }), "invalid_config");
        assert_eq!(code_of(Options { client_id: " ".into(), ..options() }), "invalid_config");
        assert_eq!(code_of(Options { redirect_uri: String::new(), ..options() }), "invalid_config");
    }

    #[test]
    fn http_only_on_loopback() {
        for ok in ["http://localhost", "http://localhost:8080/realms/x", "http://127.0.0.1:9000", "http://[::1]:1"] {
            assert!(Options { issuer: ok.into(), ..options() }.validate().is_ok(), "{ok}");
        }
        for bad in ["http://id.example.com", "http://localhost.evil.com", "ftp://x", "https://", "javascript:alert(1)", "https://a b",
            "http://localhost:80@evil.example/", "http://127.0.0.1:@evil", "http://[::1]:x", "https://user@evil.example", "https://:443"] {
            let e = Options { issuer: bad.into(), ..options() }.validate().unwrap_err();
            assert_eq!(e.code(), "invalid_config", "{bad}");
            assert!(e.message().contains("https"), "{bad}");
        }
        assert_eq!(code_of(Options { token_endpoint: Some("http://evil.com/token".into()),
            authorization_endpoint: Some("https://a/auth".into()), ..options() }), "invalid_config");
    }

    #[test]
    fn issuer_with_query_or_fragment_is_refused() {
        assert_eq!(code_of(Options { issuer: "https://id.example.com?x=1".into(), ..options() }), "invalid_config");
    }

    #[test]
    fn redirect_uri_must_be_absolute_without_fragment() {
        assert_eq!(code_of(Options { redirect_uri: "/callback".into(), ..options() }), "invalid_config");
        assert_eq!(code_of(Options { redirect_uri: "https://app/cb#x".into(), ..options() }), "invalid_config");
        assert!(Options { redirect_uri: "http://app.test/cb".into(), ..options() }.validate().is_ok());
    }

    #[test]
    fn one_endpoint_alone_is_taken_beside_discovery() {
        let c = Options { token_endpoint: Some("https://proxy.example/token".into()), ..options() }.validate().unwrap();
        assert!(crate::core::discovery::Endpoints::configured(&c).is_none(), "the other comes from discovery");
    }

    #[test]
    fn leeway_must_be_sane() {
        assert_eq!(code_of(Options { leeway: Some(-1.0), ..options() }), "invalid_config");
        assert_eq!(code_of(Options { leeway: Some(f64::NAN), ..options() }), "invalid_config");
        assert_eq!(Options { leeway: Some(5.0), ..options() }.validate().unwrap().leeway, 5);
    }

    #[test]
    fn secrets_are_refused_in_any_spelling() {
        for name in ["clientSecret", "client_secret", "Client-Secret", "CLIENT_SECRET"] {
            let e = refuse_secret(name).unwrap_err();
            assert_eq!(e.code(), "invalid_config");
            assert!(e.message().contains("backend"));
        }
        assert!(refuse_secret("client_id").is_ok());
        let params = vec![("client_secret".to_owned(), "s".to_owned())];
        let e = Options { authorization_params: params, ..options() }.validate().unwrap_err();
        assert!(e.message().contains("client_credentials"));
    }

    #[test]
    fn reserved_authorize_params_are_refused() {
        for name in ["state", "nonce", "code_challenge_method", "redirect_uri", "response_type", "dpop_jkt"] {
            let params = vec![(name.to_owned(), "x".to_owned())];
            assert_eq!(code_of(Options { authorization_params: params, ..options() }), "invalid_config", "{name}");
        }
        let params = vec![("prompt".to_owned(), "login".to_owned())];
        let c = Options { authorization_params: params, ..options() }.validate().unwrap();
        assert_eq!(c.authorization_params, vec![("prompt".to_owned(), "login".to_owned())]);
        let twice = vec![("prompt".to_owned(), "login".to_owned()), ("prompt".to_owned(), "none".to_owned())];
        assert_eq!(code_of(Options { authorization_params: twice, ..options() }), "invalid_config");
        let read = |text: &str| Options::read_options(&crate::core::json::SerdeJson, text);
        let parsed = read(r#"{"authorizationParams":{"ui_locales":"fr","prompt":"login"}}"#).unwrap();
        assert_eq!(parsed.authorization_params, vec![("ui_locales".to_owned(), "fr".to_owned()), ("prompt".to_owned(), "login".to_owned())]);
        let misfit = read(r#"{"authorizationParams":{"n":1}}"#).unwrap_err();
        assert_eq!((misfit.path(), misfit.found()), ("authorizationParams.n", "a number"), "values must be strings");
        let misfit = read(r#"{"scope":["openid"],"storage":"local"}"#).unwrap_err();
        assert_eq!((misfit.path(), misfit.found()), ("scope", "an array"));
        assert_eq!(read(r#"{"storage":"local"}"#).unwrap_err().found(), "\"local\"");
        assert_eq!(read(r#"{"storage":null,"tabs":"isolated"}"#).unwrap().tabs, TabsMode::Isolated, "null is the default");
    }

    #[test]
    fn logout_styles_are_read_by_name() {
        let read = |text: &str| Options::read_options(&crate::core::json::SerdeJson, text);
        assert_eq!(read(r#"{"logoutStyle":"cognito"}"#).unwrap().logout_style, LogoutStyle::Cognito);
        assert_eq!(read(r#"{"logoutStyle":"auth0"}"#).unwrap().logout_style, LogoutStyle::Auth0);
        assert_eq!(read(r#"{"logoutStyle":"Cognito"}"#).unwrap_err().path(), "logoutStyle");
    }

    #[test]
    fn max_age_must_be_whole_seconds() {
        for bad in ["3600.0", "1e3", " 60", "-1", "", "soon"] {
            let params = vec![("max_age".to_owned(), bad.to_owned())];
            let e = check_authorization_params(&params, code::INVALID_ARGUMENT).unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{bad:?}");
            assert!(e.message().contains("max_age") && e.message().contains(bad), "{}", e.message());
        }
        let params = vec![("max_age".to_owned(), "0".to_owned())];
        assert!(check_authorization_params(&params, code::INVALID_CONFIG).is_ok());
    }
}
