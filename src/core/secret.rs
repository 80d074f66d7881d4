//! Newtypes for the values that must not be mixed up or printed: their `Debug` never shows the value.

use serde::Serialize;
use std::fmt;

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value received from the server or the URL.
            pub fn new(value: String) -> Self {
                $name(value)
            }

            /// The secret itself, for the one place that has to send it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret!(
    /// PKCE `code_verifier` (RFC 7636): 43 to 128 unreserved characters.
    PkceVerifier
);
secret!(
    /// The `state` that binds a callback to the login that started it.
    State
);
secret!(
    /// The OpenID Connect `nonce` that binds an ID token to the login that started it.
    Nonce
);
secret!(
    /// An authorization `code` from the callback.
    AuthorizationCode
);
secret!(
    /// An access token: opaque to this library.
    AccessToken
);
secret!(
    /// A refresh token.
    RefreshToken
);
secret!(
    /// An ID token (a JWT) as the token endpoint returned it.
    IdToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        let shown = format!("{:?} {:?}", AccessToken::new("abc123".into()), PkceVerifier::new("v3r1f1er".into()));
        assert_eq!(shown, "AccessToken([redacted]) PkceVerifier([redacted])");
    }
}
