//! The `#[wasm_bindgen]` facade: JavaScript types in, Rust calls, JavaScript values and `AuthError` out.
//! No protocol logic lives here. Public only so the browser tests can reach it; Rust apps use [`crate::AuthClient`].

mod args;
pub mod client;
pub mod client_identification;
mod convert;
pub mod error;
pub mod legacy;
pub mod pkce;
