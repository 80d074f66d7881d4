//! Argument checks for every exported method: whatever JavaScript passes, wasm reads only what it checked.
//! A `URL` or `Location` counts as its `href` (as `fetch` takes it); anything else of the wrong type is
//! `invalid_argument` naming the argument, never a trap (API.md, "Methods").

use crate::browser::js_value::describe;
use crate::core::error::{code, Error, Result};
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// `invalid_argument`: "`{what}` must be {expected}, got {what it got}."
pub fn invalid(what: &str, expected: &str, got: &JsValue) -> Error {
    Error::new(code::INVALID_ARGUMENT, ["`", what, "` must be ", expected, ", got ", &describe(got), "."].concat())
}

/// A URL given as a string, a `URL` or a `Location`; `None` for `undefined` and `null`.
pub fn url(value: &JsValue, what: &str) -> Result<Option<String>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text));
    }
    if let Some(u) = value.dyn_ref::<web_sys::Url>() {
        return Ok(Some(u.href()));
    }
    if let Some(href) = value.dyn_ref::<web_sys::Location>().and_then(|l| l.href().ok()) {
        return Ok(Some(href));
    }
    Err(invalid(what, "a URL string, a URL or a Location", value))
}

/// An options object: `undefined` and `null` give an empty one; anything but a plain object is refused.
pub fn options(value: &JsValue, what: &str) -> Result<JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    if is_plain_object(value) {
        return Ok(value.clone());
    }
    Err(invalid(what, "an object", value))
}

/// An object whose tag is `[object Object]` (`Object.prototype.toString`): a literal or a class instance, not an
/// array, a function, a `URL`, a `Location` or a `Request`; what options are written as.
pub fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() || value.is_function() {
        return false;
    }
    let to_string = Reflect::get(&js_sys::Object::get_prototype_of(&js_sys::Object::new()), &"toString".into());
    to_string
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(value).ok())
        .and_then(|tag| tag.as_string())
        .is_some_and(|tag| tag == "[object Object]")
}

/// An options object as plain data (`JSON.stringify(value)`): getters, proxies and `toJSON` (a `URL` becomes its
/// `href`) run once, in JavaScript, where their exceptions are caught. An object that cannot be written (a cycle,
/// a `BigInt`, a getter that throws) is refused with `code`.
pub fn plain_text(value: &JsValue, what: &str, code: &'static str) -> Result<String> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| {
            Error::new(code, [what, " could not be read as plain data (a cycle, a BigInt or a getter that throws)."].concat())
        })
}

/// Property `name` of `object` (`undefined` when `object` is not an object or the getter throws).
pub fn get(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// An optional boolean property.
pub fn boolean(object: &JsValue, name: &str) -> Result<bool> {
    let value = get(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(false);
    }
    value.as_bool().ok_or_else(|| invalid(name, "a boolean", &value))
}

/// An optional property holding a number of seconds (finite, not negative).
pub fn seconds(object: &JsValue, name: &str) -> Result<Option<u64>> {
    let value = get(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n as u64)),
        _ => Err(invalid(name, "a number of seconds (0 or more)", &value)),
    }
}

/// A string argument.
pub fn string(value: &JsValue, what: &str) -> Result<String> {
    value.as_string().ok_or_else(|| invalid(what, "a string", value))
}
