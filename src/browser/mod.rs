//! The browser shell: everything that touches the browser (randomness, clock, storage, location) as the
//! core's [`Env`](crate::core::client::Env), and, with feature `rust`, the Rust driver: the async
//! [`AuthClient`](client::AuthClient) that runs the core's steps with the browser's fetch.

#[cfg(feature = "rust")]
pub mod client;
#[cfg(feature = "rust")]
pub mod client_identification;
pub mod env;
#[cfg(feature = "rust")]
pub mod http;
pub mod json;
pub mod legacy;
pub mod location;
#[cfg(feature = "rust")]
pub mod popup;
pub mod random;
#[cfg(feature = "rust")]
pub mod single_flight;
pub mod storage;
#[cfg(feature = "rust")]
pub mod tabs;
#[cfg(feature = "rust")]
pub mod webcrypto;

/// `invalid_config` for `client` made on another target than the browser's wasm, such as the server of an app whose
/// code is shared with its server-side rendering (web-sys has nothing to call there): before anything reaches for
/// the browser. Called only there (`#[cfg(not(target_arch = "wasm32"))]`), so the wasm carries none of it.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn in_browser(client: &str) -> crate::core::error::Result<()> {
    Err(crate::core::error::Error::invalid_config(crate::core::encoding::concat(&[
        "spa-auth's `",
        client,
        "` runs in the browser only: make it there, not in server-side rendering (in Leptos in an `Effect`, in Yew in \
`use_effect`).",
    ])))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `window`, or none where there is no such global (a worker, Node): one binding of the global
    /// instead of `web_sys::window()`, which looks through four globals (`globalThis`, `self`, `window`, `global`)
    /// and checks `instanceof Window` (README "Size history"). A `window` global that is no real `Window` (a test
    /// DOM's, a shim's) is taken as one.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<web_sys::Window>;
}

/// The page's `window`, when there is one.
pub fn window() -> Option<web_sys::Window> {
    WINDOW.with(Clone::clone)
}

/// Now, in epoch seconds, from the browser's clock.
pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// Milliseconds on the page's monotonic clock (`performance.now()`), for waits and timeouts that a wall clock set
/// back (an NTP step) must not stretch.
#[cfg(feature = "rust")]
pub fn monotonic_ms() -> f64 {
    window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}
