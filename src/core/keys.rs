//! Storage keys: `spa-auth:{clientId}:…`, so two clients on one page never share anything.

use crate::core::encoding::concat;
/// The keys of one client.
#[derive(Clone, Debug)]
pub struct Keys {
    prefix: String,
    /// `:{audience}` for a client that asks for an `audience`, else empty: the keys that describe a session (its
    /// tokens, when it was obtained, the last logout, the silent check) belong to that audience's session.
    session: String,
}

/// `text` onto `out` with each `%` as `%25` and, with `colon`, each `:` as `%3A`.
fn escape_into(out: &mut String, text: &str, colon: bool) {
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' if colon => out.push_str("%3A"),
            c => out.push(c),
        }
    }
}

impl Keys {
    /// Keys for `client_id` and its session for `audience`; a `:` or `%` in the client id is escaped, so no client
    /// id can reach into another's keys.
    pub fn new(client_id: &str, audience: Option<&str>) -> Self {
        let mut prefix = String::from("spa-auth:");
        escape_into(&mut prefix, client_id, true);
        prefix.push(':');
        let mut session = String::new();
        if let Some(audience) = audience {
            session.push(':');
            escape_into(&mut session, audience, false);
        }
        Keys { prefix, session }
    }

    fn of_session(&self, name: &str) -> String {
        concat(&[&self.prefix, name, &self.session])
    }

    /// Every key of this client starts with this.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The token set (of the audience's session: one API's tokens never stand in for another's).
    pub fn tokens(&self) -> String {
        self.of_session("tokens")
    }

    /// When the last logout of this session this tab knows of happened (see `Client::adopt`).
    pub fn logged_out_at(&self) -> String {
        self.of_session("logged-out-at")
    }

    /// When this tab's session was obtained, in epoch milliseconds.
    pub fn session_at(&self) -> String {
        self.of_session("session-at")
    }

    /// This tab's id in the name of its DPoP key (`tabs: "isolated"`).
    pub fn dpop_tab(&self) -> String {
        concat(&[&self.prefix, "dpop-tab"])
    }

    /// Set once this tab tried a silent check for this session.
    pub fn silent_tried(&self) -> String {
        self.of_session("silent-tried")
    }

    /// The JWK Set at `jwks_uri`, cached for the tab session (two issuers with the same client id never share it).
    pub fn jwks(&self, jwks_uri: &str) -> String {
        concat(&[&self.prefix, "jwks:", jwks_uri])
    }

    /// Cached discovery metadata.
    pub fn discovery(&self) -> String {
        concat(&[&self.prefix, "discovery"])
    }

    /// A login in progress, under its state.
    pub fn transaction(&self, state: &str) -> String {
        concat(&[&self.prefix, "tx:", state])
    }

    /// A state already redeemed (so a replay is told apart from a stranger's state).
    pub fn used_state(&self, state: &str) -> String {
        concat(&[&self.prefix, "used:", state])
    }

    /// Whether `key` is one of this client's logins in progress or used states (not tokens or discovery).
    pub fn is_login_record(&self, key: &str) -> bool {
        key.strip_prefix(self.prefix.as_str()).is_some_and(|rest| rest.starts_with("tx:") || rest.starts_with("used:"))
    }

    /// Whether `key` is a login in progress.
    pub fn is_transaction(&self, key: &str) -> bool {
        key.strip_prefix(self.prefix.as_str()).is_some_and(|rest| rest.starts_with("tx:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_the_client_id() {
        let k = Keys::new("app-1", None);
        assert_eq!(k.tokens(), "spa-auth:app-1:tokens");
        assert_eq!(k.transaction("s"), "spa-auth:app-1:tx:s");
        assert_eq!(k.used_state("s"), "spa-auth:app-1:used:s");
        assert_eq!(k.discovery(), "spa-auth:app-1:discovery");
        assert!(k.is_transaction("spa-auth:app-1:tx:s"));
        assert!(k.is_login_record("spa-auth:app-1:used:s"));
        assert!(!k.is_login_record("spa-auth:app-12:tx:s"));
        assert!(!k.is_login_record("spa-auth:app-1:tokens"));
        assert_ne!(Keys::new("a", None).tokens(), Keys::new("b", None).tokens());
        assert_eq!(k.session_at(), "spa-auth:app-1:session-at");
        // A session for an audience has keys of its own; the client's logins in progress are shared.
        let api = Keys::new("app-1", Some("https://api.example/"));
        assert_eq!(api.tokens(), "spa-auth:app-1:tokens:https://api.example/");
        assert_eq!(api.logged_out_at(), "spa-auth:app-1:logged-out-at:https://api.example/");
        assert_eq!(api.session_at(), "spa-auth:app-1:session-at:https://api.example/");
        assert_eq!(api.silent_tried(), "spa-auth:app-1:silent-tried:https://api.example/");
        assert_eq!(api.transaction("s"), k.transaction("s"));
        assert!(!k.is_login_record(&Keys::new("app-1", Some("tx:x")).tokens()));
        // A client id with a colon cannot reach into another client's keys.
        let app = Keys::new("app", None);
        assert_eq!(Keys::new("app:tx", None).tokens(), "spa-auth:app%3Atx:tokens");
        // The escape itself escaped, and an audience keeps its colons (storage keys of 0.1.0).
        assert_eq!(Keys::new("é%3A:%", Some("urn:a%b")).tokens(), "spa-auth:é%253A%3A%25:tokens:urn:a%25b");
        assert!(!app.is_login_record(&Keys::new("app:tx", None).tokens()));
        assert!(!app.is_login_record(&Keys::new("app:tx:", None).transaction("s")));
    }
}
