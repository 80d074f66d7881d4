//! ID token signatures (`verifySignature`): which algorithm and which of the provider's keys (JWKS, RFC 7517) verify
//! a token, decided here; the driver's WebCrypto does the arithmetic. RS, PS and ES with SHA-256, -384 and -512, and
//! EdDSA with Ed25519 (named `EdDSA`, RFC 8037, or `Ed25519`, RFC 9864); `none` and HMAC algorithms are refused
//! (with a public key as the HMAC secret they are the classic confusion attack).

use crate::core::encoding::concat;
use super::error::{Error, Result};
use super::json::{Json, Member};
use serde::Serialize;

/// Algorithms a browser verifies with WebCrypto, and the key type each needs.
const ALGORITHMS: [(&str, &str, Option<&str>); 11] = [
    ("RS256", "RSA", None),
    ("RS384", "RSA", None),
    ("RS512", "RSA", None),
    ("PS256", "RSA", None),
    ("PS384", "RSA", None),
    ("PS512", "RSA", None),
    ("ES256", "EC", Some("P-256")),
    ("ES384", "EC", Some("P-384")),
    ("ES512", "EC", Some("P-521")),
    ("EdDSA", "OKP", Some("Ed25519")),
    ("Ed25519", "OKP", Some("Ed25519")),
];

/// The members of a key (RFC 7517 §4, RFC 7518 §6) read to choose and import it.
const KEY_MEMBERS: [&str; 10] = ["kty", "kid", "use", "alg", "crv", "n", "e", "x", "y", "key_ops"];

/// The public members WebCrypto imports (`importKey("jwk", …)`): nothing else of the set reaches the driver.
#[derive(Serialize)]
struct PublicJwk<'a> {
    kty: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    crv: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<&'a str>,
}

/// What the driver verifies: `signature` (base64url) over `signing_input` with `jwk` (JSON) and `alg`.
#[derive(Debug, PartialEq, Eq)]
pub struct Verification {
    pub alg: String,
    pub jwk: String,
    pub signing_input: String,
    pub signature: String,
}

/// The outcome of choosing a key.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyChoice {
    Verify(Verification),
    /// No key of the set fits the token's `kid`: fetch the set again (the provider may have rotated its keys).
    UnknownKey,
}

/// What a signature is checked on: an ID token, or a signed UserInfo answer (OIDC Core §5.3.2); named in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed {
    IdToken,
    UserInfo,
}

/// `id_token_invalid`: `signed`'s signature cannot be accepted, for `reason`.
pub fn invalid(signed: Signed, reason: &str) -> Error {
    let subject = match signed {
        Signed::IdToken => "The ID token's",
        Signed::UserInfo => "The signed UserInfo's",
    };
    Error::id_token(concat(&[subject, " signature cannot be accepted: ", reason]))
}

/// Chooses the key of `jwks` (the JWK Set's JSON text) that verifies `token`, whose algorithm must be one of
/// `ALGORITHMS` and, when the provider announced them, of `announced` (`id_token_signing_alg_values_supported`).
pub fn choose_key(token: &str, jwks: &str, announced: &[String], json: &impl Json, signed: Signed) -> Result<KeyChoice> {
    let invalid = |reason: &str| invalid(signed, reason);
    let mut parts = super::encoding::pieces(token, b'.');
    let (Some(header_b64), Some(payload_b64), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("it is not a compact JWS."));
    };
    let header = super::encoding::base64url_decode(header_b64)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| json.members(&text, &["alg", "kid", "crit"]))
        .ok_or_else(|| invalid("its header is not a JSON object."))?;
    let text = |i: usize| match header.get(i) {
        Some(Member::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let (alg, kid) = (text(0).unwrap_or_default(), text(1));
    if header.get(2).is_some_and(|crit| *crit != Member::Missing) {
        // RFC 7515 §4.1.11: extensions named critical must be understood; this library implements none.
        return Err(invalid("its header names critical extensions (`crit`), which this library does not implement."));
    }
    let Some((_, kty, crv)) = ALGORITHMS.iter().find(|(a, _, _)| *a == alg) else {
        return Err(invalid(&concat(&["`alg` \"", &alg, "\" is not one of RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, Ed25519 (none and HMAC are refused)."])));
    };
    if !announced.is_empty() && !announced.contains(&alg) {
        return Err(invalid(&concat(&["`alg` \"", &alg, "\" is not one the provider announces."])));
    }
    if signature.is_empty() {
        return Err(invalid("it has no signature."));
    }
    let keys = json.items(jwks, "keys").ok_or_else(|| invalid("the provider's JWK Set is not readable."))?;
    fn member(k: &[Member], i: usize) -> Option<&str> {
        match k.get(i) {
            Some(Member::Text(t)) => Some(t),
            _ => None,
        }
    }
    // A key for verifying (RFC 7517 §4.2, §4.3) of the token's type, with the members WebCrypto imports it by
    // (a key given only as an `x5c` certificate is not one).
    let fits = |k: &[Member]| {
        let has = |i: usize| member(k, i).is_some();
        member(k, 0) == Some(*kty)
            && (crv.is_none() || member(k, 4) == *crv)
            && member(k, 2).is_none_or(|u| u == "sig")
            // A key labelled with either name of EdDSA with Ed25519 serves a token that gives the other (RFC 9864 §2.2).
            && member(k, 3).is_none_or(|a| a == alg || (*kty == "OKP" && matches!(a, "EdDSA" | "Ed25519")))
            && match k.get(9) {
                Some(Member::Texts(ops)) => ops.iter().any(|op| op == "verify"),
                Some(Member::Text(op)) => op == "verify",
                other => matches!(other, None | Some(Member::Missing | Member::Null)),
            }
            && match *kty {
                "RSA" => has(5) && has(6),
                "EC" => has(7) && has(8),
                _ => has(7),
            }
    };
    // Each key's members, in KEY_MEMBERS' order, for the keys that fit, in the set's order.
    let mut candidates: Vec<Vec<Member>> = Vec::new();
    for members in keys.iter().filter_map(|k| json.members(k, &KEY_MEMBERS)) {
        if fits(&members) {
            candidates.push(members);
        }
    }
    let key = match &kid {
        Some(kid) => candidates.iter().find(|k| member(k, 1) == Some(kid.as_str())),
        None if candidates.len() == 1 => candidates.first(),
        None if candidates.is_empty() => None,
        None => return Err(invalid("the token names no `kid` and the provider has several keys for its `alg`.")),
    };
    let Some(key) = key else { return Ok(KeyChoice::UnknownKey) };
    let (kty, crv, n, e, x, y) = (member(key, 0), member(key, 4), member(key, 5), member(key, 6), member(key, 7), member(key, 8));
    let public = PublicJwk { kty: kty.unwrap_or_default(), crv, n, e, x, y };
    let jwk = json.stringify(&public).ok_or_else(|| invalid("its key could not be written."))?;
    Ok(KeyChoice::Verify(Verification {
        alg,
        jwk,
        signing_input: concat(&[header_b64, ".", payload_b64]),
        signature: signature.to_owned(),
    }))
}

/// The error for a signature that did not verify.
pub fn did_not_verify(signed: Signed) -> Error {
    invalid(signed, "it does not verify with the provider's key (a forged or altered token, or a key this browser's WebCrypto cannot use, such as an RSA key under 2048 bits or Ed25519 where it is missing).")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::encoding::base64url;
    use crate::core::json::SerdeJson;

    fn token(header: &str) -> String {
        [base64url(header.as_bytes()), base64url(br#"{"sub":"a"}"#), "c2ln".into()].join(".")
    }

    const JWKS: &str = r#"{"keys":[
        {"kty":"RSA","kid":"r1","use":"sig","n":"bg","e":"AQAB","d":"private!"},
        {"kty":"RSA","kid":"r2","use":"enc","n":"bg2","e":"AQAB"},
        {"kty":"EC","kid":"e1","crv":"P-256","x":"xx","y":"yy"},
        {"kty":"OKP","kid":"o1","crv":"Ed25519","x":"ox"}]}"#;

    fn choose(header: &str, announced: &[&str]) -> Result<KeyChoice> {
        let announced: Vec<String> = announced.iter().map(|a| a.to_string()).collect();
        choose_key(&token(header), JWKS, &announced, &SerdeJson, Signed::IdToken)
    }

    #[test]
    fn the_key_named_by_kid_with_the_right_type_is_chosen_with_public_members_only() {
        let KeyChoice::Verify(v) = choose(r#"{"alg":"RS256","kid":"r1"}"#, &[]).unwrap() else { panic!() };
        assert_eq!(v.alg, "RS256");
        assert_eq!(v.jwk, r#"{"kty":"RSA","n":"bg","e":"AQAB"}"#, "no private member, no kid");
        assert!(v.signing_input.ends_with(&base64url(br#"{"sub":"a"}"#)));
        assert_eq!(v.signature, "c2ln");
        let KeyChoice::Verify(v) = choose(r#"{"alg":"ES256","kid":"e1"}"#, &["RS256", "ES256"]).unwrap() else { panic!() };
        assert_eq!(v.jwk, r#"{"kty":"EC","crv":"P-256","x":"xx","y":"yy"}"#);
        for alg in ["EdDSA", "Ed25519"] {
            let header = [r#"{"alg":""#, alg, r#"","kid":"o1"}"#].concat();
            let KeyChoice::Verify(v) = choose(&header, &[alg]).unwrap() else { panic!("{alg}") };
            assert_eq!((v.alg.as_str(), v.jwk.as_str()), (alg, r#"{"kty":"OKP","crv":"Ed25519","x":"ox"}"#));
        }
        let labelled = r#"{"keys":[{"kty":"OKP","kid":"o2","crv":"Ed25519","x":"ox","alg":"EdDSA"}]}"#;
        let token = token(r#"{"alg":"Ed25519","kid":"o2"}"#);
        assert!(matches!(choose_key(&token, labelled, &[], &SerdeJson, Signed::IdToken).unwrap(), KeyChoice::Verify(_)), "a key labelled EdDSA");
        let e = choose(r#"{"alg":"Ed25519","kid":"o1"}"#, &["EdDSA"]).unwrap_err();
        assert!(e.message().contains("not one the provider announces"), "each name only where announced");
        assert_eq!(choose(r#"{"alg":"Ed25519","kid":"e1"}"#, &[]).unwrap(), KeyChoice::UnknownKey, "an EC key for Ed25519");
    }

    #[test]
    fn confusions_and_unknown_keys() {
        for header in [r#"{"alg":"HS256","kid":"r1"}"#, r#"{"alg":"none"}"#, r#"{"alg":"ES256K","kid":"r1"}"#, r#"{}"#] {
            assert_eq!(choose(header, &[]).unwrap_err().code(), "id_token_invalid", "{header}");
        }
        assert_eq!(choose(r#"{"alg":"ES256","kid":"r1"}"#, &[]).unwrap(), KeyChoice::UnknownKey, "an RSA key for ES256");
        assert_eq!(choose(r#"{"alg":"RS256","kid":"r2"}"#, &[]).unwrap(), KeyChoice::UnknownKey, "an encryption key");
        assert_eq!(choose(r#"{"alg":"RS256","kid":"new"}"#, &[]).unwrap(), KeyChoice::UnknownKey, "rotated");
        assert_eq!(choose(r#"{"alg":"PS256","kid":"r1"}"#, &["RS256"]).unwrap_err().code(), "id_token_invalid", "not announced");
        assert!(matches!(choose(r#"{"alg":"RS256"}"#, &[]).unwrap(), KeyChoice::Verify(_)), "one RSA signing key, no kid");
        let KeyChoice::Verify(v) = choose(r#"{"alg":"RS512","kid":"r1"}"#, &[]).unwrap() else { panic!("RS512 with an RSA key") };
        assert_eq!(v.alg, "RS512");
        assert_eq!(choose(r#"{"alg":"ES384","kid":"e1"}"#, &[]).unwrap(), KeyChoice::UnknownKey, "a P-256 key for ES384");
    }

    #[test]
    fn critical_extensions_are_refused() {
        let e = choose(r#"{"alg":"RS256","kid":"r1","crit":["exp"],"exp":1}"#, &[]).unwrap_err();
        assert!(e.message().contains("crit"), "{}", e.message());
    }

    #[test]
    fn keys_not_for_verifying_or_without_their_members_are_skipped() {
        let jwks = r#"{"keys":[
            {"kty":"RSA","kid":"ops-enc","key_ops":["encrypt"],"n":"bg","e":"AQAB"},
            {"kty":"RSA","kid":"ops-verify","key_ops":["verify"],"n":"bg","e":"AQAB"},
            {"kty":"RSA","kid":"ops-none","key_ops":[],"n":"bg","e":"AQAB"},
            {"kty":"RSA","kid":"cert-only","x5c":["MIIB"]},
            {"kty":"EC","kid":"no-y","crv":"P-256","x":"xx"}]}"#;
        let pick = |header: &str| choose_key(&token(header), jwks, &[], &SerdeJson, Signed::IdToken).unwrap();
        assert_eq!(pick(r#"{"alg":"RS256","kid":"ops-enc"}"#), KeyChoice::UnknownKey, "key_ops without verify");
        assert_eq!(pick(r#"{"alg":"RS256","kid":"ops-none"}"#), KeyChoice::UnknownKey, "no operation allowed");
        assert!(matches!(pick(r#"{"alg":"RS256","kid":"ops-verify"}"#), KeyChoice::Verify(_)));
        assert_eq!(pick(r#"{"alg":"RS256","kid":"cert-only"}"#), KeyChoice::UnknownKey, "x5c only");
        assert_eq!(pick(r#"{"alg":"ES256","kid":"no-y"}"#), KeyChoice::UnknownKey, "an EC key without y");
    }
}
