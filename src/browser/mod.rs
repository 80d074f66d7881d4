//! The browser shell: everything that touches the browser (randomness, clock, storage, fetch, location),
//! and the async [`AuthClient`](client::AuthClient) that runs the core's steps with them.

pub mod client;
pub mod client_identification;
pub mod http;
pub mod js_value;
pub mod json;
pub mod legacy;
pub mod location;
pub mod random;
pub mod single_flight;
pub mod storage;

/// Now, in epoch seconds, from the browser's clock.
pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}
