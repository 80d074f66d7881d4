//! The two kinds of request the protocol makes, through gloo-net: GET a JSON document, POST a form.
//! Bodies are parsed by the browser (`Response.json()`); the status is handed back for the core to judge.

use crate::core::error::{code, Error, Result};
use gloo_net::http::{Request, RequestBuilder};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// An HTTP answer: its status and its body when that was JSON.
pub struct JsonAnswer {
    pub status: u16,
    pub body: Option<JsValue>,
}

fn network_error(url: &str) -> Error {
    Error::new(
        code::NETWORK_ERROR,
        ["Could not reach ", url, " (offline, DNS, or the server does not allow this origin by CORS)."].concat(),
    )
}

async fn send(url: &str, request: Result<Request>) -> Result<JsonAnswer> {
    let response = request?.send().await.map_err(|_| network_error(url))?;
    let status = response.status();
    let raw = web_sys::Response::from(response);
    let body = match raw.json() {
        Ok(promise) => JsFuture::from(promise).await.ok().filter(|v| v.is_object()),
        Err(_) => None,
    };
    Ok(JsonAnswer { status, body })
}

fn builder_error<T>(_: T) -> Error {
    Error::invalid_config("The request could not be built (check the endpoint URL).")
}

/// `GET url` with `Accept: application/json`.
pub async fn get_json(url: &str) -> Result<JsonAnswer> {
    send(url, RequestBuilder::new(url).header("Accept", "application/json").build().map_err(builder_error)).await
}

/// `GET url`, answered in plain text (the legacy JWT provider's `/refresh`).
pub async fn get_text(url: &str) -> Result<(u16, String)> {
    let request = RequestBuilder::new(url).build().map_err(builder_error)?;
    let response = request.send().await.map_err(|_| network_error(url))?;
    let status = response.status();
    Ok((status, response.text().await.unwrap_or_default()))
}

/// Sends a clone of `request` with `headers` set (the original stays unsent, so its body can be replayed).
pub async fn send_with_headers(request: &web_sys::Request, headers: &[(&str, &str)]) -> Result<web_sys::Response> {
    let failed = |_| Error::new(code::NETWORK_ERROR, "The request failed (offline, CORS, or its body was already used).");
    let attempt = request.clone().map_err(failed)?;
    for (name, value) in headers {
        attempt.headers().set(name, value).map_err(failed)?;
    }
    let window = web_sys::window().ok_or_else(|| Error::invalid_config("spa-auth needs a browser window."))?;
    let response = JsFuture::from(window.fetch_with_request(&attempt)).await.map_err(failed)?;
    response.dyn_into::<web_sys::Response>().map_err(failed)
}

/// `POST url` with a form-encoded body (a CORS "simple" request: no preflight).
pub async fn post_form(url: &str, body: String) -> Result<JsonAnswer> {
    let request = Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body)
        .map_err(builder_error);
    send(url, request).await
}
