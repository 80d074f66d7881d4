//! Storage keys: `spa-auth:{clientId}:…`, so two clients on one page never share anything.

/// The keys of one client.
#[derive(Clone, Debug)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys for `client_id`; a `:` or `%` in it is escaped, so no client id can reach into another's keys.
    pub fn new(client_id: &str) -> Self {
        let escaped = client_id.replace('%', "%25").replace(':', "%3A");
        Keys { prefix: ["spa-auth:", &escaped, ":"].concat() }
    }

    /// Every key of this client starts with this.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The token set.
    pub fn tokens(&self) -> String {
        [&self.prefix, "tokens"].concat()
    }

    /// The token set of a client that asks for `audience` (one API's tokens never stand in for another's).
    pub fn tokens_for(&self, audience: Option<&str>) -> String {
        match audience {
            Some(audience) => [&self.prefix, "tokens:", &audience.replace('%', "%25")].concat(),
            None => self.tokens(),
        }
    }

    /// When the last logout this tab knows of happened (see `Client::adopt`).
    pub fn logged_out_at(&self) -> String {
        [&self.prefix, "logged-out-at"].concat()
    }

    /// When this tab's session was obtained, in epoch milliseconds.
    pub fn session_at(&self) -> String {
        [&self.prefix, "session-at"].concat()
    }

    /// This tab's id in the name of its DPoP key (`tabs: "isolated"`).
    pub fn dpop_tab(&self) -> String {
        [&self.prefix, "dpop-tab"].concat()
    }

    /// Set once this tab tried a silent check.
    pub fn silent_tried(&self) -> String {
        [&self.prefix, "silent-tried"].concat()
    }

    /// The JWK Set at `jwks_uri`, cached for the tab session (two issuers with the same client id never share it).
    pub fn jwks(&self, jwks_uri: &str) -> String {
        [&self.prefix, "jwks:", jwks_uri].concat()
    }

    /// Cached discovery metadata.
    pub fn discovery(&self) -> String {
        [&self.prefix, "discovery"].concat()
    }

    /// A login in progress, under its state.
    pub fn transaction(&self, state: &str) -> String {
        [&self.prefix, "tx:", state].concat()
    }

    /// A state already redeemed (so a replay is told apart from a stranger's state).
    pub fn used_state(&self, state: &str) -> String {
        [&self.prefix, "used:", state].concat()
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
        let k = Keys::new("app-1");
        assert_eq!(k.tokens(), "spa-auth:app-1:tokens");
        assert_eq!(k.transaction("s"), "spa-auth:app-1:tx:s");
        assert_eq!(k.used_state("s"), "spa-auth:app-1:used:s");
        assert_eq!(k.discovery(), "spa-auth:app-1:discovery");
        assert!(k.is_transaction("spa-auth:app-1:tx:s"));
        assert!(k.is_login_record("spa-auth:app-1:used:s"));
        assert!(!k.is_login_record("spa-auth:app-12:tx:s"));
        assert!(!k.is_login_record("spa-auth:app-1:tokens"));
        assert_ne!(Keys::new("a").tokens(), Keys::new("b").tokens());
        assert_eq!(k.tokens_for(None), k.tokens());
        assert_eq!(k.tokens_for(Some("https://api.example/")), "spa-auth:app-1:tokens:https://api.example/");
        assert!(!k.is_login_record(&k.tokens_for(Some("tx:x"))));
        // A client id with a colon cannot reach into another client's keys.
        let app = Keys::new("app");
        assert_eq!(Keys::new("app:tx").tokens(), "spa-auth:app%3Atx:tokens");
        assert!(!app.is_login_record(&Keys::new("app:tx").tokens()));
        assert!(!app.is_login_record(&Keys::new("app:tx:").transaction("s")));
    }
}
