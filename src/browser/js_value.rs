//! JavaScript values described in the words of an error message (`invalid_argument`, `invalid_config`).

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

/// What a JavaScript value is, in the words of an error message; a short string is quoted as it is.
pub fn describe(value: &JsValue) -> String {
    match value.as_string() {
        Some(s) if s.len() <= 40 => ["\"", &s, "\""].concat(),
        _ => kind(value).to_owned(),
    }
}

/// The kind of a JavaScript value, in words: `a number`, `an array`, `a URL object`, ….
pub fn kind(value: &JsValue) -> &'static str {
    if value.is_undefined() {
        "undefined"
    } else if value.is_null() {
        "null"
    } else if value.is_string() {
        "a string"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_function() {
        "a function"
    } else if Array::is_array(value) {
        "an array"
    } else if value.dyn_ref::<web_sys::Url>().is_some() {
        "a URL object"
    } else if value.dyn_ref::<web_sys::Location>().is_some() {
        "a Location object"
    } else {
        "an object"
    }
}
