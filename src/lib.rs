//! spa-auth: the frontend-safe half of OAuth 2.0 / OpenID Connect for browser apps, in WebAssembly.
//!
//! - [`core`]: pure protocol logic (PKCE, authorize URLs, callbacks, token responses, ID token claims).
//! - `browser` (wasm32 only): the async [`AuthClient`] over sessionStorage, fetch, location and history.
//! - the JavaScript facade (wasm32 only): `#[wasm_bindgen]` types that convert and delegate.
//!
//! It never handles a client secret. See `references/INVARIANTS.md` for what every change must keep.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod js;

pub use crate::core::config::{LogoutStyle, Options, ResponseMode, StorageKind};
pub use crate::core::error::{Error, Result};
pub use crate::core::client_identification::{ClientIdentification, IdentificationMode, IdentificationOptions};
pub use crate::core::legacy_jwt::LegacyOptions;
pub use crate::core::publiq::Environment;
pub use crate::core::token::Tokens;

#[cfg(target_arch = "wasm32")]
pub use browser::client::{AuthClient, FetchOptions, LogoutOptions, TokenOptions};
#[cfg(target_arch = "wasm32")]
pub use browser::legacy::LegacyJwtClient;
#[cfg(target_arch = "wasm32")]
pub use crate::core::authorize::LoginOptions;
