//! Conversions shared by the facade's classes: options objects, promises, requests, secrets in option names.

use super::error::to_js;
use super::args::{is_plain_object, plain_copy, url};
use crate::browser::js_value::{describe, read};
use crate::core::config::{refuse_secret, wrong_option};
use crate::core::error::{Error, Result};
use js_sys::{Object, Promise};
use serde::de::DeserializeOwned;
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

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

pub fn promise<F, T>(future: F) -> Promise
where
    F: Future<Output = Result<T>> + 'static,
    T: Into<JsValue>,
{
    future_to_promise(async move { future.await.map(Into::into).map_err(to_js) })
}

/// A plain JavaScript object (or value) for `value`, through JSON text.
pub fn to_value<T: serde::Serialize>(value: &T) -> JsValue {
    crate::core::json_text::to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// `new Request(input, init)`: `input` a URL string, `URL`, `Location` or `Request`; `init` an object or nothing.
pub fn request(input: JsValue, init: JsValue) -> Result<web_sys::Request> {
    let init = super::args::options(&init, "init")?;
    let init: web_sys::RequestInit = if init.is_undefined() { web_sys::RequestInit::new() } else { init.unchecked_into() };
    let built = match input.dyn_ref::<web_sys::Request>() {
        Some(r) => web_sys::Request::new_with_request_and_init(r, &init),
        None => match url(&input, "input") {
            Ok(Some(u)) => web_sys::Request::new_with_str_and_init(&u, &init),
            _ => return Err(super::args::invalid("input", "a URL string, a URL, a Location or a Request", &input)),
        },
    };
    built.map_err(|e| {
        let reason = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
        Error::new(
            crate::core::error::code::INVALID_ARGUMENT,
            ["fetch(): `input` and `init` do not make a valid Request: ", &reason].concat(),
        )
    })
}
