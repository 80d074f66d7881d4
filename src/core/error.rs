//! The one error type every fallible function returns, with a stable `code`.

use crate::core::encoding::concat;
use std::borrow::Cow;
use std::fmt;

/// Stable error codes (see API.md). Servers' own OAuth `error` values are used as codes too.
pub mod code {
    pub const INVALID_CONFIG: &str = "invalid_config";
    pub const INVALID_STATE: &str = "invalid_state";
    pub const MISSING_TRANSACTION: &str = "missing_transaction";
    pub const ISSUER_MISMATCH: &str = "issuer_mismatch";
    pub const ID_TOKEN_INVALID: &str = "id_token_invalid";
    pub const LOGIN_REQUIRED: &str = "login_required";
    pub const NETWORK_ERROR: &str = "network_error";
    pub const SERVER_ERROR: &str = "server_error";
    pub const STORAGE_UNAVAILABLE: &str = "storage_unavailable";
    pub const CRYPTO_UNAVAILABLE: &str = "crypto_unavailable";
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
    pub const TIMEOUT: &str = "timeout";
    pub const POPUP_BLOCKED: &str = "popup_blocked";
    pub const POPUP_CLOSED: &str = "popup_closed";
}

/// An authentication failure: a stable machine-readable `code`, a message a developer can act on,
/// and, where the authorization server said so, its `error` and `error_description`.
///
/// One pointer wide (the fields live on the heap): every `Result` that carries it stays small, so passing errors
/// up costs no copying (-2,647 B gzip in the npm build, README "Size history").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Fields>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Fields {
    code: Cow<'static, str>,
    message: Cow<'static, str>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Whether a server's `error` refuses a DPoP proof: RFC 9449's `invalid_dpop_proof`, or Keycloak's
/// `invalid_request` with a `DPoP …` description ("DPoP proof is not active": its time is off by more than the
/// server's window).
fn dpop_proof_refused(error: &str, description: Option<&str>) -> bool {
    error == "invalid_dpop_proof" || error == "invalid_request" && description.is_some_and(|d| d.starts_with("DPoP "))
}

impl Error {
    /// Whether the server refused a DPoP proof (its time, most often), not the grant: a refresh may pass later.
    pub fn refuses_dpop_proof(&self) -> bool {
        self.0.error.as_deref().is_some_and(|e| dpop_proof_refused(e, self.0.error_description.as_deref()))
    }

    /// An error with one of the library's own codes.
    pub fn new(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self::from_fields(Cow::Borrowed(code), message.into(), None, None)
    }

    fn from_fields(code: Cow<'static, str>, message: Cow<'static, str>, error: Option<String>, error_description: Option<String>) -> Self {
        Error(Box::new(Fields { code, message, error, error_description }))
    }

    /// `self` carrying the server's `error` and `error_description` too (its code and message stay): what the server
    /// said, for a callback no login here takes.
    pub fn with_server_error(mut self, error: Option<String>, description: Option<String>) -> Self {
        if error.is_some() {
            self.0.error = error;
            self.0.error_description = description;
        }
        self
    }

    /// An error the authorization server reported (`error`, `error_description`); its code is the server's.
    pub fn oauth(error: String, description: Option<String>) -> Self {
        // A proof refused for its time is most often a device clock that is off (RFC 9449 §11.1); a server that wants
        // a secret (Google's "client_secret is missing") holds this client for a confidential one: say so.
        let hint = if error == "invalid_dpop_proof" || description.as_deref().is_some_and(|d| d.starts_with("DPoP proof is not active")) {
            " (A proof refused for its time means the device's clock is off.)"
        } else if error == "invalid_client" || description.as_deref().is_some_and(|d| crate::core::encoding::find_bytes(d, b"client_secret").is_some()) {
            " (The server does not know this client id, or does not take it as a public client: spa-auth never sends a \
             client secret. Check the client id, register a public client (no secret, PKCE), or use a backend.)"
        } else if error == "not_allowed" {
            // Keycloak's answer to a code exchange for a scope with `offline_access` (a refresh's becomes login_required).
            " (Keycloak issues offline tokens only to users with the `offline_access` role, for clients that have that \
             scope: log in with a `scope` without `offline_access`, or ask the realm's administrator.)"
        } else if description.as_deref() == Some("authentication_expired") {
            // Keycloak 25+ (`temporarily_unavailable`): the login finished in another tab, or its page was left open.
            " (Keycloak: the login page was left open too long or the login finished in another tab; log in again.)"
        } else {
            ""
        };
        let message = match &description {
            Some(d) if !d.is_empty() => concat(&["The authorization server answered ", &error, ": ", d, hint]),
            _ => concat(&["The authorization server answered ", &error, ".", hint]),
        };
        Self::from_fields(Cow::Owned(error.clone()), Cow::Owned(message), Some(error), description)
    }

    /// Keeps the server's `error` / `error_description` of `cause` under a new code and message.
    pub fn caused_by(code: &'static str, message: impl Into<Cow<'static, str>>, cause: &Error) -> Self {
        Self::from_fields(Cow::Borrowed(code), message.into(), cause.0.error.clone(), cause.0.error_description.clone())
    }

    /// `invalid_config` with `message`.
    pub fn invalid_config(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(code::INVALID_CONFIG, message)
    }

    /// `server_error` with `message`.
    pub fn server(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(code::SERVER_ERROR, message)
    }

    /// `id_token_invalid` with `message`.
    pub fn id_token(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(code::ID_TOKEN_INVALID, message)
    }

    /// The stable code, e.g. `invalid_state` or the server's `access_denied`.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// A human, actionable description.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The server's OAuth `error`, when it sent one.
    pub fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// The server's `error_description`, when it sent one.
    pub fn error_description(&self) -> Option<&str> {
        self.0.error_description.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())?;
        f.write_str(": ")?;
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_errors_use_the_server_code_and_keep_its_words() {
        let e = Error::oauth("invalid_grant".into(), Some("code expired".into()));
        assert_eq!(e.code(), "invalid_grant");
        assert_eq!(e.error(), Some("invalid_grant"));
        assert_eq!(e.error_description(), Some("code expired"));
        assert!(e.message().contains("code expired"));
        assert!(!e.message().contains("clock"));
        let proof = Error::oauth("invalid_dpop_proof".into(), Some("DPoP proof is not active".into()));
        assert_eq!(proof.code(), "invalid_dpop_proof");
        assert!(proof.refuses_dpop_proof());
        // Keycloak's words for the same refusal.
        let keycloak = Error::oauth("invalid_request".into(), Some("DPoP proof is not active".into()));
        assert!(keycloak.refuses_dpop_proof() && keycloak.message().contains("device's clock"));
        assert!(!Error::oauth("invalid_request".into(), Some("Missing parameter: code".into())).refuses_dpop_proof());
        // Google's answer to a code exchange without a secret.
        let google = Error::oauth("invalid_request".into(), Some("client_secret is missing.".into()));
        assert!(google.code() == "invalid_request" && google.message().contains("never sends a client secret"), "{}", google.message());
        assert!(proof.message().contains("not active") && proof.message().contains("clock"), "{}", proof.message());
        // Keycloak 25+'s answer to a login finished in another tab: the server's code, and what to do.
        let expired = Error::oauth("temporarily_unavailable".into(), Some("authentication_expired".into()));
        assert!(expired.code() == "temporarily_unavailable" && expired.message().contains("log in again"), "{}", expired.message());
        assert!(!Error::oauth("temporarily_unavailable".into(), None).message().contains("log in again"));
        // Keycloak's answer to `offline_access` for a user without that role: the server's code, and what to change.
        let offline = Error::oauth("not_allowed".into(), Some("Offline tokens not allowed for the user or client".into()));
        assert!(offline.code() == "not_allowed" && offline.message().contains("without `offline_access`"), "{}", offline.message());
    }

    #[test]
    fn caused_by_keeps_the_server_error_under_a_new_code() {
        let cause = Error::oauth("invalid_grant".into(), None);
        let e = Error::caused_by(code::LOGIN_REQUIRED, "log in again", &cause);
        assert_eq!(e.code(), "login_required");
        assert_eq!(e.error(), Some("invalid_grant"));
        assert_eq!(e.to_string(), "login_required: log in again");
    }
}
