//! Deciding, from the stored tokens and the time, whether a token can be used, must be refreshed, or is gone.

use super::token::TokenSet;

/// Seconds a cached access token must still be valid for when the caller asks nothing else.
pub const DEFAULT_MIN_VALIDITY: u64 = 30;

/// What `getAccessToken` has to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The cached access token is good for long enough.
    Valid,
    /// A refresh token can get a new one.
    Refresh,
    /// Nothing usable: the user must log in again.
    LoginRequired,
}

/// The margin actually required: an explicit `min_validity` as given (keycloak-js `updateToken(minValidity)`
/// semantics); the default 30 s is capped at half the token's lifetime, so that short-lived tokens are not
/// refreshed on every call.
pub fn effective_min_validity(set: &TokenSet, min_validity: Option<u64>) -> u64 {
    let lifetime = set.expires_at.saturating_sub(set.received_at);
    min_validity.unwrap_or(DEFAULT_MIN_VALIDITY.min(lifetime / 2))
}

/// What to do for a caller that wants a token valid for `min_validity` more seconds at `now`.
pub fn assess(set: Option<&TokenSet>, now: u64, min_validity: Option<u64>, force_refresh: bool) -> Freshness {
    let Some(set) = set else { return Freshness::LoginRequired };
    let margin = effective_min_validity(set, min_validity);
    if !force_refresh && set.expires_at > now && set.expires_at - now >= margin.max(1) {
        Freshness::Valid
    } else if refreshable(set, now) {
        Freshness::Refresh
    } else {
        Freshness::LoginRequired
    }
}

/// `isAuthenticated`: a token that has not expired, or one that can be refreshed.
pub fn is_authenticated(set: Option<&TokenSet>, now: u64) -> bool {
    set.is_some_and(|s| s.expires_at > now || refreshable(s, now))
}

/// A refresh token that has not expired, as far as the server said (`refresh_expires_in`).
pub fn refreshable(set: &TokenSet, now: u64) -> bool {
    set.refresh_token.is_some() && set.refresh_expires_at.is_none_or(|at| at > now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::{AccessToken, RefreshToken};

    fn set(received_at: u64, expires_at: u64, refresh: bool) -> TokenSet {
        TokenSet {
            issuer: "https://id.example.com".into(),
            audience: None,
            access_token: AccessToken::new("a".into()),
            token_type: "Bearer".into(),
            refresh_token: refresh.then(|| RefreshToken::new("r".into())),
            id_token: None,
            scope: None,
            expires_at,
            received_at,
            login_nonce: None,
            auth_time: None,
            login_at: None,
            refresh_expires_at: None,
            resource: None,
        }
    }

    #[test]
    fn valid_until_the_margin() {
        let s = set(0, 3600, true);
        assert_eq!(assess(Some(&s), 3569, None, false), Freshness::Valid);
        assert_eq!(assess(Some(&s), 3571, None, false), Freshness::Refresh);
        assert_eq!(assess(Some(&s), 3000, Some(700), false), Freshness::Refresh);
        assert_eq!(assess(Some(&s), 3000, Some(0), false), Freshness::Valid);
    }

    #[test]
    fn short_lived_tokens_use_half_their_lifetime() {
        let s = set(100, 110, true);
        assert_eq!(effective_min_validity(&s, None), 5);
        assert_eq!(assess(Some(&s), 104, None, false), Freshness::Valid);
        assert_eq!(assess(Some(&s), 106, None, false), Freshness::Refresh);
    }

    #[test]
    fn an_explicit_min_validity_is_honoured_as_given() {
        // 4 s tokens: minValidity 3600 refreshes at once, also on a token received this very second.
        let s = set(100, 104, true);
        assert_eq!(effective_min_validity(&s, Some(3600)), 3600);
        assert_eq!(assess(Some(&s), 100, Some(3600), false), Freshness::Refresh);
        assert_eq!(assess(Some(&s), 100, Some(3), false), Freshness::Valid);
        assert_eq!(assess(Some(&s), 102, Some(3), false), Freshness::Refresh);
        assert_eq!(assess(Some(&set(100, 104, false)), 100, Some(3600), false), Freshness::LoginRequired);
    }

    #[test]
    fn expired_tokens_are_never_valid() {
        let s = set(0, 0, false);
        assert_eq!(assess(Some(&s), 0, Some(0), false), Freshness::LoginRequired);
        assert_eq!(assess(Some(&set(0, 100, false)), 100, Some(0), false), Freshness::LoginRequired);
    }

    #[test]
    fn force_refresh_and_missing_refresh_token() {
        assert_eq!(assess(Some(&set(0, 3600, true)), 0, None, true), Freshness::Refresh);
        assert_eq!(assess(Some(&set(0, 3600, false)), 0, None, true), Freshness::LoginRequired);
        assert_eq!(assess(Some(&set(0, 3600, false)), 3590, None, false), Freshness::LoginRequired);
        assert_eq!(assess(None, 0, None, false), Freshness::LoginRequired);
    }

    #[test]
    fn authenticated_while_valid_or_refreshable() {
        assert!(is_authenticated(Some(&set(0, 100, false)), 99));
        assert!(!is_authenticated(Some(&set(0, 100, false)), 100));
        assert!(is_authenticated(Some(&set(0, 100, true)), 1000));
        assert!(!is_authenticated(None, 0));
        // A refresh token the server said expires (Keycloak's `refresh_expires_in`) refreshes until then only.
        let idle = TokenSet { refresh_expires_at: Some(1800), ..set(0, 300, true) };
        assert!(is_authenticated(Some(&idle), 1799));
        assert_eq!(assess(Some(&idle), 1799, None, false), Freshness::Refresh);
        assert!(!is_authenticated(Some(&idle), 1800));
        assert_eq!(assess(Some(&idle), 1800, None, false), Freshness::LoginRequired);
    }
}
