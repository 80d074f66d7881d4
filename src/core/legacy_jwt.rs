//! publiq's legacy UiTiD v1 JWT provider for Entry API 3 (deprecated by publiq, unsupported after 2026-09-30),
//! kept for apps that are still migrating: `/connect` redirect, `?jwt=…&refresh=…` back, `GET /refresh`.

use crate::core::encoding::concat;
use super::config::check_secure_url;
use super::encoding::{append_query, before_any, cut, is_blank, parse_params, pieces, trim_end_any, without_params};
use super::error::{code, Error, Result};
use super::id_token::payload_json;
use super::json::{members, FromJson, FromOptions, Json, Misfit, OptionsReader, Reader};
use super::secret::{AccessToken, RefreshToken};
use super::token::MAX_EXPIRES_IN;
use serde::Serialize;

/// Options of the legacy client, as API.md names them.
#[derive(Clone, Debug, Default)]
pub struct LegacyOptions {
    /// e.g. `https://jwt.uitdatabank.be` or `https://jwt-test.uitdatabank.be`
    pub server_url: String,
    /// The integration's API key (sent as `apiKey` and `X-Api-Key`).
    pub api_key: String,
    /// `nl`, `fr` or `de`
    pub lang: Option<String>,
}

impl FromOptions for LegacyOptions {
    fn read_options(json: &impl Json, text: &str) -> std::result::Result<Self, Misfit> {
        let mut r = OptionsReader::new(json, text, &["serverUrl", "apiKey", "lang"])?;
        let options = LegacyOptions { server_url: r.text().unwrap_or_default(), api_key: r.text().unwrap_or_default(), lang: r.text() };
        r.finish(options)
    }
}

/// Validated legacy options.
#[derive(Clone, Debug)]
pub struct LegacyConfig {
    pub server_url: String,
    pub api_key: String,
    pub lang: Option<String>,
}

impl LegacyOptions {
    /// `serverUrl` must be https (or loopback http), `apiKey` given, `lang` one of nl, fr, de.
    pub fn validate(self) -> Result<LegacyConfig> {
        check_secure_url("serverUrl", &self.server_url)?;
        if before_any(&self.server_url, b"?#") != self.server_url {
            return Err(Error::invalid_config("`serverUrl` must be the JWT provider's base URL, without a query or fragment."));
        }
        if is_blank(&self.api_key) || self.api_key.chars().any(char::is_control) {
            return Err(Error::invalid_config("`apiKey` is required, without control characters."));
        }
        if let Some(lang) = &self.lang {
            if !["nl", "fr", "de"].contains(&lang.as_str()) {
                return Err(Error::invalid_config("`lang` must be \"nl\", \"fr\" or \"de\"."));
            }
        }
        Ok(LegacyConfig { server_url: trim_end_any(&self.server_url, b"/").to_owned(), api_key: self.api_key, lang: self.lang })
    }
}

/// `{serverUrl}/connect?apiKey=…&destination=…[&lang=…]`
pub fn connect_url(config: &LegacyConfig, destination: &str) -> String {
    let mut params = vec![("apiKey", config.api_key.as_str()), ("destination", destination)];
    if let Some(lang) = &config.lang {
        params.push(("lang", lang));
    }
    append_query(&concat(&[config.server_url.as_str(), "/connect"]), &params)
}

/// `{serverUrl}/refresh?apiKey=…&refresh=…`
pub fn refresh_url(config: &LegacyConfig, refresh: &RefreshToken) -> String {
    append_query(
        &concat(&[config.server_url.as_str(), "/refresh"]),
        &[("apiKey", config.api_key.as_str()), ("refresh", refresh.secret())],
    )
}

/// What the provider sends back on the destination URL.
pub struct LegacyCallback {
    pub jwt: AccessToken,
    pub refresh: Option<RefreshToken>,
}

fn query(url: &str) -> &str {
    cut(before_any(url, b"#"), b'?').map_or("", |(_, q)| q)
}

/// The `jwt` (and `refresh`) parameters of `url`, when it has a `jwt`.
pub fn parse_callback(url: &str) -> Option<LegacyCallback> {
    let params = parse_params(query(url));
    let get = |name: &str| params.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.clone());
    Some(LegacyCallback { jwt: AccessToken::new(get("jwt")?), refresh: get("refresh").map(RefreshToken::new) })
}

/// `url` without `jwt` and `refresh`.
pub fn scrub_url(url: &str) -> String {
    without_params(url, &["jwt", "refresh"], false)
}

/// A legacy session as stored.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacySession {
    pub jwt: AccessToken,
    pub refresh: Option<RefreshToken>,
    /// The JWT's `exp` (epoch seconds).
    pub expires_at: u64,
}

impl FromJson for LegacySession {
    fn read(json: &impl Json, text: &str) -> Option<Self> {
        let mut r = Reader::new(json, text, &["jwt", "refresh", "expiresAt"])?;
        let session = LegacySession { jwt: AccessToken::new(r.required()), refresh: r.text().map(RefreshToken::new), expires_at: r.seconds() };
        r.finish(session)
    }
}

/// A session from a JWT that decodes and has not expired at `now` (no leeway: an expired token is refused).
pub fn session(jwt: AccessToken, refresh: Option<RefreshToken>, now: u64, json: &impl Json) -> Result<LegacySession> {
    let (_, payload) = payload_json(jwt.secret())
        .map_err(|_| Error::id_token("The UiTiD JWT is not a JWT (three base64url parts of UTF-8, separated by dots)."))?;
    let [exp] = members(json, &payload, &["exp"]).ok_or_else(|| Error::id_token("The UiTiD JWT's payload is not a JSON object."))?;
    match exp.number().flatten() {
        Some(exp) if exp.is_finite() && exp > now as f64 => {
            Ok(LegacySession { jwt, refresh, expires_at: (exp as u64).min(now.saturating_add(MAX_EXPIRES_IN)) })
        }
        Some(_) => Err(Error::id_token("The UiTiD JWT has expired.")),
        None => Err(Error::id_token("The UiTiD JWT has no `exp`.")),
    }
}

/// Judges the answer of `GET /refresh`: 2xx with the new token as plain text (a JWT: three base64url parts); a 4xx
/// means the refresh token is no longer accepted (`login_required`), except 408 and 429, which say "later" (RFC 9110
/// §15.5.9, RFC 6585 §4); anything else, an HTML page or JSON among them, is `server_error`.
pub fn refreshed_token(status: u16, body: &str) -> Result<AccessToken> {
    let token = body.trim_ascii();
    let jwt_like = pieces(token, b'.').count() == 3 && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    match status {
        200..=299 if jwt_like => Ok(AccessToken::new(token.to_owned())),
        200..=299 if token.is_empty() => Err(Error::server("The JWT provider's /refresh answered without a token.")),
        200..=299 => Err(Error::server("The JWT provider's /refresh answered with something that is not a JWT (an HTML page?).")),
        400..=499 if status != 408 && status != 429 => Err(Error::new(code::LOGIN_REQUIRED, "The JWT provider refused the refresh token: log in again.")),
        _ => Err(Error::server("The JWT provider's /refresh failed.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::id_token::tests::jwt;
    use crate::core::json::SerdeJson;

    fn config(lang: Option<&str>) -> LegacyConfig {
        LegacyOptions { server_url: "https://jwt-test.uitdatabank.be/".into(), api_key: "key 1".into(), lang: lang.map(Into::into) }
            .validate()
            .unwrap()
    }

    #[test]
    fn connect_and_refresh_urls() {
        assert_eq!(connect_url(&config(Some("fr")), "https://app/back?x=1"),
            "https://jwt-test.uitdatabank.be/connect?apiKey=key%201&destination=https%3A%2F%2Fapp%2Fback%3Fx%3D1&lang=fr");
        assert_eq!(connect_url(&config(None), "https://app/"), "https://jwt-test.uitdatabank.be/connect?apiKey=key%201&destination=https%3A%2F%2Fapp%2F");
        assert_eq!(refresh_url(&config(None), &RefreshToken::new("r/1".into())), "https://jwt-test.uitdatabank.be/refresh?apiKey=key%201&refresh=r%2F1");
    }

    #[test]
    fn options_are_checked() {
        let bad = |o: LegacyOptions| o.validate().unwrap_err().code().to_owned();
        assert_eq!(bad(LegacyOptions { server_url: "http://jwt.uitdatabank.be".into(), api_key: "k".into(), lang: None }), "invalid_config");
        assert_eq!(bad(LegacyOptions { server_url: "https://jwt.uitdatabank.be".into(), api_key: "".into(), lang: None }), "invalid_config");
        assert_eq!(bad(LegacyOptions { server_url: "https://jwt.uitdatabank.be".into(), api_key: "k".into(), lang: Some("en".into()) }), "invalid_config");
        for url in ["https://jwt.uitdatabank.be?x=1", "https://jwt.uitdatabank.be/#top"] {
            assert_eq!(bad(LegacyOptions { server_url: url.into(), api_key: "k".into(), lang: None }), "invalid_config", "{url}");
        }
        for key in ["k\n", "k\u{0}"] {
            assert_eq!(bad(LegacyOptions { server_url: "https://jwt.uitdatabank.be".into(), api_key: key.into(), lang: None }), "invalid_config", "{key}");
        }
    }

    #[test]
    fn callbacks_are_read_and_scrubbed() {
        let cb = parse_callback("https://app/back?x=1&jwt=a.b.c&refresh=r1#f").unwrap();
        assert_eq!(cb.jwt.secret(), "a.b.c");
        assert_eq!(cb.refresh.unwrap().secret(), "r1");
        assert!(parse_callback("https://app/back?x=1").is_none());
        assert!(parse_callback("https://app/back?jwt=").is_none());
        assert_eq!(scrub_url("https://app/back?x=1&jwt=a.b.c&refresh=r1#f"), "https://app/back?x=1#f");
    }

    #[test]
    fn sessions_need_a_live_jwt() {
        let token = |exp: &str| AccessToken::new(jwt(r#"{"alg":"HS256"}"#, &concat(&["{\"uid\":\"u\",\"exp\":", exp, "}"])).secret().to_owned());
        assert_eq!(session(token("2000"), None, 1000, &SerdeJson).unwrap().expires_at, 2000);
        assert_eq!(session(token("1000"), None, 1000, &SerdeJson).unwrap_err().code(), "id_token_invalid");
        assert_eq!(session(token("null"), None, 1000, &SerdeJson).unwrap_err().code(), "id_token_invalid");
        // Named as the UiTiD JWT it is, not as an ID token.
        for garbage in ["garbage", "a.%%.c"] {
            let refused = session(AccessToken::new(garbage.into()), None, 0, &SerdeJson).unwrap_err();
            assert_eq!((refused.code(), refused.message()), ("id_token_invalid", "The UiTiD JWT is not a JWT (three base64url parts of UTF-8, separated by dots)."));
        }
    }

    #[test]
    fn refresh_answers_are_judged() {
        assert_eq!(refreshed_token(200, "a.b.c\n").unwrap().secret(), "a.b.c");
        assert_eq!(refreshed_token(200, "").unwrap_err().code(), "server_error");
        assert_eq!(refreshed_token(200, "<!doctype html><p>Log in</p>").unwrap_err().code(), "server_error");
        assert_eq!(refreshed_token(200, r#"{"token":"a.b.c"}"#).unwrap_err().code(), "server_error");
        assert_eq!(refreshed_token(401, "no").unwrap_err().code(), "login_required");
        for later in [408, 429] {
            assert_eq!(refreshed_token(later, "Too Many Requests").unwrap_err().code(), "server_error", "{later}: the session stays");
        }
        assert_eq!(refreshed_token(502, "").unwrap_err().code(), "server_error");
    }
}
