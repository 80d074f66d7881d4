//! publiq's UiTiD v2 (Keycloak, realm `uitid`) as a preset: issuer and endpoints filled in, so no discovery request.

use crate::core::encoding::concat;
use super::config::{LogoutStyle, Options};
use super::error::{Error, Result};

/// A UiTiD v2 environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `account.uitid.be`
    Production,
    /// `account-test.uitid.be`
    Testing,
    /// `account-acc.uitid.be` (publiq-internal)
    Acceptance,
}

impl Environment {
    /// The environment named `name` (`production`, `testing`, `acceptance`).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "production" => Ok(Environment::Production),
            "testing" => Ok(Environment::Testing),
            "acceptance" => Ok(Environment::Acceptance),
            _ => Err(Error::invalid_config("`environment` must be \"production\", \"testing\" or \"acceptance\".")),
        }
    }

    /// The UiTiD host of this environment.
    pub fn host(self) -> &'static str {
        match self {
            Environment::Production => "account.uitid.be",
            Environment::Testing => "account-test.uitid.be",
            Environment::Acceptance => "account-acc.uitid.be",
        }
    }
}

/// Scope asked for by default: a refresh token and the e-mail address.
pub const DEFAULT_SCOPE: &str = "openid email offline_access";

/// The options for UiTiD v2 in `environment`: issuer `https://{host}/realms/uitid`, the realm's
/// `protocol/openid-connect/{auth,token,logout,revoke}` endpoints, and the default scope unless one is given.
/// UiTiD's own parameters (`ui_locales`, `referrer`, `screen`, `prompt`, prefill fields, `skip_verify_legacy`)
/// pass through `authorization_params`. Giving an issuer or endpoints yourself is `invalid_config`.
pub fn options(environment: Environment, mut options: Options) -> Result<Options> {
    let given = !options.issuer.is_empty()
        || options.discovery_url.is_some()
        || options.authorization_endpoint.is_some()
        || options.token_endpoint.is_some()
        || options.end_session_endpoint.is_some()
        || options.revocation_endpoint.is_some()
        || options.userinfo_endpoint.is_some();
    if options.logout_style != LogoutStyle::Oidc {
        // Keycloak ends sessions by RP-Initiated Logout; Auth0's or Cognito's URL would miss the realm's.
        return Err(Error::invalid_config("AuthClient.publiq() logs out as Keycloak does (`logoutStyle: \"oidc\"`); another `logoutStyle` is refused."));
    }
    if given {
        return Err(Error::invalid_config(
            "AuthClient.publiq() sets the issuer and endpoints from `environment`; use new AuthClient() for another server.",
        ));
    }
    let issuer = concat(&["https://", environment.host(), "/realms/uitid"]);
    let endpoint = |name: &str| Some(concat(&[issuer.as_str(), "/protocol/openid-connect/", name]));
    options.authorization_endpoint = endpoint("auth");
    options.token_endpoint = endpoint("token");
    options.end_session_endpoint = endpoint("logout");
    options.revocation_endpoint = endpoint("revoke");
    options.userinfo_endpoint = endpoint("userinfo");
    // Keycloak's realm key set (for `verifySignature: true`).
    options.jwks_uri = options.jwks_uri.or_else(|| endpoint("certs"));
    options.scope = options.scope.or_else(|| Some(DEFAULT_SCOPE.to_owned()));
    // Back to the app after a logout. publiq's platform registers only an integration's Logout URLs as post-logout
    // redirect URIs (README "publiq's APIs"): the redirect URI must be one of them, or `postLogoutRedirectUri` set.
    options.post_logout_redirect_uri = options.post_logout_redirect_uri.or_else(|| Some(options.redirect_uri.clone()));
    options.issuer = issuer;
    Ok(options)
}

/// The realm's userinfo endpoint, for apps that want more than the ID token's claims.
pub fn userinfo_endpoint(environment: Environment) -> String {
    concat(&["https://", environment.host(), "/realms/uitid/protocol/openid-connect/userinfo"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::authorize::{authorization_request, LoginOptions, LoginRandomness};
    use crate::core::discovery::Endpoints;
    use crate::core::encoding::parse_params;

    fn base() -> Options {
        Options { client_id: "my-app".into(), redirect_uri: "https://app.example.com/".into(), ..Options::default() }
    }

    #[test]
    fn each_environment_has_its_documented_endpoints() {
        for (env, name, host) in [
            (Environment::Production, "production", "account.uitid.be"),
            (Environment::Testing, "testing", "account-test.uitid.be"),
            (Environment::Acceptance, "acceptance", "account-acc.uitid.be"),
        ] {
            assert_eq!(Environment::from_name(name).unwrap(), env);
            let config = options(env, base()).unwrap().validate().unwrap();
            let realm = concat(&["https://", host, "/realms/uitid"]);
            assert_eq!(config.issuer, realm);
            let endpoints = Endpoints::configured(&config).expect("no discovery needed");
            assert_eq!(endpoints.authorization, concat(&[realm.as_str(), "/protocol/openid-connect/auth"]));
            assert_eq!(endpoints.token, concat(&[realm.as_str(), "/protocol/openid-connect/token"]));
            assert_eq!(endpoints.end_session.unwrap(), concat(&[realm.as_str(), "/protocol/openid-connect/logout"]));
            assert_eq!(userinfo_endpoint(env), concat(&[realm.as_str(), "/protocol/openid-connect/userinfo"]));
            assert_eq!(config.scope, "openid email offline_access");
            assert_eq!(config.post_logout_redirect_uri.as_deref(), Some(config.redirect_uri.as_str()), "logout comes back");
            assert_eq!(config.jwks_uri.as_deref(), Some(concat(&[realm.as_str(), "/protocol/openid-connect/certs"]).as_str()));
            // So `verifySignature: true` works with the preset (no discovery to name the keys).
            assert!(options(env, Options { verify_signature: true, ..base() }).unwrap().validate().is_ok());
        }
        assert_eq!(Environment::from_name("prod").unwrap_err().code(), "invalid_config");
        let auth0 = options(Environment::Testing, Options { logout_style: LogoutStyle::Auth0, ..base() }).unwrap_err();
        assert!(auth0.code() == "invalid_config" && auth0.message().contains("logoutStyle"));
    }

    #[test]
    fn uitid_parameters_pass_through() {
        let mut o = base();
        for (k, v) in [("ui_locales", "fr"), ("referrer", "udb"), ("screen", "register"), ("prompt", "login"),
            ("email", "a@b.be"), ("first_name", "An"), ("skip_verify_legacy", "true")] {
            o.authorization_params.push((k.into(), v.into()));
        }
        let config = options(Environment::Testing, o).unwrap().validate().unwrap();
        let random = LoginRandomness { verifier: [1; 32], state: [2; 32], nonce: [3; 32] };
        let req = authorization_request(&config, config.authorization_endpoint.as_deref().unwrap(), LoginOptions::default(), &random, 0).unwrap();
        assert!(req.url.starts_with("https://account-test.uitid.be/realms/uitid/protocol/openid-connect/auth?response_type=code&client_id=my-app&"));
        let q = parse_params(req.url.split_once('?').unwrap().1);
        for (k, v) in [("ui_locales", "fr"), ("screen", "register"), ("skip_verify_legacy", "true"), ("first_name", "An"), ("scope", "openid email offline_access")] {
            assert!(q.contains(&(k.to_owned(), v.to_owned())), "{k}");
        }
    }

    #[test]
    fn a_scope_can_be_given_but_not_an_issuer() {
        let o = Options { scope: Some("openid".into()), ..base() };
        assert_eq!(options(Environment::Production, o).unwrap().scope.as_deref(), Some("openid"));
        let o = Options { issuer: "https://evil".into(), ..base() };
        assert_eq!(options(Environment::Production, o).unwrap_err().code(), "invalid_config");
    }
}
