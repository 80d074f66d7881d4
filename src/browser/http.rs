//! The requests the protocol makes, through the browser's `fetch` (web-sys): GET a JSON document or text,
//! POST a form, and send an app's request with extra headers. Bodies are parsed by the browser
//! (`Response.json()`); the status is handed back for the core to judge.

use crate::core::error::{code, Error, Result};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// An HTTP answer: its status and its body when that was a JSON object.
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

fn window() -> Result<web_sys::Window> {
    web_sys::window().ok_or_else(|| Error::invalid_config("spa-auth needs a browser window."))
}

/// `fetch(url, init)`; a rejection (offline, CORS, DNS) is `network_error`.
async fn fetch(url: &str, init: &RequestInit) -> Result<Response> {
    let request = Request::new_with_str_and_init(url, init)
        .map_err(|_| Error::invalid_config("The request could not be built (check the endpoint URL)."))?;
    let response = JsFuture::from(window()?.fetch_with_request(&request)).await.map_err(|_| network_error(url))?;
    response.dyn_into::<Response>().map_err(|_| network_error(url))
}

async fn json_answer(response: Response) -> JsonAnswer {
    let body = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.ok().filter(|v| v.is_object()),
        Err(_) => None,
    };
    JsonAnswer { status: response.status(), body }
}

fn init(method: &str, headers: &[(&str, &str)]) -> Result<RequestInit> {
    let init = RequestInit::new();
    init.set_method(method);
    let list = web_sys::Headers::new().map_err(|_| Error::invalid_config("Headers are not available here."))?;
    for (name, value) in headers {
        list.set(name, value).map_err(|_| Error::invalid_config("A request header was refused."))?;
    }
    init.set_headers(&list);
    Ok(init)
}

/// `GET url` with `Accept: application/json`.
pub async fn get_json(url: &str) -> Result<JsonAnswer> {
    Ok(json_answer(fetch(url, &init("GET", &[("Accept", "application/json")])?).await?).await)
}

/// `GET url`, answered in plain text (the legacy JWT provider's `/refresh`).
pub async fn get_text(url: &str) -> Result<(u16, String)> {
    let response = fetch(url, &init("GET", &[])?).await?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((response.status(), text))
}

/// `POST url` with a form-encoded body (a CORS "simple" request: no preflight).
pub async fn post_form(url: &str, body: String) -> Result<JsonAnswer> {
    let init = init("POST", &[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")])?;
    init.set_body(&JsValue::from(body));
    Ok(json_answer(fetch(url, &init).await?).await)
}

/// Sends a clone of `request` with `headers` set (the original stays unsent, so its body can be replayed).
pub async fn send_with_headers(request: &Request, headers: &[(&str, &str)]) -> Result<Response> {
    let failed = |_| Error::new(code::NETWORK_ERROR, "The request failed (offline, CORS, or its body was already used).");
    let attempt = request.clone().map_err(failed)?;
    for (name, value) in headers {
        attempt.headers().set(name, value).map_err(failed)?;
    }
    let response = JsFuture::from(window()?.fetch_with_request(&attempt)).await.map_err(failed)?;
    response.dyn_into::<Response>().map_err(failed)
}
