//! `verifySignature`: the provider's JWK Set and the driver's WebCrypto check a signed token before what it carries
//! is taken: a token set's ID token before the set is stored, a signed UserInfo answer before its claims are given.

use crate::core::encoding::concat;
use crate::core::signature::Signed;
use super::*;

impl<E: Env> Client<E> {
    /// `e`, a signature check that failed for good (not a key set that could not be fetched for a moment, which
    /// keeps the session and its rotated refresh token); for a refresh it ends the session, as a refused refresh
    /// does: every later refresh would bring the same token.
    fn refused(&self, checked: &Checked, e: Error) -> Error {
        if let Checked::Tokens(_, Finish::Refresh { refresh_token }) = checked {
            if self.holds(refresh_token) {
                self.forget_tokens();
            }
        }
        e
    }

    /// `verifySignature`: the provider's JWK Set (cached for the tab session, fetched again once for an unknown
    /// `kid` or a signature that fails with the cached set), the key that fits the token, the driver's verification,
    /// then what `checked` goes on to: [`finish`](Self::finish) for a token set, the claims for UserInfo.
    pub(super) fn check_signature(
        &self,
        step: &mut Step,
        checked: Checked,
        fetched: bool,
        awaiting: Awaiting,
        answer: Option<Answer>,
    ) -> Result<Action> {
        let signed = match checked {
            Checked::Tokens(..) => Signed::IdToken,
            Checked::UserInfo { .. } => Signed::UserInfo,
        };
        let endpoints = self.known_endpoints();
        let jwks_uri = endpoints.as_ref().and_then(|e| e.jwks.clone()).or_else(|| self.config.jwks_uri.clone());
        let Some(jwks_uri) = jwks_uri else {
            return Err(Error::invalid_config("`verifySignature` needs the provider's jwks_uri: give the `jwksUri` option."));
        };
        // The key set to choose from; none: fetch it (again).
        let jwks = match awaiting {
            Awaiting::Signature => match answer {
                Some(Answer::Verified(true)) => {
                    return match checked {
                        Checked::Tokens(set, finish) => self.finish(*set, finish),
                        Checked::UserInfo { claims, .. } => Ok(Action::Done(Outcome::UserInfo(claims))),
                    }
                }
                // A key from the tab's cached JWK Set: the provider may have put new key material under the same
                // `kid`, or under none; one more look at its JWK Set.
                Some(Answer::Verified(false)) if !fetched => None,
                _ => return Err(self.refused(&checked, signature::did_not_verify(signed))),
            },
            Awaiting::Jwks => {
                let (status, text) = self.http_answer(answer, "JWKS", &jwks_uri)?;
                // Not a key set (a captive portal's page, too): the server's failure, not the token's.
                if !(200..300).contains(&status) || self.env.json().items(&text, "keys").is_none() {
                    return Err(Error::server(concat(&["The JWK Set at ", &jwks_uri, " could not be read (HTTP ", &decimal(status.into()), ")."])));
                }
                let _ = self.env.logins().set(&self.keys.jwks(&jwks_uri), &text);
                Some(text)
            }
            Awaiting::Nothing => self.env.logins().get(&self.keys.jwks(&jwks_uri)).ok().flatten(),
        };
        if let Some(jwks) = jwks {
            // The ID token's algorithms as discovery announced them; UserInfo's are not read (any the library takes).
            let announced = match (signed, &endpoints) {
                (Signed::IdToken, Some(e)) => e.signing_algs.as_slice(),
                _ => &[],
            };
            let choice = signature::choose_key(checked.jwt(), &jwks, announced, self.env.json(), signed);
            match choice.map_err(|e| self.refused(&checked, e))? {
                KeyChoice::Verify(verification) => {
                    step.state = State::Verifying { checked, fetched, awaiting: Awaiting::Signature };
                    return Ok(Action::Verify(verification));
                }
                // The provider may have rotated its keys: one more look at its JWK Set.
                KeyChoice::UnknownKey if !fetched => {}
                KeyChoice::UnknownKey => {
                    return Err(self.refused(&checked, signature::invalid(signed, "no key of the provider's JWK Set fits its `kid` and `alg`.")));
                }
            }
        }
        step.state = State::Verifying { checked, fetched: true, awaiting: Awaiting::Jwks };
        Ok(Action::Fetch(HttpRequest::get(jwks_uri)))
    }
}
