//! PKCE (RFC 7636) with S256 only, plus the random `state` and `nonce` values of a login.

use super::encoding::base64url;
use super::error::{code, Error, Result};
use super::secret::{Nonce, PkceVerifier, State};
use sha2::{Digest, Sha256};

/// Bytes of randomness behind each verifier, state and nonce (256 bits, 43 base64url characters).
pub const RANDOM_LEN: usize = 32;

/// The only challenge method this library sends; `plain` is never used.
pub const METHOD: &str = "S256";

impl PkceVerifier {
    /// A verifier from 32 random bytes: base64url, 43 characters.
    pub fn from_random(bytes: &[u8; RANDOM_LEN]) -> Self {
        PkceVerifier::new(base64url(bytes))
    }

    /// The S256 challenge: `BASE64URL(SHA256(ASCII(verifier)))`.
    pub fn challenge(&self) -> String {
        base64url(&Sha256::digest(self.secret().as_bytes()))
    }
}

impl State {
    /// A state from 32 random bytes.
    pub fn from_random(bytes: &[u8; RANDOM_LEN]) -> Self {
        State::new(base64url(bytes))
    }
}

impl Nonce {
    /// A nonce from 32 random bytes.
    pub fn from_random(bytes: &[u8; RANDOM_LEN]) -> Self {
        Nonce::new(base64url(bytes))
    }
}

/// The S256 challenge of a caller-supplied verifier, which must be 43 to 128 unreserved characters (RFC 7636 §4.1).
pub fn challenge_for(verifier: &str) -> Result<String> {
    let valid_chars = verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !(43..=128).contains(&verifier.len()) || !valid_chars {
        return Err(Error::new(
            code::INVALID_ARGUMENT,
            "`verifier`: a PKCE code_verifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~ (RFC 7636 section 4.1).",
        ));
    }
    Ok(PkceVerifier::new(verifier.to_owned()).challenge())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        // The verifier of Appendix B comes from these 32 octets.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
            191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = PkceVerifier::from_random(&octets);
        assert_eq!(verifier.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(verifier.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(
            challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_unreserved_characters() {
        let v = PkceVerifier::from_random(&[0xff; RANDOM_LEN]);
        assert_eq!(v.secret().len(), 43);
        assert!(challenge_for(v.secret()).is_ok());
    }

    #[test]
    fn malformed_verifiers_are_refused() {
        assert_eq!(challenge_for("short").unwrap_err().code(), "invalid_argument");
        assert_eq!(challenge_for(&"a".repeat(129)).unwrap_err().code(), "invalid_argument");
        assert_eq!(challenge_for(&"a b".repeat(20)).unwrap_err().code(), "invalid_argument");
        assert!(challenge_for(&"a".repeat(128)).is_ok());
    }
}
