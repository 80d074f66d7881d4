//! Conversions shared by the facade's classes: options objects, promises, requests, secrets in option names.

use super::error::to_js;
use crate::core::config::refuse_secret;
use crate::core::error::{Error, Result};
use js_sys::{Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

/// Refuses an options object that names a client secret, in any spelling.
pub fn refuse_secrets(options: &JsValue) -> Result<()> {
    if let Some(object) = options.dyn_ref::<Object>() {
        for key in Object::keys(object).iter() {
            refuse_secret(&key.as_string().unwrap_or_default())?;
        }
    }
    Ok(())
}

/// Deserializes an options object; `undefined` gives the defaults, anything malformed `invalid_config`.
pub fn from_js<T: DeserializeOwned + Default>(value: &JsValue, what: &str) -> Result<T> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() {
        return Err(Error::invalid_config([what, " must be an object."].concat()));
    }
    crate::browser::js_value::from_value(value.clone()).ok_or_else(|| {
        Error::invalid_config(
            [what, ": an option has the wrong type or value (strings for URLs, ids and scope, a number for leeway, \
an object of strings for authorizationParams, and only the documented values for mode, responseMode, storage and \
logoutStyle)."]
            .concat(),
        )
    })
}

pub fn get(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() {
        Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
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

/// `new Request(input, init)`.
pub fn request(input: JsValue, init: Option<Object>) -> Result<web_sys::Request> {
    let init: web_sys::RequestInit = init.map(JsCast::unchecked_into).unwrap_or_default();
    let built = match input.dyn_ref::<web_sys::Request>() {
        Some(r) => web_sys::Request::new_with_request_and_init(r, &init),
        None => match input.as_string().or_else(|| input.dyn_ref::<web_sys::Url>().map(web_sys::Url::href)) {
            Some(url) => web_sys::Request::new_with_str_and_init(&url, &init),
            None => return Err(Error::invalid_config("fetch(): the input must be a URL string, a URL or a Request.")),
        },
    };
    built.map_err(|_| Error::invalid_config("fetch(): the input and init do not make a valid Request."))
}
