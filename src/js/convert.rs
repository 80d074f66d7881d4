//! Conversions shared by the facade's classes: options (with secrets refused) and results.

use crate::browser::json::BrowserJson;
use crate::core::config::{refuse_secret, wrong_option};
use crate::core::error::{Error, Result};
use crate::core::json::{FromOptions, Json};
use wasm_bindgen::prelude::*;

/// Reads options from their JSON text (the driver's `JSON.stringify` of a plain object); none gives the defaults.
/// Anything malformed is an error with `code` (`invalid_config` for constructors, `invalid_argument` for methods)
/// that names the option and what it held; a client secret under any name is refused.
pub fn from_text<T: FromOptions + Default>(text: Option<String>, what: &str, code: &'static str) -> Result<T> {
    let Some(text) = text else { return Ok(T::default()) };
    for (name, _) in BrowserJson.entries(&text).unwrap_or_default() {
        refuse_secret(&name)?;
    }
    T::read_options(&BrowserJson, &text).map_err(|m| Error::new(code, wrong_option(what, m.path(), m.found()).message().to_owned()))
}

/// A plain JavaScript object (or value) for `value`, through JSON text.
pub fn to_value<T: serde::Serialize>(value: &T) -> JsValue {
    crate::core::json_text::to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}
