//! spa-auth: the frontend-safe half of OAuth 2.0 / OpenID Connect for browser apps, in WebAssembly.
//!
//! - [`core`]: the protocol without I/O: PKCE, authorize URLs, callbacks, token responses, ID token claims, and
//!   each operation as a step machine ([`core::client`]) that a driver advances.
//! - `browser`: sessionStorage, clock, randomness and location as the core's environment, and (feature `rust`,
//!   default) the Rust driver: the async [`AuthClient`] over the browser's fetch. It builds on every target, so an
//!   app's code shared with its server-side rendering compiles; off wasm32 [`AuthClient`] and [`LegacyJwtClient`]
//!   are not made (`invalid_config`). The module's lower-level building blocks call the browser and are for it only.
//! - the JavaScript facade (wasm32, feature `js`): `#[wasm_bindgen]` types that `src/js/driver.js` drives; the
//!   npm build is `--no-default-features --features js`, so it carries no Rust futures.
//!
//! It never handles a client secret. See `references/INVARIANTS.md` for what every change must keep.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod core;

pub mod browser;
#[cfg(all(target_arch = "wasm32", feature = "js"))]
#[doc(hidden)]
pub mod js;

/// The npm build's allocator: talc, much smaller in the wasm than the default dlmalloc (see README "Size history").
#[cfg(all(target_arch = "wasm32", feature = "js", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use crate::core::config::{LogoutStyle, Options, ResponseMode, StorageKind, TabsMode};
pub use crate::core::error::{code, Error, Result};
pub use crate::core::client_identification::{ClientIdentification, IdentificationMode, IdentificationOptions};
pub use crate::core::legacy_jwt::LegacyOptions;
pub use crate::core::publiq::Environment;
pub use crate::core::token::Tokens;

#[cfg(feature = "rust")]
pub use browser::client::{AuthClient, CheckSessionOptions, FetchOptions, LogoutOptions, PopupLoginOptions, TokenOptions};
pub use browser::legacy::LegacyJwtClient;
pub use crate::core::authorize::LoginOptions;
