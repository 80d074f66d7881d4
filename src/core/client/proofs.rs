//! DPoP (RFC 9449) in the step machines: each request that carries a grant or a token gets the proof the core
//! writes (`core::dpop`), a server's nonce challenge is answered once, and the app's own requests run as steps.

use crate::core::encoding::{concat, cut};
use super::*;

impl<E: Env> Client<E> {
    /// A request as the driver sends it, remembered as the outstanding one; with `dpop: true`, requests that
    /// carry a token or a grant (token, refresh, revocation, UserInfo) get a fresh proof. `retry`: the same
    /// request again, with the nonce the server asked for.
    pub(super) fn send(&self, step: &mut Step, mut request: HttpRequest, retry: bool) -> Result<Action> {
        if self.config.dpop && (request.body.is_some() || request.authorization.is_some()) {
            let token = request.authorization.as_deref().and_then(|a| cut(a, b' ')).map(|(_, t)| t);
            request.dpop = Some(self.dpop_proof(request.method(), &request.url, token)?);
        }
        step.requested = Some(request.clone());
        step.nonce_retried = retry;
        Ok(Action::Fetch(request))
    }

    /// With `dpop: true`: keeps the nonce of a server's answer and, when the answer asks for the request again
    /// with it (RFC 9449 §8, §9), the request to send again (once per request). An authorization server's nonce
    /// challenge whose `DPoP-Nonce` header the browser hid (cross-origin, not exposed) is an error that says so.
    pub(super) fn nonce_retry(&self, step: &mut Step, answer: &Option<Answer>) -> Result<Option<HttpRequest>> {
        let (Some(Answer::Http { status, text, nonce, challenge }), Some(sent)) = (answer, &step.requested) else {
            return Ok(None);
        };
        if !self.config.dpop || sent.dpop.is_none() {
            return Ok(None);
        }
        let Some(nonce) = nonce else {
            // The app's own request gets the answer as it is; a revocation's answer changes nothing (the logout goes on).
            let (server, section) = match step.state {
                State::Resource { .. } | State::Logout { .. } => return Ok(None),
                State::UserInfo { .. } => ("The UserInfo endpoint at ", " asked for a DPoP nonce (RFC 9449 §9)"),
                _ => ("The authorization server at ", " asked for a DPoP nonce (RFC 9449 §8)"),
            };
            if dpop::asks_for_nonce(*status, text, challenge.as_deref(), self.env.json()) {
                let message = [
                    server,
                    crate::core::encoding::origin(&sent.url),
                    section,
                    ", but its `DPoP-Nonce` header cannot be read here: a cross-origin \
                     server must list it in `Access-Control-Expose-Headers`.",
                ];
                return Err(Error::caused_by("use_dpop_nonce", concat(&message), &Error::oauth("use_dpop_nonce".into(), None)));
            }
            return Ok(None);
        };
        // Kept from every answer (§8.2), also where no retry may follow (the app's request after a refresh).
        self.nonces.borrow_mut().keep(&sent.url, nonce);
        let may_retry = !matches!(step.state, State::Resource { nonce_retry: false, .. }) && !step.nonce_retried;
        if !may_retry || !dpop::asks_for_nonce(*status, text, challenge.as_deref(), self.env.json()) {
            return Ok(None);
        }
        Ok(Some(sent.clone()))
    }

    /// `dpop: true`: the public half of the driver's key (`None` after logout, when the driver removed it).
    pub fn set_dpop_key(&self, key: Option<PublicKey>) {
        *self.dpop_key.borrow_mut() = key;
    }

    /// The signing input of a DPoP proof for `method` `url` (with the hash of `access_token` when the request
    /// carries one) and the server's latest nonce; the driver signs it.
    pub(super) fn dpop_proof(&self, method: &str, url: &str, access_token: Option<&str>) -> Result<String> {
        let key = self.dpop_key.borrow();
        let Some(key) = key.as_ref() else {
            return Err(Error::invalid_config("`dpop: true`, but the driver gave no DPoP key before a request that needs a proof."));
        };
        let jti = base64url(&self.env.random()?.state);
        let nonces = self.nonces.borrow();
        let proof = dpop::Proof { htm: method, url, iat: self.env.now(), jti: &jti, access_token, nonce: nonces.of(url) };
        Ok(proof.signing_input(key))
    }

    /// The app's own `method` request to `url` with `access_token` (`fetch`), for the driver to send with the
    /// headers each `Fetch` names: `Authorization: DPoP …` and a proof with the token's hash, sent once more when
    /// the server asks for its nonce (RFC 9449 §9). Ends with [`Outcome::Answered`].
    /// `nonce_retry`: whether a nonce challenge may be answered (not on the retry after a refresh, so a request is
    /// never sent more than three times).
    pub fn resource(&self, method: String, url: String, access_token: &str, nonce_retry: bool) -> Step {
        let authorization = Some(self.authorization(access_token));
        let request = Some(HttpRequest { authorization, method: Some(method), ..HttpRequest::get(url) });
        Step::new(State::Resource { request, nonce_retry })
    }

    /// The IndexedDB name of this client's DPoP key (`None` without `dpop: true`): issuer, client id and the
    /// `audience` when one is asked for (each audience's session is logged out on its own), so the tabs that share
    /// a session share its key; with `tabs: "isolated"` also this tab's own id (kept in sessionStorage, so a reload
    /// finds it), so a logout in one tab never removes the key another tab's session is bound to.
    pub fn dpop_key_name(&self) -> Option<String> {
        if !self.config.dpop {
            return None;
        }
        let name = self.session_name();
        if self.config.tabs == TabsMode::Shared {
            return Some(name);
        }
        let logins = self.env.logins();
        let tab = match logins.get(&self.keys.dpop_tab()).ok().flatten() {
            Some(tab) => tab,
            None => {
                let tab = base64url(&self.env.random().ok()?.state);
                logins.set(&self.keys.dpop_tab(), &tab).ok()?;
                tab
            }
        };
        Some(concat(&[name.as_str(), " ", &tab]))
    }
}
