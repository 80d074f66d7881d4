//! OpenID Provider metadata (OIDC Discovery 1.0, RFC 8414) and the endpoints a client uses.

use crate::core::encoding::concat;
use super::config::{check_secure_url, Config};
use super::error::{code, Error, Result};
use super::json::{FromJson, Json, Member, Reader};
use serde::Serialize;

/// The fields of provider metadata this library reads; everything else is ignored.
#[derive(Clone, Debug, Default)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub end_session_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub authorization_response_iss_parameter_supported: bool,
    /// RFC 8414 §2; empty when not published (or not a list of strings).
    pub code_challenge_methods_supported: Vec<String>,
}

impl FromJson for ProviderMetadata {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(
            json,
            text,
            &[
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "end_session_endpoint",
                "revocation_endpoint",
                "userinfo_endpoint",
                "jwks_uri",
                "id_token_signing_alg_values_supported",
                "authorization_response_iss_parameter_supported",
                "code_challenge_methods_supported",
            ],
        )?;
        let metadata = ProviderMetadata {
            issuer: r.text().unwrap_or_default(),
            authorization_endpoint: r.text().unwrap_or_default(),
            token_endpoint: r.text().unwrap_or_default(),
            // Optional members of another type count as not published rather than making the whole document
            // unreadable (discovery is tolerant of what it does not need).
            end_session_endpoint: r.member().text().flatten(),
            revocation_endpoint: r.member().text().flatten(),
            userinfo_endpoint: r.member().text().flatten(),
            jwks_uri: r.member().text().flatten(),
            id_token_signing_alg_values_supported: r.member().texts().unwrap_or_default(),
            // A boolean, also when a server writes it as "true" / "false"; anything else counts as false rather
            // than making the whole document unreadable (the field is optional).
            authorization_response_iss_parameter_supported: match r.member() {
                Member::Bool(b) => b,
                Member::Text(t) => t.eq_ignore_ascii_case("true"),
                Member::Number(n) => n == 1.0,
                _ => false,
            },
            code_challenge_methods_supported: r.member().texts().unwrap_or_default(),
        };
        r.finish(metadata)
    }
}

/// The endpoints of one authorization server, from the options or from its metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub end_session: Option<String>,
    pub revocation: Option<String>,
    /// OIDC Core §5.3.
    pub userinfo: Option<String>,
    /// The provider's signing keys (RFC 7517), and the algorithms it announces for ID tokens.
    pub jwks: Option<String>,
    pub signing_algs: Vec<String>,
    /// The server announced RFC 9207 `iss` on authorization responses, so a success response must carry it.
    pub iss_parameter_supported: bool,
}

impl Endpoints {
    /// The endpoints given in the options, when they make discovery unnecessary.
    pub fn configured(config: &Config) -> Option<Endpoints> {
        Some(Endpoints {
            authorization: config.authorization_endpoint.clone()?,
            token: config.token_endpoint.clone()?,
            end_session: config.end_session_endpoint.clone(),
            revocation: config.revocation_endpoint.clone(),
            userinfo: config.userinfo_endpoint.clone(),
            jwks: config.jwks_uri.clone(),
            signing_algs: Vec::new(),
            iss_parameter_supported: false,
        })
    }

    /// The endpoints a provider's metadata publishes: its issuer must equal the configured one exactly (the URLs
    /// are checked where they are used, by [`Endpoints::with_options`]).
    pub fn discovered(config: &Config, metadata: ProviderMetadata) -> Result<Endpoints> {
        if !metadata.issuer.is_empty() && !metadata.issuer.starts_with("http") {
            // FusionAuth's default tenant issuer is a bare host name ("acme.com"), which no client may take.
            return Err(Error::new(
                code::ISSUER_MISMATCH,
                concat(&["The discovery document names issuer \"", &metadata.issuer, "\", which is not an https URL (OIDC Discovery §3): set the \
                  provider's issuer to its URL (FusionAuth: the tenant's Issuer)."]),
            ));
        }
        if metadata.issuer != config.issuer {
            return Err(Error::new(
                code::ISSUER_MISMATCH,
                concat(&[
                    "The discovery document names issuer \"",
                    &metadata.issuer,
                    "\" but the client is configured for \"",
                    &config.issuer,
                    "\"; they must be the same string exactly: set `issuer` to the one the document names, and `discoveryUrl` \
                     to \"",
                    &config.discovery_url,
                    "\" when the document is not at {issuer}/.well-known/openid-configuration (Azure AD B2C, Entra ID v1).",
                ]),
            ));
        }
        // PKCE is S256 only here: a server that publishes its methods without S256 would refuse the challenge at
        // the authorization endpoint, or ignore it and so lose PKCE's protection (RFC 9700 §2.1.1). One that
        // publishes none is taken at its word of RFC 9700 (servers MUST support PKCE).
        let methods = &metadata.code_challenge_methods_supported;
        if !methods.is_empty() && !methods.iter().any(|m| m == "S256") {
            return Err(Error::server(
                "Discovery metadata: code_challenge_methods_supported does not list S256, the only PKCE method \
this library uses (RFC 7636 §4.2); enable S256 for this client at the server.",
            ));
        }
        let published = |url: Option<String>| url.filter(|url| !url.is_empty());
        Ok(Endpoints {
            end_session: published(metadata.end_session_endpoint),
            revocation: published(metadata.revocation_endpoint),
            userinfo: published(metadata.userinfo_endpoint),
            jwks: published(metadata.jwks_uri),
            signing_algs: metadata.id_token_signing_alg_values_supported,
            authorization: metadata.authorization_endpoint,
            token: metadata.token_endpoint,
            iss_parameter_supported: metadata.authorization_response_iss_parameter_supported,
        })
    }

    /// The published endpoints with the configured ones in their place: a configured endpoint wins, a published
    /// one is checked before it is used. Applied to each discovery and to each use of the cached one, so the cache
    /// (per issuer and client id) serves every configuration alike.
    pub fn with_options(mut self, config: &Config) -> Result<Endpoints> {
        let published = |name: &str, url: &str| -> Result<()> {
            check_secure_url(name, url).map_err(|e| Error::server(concat(&["Discovery metadata: ", e.message()])))
        };
        for (name, configured, found) in [
            ("authorization_endpoint", &config.authorization_endpoint, &mut self.authorization),
            ("token_endpoint", &config.token_endpoint, &mut self.token),
        ] {
            match configured {
                Some(url) => url.clone_into(found),
                None => published(name, found)?,
            }
        }
        for (name, configured, found) in [
            ("end_session_endpoint", &config.end_session_endpoint, &mut self.end_session),
            ("revocation_endpoint", &config.revocation_endpoint, &mut self.revocation),
            ("userinfo_endpoint", &config.userinfo_endpoint, &mut self.userinfo),
            ("jwks_uri", &config.jwks_uri, &mut self.jwks),
        ] {
            match (configured, found.as_deref()) {
                (Some(_), _) => configured.clone_into(found),
                (None, Some(url)) => published(name, url)?,
                (None, None) => {}
            }
        }
        Ok(self)
    }
}

/// Discovery results as cached in storage, tied to where and for which issuer they were found.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedDiscovery {
    pub discovery_url: String,
    pub issuer: String,
    pub endpoints: Endpoints,
}

impl FromJson for Endpoints {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(
            json,
            text,
            &["authorization", "token", "endSession", "revocation", "userinfo", "jwks", "signingAlgs", "issParameterSupported"],
        )?;
        let endpoints = Endpoints {
            authorization: r.required(),
            token: r.required(),
            end_session: r.text(),
            revocation: r.text(),
            userinfo: r.text(),
            jwks: r.text(),
            signing_algs: r.texts(),
            iss_parameter_supported: r.member() == Member::Bool(true),
        };
        r.finish(endpoints)
    }
}

impl FromJson for CachedDiscovery {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(json, text, &["discoveryUrl", "issuer", "endpoints"])?;
        let (discovery_url, issuer) = (r.required(), r.required());
        let Member::Object(endpoints) = r.member() else { return None };
        let endpoints = Endpoints::read(json, &endpoints)?;
        r.finish(CachedDiscovery { discovery_url, issuer, endpoints })
    }
}

impl CachedDiscovery {
    /// The cached endpoints, when they were discovered for this configuration.
    pub fn endpoints_for(self, config: &Config) -> Option<Endpoints> {
        (self.discovery_url == config.discovery_url && self.issuer == config.issuer).then_some(self.endpoints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Options;

    fn options() -> Options {
        Options { issuer: "https://id.example.com".into(), client_id: "spa".into(), redirect_uri: "https://app/cb".into(), ..Options::default() }
    }

    fn config() -> Config {
        options().validate().unwrap()
    }

    fn metadata(json: &str) -> ProviderMetadata {
        ProviderMetadata::read(&crate::core::json::SerdeJson, json).unwrap()
    }

    #[test]
    fn minimal_metadata_is_accepted_and_used_exactly() {
        let e = Endpoints::discovered(&config(), metadata(r#"{"issuer":"https://id.example.com",
            "authorization_endpoint":"https://id.example.com/auth/","token_endpoint":"https://id.example.com//token"}"#)).unwrap();
        assert_eq!(e.authorization, "https://id.example.com/auth/");
        assert_eq!(e.token, "https://id.example.com//token");
        assert_eq!(e.revocation, None);
        assert!(!e.iss_parameter_supported);
    }

    #[test]
    fn issuer_must_match_exactly() {
        for other in ["https://id.example.com/", "https://ID.example.com", "https://evil.example.com", ""] {
            let json = concat(&["{\"issuer\":\"", other, "\",\"authorization_endpoint\":\"https://a/a\",\"token_endpoint\":\"https://a/t\"}"]);
            let e = Endpoints::discovered(&config(), metadata(&json)).unwrap_err();
            assert_eq!(e.code(), "issuer_mismatch", "{other}");
            // The way out for providers whose metadata lives elsewhere (B2C): the discovery URL to keep.
            assert!(e.message().contains("`discoveryUrl` to \"https://id.example.com/.well-known/openid-configuration\""), "{}", e.message());
        }
    }

    #[test]
    fn optional_members_of_another_type_are_taken_as_not_published() {
        let e = Endpoints::discovered(&config(), metadata(r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://a/a",
            "token_endpoint":"https://a/t","jwks_uri":5,"end_session_endpoint":{"url":"x"},"id_token_signing_alg_values_supported":[1]}"#)).unwrap();
        assert_eq!((e.jwks, e.end_session, e.signing_algs.len()), (None, None, 0));
        let unreadable = r#"{"issuer":"https://id.example.com","authorization_endpoint":5,"token_endpoint":"https://a/t"}"#;
        assert!(ProviderMetadata::read(&crate::core::json::SerdeJson, unreadable).is_none(), "a required member still must fit");
    }

    #[test]
    fn an_issuer_that_is_no_url_says_so() {
        let e = Endpoints::discovered(&config(), metadata(r#"{"issuer":"acme.com","authorization_endpoint":"https://a/a","token_endpoint":"https://a/t"}"#)).unwrap_err();
        assert!(e.code() == "issuer_mismatch" && e.message().contains("not an https URL"), "{}", e.message());
    }

    #[test]
    fn insecure_published_endpoints_are_refused_where_used() {
        let e = Endpoints::discovered(&config(), metadata(r#"{"issuer":"https://id.example.com",
            "authorization_endpoint":"https://a/a","token_endpoint":"http://evil/t"}"#)).and_then(|e| e.with_options(&config())).unwrap_err();
        assert_eq!(e.code(), "server_error");
        let published = Endpoints::discovered(&config(), metadata(r#"{"issuer":"https://id.example.com",
            "authorization_endpoint":"https://a/a","token_endpoint":"https://a/t","jwks_uri":"http://keys/"}"#)).unwrap();
        assert_eq!(published.clone().with_options(&config()).unwrap_err().code(), "server_error");
        // A configured endpoint takes the published one's place, which is then not used, nor checked.
        let configured = Options { jwks_uri: Some("https://keys.example/jwks".into()), ..options() }.validate().unwrap();
        assert_eq!(published.with_options(&configured).unwrap().jwks.as_deref(), Some("https://keys.example/jwks"));
    }

    #[test]
    fn configured_endpoints_win_over_the_cached_discovery_of_another_configuration() {
        // The cache holds what the provider published: each configuration applies its own options to it.
        let published = Endpoints::discovered(&config(), metadata(r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://a/a",
            "token_endpoint":"https://a/t","end_session_endpoint":"https://a/e"}"#)).unwrap();
        let own = Options { end_session_endpoint: Some("https://custom/logout".into()), token_endpoint: Some("https://proxy/t".into()), ..options() };
        let own = own.validate().unwrap();
        let mine = published.clone().with_options(&own).unwrap();
        assert_eq!((mine.end_session.as_deref(), mine.token.as_str(), mine.authorization.as_str()), (Some("https://custom/logout"), "https://proxy/t", "https://a/a"));
        let plain = published.with_options(&config()).unwrap();
        assert_eq!((plain.end_session.as_deref(), plain.token.as_str()), (Some("https://a/e"), "https://a/t"));
    }

    #[test]
    fn announcements_and_optional_endpoints_are_read() {
        let e = Endpoints::discovered(&config(), metadata(r#"{"issuer":"https://id.example.com",
            "authorization_endpoint":"https://a/a","token_endpoint":"https://a/t","revocation_endpoint":"https://a/r",
            "end_session_endpoint":"https://a/e","authorization_response_iss_parameter_supported":true,
            "grant_types_supported":["authorization_code"],"extra":{"x":1}}"#)).unwrap();
        assert_eq!(e.revocation.as_deref(), Some("https://a/r"));
        assert_eq!(e.end_session.as_deref(), Some("https://a/e"));
        assert!(e.iss_parameter_supported);
    }

    #[test]
    fn the_cache_only_serves_its_own_configuration() {
        let endpoints = Endpoints { authorization: "https://a/a".into(), token: "https://a/t".into(), end_session: None, userinfo: None, jwks: None, signing_algs: Vec::new(),
            revocation: None, iss_parameter_supported: true };
        let cached = |url: &str| CachedDiscovery { discovery_url: url.into(), issuer: "https://id.example.com".into(), endpoints: endpoints.clone() };
        assert_eq!(cached("https://id.example.com/.well-known/openid-configuration").endpoints_for(&config()), Some(endpoints.clone()));
        assert_eq!(cached("https://other/.well-known/openid-configuration").endpoints_for(&config()), None);
    }

    #[test]
    fn the_iss_announcement_is_read_leniently() {
        let read = |value: &str| {
            let json = concat(&[r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://a/a","token_endpoint":"https://a/t","authorization_response_iss_parameter_supported":"#, value, "}"]);
            Endpoints::discovered(&config(), metadata(&json)).unwrap().iss_parameter_supported
        };
        assert!(read("true"));
        assert!(read(r#""true""#));
        assert!(!read("false"));
        assert!(!read("null"));
        assert!(!read(r#""no""#));
    }

    #[test]
    fn a_server_that_publishes_its_pkce_methods_must_list_s256() {
        let read = |methods: &str| {
            let json = concat(&[r#"{"issuer":"https://id.example.com","authorization_endpoint":"https://a/a","token_endpoint":"https://a/t","code_challenge_methods_supported":"#, methods, "}"]);
            Endpoints::discovered(&config(), metadata(&json))
        };
        let e = read(r#"["plain"]"#).unwrap_err();
        assert_eq!(e.code(), "server_error");
        assert!(e.message().contains("code_challenge_methods_supported does not list S256"), "{}", e.message());
        assert!(read(r#"["plain","S256"]"#).is_ok());
        assert!(read(r#""S256""#).is_ok());
        // Not published, or not readable as a list: taken as supporting it, and the rest of the document is read.
        for tolerated in ["[]", "null", "7", "{}"] {
            assert_eq!(read(tolerated).unwrap().token, "https://a/t", "{tolerated}");
        }
    }

    #[test]
    fn configured_endpoints_skip_discovery() {
        let c = Options { issuer: "https://id.example.com".into(), client_id: "spa".into(), redirect_uri: "https://app/cb".into(),
            authorization_endpoint: Some("https://id.example.com/a".into()), token_endpoint: Some("https://id.example.com/t".into()),
            ..Options::default() }.validate().unwrap();
        let e = Endpoints::configured(&c).unwrap();
        assert_eq!(e.token, "https://id.example.com/t");
        assert!(Endpoints::configured(&config()).is_none());
    }
}
