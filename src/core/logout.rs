//! Logout URLs: OpenID Connect RP-initiated logout, Auth0's `/v2/logout` and Amazon Cognito's `/logout`.

use crate::core::encoding::concat;
use super::config::{has_host, refuse_secret, LogoutStyle};
use super::encoding::{append_query, trim_end_any};
use super::error::{code, Error, Result};
use super::secret::IdToken;

/// The logout URL parameters the library sets itself, in any style.
const RESERVED_PARAMS: [&str; 5] = ["id_token_hint", "client_id", "post_logout_redirect_uri", "returnTo", "logout_uri"];

/// Checks a logout's `logoutParams`: no secret, no parameter the library sets, no empty name, no name twice
/// (`invalid_argument`).
pub fn check_params(params: &[(String, String)]) -> Result<()> {
    for (i, (name, _)) in params.iter().enumerate() {
        refuse_secret(name)?;
        let wrong = if RESERVED_PARAMS.contains(&name.as_str()) {
            "`: the library sets it (see the `returnTo` and `idTokenHint` options)."
        } else if name.is_empty() || params.iter().take(i).any(|(other, _)| other == name) {
            "`: a parameter needs a name, and each name one value."
        } else {
            continue;
        };
        return Err(Error::new(code::INVALID_ARGUMENT, concat(&["logoutParams may not set `", name, wrong])));
    }
    Ok(())
}

/// Checks a logout's `returnTo`: an absolute `http(s)` URL, as RP-Initiated Logout 1.0 §2 asks of
/// `post_logout_redirect_uri` (`invalid_argument`; the JavaScript driver resolves a relative one against the page
/// first). Before, `"/"` went to the provider, which refused it on its own error page after the tokens were gone.
pub fn check_return_to(return_to: Option<&str>) -> Result<()> {
    // Schemes are case-insensitive (RFC 3986 §3.1).
    match return_to.map(str::to_ascii_lowercase) {
        Some(url) if !(has_host(&url, "https://") || has_host(&url, "http://")) || url.chars().next_back().is_some_and(char::is_whitespace) || url.chars().any(char::is_control) => {
            Err(Error::new(code::INVALID_ARGUMENT, "`returnTo` must be an absolute http(s) URL, registered at the provider as a post-logout redirect URI."))
        }
        _ => Ok(()),
    }
}

/// The server's logout URL for `style`:
/// - `Oidc`: `end_session_endpoint?id_token_hint=…&client_id=…&post_logout_redirect_uri=…` (OIDC RP-Initiated
///   Logout 1.0 §2);
/// - `Auth0`: `{issuer}/v2/logout?client_id=…&returnTo=…`;
/// - `Cognito`: `end_session_endpoint?client_id=…&logout_uri=…`.
///
/// `endpoint` is the end-session endpoint, or for `Auth0` the issuer; `extra` (the app's `logoutParams`) follow.
pub fn logout_url(
    style: LogoutStyle,
    endpoint: &str,
    id_token: Option<&IdToken>,
    client_id: &str,
    return_to: Option<&str>,
    extra: &[(String, String)],
) -> String {
    let (endpoint, id_token, return_name) = match style {
        LogoutStyle::Oidc => (endpoint.to_owned(), id_token, "post_logout_redirect_uri"),
        LogoutStyle::Auth0 => (concat(&[trim_end_any(endpoint, b"/"), "/v2/logout"]), None, "returnTo"),
        LogoutStyle::Cognito => (endpoint.to_owned(), None, "logout_uri"),
    };
    let mut params = Vec::with_capacity(3);
    if let Some(token) = id_token {
        params.push(("id_token_hint", token.secret()));
    }
    params.push(("client_id", client_id));
    if let Some(url) = return_to {
        params.push((return_name, url));
    }
    for (name, value) in extra {
        params.push((name, value));
    }
    append_query(&endpoint, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_an_absolute_http_url() {
        for good in [None, Some("https://app.example/bye?x=1#top"), Some("http://127.0.0.1:8080/"), Some("HTTPS://APP.EXAMPLE/"), Some("https://app.example/?m=bye now")] {
            assert!(check_return_to(good).is_ok(), "{good:?}");
        }
        for bad in ["", "/", "bye", "//app.example/", "javascript:alert(1)", "https://", "https://app.example/\n", "https://app.example/ "] {
            assert_eq!(check_return_to(Some(bad)).unwrap_err().code(), code::INVALID_ARGUMENT, "{bad}");
        }
    }

    #[test]
    fn oidc_logout_url() {
        let token = IdToken::new("h.p.s".into());
        let end_session_url = |e, t, c, r| logout_url(LogoutStyle::Oidc, e, t, c, r, &[]);
        assert_eq!(end_session_url("https://id/logout", Some(&token), "spa", Some("https://app/")),
            "https://id/logout?id_token_hint=h.p.s&client_id=spa&post_logout_redirect_uri=https%3A%2F%2Fapp%2F");
        assert_eq!(end_session_url("https://id/logout?x=1", None, "spa", None), "https://id/logout?x=1&client_id=spa");
    }

    #[test]
    fn cognito_logout_url_returns_by_logout_uri() {
        let token = IdToken::new("h.p.s".into());
        let cognito_logout_url = |e, c, r| logout_url(LogoutStyle::Cognito, e, Some(&token), c, r, &[]);
        assert_eq!(cognito_logout_url("https://d.auth.eu-west-1.amazoncognito.com/logout", "spa", Some("https://app/")),
            "https://d.auth.eu-west-1.amazoncognito.com/logout?client_id=spa&logout_uri=https%3A%2F%2Fapp%2F");
        assert_eq!(cognito_logout_url("https://d/logout", "spa", None), "https://d/logout?client_id=spa");
    }

    #[test]
    fn auth0_logout_url_has_no_double_slash() {
        let auth0_logout_url = |e, c, r| logout_url(LogoutStyle::Auth0, e, Some(&IdToken::new("h.p.s".into())), c, r, &[]);
        assert_eq!(auth0_logout_url("https://t.auth0.com/", "spa", Some("https://app")),
            "https://t.auth0.com/v2/logout?client_id=spa&returnTo=https%3A%2F%2Fapp");
    }

    #[test]
    fn logout_params_follow_the_librarys_own_and_may_not_replace_them() {
        let extra = [("ui_locales".to_owned(), "nl fr".to_owned()), ("federated".to_owned(), String::new())];
        assert_eq!(check_params(&extra), Ok(()));
        assert_eq!(logout_url(LogoutStyle::Oidc, "https://id/logout", None, "spa", Some("https://app/"), &extra),
            "https://id/logout?client_id=spa&post_logout_redirect_uri=https%3A%2F%2Fapp%2F&ui_locales=nl%20fr&federated=");
        for name in ["id_token_hint", "client_id", "post_logout_redirect_uri", "returnTo", "logout_uri"] {
            let e = check_params(&[(name.to_owned(), "x".to_owned())]).unwrap_err();
            assert!(e.code() == "invalid_argument" && e.message().contains(name), "{name}: {e:?}");
        }
        let twice = [("state".to_owned(), "a".to_owned()), ("state".to_owned(), "b".to_owned())];
        assert!(check_params(&twice).unwrap_err().message().contains("each name one value"));
        assert_eq!(check_params(&[(String::new(), "a".to_owned())]).unwrap_err().code(), "invalid_argument");
        assert_eq!(check_params(&[("client_secret".to_owned(), "s".to_owned())]).unwrap_err().code(), "invalid_config");
    }
}
