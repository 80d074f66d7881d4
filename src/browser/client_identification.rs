//! Sending a request with the client id, as [`ClientIdentification`] says.

use crate::core::encoding::concat;
use super::http;
use crate::core::client_identification::ClientIdentification;
use crate::core::error::{code, Error, Result};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

impl ClientIdentification {
    /// Sends `request` with the client id: the header in header mode, the query parameter in query mode.
    /// The request's other headers and parameters are kept as they are.
    /// `invalid_config` (nothing sent) when the browser would drop the header (a forbidden request-header name:
    /// `Origin`, `Cookie`, `Sec-…`) or refuse it (a `clientId` that is not Latin-1), as the JS driver's constructor
    /// says; else the API would see no client id, or the failure would read as the network's.
    pub async fn fetch(&self, request: web_sys::Request) -> Result<web_sys::Response> {
        let request = match self.header() {
            Some((name, value)) if !browser_sends(name, value) => {
                return Err(Error::invalid_config(
                    concat(&["The header `", name, "` is one the browser does not send (a forbidden `headerName`, or a `clientId` \
that is not Latin-1): use another name, or query mode."]),
                ))
            }
            Some(_) => {
                http::headed(&request)?;
                request
            }
            None => readdressed(&request, &self.apply(&request.url())).await?,
        };
        let headers: Vec<(&str, &str)> = self.header().into_iter().collect();
        http::send_with_headers(&request, &headers).await
    }
}

/// `request` sent to `url` instead, everything else as it was; its body read whole (a `Request`'s body passed on as
/// a stream would need `duplex: "half"`, which browsers send only over HTTP/2).
async fn readdressed(request: &web_sys::Request, url: &str) -> Result<web_sys::Request> {
    let unusable = || Error::new(code::INVALID_ARGUMENT, "The request could not be re-addressed with the client id (its body was already used?).");
    let init = web_sys::RequestInit::new();
    let method = request.method();
    if !matches!(method.as_str(), "GET" | "HEAD") {
        let body = request.clone().and_then(|copy| copy.array_buffer()).map_err(|_| unusable())?;
        init.set_body(&JsFuture::from(body).await.map_err(|_| unusable())?);
    }
    init.set_method(&method);
    init.set_headers(&request.headers());
    init.set_mode(request.mode());
    init.set_credentials(request.credentials());
    init.set_signal(Some(&request.signal()));
    // The request's other settings, as `new Request(url, request)` would take them over.
    for setting in ["cache", "redirect", "referrer", "referrerPolicy", "integrity", "keepalive"] {
        let name = JsValue::from_str(setting);
        if let Ok(value) = js_sys::Reflect::get(request, &name) {
            let _ = js_sys::Reflect::set(&init, &name, &value);
        }
    }
    web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| unusable())
}

/// Whether a request the browser makes carries the header `name: value`, by the browser's own rules.
fn browser_sends(name: &str, value: &str) -> bool {
    let init = web_sys::RequestInit::new();
    init.set_headers(&js_sys::Array::of1(&js_sys::Array::of2(&name.into(), &value.into())));
    web_sys::Request::new_with_str_and_init("https://a.invalid/", &init).is_ok_and(|r| r.headers().has(name).unwrap_or(false))
}
