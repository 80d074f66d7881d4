//! The `#[wasm_bindgen]` facade (feature `js`): the synchronous core that `driver.js` drives — strings, numbers and
//! booleans in (the driver checks every argument), Rust calls, JavaScript values and `AuthError` out. No protocol logic lives here, and nothing
//! here awaits: the driver owns every `fetch` and `await`.

pub mod client_identification;
mod convert;
pub mod core;
pub mod error;
pub mod legacy;
pub mod pkce;
