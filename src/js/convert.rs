//! Conversions shared by the facade's classes: options objects (with secrets refused) and results.

use super::args::{is_plain_object, plain_copy};
use crate::browser::js_value::{describe, read};
use crate::core::config::{refuse_secret, wrong_option};
use crate::core::error::{Error, Result};
use js_sys::Object;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Refuses an options object that names a client secret, in any spelling.
fn refuse_secrets(options: &JsValue) -> Result<()> {
    if let Some(object) = options.dyn_ref::<Object>() {
        for key in Object::keys(object).iter() {
            refuse_secret(&key.as_string().unwrap_or_default())?;
        }
    }
    Ok(())
}

/// Reads an options object; `undefined` and `null` give the defaults. Anything malformed is an error with
/// `code` (`invalid_config` for constructors, `invalid_argument` for methods) that names the option and what it
/// held; a client secret under any name is refused.
pub fn from_js<T: DeserializeOwned + Default>(value: &JsValue, what: &str, code: &'static str) -> Result<T> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let wrong = |path: &str, found: &str| Error::new(code, wrong_option(what, path, found).message().to_owned());
    if !is_plain_object(value) {
        return Err(wrong("", &describe(value)));
    }
    let copy = plain_copy(value, what, code)?;
    refuse_secrets(&copy)?;
    read(copy).map_err(|m| wrong(&m.path, &m.found))
}

/// A plain JavaScript object (or value) for `value`, through JSON text.
pub fn to_value<T: serde::Serialize>(value: &T) -> JsValue {
    crate::core::json_text::to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}
