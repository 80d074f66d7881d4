//! The Rust driver's link to the app's other tabs (`tabs: "shared"`): the `BroadcastChannel` their sessions and
//! logouts travel on, and the Web Lock that lets one tab of the browser profile refresh at a time. The messages are
//! the JavaScript driver's (`{ type, text?, at }`), so the two drivers' tabs of one app understand
//! each other. What a message means, and what to answer, is the core's business (`Client::hear`).

use crate::core::client::TabMessage;
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{BroadcastChannel, MessageEvent};

/// A message from another tab: what it says and when that happened (epoch ms), as `Channel::post` writes it.
pub struct Message {
    /// `session`, `logout`, `ask`, `hello` or `here`.
    pub kind: String,
    /// A session's text (`session` only).
    pub text: Option<String>,
    /// When the session was obtained (`session`) or the logout happened (`logout`), in epoch ms.
    pub at: u64,
}

impl Message {
    /// Reads `data`; `None` for anything but an object with a string `type` and a number `at`.
    fn read(data: &JsValue) -> Option<Message> {
        if !data.is_object() {
            return None;
        }
        let get = |name: &str| Reflect::get(data, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        let at = get("at").as_f64().filter(|at| at.is_finite() && *at >= 0.0)?;
        Some(Message { kind: get("type").as_string()?, text: get("text").as_string(), at: at as u64 })
    }
}

/// A `BroadcastChannel` and its listener, closed when dropped (also when the future that holds it is dropped).
pub struct Channel {
    channel: BroadcastChannel,
    _listener: Closure<dyn FnMut(MessageEvent)>,
}

impl Channel {
    /// Opens this app's channel to its other tabs, `name`, and calls `hear` with each well-formed message; `None`
    /// where the browser has no `BroadcastChannel`.
    pub fn open(name: &str, mut hear: impl FnMut(Message) + 'static) -> Option<Channel> {
        Self::listen(name, move |data, _| {
            if let Some(message) = Message::read(&data) {
                hear(message);
            }
        })
    }

    /// Opens the channel `name` and calls `hear` with each message's data, as it is, and the channel to answer on.
    pub fn listen(name: &str, mut hear: impl FnMut(JsValue, &BroadcastChannel) + 'static) -> Option<Channel> {
        let channel = BroadcastChannel::new(name).ok()?;
        let answer = channel.clone();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| hear(event.data(), &answer));
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Some(Channel { channel, _listener: listener })
    }

    /// Sends `data` as it is.
    pub fn send(&self, data: &JsValue) {
        let _ = self.channel.post_message(data);
    }

    /// Sends `message` as `{ type, text?, at }` (`at` a number of epoch ms) to the other tabs.
    pub fn post(&self, message: &TabMessage) {
        let value = Object::new();
        let _ = Reflect::set(&value, &"type".into(), &message.kind.into());
        if let Some(text) = &message.text {
            let _ = Reflect::set(&value, &"text".into(), &text.into());
        }
        let _ = Reflect::set(&value, &"at".into(), &(message.at as f64).into());
        self.send(&value);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// A `pageshow` listener for this page's returns from the browser's back/forward cache, removed when dropped.
pub struct Restored {
    listener: Closure<dyn FnMut(JsValue)>,
}

impl Restored {
    /// Calls `restored` whenever the browser brings this page back from its back/forward cache (`pageshow` with
    /// `persisted`): the page slept through what other pages of its tab, and other tabs, did. `None` without a
    /// window.
    pub fn listen(mut restored: impl FnMut() + 'static) -> Option<Restored> {
        let window = super::window()?;
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if Reflect::get(&event, &"persisted".into()).is_ok_and(|persisted| persisted.is_truthy()) {
                restored();
            }
        });
        window.add_event_listener_with_callback("pageshow", listener.as_ref().unchecked_ref()).ok()?;
        Some(Restored { listener })
    }
}

impl Drop for Restored {
    fn drop(&mut self) {
        if let Some(window) = super::window() {
            let _ = window.remove_event_listener_with_callback("pageshow", self.listener.as_ref().unchecked_ref());
        }
    }
}

/// Waits `ms` milliseconds or until `wake` is called, whichever comes first; at once where there is no window
/// (no timer to end the wait).
pub async fn wait(ms: i32, wake: impl FnOnce(Function)) {
    let mut resolver = None;
    let promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
    let Some(resolve) = resolver else { return };
    let Some(window) = super::window() else { return };
    if window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).is_err() {
        return;
    }
    wake(resolve);
    let _ = JsFuture::from(promise).await;
}

/// How [`locked`] went.
pub enum Locked<T> {
    /// The body ran holding the lock.
    Ran(T),
    /// `if_available` and another tab holds the lock.
    Busy,
    /// No Web Locks here, or the request failed: the body did not run.
    Unavailable,
}

/// Runs `body` holding the Web Lock `name` (`if_available`: only if no other tab holds it right now).
pub async fn locked<T: 'static>(name: &str, if_available: bool, body: impl Future<Output = T> + 'static) -> Locked<T> {
    let global = js_sys::global();
    let locks = Reflect::get(&global, &"navigator".into()).and_then(|n| Reflect::get(&n, &"locks".into()));
    let request = locks.as_ref().ok().and_then(|l| Reflect::get(l, &"request".into()).ok()).and_then(|r| r.dyn_into::<Function>().ok());
    let (Ok(locks), Some(request)) = (locks, request) else { return Locked::Unavailable };
    let result: Rc<RefCell<Option<T>>> = Rc::default();
    let slot = result.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            return Promise::resolve(&JsValue::UNDEFINED).into();
        }
        future_to_promise(async move {
            let output = body.await;
            *slot.borrow_mut() = Some(output);
            Ok(JsValue::UNDEFINED)
        })
        .into()
    });
    let options = Object::new();
    if if_available {
        let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    }
    let granted = request.call3(&locks, &name.into(), &options, &callback).ok().and_then(|p| p.dyn_into::<Promise>().ok());
    let Some(granted) = granted else { return Locked::Unavailable };
    let settled = JsFuture::from(granted).await;
    let output = result.borrow_mut().take();
    match (output, settled) {
        (Some(output), _) => Locked::Ran(output),
        (None, Ok(_)) if if_available => Locked::Busy,
        (None, _) => Locked::Unavailable,
    }
}
