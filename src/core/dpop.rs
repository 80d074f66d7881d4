//! DPoP (RFC 9449): what the core decides about sender-constrained tokens. The driver holds a non-extractable
//! ES256 key pair and only signs; the core builds each proof's header and claims (§4.2), the key's thumbprint for
//! `dpop_jkt` (§10, RFC 7638), reads the servers' nonce challenges (§8, §9) and keeps their latest nonces.

use crate::core::encoding::concat;
use super::encoding::{base64url, before_any, origin as server_of, trim_start_any};
use super::json::Json;
use super::json_text::quote;
use super::token::{answer_names_error, decimal};
use sha2::{Digest, Sha256};

/// The public half of the driver's P-256 key: its JWK with the required members in lexicographic order
/// (`{"crv":"P-256","kty":"EC","x":…,"y":…}`, RFC 7638 §3), as the proof header carries it and the thumbprint hashes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    jwk: String,
}

impl PublicKey {
    /// A P-256 public key from its JWK coordinates; `None` unless both are 32 bytes of unpadded base64url.
    pub fn p256(x: &str, y: &str) -> Option<PublicKey> {
        let coordinate = |c: &str| {
            (c.len() == 43 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')).then(|| c.to_owned())
        };
        let (x, y) = (coordinate(x)?, coordinate(y)?);
        Some(PublicKey { jwk: concat(&["{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"", &x, "\",\"y\":\"", &y, "\"}"]) })
    }

    /// The JWK SHA-256 thumbprint (RFC 7638 §3).
    pub fn thumbprint(&self) -> String {
        base64url(&Sha256::digest(self.jwk.as_bytes()))
    }
}

/// One request's proof, before the driver signs it.
pub struct Proof<'a> {
    /// The HTTP method, as sent (`GET`, `POST`, …).
    pub htm: &'a str,
    /// The request URL; its query and fragment are left out of `htu` (§4.2).
    pub url: &'a str,
    /// Epoch seconds.
    pub iat: u64,
    /// A unique identifier (random, base64url).
    pub jti: &'a str,
    /// The access token the request carries: its hash is `ath` (§4.2).
    pub access_token: Option<&'a str>,
    /// The server's latest nonce, when it sent one.
    pub nonce: Option<&'a str>,
}

impl Proof<'_> {
    /// The JWS signing input `BASE64URL(header) "." BASE64URL(claims)` of a `dpop+jwt` with `alg` ES256 and the
    /// public key in its header; the driver appends `"." BASE64URL(signature)`.
    pub fn signing_input(&self, key: &PublicKey) -> String {
        let htu = &self.url[..self.url.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(self.url.len())];
        let header = concat(&["{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":", &key.jwk, "}"]);
        let mut claims = String::from("{\"jti\":");
        quote(&mut claims, self.jti);
        claims.push_str(",\"htm\":");
        quote(&mut claims, self.htm);
        claims.push_str(",\"htu\":");
        quote(&mut claims, htu);
        claims.push_str(",\"iat\":");
        claims.push_str(&decimal(self.iat));
        if let Some(token) = self.access_token {
            claims.push_str(",\"ath\":");
            quote(&mut claims, &base64url(&Sha256::digest(token.as_bytes())));
        }
        if let Some(nonce) = self.nonce {
            claims.push_str(",\"nonce\":");
            quote(&mut claims, nonce);
        }
        claims.push('}');
        let mut input = base64url(header.as_bytes());
        input.push('.');
        input.push_str(&base64url(claims.as_bytes()));
        input
    }
}

/// Whether an answer asks for the request again with the server's nonce (§8: an authorization server's 400 with
/// `error` `use_dpop_nonce`; §9: a resource server's 401 whose `WWW-Authenticate` challenge says so).
pub fn asks_for_nonce(status: u16, text: &str, challenge: Option<&str>, json: &impl Json) -> bool {
    match status {
        400 => answer_names_error(json, text, "use_dpop_nonce"),
        401 => challenge.is_some_and(|c| names_error(c, "use_dpop_nonce")),
        _ => false,
    }
}

/// Whether a resource server's `WWW-Authenticate` refuses the DPoP proof or asks for a nonce (RFC 9449 §7.1, §9),
/// not the token: no refresh cures that.
pub fn challenge_is_about_proof(challenge: &str) -> bool {
    names_error(challenge, "use_dpop_nonce") || names_error(challenge, "invalid_dpop_proof")
}

/// Whether a `WWW-Authenticate` header names `error` in any of its challenges (RFC 9449 §7.1, RFC 6750 §3): the
/// error parameter, not any mention in a description.
pub fn names_error(challenge: &str, error: &str) -> bool {
    challenge_errors(challenge).contains(&error)
}

/// The first `error` a `WWW-Authenticate` header names (RFC 6750 §3: `Bearer error="invalid_token", …`; RFC 9449
/// §7.1 for `DPoP`).
pub fn challenge_error(challenge: &str) -> Option<&str> {
    challenge_errors(challenge).first().copied()
}

/// Every `error` parameter of a `WWW-Authenticate` header, in order, quoted or not: parameter names are
/// case-insensitive and `=` may have spaces around it (RFC 7235 §2.1); words inside quoted values are skipped.
fn challenge_errors(challenge: &str) -> Vec<&str> {
    let bytes = challenge.as_bytes();
    let mut errors = Vec::new();
    let (mut quoted, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if quoted {
            // Inside a quoted value (another parameter's words): only its end matters.
            (quoted, escaped) = (escaped || b != b'"', !escaped && b == b'\\');
            continue;
        }
        if b == b'"' {
            quoted = true;
            continue;
        }
        let boundary = i == 0 || matches!(bytes.get(i.wrapping_sub(1)), Some(b' ' | b',' | b'\t'));
        let rest = challenge.get(i..).unwrap_or_default();
        if !boundary || !rest.get(..5).is_some_and(|name| name.eq_ignore_ascii_case("error")) {
            continue;
        }
        let Some(value) = trim_start_any(rest.get(5..).unwrap_or_default(), b" \t").strip_prefix("=") else {
            continue;
        };
        let value = trim_start_any(value, b" \t");
        let value = match value.strip_prefix("\"") {
            Some(quoted) => Some(before_any(quoted, b"\"")),
            None => Some(before_any(value, b", \t")),
        };
        errors.extend(value.filter(|v| !v.is_empty()));
    }
    errors
}

/// The latest nonce of each server (§8.2: a nonce is kept until the server sends another).
#[derive(Debug, Default)]
pub struct Nonces(Vec<(String, String)>);

impl Nonces {
    /// The nonce `url`'s server sent last.
    pub fn of(&self, url: &str) -> Option<&str> {
        let server = server_of(url);
        self.0.iter().find(|(s, _)| s == server).map(|(_, n)| n.as_str())
    }

    /// Keeps `nonce` as the latest of `url`'s server; `true` when it is new.
    pub fn keep(&mut self, url: &str, nonce: &str) -> bool {
        let server = server_of(url);
        match self.0.iter_mut().find(|(s, _)| s == server) {
            Some((_, n)) if n == nonce => false,
            Some((_, n)) => {
                nonce.clone_into(n);
                true
            }
            None => {
                self.0.push((server.to_owned(), nonce.to_owned()));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_challenge_names_its_error_quoted_or_not() {
        use super::challenge_error;
        assert_eq!(challenge_error(r#"Bearer realm="x", error="invalid_token", error_description="expired""#), Some("invalid_token"));
        assert_eq!(challenge_error("DPoP error=use_dpop_nonce, algs=\"ES256\""), Some("use_dpop_nonce"));
        assert_eq!(challenge_error(r#"Bearer error_description="no error=here""#), None);
        assert_eq!(challenge_error(r#"Bearer realm="x""#), None);
        assert_eq!(challenge_error(r#"Bearer error="""#), None);
        // RFC 7235 §2.1: case-insensitive names, spaces around `=`.
        assert_eq!(challenge_error(r#"Bearer error = "invalid_token""#), Some("invalid_token"));
        assert_eq!(challenge_error("Bearer realm=\"x\",\tError=invalid_token"), Some("invalid_token"));
        assert_eq!(challenge_error(r#"Bearer realm="a, error=no", error="invalid_token""#), Some("invalid_token"));
    }

    use super::*;
    use crate::core::encoding::base64url_decode;
    use crate::core::json::SerdeJson;

    // RFC 7638 §3.1's example is an RSA key; this P-256 key's thumbprint is checked against the formula itself.
    const X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    const Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";

    fn part(input: &str, i: usize) -> serde_json::Value {
        let bytes = base64url_decode(input.split('.').nth(i).unwrap()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn a_key_is_two_p256_coordinates() {
        assert!(PublicKey::p256(X, Y).is_some());
        assert!(PublicKey::p256(X, "short").is_none());
        assert!(PublicKey::p256(&X.replace('l', "+"), Y).is_none(), "base64, not base64url");
    }

    #[test]
    fn the_thumbprint_hashes_the_required_members_in_order() {
        let key = PublicKey::p256(X, Y).unwrap();
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#);
        assert_eq!(key.thumbprint(), base64url(&Sha256::digest(canonical.as_bytes())));
        assert_eq!(key.thumbprint().len(), 43);
    }

    #[test]
    fn a_proof_names_method_target_time_and_key() {
        let key = PublicKey::p256(X, Y).unwrap();
        let proof = Proof { htm: "POST", url: "https://id.example.com/token?x=1#f", iat: 1000, jti: "j1", access_token: None, nonce: None };
        let input = proof.signing_input(&key);
        let header = part(&input, 0);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"], serde_json::json!({"crv": "P-256", "kty": "EC", "x": X, "y": Y}));
        let claims = part(&input, 1);
        assert_eq!(claims, serde_json::json!({"jti": "j1", "htm": "POST", "htu": "https://id.example.com/token", "iat": 1000}));
    }

    #[test]
    fn a_proof_with_a_token_carries_its_hash_and_the_nonce() {
        let key = PublicKey::p256(X, Y).unwrap();
        let proof = Proof { htm: "GET", url: "https://api.example.com/r", iat: 5, jti: "j", access_token: Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"), nonce: Some("n\"1") };
        let claims = part(&proof.signing_input(&key), 1);
        // RFC 9449 §7.1's example: this token's `ath`.
        assert_eq!(claims["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
        assert_eq!(claims["nonce"], "n\"1");
    }

    #[test]
    fn nonce_challenges_are_told_from_other_errors() {
        assert!(asks_for_nonce(400, r#"{"error":"use_dpop_nonce"}"#, None, &SerdeJson));
        assert!(!asks_for_nonce(400, r#"{"error":"invalid_grant"}"#, None, &SerdeJson));
        assert!(!asks_for_nonce(400, "not json", None, &SerdeJson));
        assert!(asks_for_nonce(401, "", Some(r#"DPoP error="use_dpop_nonce", error_description="fresh""#), &SerdeJson));
        assert!(!asks_for_nonce(401, "", Some(r#"DPoP error="invalid_token""#), &SerdeJson));
        assert!(!asks_for_nonce(500, r#"{"error":"use_dpop_nonce"}"#, None, &SerdeJson));
    }

    #[test]
    fn a_challenge_names_an_error_in_its_error_parameter_only() {
        assert!(names_error(r#"DPoP error="use_dpop_nonce", error_description="x""#, "use_dpop_nonce"));
        assert!(names_error("DPoP error=use_dpop_nonce", "use_dpop_nonce"));
        assert!(!names_error(r#"DPoP error="invalid_token", error_description="try use_dpop_nonce""#, "use_dpop_nonce"));
        assert!(!names_error(r#"DPoP error="use_dpop_nonce_x""#, "use_dpop_nonce"));
        assert!(names_error(r#"Bearer error="invalid_token", DPoP error="use_dpop_nonce""#, "use_dpop_nonce"), "a second challenge");
        assert!(names_error(r#"DPoP ERROR = "use_dpop_nonce""#, "use_dpop_nonce"));
    }

    #[test]
    fn nonces_are_kept_per_server() {
        let mut nonces = Nonces::default();
        assert!(nonces.keep("https://id.example.com/token", "a"));
        assert!(!nonces.keep("https://id.example.com/revoke?x", "a"));
        assert!(nonces.keep("https://api.example.com:8443/r", "b"));
        assert_eq!(nonces.of("https://id.example.com/other"), Some("a"));
        assert_eq!(nonces.of("https://api.example.com:8443"), Some("b"));
        assert!(nonces.keep("https://id.example.com/token", "c"));
        assert_eq!(nonces.of("https://id.example.com/token"), Some("c"));
        assert_eq!(nonces.of("https://api.example.com/r"), None, "another port is another server");
    }
}
