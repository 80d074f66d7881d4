//! The tabs of one app (`tabs: "shared"`): the channel they talk on, and sessions and logouts ordered by time, so a
//! tab never takes back a spent refresh token or a session older than a logout.

use crate::core::encoding::concat;
use super::*;

/// A message to the other tabs of this app, as both drivers send it (`{ type, text?, at }`). Its `Debug` leaves out
/// the session's text (it holds the refresh token).
#[derive(PartialEq)]
pub struct TabMessage {
    /// `session`, `logout`, `logged-out`, `ask`, `hello` or `here`.
    pub kind: &'static str,
    /// The session's text (`session` only).
    pub text: Option<String>,
    /// When this tab's session was obtained, or (`logout`, `logged-out`) when it last logged out, in epoch ms.
    pub at: u64,
}

/// What a driver does after another tab's message (`Client::hear`), in this order.
#[derive(Debug, Default, PartialEq)]
pub struct Heard {
    /// A newer session was taken: wake whoever waits for one (an `ask`).
    pub adopted: bool,
    /// The tab that logged out removed the DPoP key pair: forget this client's handle of it.
    pub drop_key: bool,
    /// Send these kinds of message to the other tabs (`Client::tab_message`).
    pub replies: &'static [&'static str],
    /// The session may have changed: tell the listeners if it did.
    pub changed: bool,
}

impl std::fmt::Debug for TabMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TabMessage").field("kind", &self.kind).field("at", &self.at).finish_non_exhaustive()
    }
}

impl<E: Env> Client<E> {
    /// Issuer, client id and the `audience` when one is asked for, space-separated: whose session this is.
    pub(super) fn session_name(&self) -> String {
        let audience = self.config.audience.as_deref().map_or(String::new(), |a| concat(&[" ", a]));
        concat(&[self.config.issuer.as_str(), " ", &self.config.client_id, &audience])
    }

    /// The name of the channel (and Web Lock) the tabs of this app share: `spa-auth` and the session's name;
    /// `None` when tabs are isolated or tokens live in memory.
    pub fn tabs_channel(&self) -> Option<String> {
        (self.config.tabs == TabsMode::Shared).then(|| concat(&["spa-auth ", &self.session_name()]))
    }

    /// The stored session as another tab adopts it (it holds the refresh token: it goes only to tabs of the same
    /// origin, issuer and client id).
    pub fn session_text(&self) -> Option<String> {
        self.env.tokens_text()
    }

    /// When the last logout this tab knows of happened (its own or another tab's), in epoch milliseconds. Logins
    /// and logouts are ordered by time (one machine, one clock): a logout ends every session whose login came
    /// before it (refreshed since or not), and such a session is never taken back.
    pub fn logged_out_at(&self) -> u64 {
        self.env.logins().get(&self.keys.logged_out_at()).ok().flatten().and_then(|e| e.parse().ok()).unwrap_or(0)
    }

    pub(super) fn set_logged_out_at(&self, at: u64) {
        let _ = self.env.logins().set(&self.keys.logged_out_at(), &decimal(at));
    }

    /// When this tab's session was obtained (by a login or refresh here or in the tab it came from), in epoch
    /// milliseconds: a tab takes only a newer session than its own, so an answer from a tab that has not yet heard
    /// of a refresh can never bring back a spent refresh token.
    pub fn session_at(&self) -> u64 {
        self.env.logins().get(&self.keys.session_at()).ok().flatten().and_then(|e| e.parse().ok()).unwrap_or(0)
    }

    pub(super) fn set_session_at(&self, at: u64) {
        let _ = self.env.logins().set(&self.keys.session_at(), &decimal(at));
    }

    /// A session another tab of this app obtained at `at` (its stored text): stored here unless it is older than
    /// the last logout this tab knows of or than this tab's own session, or unreadable or no longer usable.
    /// `true` when it changed this tab's.
    pub fn adopt(&self, text: &str, at: u64) -> bool {
        if at <= self.logged_out_at() || (at <= self.session_at() && self.stored().is_some()) {
            return false;
        }
        let Some(set) = TokenSet::read(self.env.json(), text) else { return false };
        // A refresh after the logout, by a tab that had not heard of it, still continues a login from before it.
        let logged_in_at = set.login_at.unwrap_or(at);
        if logged_in_at <= self.logged_out_at() || !freshness::is_authenticated(Some(&set), self.env.now()) || !self.takes(&set) {
            return false;
        }
        if self.env.tokens_text().as_deref() == Some(text) || self.env.save_tokens(&set).is_err() {
            return false;
        }
        self.set_session_at(at);
        self.changed();
        true
    }

    /// Another tab logged out at `at` (or tells a tab that just opened of its last logout): this tab forgets a
    /// session whose login came before then, even if refreshed since (a login here after that logout stays).
    /// `true` when it had one.
    pub fn logged_out_elsewhere(&self, at: u64) -> bool {
        if at <= self.logged_out_at() {
            return false;
        }
        self.set_logged_out_at(at);
        let Some(set) = self.stored() else { return false };
        if set.login_at.unwrap_or_else(|| self.session_at()) > at {
            return false;
        }
        self.forget_tokens();
        true
    }

    /// The message of `kind` this tab sends now: its `at` and, for `session`, the stored session's text.
    pub fn tab_message(&self, kind: &'static str) -> TabMessage {
        let text = if kind == "session" { self.session_text() } else { None };
        TabMessage { kind, text, at: self.tab_message_at(kind) }
    }

    /// The `at` of a message of `kind`: the last logout this tab knows of for `logout` and `logged-out`, when its
    /// session was obtained for the others.
    pub fn tab_message_at(&self, kind: &str) -> u64 {
        if kind == "logout" || kind == "logged-out" { self.logged_out_at() } else { self.session_at() }
    }

    /// A message from another tab of this app (or another client of it in this tab): `kind` and `text` as sent,
    /// `at` its time in epoch ms. Unknown kinds, and a `session` without text, change nothing.
    pub fn hear(&self, kind: &str, text: Option<&str>, at: u64) -> Heard {
        match (kind, text) {
            ("session", Some(text)) => Heard { adopted: self.adopt(text, at), changed: true, ..Heard::default() },
            ("logout", _) => {
                self.logged_out_elsewhere(at);
                // The tab (or client) that logged out removed the key pair, whether this tab had a session or not.
                Heard { drop_key: true, changed: true, ..Heard::default() }
            }
            // Another tab's last logout, told to a tab that opens (it may have been away): it ends an older login.
            ("logged-out", _) => Heard { drop_key: self.logged_out_elsewhere(at), changed: true, ..Heard::default() },
            ("ask", _) if self.is_authenticated() => Heard { replies: &["session"], ..Heard::default() },
            // A tab that was away (another site, then Back) may not have heard of the last logout.
            ("hello", _) if self.logged_out_at() > 0 => Heard { replies: &["here", "logged-out"], ..Heard::default() },
            ("hello", _) => Heard { replies: &["here"], ..Heard::default() },
            _ => Heard::default(),
        }
    }
}
