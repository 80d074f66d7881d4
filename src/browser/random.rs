//! Random bytes from `crypto.getRandomValues`, through getrandom.

use crate::core::authorize::LoginRandomness;
use crate::core::error::{code, Error, Result};
use crate::core::pkce::RANDOM_LEN;

/// `N` bytes from the browser's CSPRNG.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|_| Error::new(code::CRYPTO_UNAVAILABLE, "crypto.getRandomValues is not available in this environment."))?;
    Ok(buf)
}

/// Fresh verifier, state and nonce bytes for one login.
pub fn login() -> Result<LoginRandomness> {
    Ok(LoginRandomness { verifier: bytes::<RANDOM_LEN>()?, state: bytes::<RANDOM_LEN>()?, nonce: bytes::<RANDOM_LEN>()? })
}
