//! Conversions shared by the facade's classes: options objects (with secrets refused) and results.

use super::args::{is_plain_object, plain_text};
use crate::browser::js_value::describe;
use crate::browser::json::BrowserJson;
use crate::core::config::{refuse_secret, wrong_option};
use crate::core::error::{Error, Result};
use crate::core::json::{FromOptions, Json};
use wasm_bindgen::prelude::*;

/// Reads an options object; `undefined` and `null` give the defaults. Anything malformed is an error with
/// `code` (`invalid_config` for constructors, `invalid_argument` for methods) that names the option and what it
/// held; a client secret under any name is refused.
pub fn from_js<T: FromOptions + Default>(value: &JsValue, what: &str, code: &'static str) -> Result<T> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let wrong = |path: &str, found: &str| Error::new(code, wrong_option(what, path, found).message().to_owned());
    if !is_plain_object(value) {
        return Err(wrong("", &describe(value)));
    }
    let text = plain_text(value, what, code)?;
    for (name, _) in BrowserJson.entries(&text).unwrap_or_default() {
        refuse_secret(&name)?;
    }
    T::read_options(&BrowserJson, &text).map_err(|m| wrong(&m.path, &m.found))
}

/// A plain JavaScript object (or value) for `value`, through JSON text.
pub fn to_value<T: serde::Serialize>(value: &T) -> JsValue {
    crate::core::json_text::to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}
