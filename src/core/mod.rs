//! The pure protocol core: no browser, no clock, no randomness of its own. Tested natively and fuzzed.

pub mod authorize;
pub mod callback;
pub mod client;
pub mod client_identification;
pub mod config;
pub mod discovery;
pub mod dpop;
pub mod encoding;
pub mod error;
pub mod freshness;
pub mod id_token;
pub mod json;
pub mod json_text;
pub mod keys;
pub mod legacy_jwt;
pub mod logout;
pub mod pkce;
pub mod publiq;
pub mod secret;
pub mod signature;
pub mod store;
pub mod token;
