//! Logout URLs: OpenID Connect RP-initiated logout and Auth0's `/v2/logout`.

use super::encoding::append_query;
use super::secret::IdToken;

/// `end_session_endpoint?id_token_hint=…&client_id=…&post_logout_redirect_uri=…` (OIDC RP-Initiated Logout 1.0 §2).
pub fn end_session_url(endpoint: &str, id_token: Option<&IdToken>, client_id: &str, return_to: Option<&str>) -> String {
    let mut params = Vec::with_capacity(3);
    if let Some(token) = id_token {
        params.push(("id_token_hint", token.secret()));
    }
    params.push(("client_id", client_id));
    if let Some(url) = return_to {
        params.push(("post_logout_redirect_uri", url));
    }
    append_query(endpoint, params)
}

/// `{issuer}/v2/logout?client_id=…&returnTo=…` (Auth0).
pub fn auth0_logout_url(issuer: &str, client_id: &str, return_to: Option<&str>) -> String {
    let endpoint = [issuer.trim_end_matches('/'), "/v2/logout"].concat();
    let mut params = vec![("client_id", client_id)];
    if let Some(url) = return_to {
        params.push(("returnTo", url));
    }
    append_query(&endpoint, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_logout_url() {
        let token = IdToken::new("h.p.s".into());
        assert_eq!(end_session_url("https://id/logout", Some(&token), "spa", Some("https://app/")),
            "https://id/logout?id_token_hint=h.p.s&client_id=spa&post_logout_redirect_uri=https%3A%2F%2Fapp%2F");
        assert_eq!(end_session_url("https://id/logout?x=1", None, "spa", None), "https://id/logout?x=1&client_id=spa");
    }

    #[test]
    fn auth0_logout_url_has_no_double_slash() {
        assert_eq!(auth0_logout_url("https://t.auth0.com/", "spa", Some("https://app")),
            "https://t.auth0.com/v2/logout?client_id=spa&returnTo=https%3A%2F%2Fapp");
    }
}
