//! The core of the JavaScript `ClientIdentification`: options, `headers()` and `apply(url)`; `driver.js` sends.

use super::convert::from_text;
use super::error::to_js;
use crate::core::client_identification::{ClientIdentification, IdentificationOptions};
use crate::core::error::code;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

/// A public client id on API calls (publiq's Search API, UiTPAS): header or query parameter.
#[wasm_bindgen(js_name = IdentificationCore)]
pub struct JsClientIdentification {
    inner: ClientIdentification,
}

#[wasm_bindgen(js_class = IdentificationCore)]
impl JsClientIdentification {
    /// An `IdentificationCore` for the options (JSON text), or an `AuthError` (`invalid_config`) the driver throws.
    pub fn create(options: JsValue) -> JsValue {
        let options = options.as_string();
        let identification = from_text(options, "ClientIdentification options", code::INVALID_CONFIG).and_then(|options: IdentificationOptions| {
            ClientIdentification::new(options)
        });
        super::error::either(identification.map(|inner| JsClientIdentification { inner }.into()).map_err(to_js))
    }

    /// `{ [headerName]: clientId }` in header mode, `{}` in query mode.
    pub fn headers(&self) -> Object {
        let object = Object::new();
        if let Some((name, value)) = self.inner.header() {
            let _ = Reflect::set(&object, &name.into(), &value.into());
        }
        object
    }

    /// `url` with the client id parameter in query mode; unchanged in header mode.
    pub fn apply(&self, url: JsValue) -> JsValue {
        let url = &super::convert::text(url);
        super::convert::js_text(Some(&self.inner.apply(url)))
    }
}
