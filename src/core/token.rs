//! The token endpoint: request bodies, answers, and the token set they produce.

use crate::core::encoding::concat;
use super::authorize::Transaction;
use super::encoding::{cut, encode_params, trim_start_any};
use super::error::{Error, Result};
use super::secret::{AccessToken, AuthorizationCode, IdToken, RefreshToken};
use super::json::{members, FromJson, Json, Member, Reader};
use serde::Serialize;
use std::fmt;

/// Lifetime assumed for an access token whose response has no `expires_in` (RFC 6749 makes it optional).
pub const DEFAULT_EXPIRES_IN: u64 = 3600;

/// The longest lifetime taken from `expires_in` (ten years): keeps expiry times exact as JavaScript numbers.
pub const MAX_EXPIRES_IN: u64 = 315_360_000;

/// `grant_type=authorization_code` with the PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.5), and the login's
/// `resource` (RFC 8707 §2.2: without it a server may issue a token for no resource, such as oidc-provider's for its
/// UserInfo only).
pub fn code_grant_body(code: &AuthorizationCode, transaction: &Transaction, client_id: &str) -> String {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        ("redirect_uri", &transaction.redirect_uri),
        ("client_id", client_id),
        ("code_verifier", transaction.verifier.secret()),
    ];
    if let Some(resource) = &transaction.resource {
        pairs.push(("resource", resource));
    }
    encode_params(&pairs)
}

/// `grant_type=refresh_token` (RFC 6749 §6), with the `scope` the server last granted when it said which: as
/// oidc-client-ts and auth0-spa-js do, since Entra ID refuses a refresh without it for scopes of the app's own API
/// (AADSTS90009); the granted scope is never more than the original grant, as §6 requires. The login's `resource`
/// goes again too (RFC 8707 §2.2), so a refreshed access token is for the same API.
pub fn refresh_grant_body(refresh_token: &RefreshToken, client_id: &str, scope: Option<&str>, resource: Option<&str>) -> String {
    let mut pairs = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token.secret()), ("client_id", client_id)];
    if let Some(scope) = scope.filter(|s| !s.is_empty()) {
        pairs.push(("scope", scope));
    }
    if let Some(resource) = resource {
        pairs.push(("resource", resource));
    }
    encode_params(&pairs)
}

/// Whether a JSON answer's `error` (RFC 6749 §5.2) is `error`.
pub fn answer_names_error(json: &impl Json, text: &str, error: &str) -> bool {
    members(json, text, &["error"]).is_some_and(|[named]| named.text().flatten().as_deref() == Some(error))
}

/// Revocation of a refresh token (RFC 7009 §2.1).
pub fn revocation_body(refresh_token: &RefreshToken, client_id: &str) -> String {
    encode_params(&[("token", refresh_token.secret()), ("token_type_hint", "refresh_token"), ("client_id", client_id)])
}

/// A token endpoint answer as JSON gives it (RFC 6749 §5.1 and §5.2); every field optional until checked.
#[derive(Default)]
pub struct TokenResponse {
    pub access_token: Option<String>,
    pub token_type: Option<String>,
    pub expires_in: Option<f64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The lifetime of the refresh token in seconds, not in RFC 6749: Keycloak's `refresh_expires_in` (its SSO
    /// session's idle timeout; 0: none, an offline token), or Azure AD B2C's `refresh_token_expires_in`. Kept as
    /// [`TokenSet::refresh_expires_at`], past which the session cannot be refreshed. A number or a numeric string;
    /// another type reads as missing.
    pub refresh_expires_in: Option<f64>,
}

/// Seconds given as a number, or as a numeric string as some servers send them; `None` for anything else.
fn seconds(member: Member) -> Option<f64> {
    match member {
        Member::Text(t) => whole_seconds(t.trim_ascii()).map(|s| s as f64),
        other => other.number().flatten(),
    }
}

impl FromJson for TokenResponse {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(
            json,
            text,
            &["access_token", "token_type", "expires_in", "refresh_token", "id_token", "scope", "error", "error_description", "refresh_expires_in", "refresh_token_expires_in"],
        )?;
        let response = TokenResponse {
            access_token: r.text(),
            token_type: r.text(),
            // A number, or a numeric string as some servers send it.
            expires_in: match r.member() {
                Member::Text(t) => whole_seconds(t.trim_ascii()).map(|s| s as f64),
                other => {
                    let number = other.number();
                    r.need(number)
                }
            },
            refresh_token: r.text(),
            id_token: r.text(),
            // Space-separated (RFC 6749 §3.3); some servers send an array, read as the same list.
            scope: match r.member() {
                Member::Texts(scopes) => Some(scopes.iter().fold(String::new(), |mut all, scope| {
                    if !all.is_empty() {
                        all.push(' ');
                    }
                    all.push_str(scope);
                    all
                })),
                other => other.text().flatten(),
            },
            error: r.text(),
            error_description: r.informative_text(),
            refresh_expires_in: {
                let keycloak = seconds(r.member());
                keycloak.or(seconds(r.member()))
            },
        };
        r.finish(response)
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenResponse([redacted])")
    }
}

/// A number of seconds written in decimal digits, perhaps with a fraction (no float parser in the binary), read as
/// the same JSON number would be: its whole seconds, a negative one 0 (expired), a huge one saturated; `None` when
/// it is not one.
fn whole_seconds(text: &str) -> Option<u64> {
    let (negative, digits) = text.strip_prefix("-").map_or((false, text), |digits| (true, digits));
    let digits = match cut(digits, b'.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => whole,
        Some(_) => return None,
        None => digits,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = trim_start_any(digits, b"0");
    if negative || digits.is_empty() {
        return Some(0);
    }
    if digits.len() > 15 {
        return Some(u64::MAX);
    }
    Some(digits.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

/// Decimal digits of `n` without the formatting machinery.
pub fn decimal(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| d as char).collect()
}

/// Classifies an answer: an OAuth error body gives the server's code; anything not JSON, an HTTP error without an
/// OAuth error, or a 5xx (Keycloak's `500 {"error":"unknown_error"}`) is `server_error`, the latter keeping the
/// server's `error`. `body` is `None` when the answer was not a JSON object.
pub fn check_response(endpoint: &str, status: u16, body: Option<TokenResponse>) -> Result<TokenResponse> {
    let status_text = decimal(u64::from(status));
    match body {
        // The drivers do not follow a redirect of a request with a code or token in its body.
        _ if status == 0 => Err(Error::server(
            concat(&["The ", endpoint, " answered with a redirect, which is not followed: it would carry the request's code or token elsewhere."]),
        )),
        // An empty `error` beside the `access_token` of a success is no error (RFC 6749 §5.1: a 200 with an access
        // token; ASP.NET servers send one, dotnet/aspnetcore#53457).
        Some(body) if body.error.as_deref() == Some("") && body.access_token.is_some() && (200..300).contains(&status) => Ok(body),
        Some(TokenResponse { error: Some(error), .. }) if error.is_empty() => Err(Error::server(
            concat(&["The ", endpoint, " answered HTTP ", &status_text, " with an empty `error`: a malformed answer."]),
        )),
        Some(TokenResponse { error: Some(error), error_description, .. }) => Err(server_failure(endpoint, status, Error::oauth(error, error_description))),
        Some(body) if (200..300).contains(&status) => Ok(body),
        Some(_) => Err(Error::server(concat(&["The ", endpoint, " answered HTTP ", &status_text, " without an OAuth error."]))),
        None => Err(Error::server(
            concat(&["The ", endpoint, " answered HTTP ", &status_text, " with something that is not the expected JSON object."]),
        )),
    }
}

/// The server's own error `cause` in an answer of HTTP `status`: `server_error` for a 5xx (the server failed,
/// whatever its body names; its `error` is kept), `cause` itself otherwise.
pub fn server_failure(endpoint: &str, status: u16, cause: Error) -> Error {
    if status < 500 {
        return cause;
    }
    Error::caused_by(crate::core::error::code::SERVER_ERROR, concat(&["The ", endpoint, " failed: HTTP ", &decimal(status.into()), "."]), &cause)
}

/// The token type a client sends and accepts, in its registered spelling: `DPoP` with `dpop: true` (RFC 9449 §5),
/// `Bearer` (RFC 6750) without.
pub fn token_type(dpop: bool) -> &'static str {
    if dpop {
        "DPoP"
    } else {
        "Bearer"
    }
}

/// The tokens of one session, as stored.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    /// The issuer that issued it (`Options::issuer`): a client of another issuer never takes it, even with the same
    /// client id (one store key per client id).
    pub issuer: String,
    /// The `audience` it was asked for (`Options::audience`): a client for another API never takes it.
    pub audience: Option<String>,
    pub access_token: AccessToken,
    pub token_type: String,
    pub refresh_token: Option<RefreshToken>,
    pub id_token: Option<IdToken>,
    pub scope: Option<String>,
    /// Epoch seconds when the access token expires: `expires_in` counted from `received_at`.
    pub expires_at: u64,
    /// Epoch seconds when the response arrived.
    pub received_at: u64,
    /// The `nonce` and `auth_time` (epoch seconds) of the original authentication's ID token, kept across refreshes
    /// whose ID tokens leave them out: OIDC Core §12.2 compares a refreshed ID token with the original's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
    /// When the login this session continues was completed (epoch milliseconds, kept across refreshes): a logout
    /// in any tab ends every session whose login came before it, refreshed since or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_at: Option<u64>,
    /// Epoch seconds when the refresh token expires, when the server said (Keycloak's `refresh_expires_in`, Azure
    /// AD B2C's `refresh_token_expires_in`): after
    /// it the session cannot be refreshed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<u64>,
    /// The `resource` the login asked for (RFC 8707), asked again at every refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// What `getTokens()` shows: no refresh token. Comparable (`PartialEq`), for a framework's state that renders again
/// only on a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// The access token (opaque to the library).
    pub access_token: AccessToken,
    /// The ID token, when the server sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// `Bearer`, or `DPoP` with `dpop: true`.
    pub token_type: String,
    /// The granted scope: the token answer's, or the one the login asked for when the answer left it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// When the access token expires, in epoch seconds (`expires_in` counted from the answer's arrival).
    pub expires_at: u64,
}

impl FromJson for TokenSet {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(
            json,
            text,
            &[
                "issuer", "audience", "accessToken", "tokenType", "refreshToken", "idToken", "scope", "expiresAt", "receivedAt",
                "loginNonce", "authTime", "loginAt", "refreshExpiresAt", "resource",
            ],
        )?;
        let set = TokenSet {
            issuer: r.text().unwrap_or_default(),
            audience: r.text(),
            access_token: AccessToken::new(r.required()),
            token_type: r.required(),
            refresh_token: r.text().map(RefreshToken::new),
            id_token: r.text().map(IdToken::new),
            scope: r.text(),
            expires_at: r.seconds(),
            received_at: r.seconds(),
            login_nonce: r.text(),
            auth_time: r.number().map(|t| t as u64),
            login_at: r.number().map(|t| t as u64),
            refresh_expires_at: r.number().map(|t| t as u64),
            resource: r.text(),
        };
        r.finish(set)
    }
}

impl TokenSet {
    /// A token set from a successful answer received at `now`. On a refresh, `previous` supplies what the
    /// answer may leave out: the refresh token (when not rotated), the ID token and the scope. With `dpop` the
    /// token must be a `DPoP` token (RFC 9449 §5: a bearer token would be a downgrade), otherwise a `Bearer` one.
    pub fn from_response(response: TokenResponse, now: u64, previous: Option<&TokenSet>, dpop: bool) -> Result<TokenSet> {
        // Checked by reference first, so the answer is taken apart only when it is good (one exit).
        if response.access_token.as_deref().is_none_or(str::is_empty) {
            return Err(Error::server(if response.id_token.is_some() {
                "The token endpoint's answer has no access_token, only an ID token (Azure AD B2C: add an API scope or the client id to `scope`)."
            } else {
                "The token endpoint's answer has no access_token."
            }));
        }
        let expected = token_type(dpop);
        if dpop && response.token_type.is_none() {
            return Err(Error::server(
                "The token endpoint's answer has no `token_type` (RFC 6749 §5.1); with `dpop: true` it must be a `DPoP` token (RFC 9449 §5), so it is refused.",
            ));
        }
        let issued = response.token_type.as_deref().unwrap_or("Bearer");
        // Token types are case-insensitive (RFC 6749 §7.1); stored in their registered spelling.
        if !issued.eq_ignore_ascii_case(expected) {
            return Err(Error::server(if dpop {
                concat(&["The token endpoint issued a \"", issued, "\" token where DPoP was asked for (`dpop: true`): the downgrade is refused (RFC 9449 §5)."])
            } else {
                concat(&["The token endpoint issued a \"", issued, "\" token; without `dpop: true` spa-auth sends Bearer tokens only (RFC 6750)."])
            }));
        }
        let expires_in = match response.expires_in {
            Some(s) if s.is_finite() => (s.max(0.0) as u64).min(MAX_EXPIRES_IN),
            _ => DEFAULT_EXPIRES_IN,
        };
        let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
        // A lifetime given counts from now; none (or Keycloak's 0 for an offline token) is no known end, unless the
        // refresh token is the one kept from before.
        let refresh_expires_at = match response.refresh_expires_in {
            Some(s) if s.is_finite() && s >= 1.0 => Some(now.saturating_add((s as u64).min(MAX_EXPIRES_IN))),
            _ if response.refresh_token.as_deref().is_none_or(str::is_empty) => previous.and_then(|p| p.refresh_expires_at),
            _ => None,
        };
        Ok(TokenSet {
            issuer: String::new(),
            audience: None,
            access_token: AccessToken::new(response.access_token.unwrap_or_default()),
            token_type: expected.to_owned(),
            refresh_token: non_empty(response.refresh_token)
                .map(RefreshToken::new)
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            id_token: non_empty(response.id_token).map(IdToken::new).or_else(|| previous.and_then(|p| p.id_token.clone())),
            scope: non_empty(response.scope).or_else(|| previous.and_then(|p| p.scope.clone())),
            expires_at: now.saturating_add(expires_in),
            received_at: now,
            login_nonce: previous.and_then(|p| p.login_nonce.clone()),
            auth_time: previous.and_then(|p| p.auth_time),
            login_at: previous.and_then(|p| p.login_at),
            refresh_expires_at,
            resource: previous.and_then(|p| p.resource.clone()),
        })
    }

    /// This set as issued by `issuer` for `audience` (the client's configured ones).
    pub fn issued_by(mut self, issuer: &str, audience: Option<&str>) -> TokenSet {
        issuer.clone_into(&mut self.issuer);
        self.audience = audience.map(str::to_owned);
        self
    }

    /// The public view, without the refresh token.
    pub fn public(&self) -> Tokens {
        Tokens {
            access_token: self.access_token.clone(),
            id_token: self.id_token.clone(),
            token_type: self.token_type.clone(),
            scope: self.scope.clone(),
            expires_at: self.expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::PkceVerifier;

    fn response(json: &str) -> TokenResponse {
        TokenResponse::read(&crate::core::json::SerdeJson, json).unwrap()
    }

    #[test]
    fn request_bodies_are_form_encoded() {
        let tx = Transaction { issuer: "https://id.example.com".into(), verifier: PkceVerifier::new("v".repeat(43)), nonce: None, redirect_uri: "https://app/cb?x=1".into(), created_at: 0, app_state: None, silent: false, dpop_jkt: None, max_age: None, scope: None, audience: None, organization: None, resource: None };
        assert_eq!(code_grant_body(&AuthorizationCode::new("a/b+c".into()), &tx, "my client"),
            concat(&["grant_type=authorization_code&code=a%2Fb%2Bc&redirect_uri=https%3A%2F%2Fapp%2Fcb%3Fx%3D1&client_id=my%20client&code_verifier=", &"v".repeat(43)]));
        let for_api = Transaction { resource: Some("https://api.example/v1".into()), ..tx };
        assert!(code_grant_body(&AuthorizationCode::new("a".into()), &for_api, "c").ends_with("&resource=https%3A%2F%2Fapi.example%2Fv1"), "RFC 8707 §2.2");
        assert_eq!(refresh_grant_body(&RefreshToken::new("r".into()), "c", None, None), "grant_type=refresh_token&refresh_token=r&client_id=c");
        assert_eq!(
            refresh_grant_body(&RefreshToken::new("r".into()), "c", Some("openid api://c/read"), None),
            "grant_type=refresh_token&refresh_token=r&client_id=c&scope=openid%20api%3A%2F%2Fc%2Fread"
        );
        assert_eq!(refresh_grant_body(&RefreshToken::new("r".into()), "c", Some(""), None), "grant_type=refresh_token&refresh_token=r&client_id=c");
        assert_eq!(
            refresh_grant_body(&RefreshToken::new("r".into()), "c", Some("api:read"), Some("https://api.example/v1")),
            "grant_type=refresh_token&refresh_token=r&client_id=c&scope=api%3Aread&resource=https%3A%2F%2Fapi.example%2Fv1"
        );
        assert_eq!(revocation_body(&RefreshToken::new("r".into()), "c"), "token=r&token_type_hint=refresh_token&client_id=c");
    }

    #[test]
    fn a_full_response_becomes_a_token_set() {
        let set = TokenSet::from_response(response(r#"{"access_token":"at","token_type":"bearer","expires_in":300,
            "refresh_token":"rt","id_token":"a.b.c","scope":"openid"}"#), 1000, None, false).unwrap();
        assert_eq!(set.access_token.secret(), "at");
        assert_eq!(set.token_type, "Bearer");
        assert_eq!(set.expires_at, 1300);
        assert_eq!(set.received_at, 1000);
        assert_eq!(set.refresh_token.unwrap().secret(), "rt");
    }

    #[test]
    fn expires_in_may_be_a_string_or_missing() {
        let s = TokenSet::from_response(response(r#"{"access_token":"a","token_type":"Bearer","expires_in":"60"}"#), 0, None, false).unwrap();
        assert_eq!(s.expires_at, 60);
        let m = TokenSet::from_response(response(r#"{"access_token":"a","token_type":"Bearer","expires_in":null}"#), 0, None, false).unwrap();
        assert_eq!(m.expires_at, DEFAULT_EXPIRES_IN);
        let f = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":"299.999"}"#), 0, None, false).unwrap();
        let g = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":299.999}"#), 0, None, false).unwrap();
        assert_eq!((f.expires_at, g.expires_at), (299, 299), "a fraction: the whole seconds, as the number reads");
        for bad in ["12.5.1", ".", "1e3", "12.x", "-.5x"] {
            let body = concat(&[r#"{"access_token":"a","expires_in":""#, bad, r#""}"#]);
            let b = TokenSet::from_response(response(&body), 0, None, false).unwrap();
            assert_eq!(b.expires_at, DEFAULT_EXPIRES_IN, "not a number of seconds: the default ({bad})");
        }
        let n = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":-5}"#), 10, None, false).unwrap();
        assert_eq!(n.expires_at, 10);
        let huge = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":1e308}"#), 10, None, false).unwrap();
        assert_eq!(huge.expires_at, 10 + MAX_EXPIRES_IN);
        // A numeric string reads as the same number would.
        let negative = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":"-100"}"#), 10, None, false).unwrap();
        assert_eq!(negative.expires_at, 10);
        let long = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":"99999999999999999999"}"#), 10, None, false).unwrap();
        assert_eq!(long.expires_at, 10 + MAX_EXPIRES_IN);
        let padded = TokenSet::from_response(response(r#"{"access_token":"a","expires_in":"0000000000000000060"}"#), 10, None, false).unwrap();
        assert_eq!(padded.expires_at, 70);
    }

    #[test]
    fn informative_members_of_another_type_do_not_make_the_answer_unreadable() {
        // SimpleIdServer and SATOSA send `scope` as an array: the same list.
        let set = TokenSet::from_response(response(r#"{"access_token":"a","scope":["openid","profile"]}"#), 0, None, false).unwrap();
        assert_eq!(set.scope.as_deref(), Some("openid profile"));
        // A refused refresh token is `invalid_grant` whatever the description holds.
        let refused = TokenResponse::read(&crate::core::json::SerdeJson, r#"{"error":"invalid_grant","error_description":{"en":"expired"}}"#);
        let e = check_response("token endpoint", 400, refused).unwrap_err();
        assert_eq!((e.code(), e.error_description()), ("invalid_grant", None));
        // The error code itself is not informative: another type leaves the answer malformed.
        assert!(TokenResponse::read(&crate::core::json::SerdeJson, r#"{"error":7}"#).is_none());
    }

    #[test]
    fn a_refresh_keeps_what_the_answer_leaves_out() {
        let first = TokenSet::from_response(response(r#"{"access_token":"a1","token_type":"Bearer","expires_in":60,"refresh_token":"r1","id_token":"i1","scope":"openid offline_access"}"#), 0, None, false).unwrap();
        let kept = TokenSet::from_response(response(r#"{"access_token":"a2","token_type":"Bearer","expires_in":60}"#), 50, Some(&first), false).unwrap();
        assert_eq!(kept.refresh_token.as_ref().unwrap().secret(), "r1");
        assert_eq!(kept.id_token.as_ref().unwrap().secret(), "i1");
        assert_eq!(kept.scope.as_deref(), Some("openid offline_access"));
        let rotated = TokenSet::from_response(response(r#"{"access_token":"a3","token_type":"Bearer","expires_in":60,"refresh_token":"r2"}"#), 50, Some(&first), false).unwrap();
        assert_eq!(rotated.refresh_token.unwrap().secret(), "r2");
    }

    #[test]
    fn keycloaks_refresh_expires_in_counts_from_the_answer() {
        let answer = |json: &str, now, previous| TokenSet::from_response(response(json), now, previous, false).unwrap();
        let online = answer(r#"{"access_token":"a","expires_in":300,"refresh_token":"r","refresh_expires_in":1800}"#, 100, None);
        assert_eq!(online.refresh_expires_at, Some(1900));
        // Offline tokens: 0, no end known; a refresh token kept from before keeps its end; a new one without a
        // lifetime has none known.
        assert_eq!(answer(r#"{"access_token":"a","refresh_token":"r","refresh_expires_in":0}"#, 100, None).refresh_expires_at, None);
        assert_eq!(answer(r#"{"access_token":"b"}"#, 200, Some(&online)).refresh_expires_at, Some(1900));
        assert_eq!(answer(r#"{"access_token":"b","refresh_token":"r2"}"#, 200, Some(&online)).refresh_expires_at, None);
        // Only informs: another type never makes the answer unreadable; a numeric string is read as its number.
        assert_eq!(answer(r#"{"access_token":"a","refresh_token":"r","refresh_expires_in":true}"#, 100, None).refresh_expires_at, None);
        assert_eq!(answer(r#"{"access_token":"a","refresh_token":"r","refresh_expires_in":"1800"}"#, 100, None).refresh_expires_at, Some(1900));
        // Azure AD B2C's name for it (its refresh tokens of SPAs live 24 hours).
        let b2c = r#"{"access_token":"a","expires_in":3600,"refresh_token":"r","refresh_token_expires_in":86400}"#;
        assert_eq!(answer(b2c, 100, None).refresh_expires_at, Some(86500));
        let b2c = r#"{"access_token":"a","refresh_token":"r","refresh_token_expires_in":"76887"}"#;
        assert_eq!(answer(b2c, 100, None).refresh_expires_at, Some(76987));
        // Stored and read back.
        let text = serde_json::to_string(&online).unwrap();
        assert!(text.contains(r#""refreshExpiresAt":1900"#), "{text}");
        assert_eq!(TokenSet::read(&crate::core::json::SerdeJson, &text).unwrap().refresh_expires_at, Some(1900));
    }

    #[test]
    fn bad_answers_are_refused() {
        assert_eq!(TokenSet::from_response(response(r#"{"token_type":"Bearer"}"#), 0, None, false).unwrap_err().code(), "server_error");
        let b2c = TokenSet::from_response(response(r#"{"id_token":"h.p.s","token_type":"Bearer","id_token_expires_in":3600}"#), 0, None, false).unwrap_err();
        assert_eq!(b2c.code(), "server_error");
        assert!(b2c.message().contains("only an ID token") && b2c.message().contains("client id"), "{}", b2c.message());
        let mac = TokenSet::from_response(response(r#"{"access_token":"a","token_type":"mac"}"#), 0, None, false).unwrap_err();
        assert_eq!(mac.code(), "server_error");
        assert!(mac.message().contains("mac"));
    }

    #[test]
    fn with_dpop_only_dpop_tokens_are_taken() {
        let dpop = TokenSet::from_response(response(r#"{"access_token":"a","token_type":"dpop"}"#), 0, None, true).unwrap();
        assert_eq!(dpop.token_type, "DPoP");
        let downgrade = TokenSet::from_response(response(r#"{"access_token":"a","token_type":"Bearer"}"#), 0, None, true).unwrap_err();
        assert_eq!(downgrade.code(), "server_error");
        assert!(downgrade.message().contains("downgrade"));
        let untyped = TokenSet::from_response(response(r#"{"access_token":"a"}"#), 0, None, true).unwrap_err();
        assert_eq!(untyped.code(), "server_error");
        assert!(untyped.message().contains("no `token_type`"), "named as missing, not as a downgrade: {}", untyped.message());
        assert!(TokenSet::from_response(response(r#"{"access_token":"a"}"#), 0, None, false).is_ok(), "Bearer by default");
        let unasked = TokenSet::from_response(response(r#"{"access_token":"a","token_type":"DPoP"}"#), 0, None, false).unwrap_err();
        assert!(unasked.message().contains("dpop: true"));
    }

    #[test]
    fn http_answers_are_classified() {
        let e = check_response("token endpoint", 400, Some(response(r#"{"error":"invalid_grant","error_description":"gone"}"#))).unwrap_err();
        assert_eq!((e.code(), e.error_description()), ("invalid_grant", Some("gone")));
        let e = check_response("token endpoint", 502, None).unwrap_err();
        assert_eq!(e.code(), "server_error");
        assert!(e.message().contains("502"));
        assert_eq!(check_response("token endpoint", 500, Some(response("{}"))).unwrap_err().code(), "server_error");
        // A 5xx is the server's failure, whatever its body names (API.md: `server_error`); its words are kept.
        let failed = check_response("token endpoint", 500, Some(response(r#"{"error":"unknown_error","error_description":"NPE"}"#))).unwrap_err();
        assert_eq!((failed.code(), failed.error(), failed.error_description()), ("server_error", Some("unknown_error"), Some("NPE")));
        assert_eq!(failed.message(), "The token endpoint failed: HTTP 500.");
        assert!(check_response("token endpoint", 200, Some(response(r#"{"access_token":"a"}"#))).is_ok());
        assert_eq!(check_response("token endpoint", 400, Some(response(r#"{"error":""}"#))).unwrap_err().code(), "server_error");
        // ASP.NET's success with an empty `error` (dotnet/aspnetcore#53457) is a success; without a token it is not.
        assert!(check_response("token endpoint", 200, Some(response(r#"{"access_token":"a","token_type":"Bearer","error":""}"#))).is_ok());
        assert_eq!(check_response("token endpoint", 200, Some(response(r#"{"error":""}"#))).unwrap_err().code(), "server_error");
        assert_eq!(check_response("token endpoint", 400, Some(response(r#"{"access_token":"a","error":""}"#))).unwrap_err().code(), "server_error");
        let redirected = check_response("token endpoint", 0, None).unwrap_err();
        assert_eq!(redirected.code(), "server_error");
        assert!(redirected.message().contains("redirect"), "{}", redirected.message());
    }

    #[test]
    fn decimal_prints_numbers() {
        assert_eq!(decimal(0), "0");
        assert_eq!(decimal(404), "404");
        assert_eq!(decimal(u64::MAX), u64::MAX.to_string());
    }

    #[test]
    fn public_view_has_no_refresh_token() {
        let set = TokenSet::from_response(response(r#"{"access_token":"a","refresh_token":"r"}"#), 0, None, false).unwrap();
        let json = serde_json::to_string(&set.public()).unwrap();
        assert_eq!(json, r#"{"accessToken":"a","tokenType":"Bearer","expiresAt":3600}"#);
    }
}
