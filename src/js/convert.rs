//! Conversions shared by the facade's classes: options (with secrets refused) and results.

use crate::browser::json::BrowserJson;
use crate::core::config::{refuse_secret, wrong_option};
use crate::core::error::{Error, Result};
use crate::core::json::{FromOptions, Json, Misfit, OptionsReader};
use wasm_bindgen::prelude::*;

/// Reads options from their JSON text (the driver's `JSON.stringify` of a plain object); none gives the defaults.
/// Anything malformed is an error with `code` (`invalid_config` for constructors, `invalid_argument` for methods)
/// that names the option and what it held; a client secret under any name is refused.
pub fn from_text<T: FromOptions + Default>(text: Option<String>, what: &str, code: &'static str) -> Result<T> {
    let Some(text) = text else { return Ok(T::default()) };
    refuse_secrets(&text)?;
    T::read_options(&BrowserJson, &text).map_err(|m| misfit(what, &m, code))
}

/// The object of strings `name` (`["authorizationParams"]`, `["logoutParams"]`) of a method's options text, read
/// and checked as [`from_text`] reads options; none gives an empty list.
pub fn params_from_text(text: Option<String>, what: &str, name: &'static [&'static str; 1], code: &'static str) -> Result<Vec<(String, String)>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    refuse_secrets(&text)?;
    let read = OptionsReader::new(&BrowserJson, &text, name).and_then(|mut r| {
        let pairs = r.pairs();
        r.finish(pairs)
    });
    read.map_err(|m| misfit(what, &m, code))
}

fn refuse_secrets(text: &str) -> Result<()> {
    BrowserJson.entries(text).unwrap_or_default().iter().try_for_each(|(name, _)| refuse_secret(name))
}

fn misfit(what: &str, m: &Misfit, code: &'static str) -> Error {
    Error::new(code, wrong_option(what, m.path(), m.found()).message().to_owned())
}

/// A plain JavaScript object (or value) for `value`, through JSON text.
pub fn to_value<T: serde::Serialize>(value: &T) -> JsValue {
    crate::core::json_text::to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// `text` as a JavaScript string, `undefined` for none: an export that returns a `JsValue` made here has a glue of
/// one line, where a returned `String` costs each export a copy-and-free glue of its own (README "Size history").
pub fn js_text(text: Option<&str>) -> JsValue {
    text.map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// A string argument (the driver passes only strings there): anything else reads as an empty string, never a trap.
pub fn text(value: JsValue) -> String {
    value.as_string().unwrap_or_default()
}

/// A string argument that may be left out (`undefined` or `null`): any other value that is no string is an empty
/// string, never "left out", so a default (the address bar) is taken only when the driver passed none.
pub fn optional_text(value: JsValue) -> Option<String> {
    if value.is_undefined() || value.is_null() {
        return None;
    }
    Some(text(value))
}
