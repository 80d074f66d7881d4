//! The Rust driver's popup login: the window, and the wait for its answer over a `BroadcastChannel` named after
//! the login's state, as the JavaScript driver does (it works without `window.opener`, which a provider that sends
//! `Cross-Origin-Opener-Policy` cuts), and by `postMessage` where the opener is still there (an app in another
//! site's iframe has its `BroadcastChannel` partitioned away from the popup). What the answer means is the core's
//! business (`Client::callback`).

use crate::core::encoding::concat;
use super::tabs::{self, Channel};
use crate::core::error::{code, Error, Result};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::Window;

/// A provider that sends `Cross-Origin-Opener-Policy` cuts the popup off from its opener as soon as its first page
/// loads, and the opener then reads `popup.closed` as true. A popup seen on the provider's page before it closed was
/// not cut off then; one that closed without being seen there is taken as cut off within this time, and as closed
/// by the user after it (as in the JavaScript driver).
const SEVERED_MS: f64 = 3000.0;

/// How often the wait looks at the answer, the clock and the popup (ms).
const POLL_MS: i32 = 100;

/// How long the redirect page in a popup waits for the opener to take its answer (ms).
const TAKEN_MS: f64 = 5000.0;

thread_local! {
    /// How many popup windows this page opened: each gets a name of its own.
    static POPUPS: Cell<u64> = const { Cell::new(0) };
}

fn closed() -> Error {
    Error::new(code::POPUP_CLOSED, "The login popup was closed before the login finished.")
}

/// Opens the popup, blank until the authorize URL is known; `popup_blocked` when the browser refuses (call it from
/// a click handler).
pub fn open() -> Result<Window> {
    let has_channel = js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("BroadcastChannel")).unwrap_or(false);
    if !has_channel {
        return Err(Error::new(
            code::POPUP_BLOCKED,
            "This browser has no BroadcastChannel (Safari before 15.4), which carries a popup login's answer: use login_with_redirect().",
        ));
    }
    // A name of its own: a window of the same name (another client's popup) would be taken over.
    let count = POPUPS.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let name = concat(&["spa-auth-login-", &crate::core::token::decimal(count)]);
    super::window()
        .and_then(|w| w.open_with_url_and_target_and_features("about:blank", &name, "popup,width=500,height=680").ok())
        .flatten()
        .ok_or_else(|| {
            Error::new(code::POPUP_BLOCKED, "The browser blocked the login popup: call login_with_popup() from a click handler.")
        })
}

/// Sends `popup` to `url` and waits for the redirect page's answer on `channel_name` (the callback URL): `timeout`
/// after `timeout_ms` (the popup closed), `popup_closed` when the user closed it. After `popup_closed` the channel
/// stays open until `timeout_ms`: a popup that only read as closed (a later page of the login, a federated
/// provider's, cut it off with its COOP) may still answer, and `late` gets that answer. A `postMessage` from the popup
/// counts only when `is_answer` says it is this login's answer.
pub async fn answer(
    popup: &Window,
    channel_name: &str,
    url: &str,
    timeout_ms: u32,
    is_answer: impl Fn(&str) -> bool + 'static,
    late: impl FnOnce(String) + 'static,
) -> Result<String> {
    let heard: Rc<RefCell<Option<String>>> = Rc::default();
    let slot = heard.clone();
    let channel = Channel::listen(channel_name, move |data, channel| {
        if let Some(text) = data.as_string() {
            let _ = channel.post_message(&JsValue::from_str("taken")); // the popup closes
            *slot.borrow_mut() = Some(text);
        }
    })
    .ok_or_else(closed)?;
    let slot = heard.clone();
    let from_popup = FromWindow::listen(popup.into(), move |data, reply| {
        if let Some(text) = data.as_string().filter(|text| is_answer(text)) {
            reply("taken");
            *slot.borrow_mut() = Some(text);
        }
    });
    let opened_at = super::monotonic_ms();
    let _ = popup.location().set_href(url);
    let mut watching = true;
    let mut seen_away = false; // seen on another origin's page while still connected
    let result = loop {
        if super::window().is_none() {
            break Err(closed());
        }
        tabs::wait(POLL_MS, |_| {}).await;
        if let Some(answer) = heard.borrow_mut().take() {
            break Ok(answer);
        }
        let elapsed = super::monotonic_ms() - opened_at;
        if elapsed >= f64::from(timeout_ms) {
            let _ = popup.close();
            let ms = crate::core::token::decimal(timeout_ms.into());
            break Err(Error::new(code::TIMEOUT, concat(&["The popup login did not finish within ", &ms, " ms."])));
        }
        let is_closed = popup.closed().unwrap_or(true);
        if !is_closed {
            seen_away |= popup.location().href().is_err(); // another origin's location cannot be read
        }
        if watching && is_closed {
            if !seen_away && elapsed < SEVERED_MS {
                watching = false; // cut off by the provider's COOP: only the answer or the timeout can end it now
            } else {
                let until = opened_at + f64::from(timeout_ms);
                wasm_bindgen_futures::spawn_local(async move {
                    let _open = (channel, from_popup);
                    while super::monotonic_ms() < until {
                        tabs::wait(POLL_MS, |_| {}).await;
                        let answer = heard.borrow_mut().take();
                        if let Some(answer) = answer {
                            late(answer);
                            return;
                        }
                    }
                });
                return Err(closed());
            }
        }
    };
    drop((channel, from_popup));
    result
}

/// In the popup, on the redirect page: hands `href` (the authorization response) to the opener and closes once the
/// opener took it. `false` when nobody took it within 5 s (a crafted link with a popup state, or the opener gone).
pub async fn hand_over(channel_name: &str, href: &str) -> bool {
    let taken = Rc::new(Cell::new(false));
    // Set once this page stopped waiting: a busy or throttled opener that takes the answer later still closes this
    // window, as in the JS driver.
    let gave_up = Rc::new(Cell::new(false));
    let took = |taken: &Rc<Cell<bool>>, gave_up: &Rc<Cell<bool>>| {
        let (taken, gave_up) = (taken.clone(), gave_up.clone());
        move |data: JsValue| {
            if data.as_string().as_deref() == Some("taken") {
                taken.set(true);
                if gave_up.get() {
                    close_window();
                }
            }
        }
    };
    let on_channel = took(&taken, &gave_up);
    let Some(channel) = Channel::listen(channel_name, move |data, _| on_channel(data)) else {
        return false;
    };
    channel.send(&JsValue::from_str(href));
    let opener = super::window().and_then(|w| w.opener().ok()).filter(|o| o.is_object());
    let on_message = took(&taken, &gave_up);
    let from_opener = opener.and_then(|opener| FromWindow::listen(opener, move |data, _| on_message(data)));
    if let Some(from) = &from_opener {
        from.send(href);
    }
    let started = super::monotonic_ms();
    while !taken.get() && super::monotonic_ms() - started < TAKEN_MS && super::window().is_some() {
        tabs::wait(POLL_MS / 2, |_| {}).await;
    }
    if taken.get() {
        close_window();
        return true;
    }
    gave_up.set(true);
    // The listeners stay for the page's lifetime (a task that never ends holds them).
    wasm_bindgen_futures::spawn_local(async move {
        let _open = (channel, from_opener);
        std::future::pending::<()>().await;
    });
    false
}

fn close_window() {
    if let Some(window) = super::window() {
        let _ = window.close();
    }
}

/// The `message` events this window gets from one other window of its own origin (the popup, or its opener), for
/// as long as it lives; `hear` gets each one's data and a way to answer it.
struct FromWindow {
    window: Window,
    source: JsValue,
    origin: String,
    listener: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl FromWindow {
    fn listen(source: JsValue, mut hear: impl FnMut(JsValue, &dyn Fn(&str)) + 'static) -> Option<FromWindow> {
        let window = super::window()?;
        let origin = window.location().origin().ok()?;
        let (from, own) = (source.clone(), origin.clone());
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let from_source = event.source().is_some_and(|s| js_sys::Object::is(&s, &from));
            if from_source && event.origin() == own {
                let reply = |message: &str| post(&from, message, &own);
                hear(event.data(), &reply);
            }
        });
        window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref()).ok()?;
        Some(FromWindow { window, source, origin, listener })
    }

    /// Sends `message` to the other window (its own origin only).
    fn send(&self, message: &str) {
        post(&self.source, message, &self.origin);
    }
}

impl Drop for FromWindow {
    fn drop(&mut self) {
        let _ = self.window.remove_event_listener_with_callback("message", self.listener.as_ref().unchecked_ref());
    }
}

/// `target.postMessage(message, origin)`.
fn post(target: &JsValue, message: &str, origin: &str) {
    let _ = target.unchecked_ref::<Window>().post_message(&JsValue::from_str(message), origin);
}

