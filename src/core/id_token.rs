//! ID token checks (OIDC Core §3.1.3.7 and §12.2). The token comes straight from the token endpoint over TLS,
//! so, as §3.1.3.7 item 6 allows, its signature is not verified here; its claims are, and `alg: none` is refused.

use crate::core::encoding::concat;
use super::config::around_tenant_id;
use super::encoding::{base64url_decode, pieces};
use super::error::{code, Error, Result};
use super::json::{members, FromJson, Json, Reader};
use super::secret::IdToken;

/// The claims checked here; `getUser` returns all of them.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    /// `aud`: a string or an array of strings.
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub nonce: Option<String>,
    pub exp: Option<f64>,
    pub iat: Option<f64>,
    pub auth_time: Option<f64>,
    /// `nbf` (RFC 7519 §4.1.5): not to be accepted before it.
    pub nbf: Option<f64>,
    /// Entra ID's tenant id, which its multi-tenant issuer leaves as `{tenantid}`.
    pub tid: Option<String>,
    /// Auth0 Organizations: the organization the user logged in to, by id and by name.
    pub org_id: Option<String>,
    pub org_name: Option<String>,
}

impl FromJson for Claims {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(json, text, &["iss", "sub", "aud", "azp", "nonce", "exp", "iat", "auth_time", "nbf", "tid", "org_id", "org_name"])?;
        let claims = Claims {
            iss: r.required(),
            sub: r.required(),
            aud: r.texts(),
            azp: r.text(),
            nonce: r.text(),
            exp: r.number(),
            iat: r.number(),
            auth_time: r.number(),
            nbf: r.number(),
            // Looked at only with a `{tenantid}` issuer: another provider's `tid` of another type changes nothing.
            tid: r.informative_text(),
            // Looked at only when the login named an `organization`.
            org_id: r.informative_text(),
            org_name: r.informative_text(),
        };
        r.finish(claims)
    }
}

/// What the claims must match.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The nonce sent with the login; `None` on a refresh.
    pub nonce: Option<&'a str>,
    /// Epoch seconds.
    pub now: u64,
    pub leeway: u64,
}

/// The decoded payload of a JWT as JSON text; `id_token_invalid` when it is not a compact JWS.
pub fn payload_json(token: &str) -> Result<(String, String)> {
    let mut parts = pieces(token, b'.');
    let (Some(header), Some(payload), Some(_signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(Error::id_token("The ID token is not a JWT (three base64url parts separated by dots)."));
    };
    let text = |part: &str| base64url_decode(part).and_then(|bytes| String::from_utf8(bytes).ok());
    match (text(header), text(payload)) {
        (Some(h), Some(p)) => Ok((h, p)),
        _ => Err(Error::id_token("The ID token's header or payload is not base64url-encoded UTF-8.")),
    }
}

/// The claims (JSON text) of a signed UserInfo answer (OIDC Core §5.3.2, `application/jwt`): a JWS, not `alg:
/// none`, whose `iss` is `issuer` and whose `aud` contains `client_id`. Its signature is not checked here: like a JSON
/// answer it came straight from the UserInfo endpoint over TLS; with `verifySignature` the client checks it after
/// (`Client::check_signature`). `None` when `jwt` is no JWS (an encrypted answer).
pub fn signed_user_info(jwt: &str, issuer: &str, client_id: &str, json: &impl Json) -> Option<Result<String>> {
    let (header, payload) = payload_json(jwt).ok()?;
    let [alg] = members(json, &header, &["alg"])?;
    if alg.text().flatten().is_none_or(|alg| alg.is_empty() || alg.eq_ignore_ascii_case("none")) {
        return Some(Err(Error::id_token("Signed UserInfo: its `alg` is missing or `none`.")));
    }
    let mut claims = Reader::new(json, &payload, &["iss", "aud"])?;
    let (iss, aud) = (claims.member(), claims.member());
    let checked = if iss.text().flatten().as_deref() != Some(issuer) {
        Err(Error::id_token("Signed UserInfo: its `iss` is not the issuer (OIDC Core 5.3.2)."))
    } else if !aud.texts().is_some_and(|aud| aud.iter().any(|a| a == client_id)) {
        Err(Error::id_token("Signed UserInfo: its `aud` lacks this client id (OIDC Core 5.3.2)."))
    } else {
        Ok(payload)
    };
    Some(checked)
}

/// Decodes the ID token and checks its claims (OIDC Core §3.1.3.7): signed (`alg` not `none`), `iss` exactly the
/// issuer, `aud` containing the client id, `azp` the client id when present, `nonce`, `exp` and `iat` within leeway.
pub fn verify(token: &IdToken, expected: &Expected, json: &impl Json) -> Result<Claims> {
    let (header, payload) = payload_json(token.secret())?;
    let [alg] = members(json, &header, &["alg"]).ok_or_else(|| Error::id_token("The ID token's header is not a JSON object."))?;
    match alg.text().flatten().as_deref() {
        None | Some("") => return Err(Error::id_token("The ID token's header has no `alg`.")),
        Some(alg) if alg.eq_ignore_ascii_case("none") => {
            return Err(Error::id_token("The ID token is unsigned (`alg: none`); it is refused."))
        }
        _ => {}
    }
    let claims = Claims::read(json, &payload).ok_or_else(|| {
        Error::id_token("The ID token's payload is not a JSON object with the required claims (iss, sub, aud, exp, iat), or a claim has the wrong type (strings for iss, sub, azp and nonce, numbers for exp, iat, auth_time and nbf).")
    })?;
    check_claims(&claims, expected)?;
    Ok(claims)
}

/// Whether `iss` is `issuer`, exactly; an issuer with Entra ID's `{tenantid}` placeholder (multi-tenant apps) is
/// matched with the token's own `tid` (a tenant id) in its place.
fn issued_by(claims: &Claims, issuer: &str) -> bool {
    match (around_tenant_id(issuer), claims.tid.as_deref()) {
        (Some((before, after)), Some(tid)) => {
            // A tenant id is a GUID: letters, digits and dashes, never the placeholder or a path.
            !tid.is_empty()
                && tid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && claims.iss.strip_prefix(before).and_then(|rest| rest.strip_suffix(after)) == Some(tid)
        }
        (Some(_), None) => false,
        (None, _) => claims.iss == issuer,
    }
}

fn check_claims(claims: &Claims, expected: &Expected) -> Result<()> {
    if !issued_by(claims, expected.issuer) {
        return Err(Error::new(
            code::ISSUER_MISMATCH,
            concat(&["The ID token was issued by \"", &claims.iss, "\", not the configured \"", expected.issuer, "\"."]),
        ));
    }
    if claims.sub.is_empty() {
        return Err(Error::id_token("The ID token has no `sub`."));
    }
    if !claims.aud.iter().any(|a| a == expected.client_id) {
        return Err(Error::id_token("The ID token's `aud` does not contain this client id."));
    }
    if claims.azp.as_deref().is_some_and(|azp| azp != expected.client_id) {
        return Err(Error::id_token("The ID token's `azp` is another client."));
    }
    if let Some(nonce) = expected.nonce {
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(Error::id_token("The ID token's `nonce` does not match this login's."));
        }
    }
    let now = expected.now as f64;
    let leeway = expected.leeway as f64;
    match claims.exp {
        Some(exp) if exp.is_finite() && now <= exp + leeway => {}
        Some(_) => return Err(Error::id_token("The ID token has expired (check the device clock, or `leeway`).")),
        None => return Err(Error::id_token("The ID token has no `exp`.")),
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(Error::id_token("The ID token is not valid yet (`nbf`; check the device clock, or `leeway`)."));
    }
    match claims.iat {
        Some(iat) if iat.is_finite() && iat <= now + leeway => Ok(()),
        Some(_) => Err(Error::id_token("The ID token was issued in the future (check the device clock, or `leeway`).")),
        None => Err(Error::id_token("The ID token has no `iat`.")),
    }
}

/// A login that asked for `max_age` (OIDC Core §3.1.2.1): the ID token must carry `auth_time`, and the user must
/// have authenticated within `max_age` seconds (plus `leeway`) of `now` (§3.1.3.7 item 13).
pub fn check_max_age(claims: &Claims, max_age: u64, now: u64, leeway: u64) -> Result<()> {
    match claims.auth_time {
        Some(t) if t.is_finite() && t + max_age.saturating_add(leeway) as f64 >= now as f64 => Ok(()),
        Some(_) => Err(Error::id_token(
            "The ID token's `auth_time` is longer ago than the login's `max_age` allows (OIDC Core 3.1.3.7): log in again.",
        )),
        None => Err(Error::id_token("The login asked for `max_age`, but the ID token has no `auth_time` (OIDC Core 3.1.2.1).")),
    }
}

/// A login that named an Auth0 `organization`: the ID token must be for it, as the user can take the parameter out
/// of the authorization URL. An id (`org_…`) is compared with `org_id` exactly, a name with `org_name` in any ASCII
/// case (Auth0 keeps names in lower case), as auth0-spa-js does.
/// Without an ID token (no `openid` in the scope) there is nothing to check it with: refused too.
pub fn check_organization(claims: Option<&Claims>, organization: &str) -> Result<()> {
    let (claim, found) = match organization.starts_with("org_") {
        true => ("org_id", claims.and_then(|c| c.org_id.as_deref()).filter(|id| *id == organization)),
        false => ("org_name", claims.and_then(|c| c.org_name.as_deref()).filter(|name| name.eq_ignore_ascii_case(organization))),
    };
    match found {
        Some(_) => Ok(()),
        None => Err(Error::id_token(concat(&[
            "The login asked for organization \"",
            organization,
            "\", but the ID token's `",
            claim,
            "` is another or missing (or there is no ID token: ask for `openid`).",
        ]))),
    }
}

/// The ID token of a code exchange: required when the login asked for `openid` (it then carries a nonce; OIDC
/// Core §3.1.3.3), and verified when present. A plain OAuth login (no `openid`) may have none.
pub fn verify_code_exchange(token: Option<&IdToken>, expected: &Expected, json: &impl Json) -> Result<Option<Claims>> {
    match (token, expected.nonce) {
        (Some(token), _) => verify(token, expected, json).map(Some),
        (None, Some(_)) => Err(Error::id_token(
            "The token endpoint sent no ID token although the login asked for `openid` (OIDC Core 3.1.3.3); nothing was stored.",
        )),
        (None, None) => Ok(None),
    }
}

/// A new ID token from a refresh (OIDC Core §12.2): valid on its own, with the same `iss`, `sub`, `aud` and `azp`
/// as the original, a `nonce` absent or the original's, and an `auth_time`, when both are known, the original's or a
/// later one up to `now` (whole seconds): Keycloak keeps one `auth_time` per provider session and moves it forward when
/// the user authenticates again (`prompt=login`, `max_age`) in any app of it. `original` holds the claims of the
/// original authentication: the caller keeps its `nonce` and `auth_time` across refreshes whose tokens leave them
/// out. Returns the new token's claims.
pub fn verify_refreshed(token: &IdToken, original: &Claims, expected: &Expected, json: &impl Json) -> Result<Claims> {
    let claims = verify(token, &Expected { nonce: None, ..*expected }, json)?;
    let differs = match (claims.auth_time, original.auth_time) {
        (Some(new), Some(old)) if (new as u64) < (old as u64) || new > expected.now.saturating_add(expected.leeway) as f64 => {
            Some("has an `auth_time` before the original login's, or in the future (check the device clock, or `leeway`)")
        }
        _ if claims.iss != original.iss => Some("is from another issuer (`iss`) than the original login"),
        _ if claims.sub != original.sub => Some("is for another subject (`sub`) than the original login"),
        _ if !same_set(&claims.aud, &original.aud) => Some("is for another audience (`aud`) than the original login"),
        _ if claims.azp != original.azp => Some("is for another authorized party (`azp`) than the original login"),
        _ if claims.nonce.is_some() && claims.nonce != original.nonce => Some("carries another `nonce` than the original login"),
        _ => None,
    };
    match differs {
        None => Ok(claims),
        Some(what) => Err(Error::id_token(
            concat(&["The refreshed ID token ", what, " (OIDC Core 12.2); the session keeps its access and ID token."]),
        )),
    }
}

/// Whether two audiences hold the same values: `aud` is a set of strings (RFC 7519 §4.1.3), order and
/// repetition do not matter.
fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::encoding::base64url;
    use crate::core::json::SerdeJson;

    pub(crate) fn jwt(header: &str, claims: &str) -> IdToken {
        IdToken::new([base64url(header.as_bytes()), base64url(claims.as_bytes()), "c2ln".to_owned()].join("."))
    }

    pub(crate) const GOOD: &str = r#"{"iss":"https://id.example.com","sub":"alice","aud":"spa","nonce":"n1","exp":2000,"iat":1000,"email":"a@example.com"}"#;

    pub(crate) fn expected(now: u64) -> Expected<'static> {
        Expected { issuer: "https://id.example.com", client_id: "spa", nonce: Some("n1"), now, leeway: 60 }
    }

    fn code(token: &IdToken, now: u64) -> String {
        verify(token, &expected(now), &SerdeJson).map(|_| ()).unwrap_err().code().to_owned()
    }

    fn with(field: &str, value: &str) -> IdToken {
        let mut claims: serde_json::Value = serde_json::from_str(GOOD).unwrap();
        claims[field] = serde_json::from_str(value).unwrap();
        jwt(r#"{"alg":"RS256"}"#, &claims.to_string())
    }

    #[test]
    fn a_good_token_passes() {
        let claims = verify(&jwt(r#"{"alg":"RS256","kid":"k"}"#, GOOD), &expected(1500), &SerdeJson).unwrap();
        assert_eq!(claims.sub, "alice");
        assert_eq!(claims.aud, vec!["spa".to_owned()]);
    }

    #[test]
    fn a_multi_tenant_issuer_matches_with_the_token_s_own_tid() {
        const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let expect = Expected { issuer: TEMPLATE, ..expected(1500) };
        let token = |iss: &str, tid: &str| {
            let mut claims: serde_json::Value = serde_json::from_str(GOOD).unwrap();
            claims["iss"] = iss.into();
            if !tid.is_empty() {
                claims["tid"] = tid.into();
            }
            jwt(r#"{"alg":"RS256"}"#, &claims.to_string())
        };
        let tenant = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
        let claims = verify(&token(tenant, "72f988bf-86f1-41af-91ab-2d7cd011db47"), &expect, &SerdeJson).unwrap();
        assert_eq!(claims.iss, tenant);
        let check = |iss: &str, tid: &str| verify(&token(iss, tid), &expect, &SerdeJson).map(|_| ()).unwrap_err().code().to_owned();
        assert_eq!(check(tenant, "9188040d-6c67-4c5b-b112-36a304b66dad"), "issuer_mismatch", "another tenant's tid");
        assert_eq!(check(tenant, ""), "issuer_mismatch", "no tid");
        assert_eq!(check("https://evil.example/72f988bf/v2.0", "72f988bf"), "issuer_mismatch", "another host");
        assert_eq!(check(TEMPLATE, "{tenantid}"), "issuer_mismatch", "the placeholder is no tenant");
        assert_eq!(check("https://login.microsoftonline.com//v2.0", ""), "issuer_mismatch");
        // Without the placeholder, `tid` changes nothing: the issuer is compared exactly, whatever `tid` holds.
        assert_eq!(code(&token(tenant, "72f988bf"), 1500), "issuer_mismatch");
        assert!(verify(&with("tid", r#""72f988bf""#), &expected(1500), &SerdeJson).is_ok());
        assert!(verify(&with("tid", "42"), &expected(1500), &SerdeJson).is_ok(), "a custom claim of another type");
        let numeric = jwt(r#"{"alg":"RS256"}"#, &serde_json::json!({"iss": tenant, "tid": 42, "sub": "a", "aud": "spa", "nonce": "n1", "exp": 2000, "iat": 1000}).to_string());
        assert_eq!(verify(&numeric, &expect, &SerdeJson).map(|_| ()).unwrap_err().code(), "issuer_mismatch", "no tenant id");
    }

    #[test]
    fn each_bad_claim_is_caught() {
        assert_eq!(code(&with("iss", r#""https://evil""#), 1500), "issuer_mismatch");
        assert_eq!(code(&with("aud", r#""other""#), 1500), "id_token_invalid");
        assert_eq!(code(&with("aud", r#"["other","more"]"#), 1500), "id_token_invalid");
        assert_eq!(code(&with("azp", r#""other""#), 1500), "id_token_invalid");
        assert_eq!(code(&with("nonce", r#""n2""#), 1500), "id_token_invalid");
        assert_eq!(code(&with("sub", r#""""#), 1500), "id_token_invalid");
        assert_eq!(code(&with("iss", "null"), 1500), "id_token_invalid");
        assert_eq!(code(&with("exp", "null"), 1500), "id_token_invalid");
        assert_eq!(code(&with("aud", "5"), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"{"alg":"RS256"}"#, GOOD), 2061), "id_token_invalid", "expired past leeway");
        assert_eq!(code(&jwt(r#"{"alg":"RS256"}"#, GOOD), 939), "id_token_invalid", "issued in the future");
        assert!(verify(&jwt(r#"{"alg":"RS256"}"#, GOOD), &expected(2060), &SerdeJson).is_ok(), "within leeway");
    }

    #[test]
    fn several_audiences_with_our_azp_pass() {
        assert!(verify(&with("aud", r#"["api","spa"]"#), &expected(1500), &SerdeJson).is_ok());
    }

    #[test]
    fn unsigned_and_malformed_tokens_are_refused() {
        assert_eq!(code(&jwt(r#"{"alg":"none"}"#, GOOD), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"{"alg":"NONE"}"#, GOOD), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"{}"#, GOOD), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"{"alg":"RS256"}"#, "[1,2]"), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"{"alg":"RS256"}"#, r#"["https://id.example.com","alice","spa","n1",2000,1000]"#), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"{"alg":"RS256"}"#, "{}"), 1500), "id_token_invalid");
        assert_eq!(code(&jwt(r#"["RS256"]"#, GOOD), 1500), "id_token_invalid");
        for bad in ["", "abc", "a.b", "a.b.c.d.e", "!!.??.x", "e30.e30"] {
            assert_eq!(code(&IdToken::new(bad.into()), 1500), "id_token_invalid", "{bad}");
        }
    }

    #[test]
    fn refreshed_tokens_must_match_the_original() {
        let original = verify(&jwt(r#"{"alg":"RS256"}"#, GOOD), &expected(1500), &SerdeJson).unwrap();
        let refreshed = |field: &str, value: &str| verify_refreshed(&with(field, value), &original, &expected(1500), &SerdeJson);
        assert!(refreshed("email", r#""new@example.com""#).is_ok());
        assert!(refreshed("nonce", "null").is_ok());
        assert_eq!(refreshed("sub", r#""mallory""#).unwrap_err().code(), "id_token_invalid");
        assert_eq!(refreshed("nonce", r#""other""#).unwrap_err().code(), "id_token_invalid");
        assert_eq!(refreshed("aud", r#"["spa","x"]"#).unwrap_err().code(), "id_token_invalid");
        assert!(refreshed("auth_time", "1200").is_ok(), "the original had none: nothing to compare");
        let with_time = Claims { auth_time: Some(1200.0), ..original.clone() };
        let refreshed = |field: &str, value: &str| verify_refreshed(&with(field, value), &with_time, &expected(1500), &SerdeJson);
        assert!(refreshed("auth_time", "1200.7").is_ok(), "the same second");
        // Keycloak moves its session's auth_time forward when the user authenticates again (prompt=login, max_age)
        // in any app of the session (KEYCLOAK-5248): a later one up to now (plus leeway) answers to the same login.
        assert_eq!(refreshed("auth_time", "1300").unwrap().auth_time, Some(1300.0), "a later authentication");
        assert!(refreshed("auth_time", "1560").is_ok(), "now plus leeway");
        let back = refreshed("auth_time", "1100").unwrap_err();
        assert_eq!(back.code(), "id_token_invalid", "an earlier authentication");
        assert!(back.message().contains("`auth_time`"), "{}", back.message());
        assert!(refreshed("auth_time", "1561").is_err(), "in the future past the leeway");
        let other = refreshed("sub", r#""mallory""#).unwrap_err();
        assert!(other.message().contains("`sub`"), "the message names the claim: {}", other.message());
    }

    #[test]
    fn not_before_and_max_age() {
        assert_eq!(code(&with("nbf", "1561"), 1500), "id_token_invalid", "nbf past the leeway");
        assert!(verify(&with("nbf", "1560"), &expected(1500), &SerdeJson).is_ok(), "nbf within the leeway");
        assert_eq!(code(&with("nbf", r#""soon""#), 1500), "id_token_invalid");
        let claims = |auth_time: Option<f64>| Claims { auth_time, ..Claims::default() };
        assert!(check_max_age(&claims(Some(1000.0)), 300, 1360, 60).is_ok());
        assert!(check_max_age(&claims(Some(1000.0)), u64::MAX, 1360, 60).is_ok(), "no overflow");
        assert_eq!(check_max_age(&claims(Some(1000.0)), 300, 1361, 60).unwrap_err().code(), "id_token_invalid");
        let missing = check_max_age(&claims(None), 300, 1000, 60).unwrap_err();
        assert!(missing.message().contains("auth_time"), "{}", missing.message());
    }

    #[test]
    fn an_openid_login_needs_an_id_token() {
        let missing = verify_code_exchange(None, &expected(1500), &SerdeJson).unwrap_err();
        assert_eq!(missing.code(), "id_token_invalid");
        assert!(missing.message().contains("openid"));
        let plain_oauth = Expected { nonce: None, ..expected(1500) };
        assert!(verify_code_exchange(None, &plain_oauth, &SerdeJson).unwrap().is_none());
        let good = jwt(r#"{"alg":"RS256"}"#, GOOD);
        assert_eq!(verify_code_exchange(Some(&good), &expected(1500), &SerdeJson).unwrap().unwrap().sub, "alice");
    }

    #[test]
    fn a_refreshed_audience_is_compared_as_a_set() {
        let login = with("aud", r#"["spa","api"]"#);
        let original = verify(&login, &expected(1500), &SerdeJson).unwrap();
        let refreshed = |aud: &str| {
            let mut claims: serde_json::Value = serde_json::from_str(GOOD).unwrap();
            claims["aud"] = serde_json::from_str(aud).unwrap();
            verify_refreshed(&jwt(r#"{"alg":"RS256"}"#, &claims.to_string()), &original, &expected(1500), &SerdeJson)
        };
        assert!(refreshed(r#"["api","spa"]"#).is_ok(), "another order is the same audience");
        assert!(refreshed(r#"["spa","api","spa"]"#).is_ok(), "a repeated value is the same audience");
        assert_eq!(refreshed(r#"["spa"]"#).unwrap_err().code(), "id_token_invalid", "one audience fewer");
        assert_eq!(refreshed(r#"["spa","api","x"]"#).unwrap_err().code(), "id_token_invalid", "one more");
        assert_eq!(refreshed(r#""spa""#).unwrap_err().code(), "id_token_invalid");
    }
}
