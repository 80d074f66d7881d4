//! The two kinds of request the protocol makes, through gloo-net: GET a JSON document, POST a form.
//! Bodies are parsed by the browser (`Response.json()`); the status is handed back for the core to judge.

use crate::core::error::{code, Error, Result};
use gloo_net::http::{Request, RequestBuilder};
use wasm_bindgen::JsValue;
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

/// `POST url` with a form-encoded body (a CORS "simple" request: no preflight).
pub async fn post_form(url: &str, body: String) -> Result<JsonAnswer> {
    let request = Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body)
        .map_err(builder_error);
    send(url, request).await
}
