//! The Rust driver's requests, through the browser's `fetch` (web-sys): what the core asks for, the legacy
//! provider's plain-text refresh, and an app's request with extra headers. Status and text go back to the core.

use crate::core::encoding::concat;
use crate::core::client::{Answer, HttpRequest};
use crate::core::error::{code, Error, Result};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

fn network_error(url: &str) -> Error {
    Error::new(
        code::NETWORK_ERROR,
        concat(&["Could not reach ", url, " (offline, DNS, or the server does not allow this origin by CORS)."]),
    )
}

fn window() -> Result<web_sys::Window> {
    super::window().ok_or_else(|| Error::invalid_config("spa-auth needs a browser window."))
}

/// `fetch(url, init)`; a rejection (offline, CORS, DNS) is `network_error`.
async fn fetch(url: &str, init: &RequestInit) -> Result<Response> {
    let request = Request::new_with_str_and_init(url, init)
        .map_err(|_| Error::invalid_config("The request could not be built (check the endpoint URL)."))?;
    let response = JsFuture::from(window()?.fetch_with_request(&request)).await.map_err(|_| network_error(url))?;
    response.dyn_into::<Response>().map_err(|_| network_error(url))
}

fn init(method: &str, headers: &[(&str, &str)]) -> Result<RequestInit> {
    let init = RequestInit::new();
    init.set_method(method);
    // Never an answer from the HTTP cache (a key set fetched again after a key rotation must be the new one), and no
    // redirect followed with a code, verifier or refresh token in the body (a 307 or 308 would send them on): such
    // an answer has status 0, which the core reads as a redirect.
    init.set_cache(web_sys::RequestCache::NoCache);
    if method == "POST" {
        init.set_redirect(web_sys::RequestRedirect::Manual);
    }
    let list = web_sys::Headers::new().map_err(|_| Error::invalid_config("Headers are not available here."))?;
    for (name, value) in headers {
        list.set(name, value).map_err(|_| Error::invalid_config("A request header was refused."))?;
    }
    init.set_headers(&list);
    Ok(init)
}

/// Sends what the core asked for (`GET` accepting JSON, or a form `POST`; with `proof` as its `DPoP` header) and
/// hands back the status, text and DPoP headers; no answer at all (offline, CORS, DNS) is [`Answer::Unreachable`].
pub async fn send(request: &HttpRequest, timeout_ms: u64, proof: Option<&str>) -> Answer {
    let mut headers = vec![("Accept", "application/json")];
    if let Some(authorization) = &request.authorization {
        headers.push(("Authorization", authorization));
    }
    if let Some(proof) = proof {
        headers.push(("DPoP", proof));
    }
    let built = match &request.body {
        None => init("GET", &headers),
        Some(body) => {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
            init("POST", &headers).inspect(|init| init.set_body(&JsValue::from_str(body)))
        }
    };
    let Ok(init) = built else { return Answer::Unreachable };
    let signal = timeout_signal(u32::try_from(timeout_ms).unwrap_or(u32::MAX));
    init.set_signal(signal.as_ref());
    let timed_out = || signal.as_ref().is_some_and(web_sys::AbortSignal::aborted);
    match fetch(&request.url, &init).await {
        Ok(response) => match text_of(&response).await {
            _ if timed_out() => Answer::TimedOut,
            // The connection dropped while the body arrived: as unreachable as no answer (the JS driver's too).
            None => Answer::Unreachable,
            Some(text) => {
                let (nonce, challenge) = dpop_headers(&response);
                Answer::Http { status: response.status(), text, nonce, challenge }
            }
        },
        Err(_) if timed_out() => Answer::TimedOut,
        Err(_) => Answer::Unreachable,
    }
}

/// `AbortSignal.timeout(ms)`, or in a browser without it (Chrome before 103, Firefox before 100, Safari before 16)
/// the same by a timer, as in the JS driver; `None` only without a window.
pub fn timeout_signal(ms: u32) -> Option<web_sys::AbortSignal> {
    let class = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("AbortSignal")).ok()?;
    let timeout = js_sys::Reflect::get(&class, &JsValue::from_str("timeout")).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(signal) = timeout.and_then(|t| t.call1(&class, &JsValue::from(ms)).ok()?.dyn_into().ok()) {
        return Some(signal);
    }
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    let abort = wasm_bindgen::closure::Closure::once_into_js(move || controller.abort());
    let delay = i32::try_from(ms).unwrap_or(i32::MAX);
    super::window()?.set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), delay).ok()?;
    Some(signal)
}

/// A response's `DPoP-Nonce` and `WWW-Authenticate` headers (RFC 9449 §8, §9).
pub fn dpop_headers(response: &Response) -> (Option<String>, Option<String>) {
    let headers = response.headers();
    (headers.get("DPoP-Nonce").ok().flatten(), headers.get("WWW-Authenticate").ok().flatten())
}

/// The body of `response` as text; `None` when it could not be read to its end.
async fn text_of(response: &Response) -> Option<String> {
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}

/// `GET url`, answered in plain text (the legacy JWT provider's `/refresh`), within 10 s as in the JS driver (a
/// server that never answers would hold the shared refresh, and every caller waiting on it, for good); `timeout`
/// after that.
pub async fn get_text(url: &str) -> Result<(u16, String)> {
    let init = init("GET", &[])?;
    let signal = timeout_signal(10_000);
    init.set_signal(signal.as_ref());
    let timed_out = || Error::new(code::TIMEOUT, "No answer within 10 s.");
    let aborted = || signal.as_ref().is_some_and(web_sys::AbortSignal::aborted);
    let response = fetch(url, &init).await.map_err(|e| if aborted() { timed_out() } else { e })?;
    let text = text_of(&response).await.unwrap_or_default();
    match aborted() {
        true => Err(timed_out()), // the body did not arrive in time
        false => Ok((response.status(), text)),
    }
}

/// `invalid_argument` for a `mode: "no-cors"` request, which the library would send with headers of its own: the
/// browser silently drops them from such a request (Fetch, the "request-no-cors" header guard), as the JavaScript
/// driver refuses it too.
pub fn headed(request: &Request) -> Result<()> {
    match request.mode() {
        web_sys::RequestMode::NoCors => Err(Error::new(
            code::INVALID_ARGUMENT,
            "`mode` must be \"cors\" or \"same-origin\" (the browser drops the headers the library adds from a \"no-cors\" request), got \"no-cors\".",
        )),
        _ => Ok(()),
    }
}

/// Sends a clone of `request` with `headers` set (the original stays unsent, so its body can be replayed).
pub async fn send_with_headers(request: &Request, headers: &[(&str, &str)]) -> Result<Response> {
    let failed = |_| Error::new(code::NETWORK_ERROR, "The request failed (offline, CORS, or its body was already used).");
    let attempt = request.clone().map_err(failed)?;
    for (name, value) in headers {
        attempt.headers().set(name, value).map_err(failed)?;
    }
    let response = JsFuture::from(window()?.fetch_with_request(&attempt)).await;
    // An abort by the request's own signal is the app's doing, not the network's.
    let response = response.map_err(|e| if request.signal().aborted() { aborted() } else { failed(e) })?;
    response.dyn_into::<Response>().map_err(failed)
}

/// Cancels the body of `response`, answered but not passed on (a 401 before the retry), so its connection is free
/// at once rather than when the response is collected.
pub async fn discard(response: &Response) {
    if let Some(body) = response.body() {
        let _ = JsFuture::from(body.cancel()).await;
    }
}

/// Whether `response` came from another origin than `request` was sent to (a redirect): the browser dropped the
/// `Authorization` header on the way, so a 401 there is nothing a new token could cure.
pub fn redirected_away(request: &Request, response: &Response) -> bool {
    let origin = |url: &str| web_sys::Url::new(url).map(|u| u.origin()).ok();
    response.redirected() && origin(&response.url()) != origin(&request.url())
}

/// What an app's request whose `signal` aborted gives: `network_error` with a message that says so (the browser's
/// `fetch` rejects with an `AbortError` `DOMException`, which the JS driver passes on; the Rust API's errors are
/// [`Error`]s, so the abort is told apart by [`Error::message`]).
fn aborted() -> Error {
    Error::new(code::NETWORK_ERROR, "The request's signal aborted it (`AbortController.abort()`) before it was answered.")
}

/// `future`'s output, or `aborted()` as soon as `signal` aborts (also when it already has). The future is dropped
/// then: a refresh it waits for runs on for the other callers (`SingleFlight`).
pub async fn unless_aborted<T>(signal: &web_sys::AbortSignal, future: impl Future<Output = Result<T>>) -> Result<T> {
    if signal.aborted() {
        return Err(aborted());
    }
    let mut settle = None;
    let abort = JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = signal.add_event_listener_with_callback_and_add_event_listener_options("abort", &resolve, &options);
        settle = Some(resolve);
    }));
    // However this ends, the listener goes and the promise settles, so neither it nor the future's callbacks stay.
    let _settled = settle.map(|resolve| Settled { signal, resolve });
    let (mut future, mut abort) = (pin!(future), pin!(abort));
    poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(output),
        Poll::Pending if abort.as_mut().poll(cx).is_ready() => Poll::Ready(Err(aborted())),
        Poll::Pending => Poll::Pending,
    })
    .await
}

/// Removes the `abort` listener of [`unless_aborted`] and settles its promise when dropped.
struct Settled<'a> {
    signal: &'a web_sys::AbortSignal,
    resolve: js_sys::Function,
}

impl Drop for Settled<'_> {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", &self.resolve);
        let _ = self.resolve.call0(&JsValue::UNDEFINED);
    }
}
