//! The JavaScript `ClientIdentification`: converts and delegates to [`crate::core::client_identification`].

use super::args;
use super::convert::{from_js, promise, request};
use super::error::to_js;
use crate::core::client_identification::{ClientIdentification, IdentificationOptions};
use js_sys::{Object, Promise, Reflect};
use crate::core::error::code;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_IDENTIFICATION_TS: &str = r#"
/** Options of `new ClientIdentification(options)`. */
export interface ClientIdentificationOptions {
  /** The public client id. */
  clientId: string;
  /** `"header"` (default, `x-client-id`) or `"query"` (`clientId`, no CORS preflight). */
  mode?: "header" | "query";
  /** Header name (default `x-client-id`). */
  headerName?: string;
  /** Query parameter name (default `clientId`). */
  queryParam?: string;
  /** Never accepted: a secret does not belong in a browser. */
  clientSecret?: never;
}

export interface ClientIdentification {
  /** `fetch` with the client id added; the caller's headers and parameters are kept. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}
"#;

/// A public client id on API calls (publiq's Search API, UiTPAS): header or query parameter.
#[wasm_bindgen(js_name = ClientIdentification)]
pub struct JsClientIdentification {
    inner: ClientIdentification,
}

#[wasm_bindgen(js_class = ClientIdentification)]
impl JsClientIdentification {
    /// Validates the options; throws `AuthError` (`invalid_config`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientIdentificationOptions")] options: JsValue,
    ) -> Result<JsClientIdentification, JsValue> {
        let options: IdentificationOptions =
            from_js(&options, "ClientIdentification options", code::INVALID_CONFIG).map_err(to_js)?;
        ClientIdentification::new(options).map(|inner| JsClientIdentification { inner }).map_err(to_js)
    }

    /// `{ [headerName]: clientId }` in header mode, `{}` in query mode.
    #[wasm_bindgen(unchecked_return_type = "Record<string, string>")]
    pub fn headers(&self) -> Object {
        let object = Object::new();
        if let Some((name, value)) = self.inner.header() {
            let _ = Reflect::set(&object, &name.into(), &value.into());
        }
        object
    }

    /// `url` with the client id parameter in query mode; unchanged in header mode.
    pub fn apply(&self, #[wasm_bindgen(unchecked_param_type = "string | URL | Location")] url: JsValue) -> Result<String, JsValue> {
        match args::url(&url, "url") {
            Ok(Some(url)) => Ok(self.inner.apply(&url)),
            _ => Err(to_js(args::invalid("url", "a URL string, a URL or a Location", &url))),
        }
    }

    /// `fetch` with the client id added; the caller's headers and parameters are kept.
    #[wasm_bindgen(skip_typescript, unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: Option<JsValue>,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move { inner.fetch(request(input, init.unwrap_or_default())?).await })
    }
}
