//! The address bar: read it, leave for another URL, or rewrite it without a reload.

use crate::core::error::{Error, Result};
use wasm_bindgen::JsValue;

fn window() -> Result<web_sys::Window> {
    super::window().ok_or_else(|| Error::invalid_config("spa-auth needs a browser window (no window object found)."))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Location`, seen through a binding whose result is a JavaScript value, which wasm reads (no glue that
    /// copies the string out; README "Size history").
    #[wasm_bindgen(js_name = Location)]
    type RawLocation;

    /// `location.href`.
    #[wasm_bindgen(method, getter = href, catch)]
    fn href_js(this: &RawLocation) -> std::result::Result<JsValue, JsValue>;
}

/// The current URL (`location.href`).
pub fn href() -> Result<String> {
    let location = window()?.location();
    let href = wasm_bindgen::JsCast::unchecked_ref::<RawLocation>(&location).href_js().ok();
    href.and_then(|href| href.as_string()).ok_or_else(|| Error::invalid_config("location.href cannot be read here."))
}

/// `url` as an absolute URL: a relative one (`/`, `location.pathname`) resolved against the current page, as a
/// link's `href` is; one with a scheme as it is (never normalized: providers compare redirect URIs as strings).
pub fn absolute(url: String) -> String {
    let scheme = url.find(':').and_then(|i| url.get(..i)).is_some_and(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic()) && s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    if scheme {
        return url;
    }
    href().ok().and_then(|base| web_sys::Url::new_with_base(&url, &base).ok()).map_or(url, |u| u.href())
}

/// Navigates to `url` (`location.assign`).
pub fn assign(url: &str) -> Result<()> {
    window()?.location().assign(url).map_err(|_| Error::invalid_config("The browser refused to navigate to the URL."))
}

/// A callback `url` resolved against the page's address: `?jwt=…` or a host in capitals is still this page's
/// address. As it is when it is empty (never the address bar) or no URL, for the core to say why. The JavaScript
/// driver resolves in JavaScript before it calls (driver.js `resolved`), so the npm build does without.
#[cfg(feature = "rust")]
pub fn resolved(url: String) -> String {
    match href() {
        Ok(base) if !url.is_empty() => web_sys::Url::new_with_base(&url, &base).map_or(url, |u| u.href()),
        _ => url,
    }
}

/// The callback URL to read: `url` (resolved against the page, [`resolved`]), or the address bar. When it is the
/// address bar's, the address bar is rewritten first to `scrub(url)`, so a callback's secrets leave it whatever
/// happens next.
pub fn take_callback_url(url: Option<String>, scrub: impl Fn(&str) -> String) -> Result<String> {
    let current = href().ok();
    #[cfg(feature = "rust")]
    let url = url.map(resolved);
    let Some(url) = url.or_else(|| current.clone()) else {
        return Err(Error::invalid_config("No URL to read the callback from."));
    };
    if current.as_deref() == Some(url.as_str()) {
        let scrubbed = scrub(&url);
        if scrubbed != url {
            replace(&scrubbed)?;
        }
    }
    Ok(url)
}

/// Replaces the current history entry's URL without navigating (`history.replaceState`), keeping its state.
pub fn replace(url: &str) -> Result<()> {
    let history = window()?.history().map_err(|_| Error::invalid_config("window.history is not available."))?;
    let state = history.state().unwrap_or(JsValue::NULL);
    history
        .replace_state_with_url(&state, "", Some(url))
        .map_err(|_| Error::invalid_config("history.replaceState refused the URL."))
}
