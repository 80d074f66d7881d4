//! Where tokens and logins in progress live: one [`Store`] interface, a sessionStorage implementation, an
//! in-memory one, and the fallback that moves to memory (with one console warning) when sessionStorage fails.

use crate::core::error::{code, Error, Result};
pub use crate::core::store::{MemoryStore, Store};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A [`Store`] that can also hand back a value as a JavaScript string (`null` when absent), so a caller can
/// compare it with a value it saw before without copying it into wasm memory.
pub trait JsStore: Store {
    fn get_js(&self, key: &JsValue) -> Result<JsValue> {
        let key = key.as_string().unwrap_or_default();
        Ok(self.get(&key)?.map_or(JsValue::NULL, |v| JsValue::from_str(&v)))
    }
}

impl JsStore for MemoryStore {}

/// `window.sessionStorage`: per tab, survives reloads. Every failure is `storage_unavailable`.
pub struct SessionStore {
    storage: web_sys::Storage,
}

fn unavailable<T>(_: T) -> Error {
    Error::new(code::STORAGE_UNAVAILABLE, "sessionStorage is disabled, full or not available here.")
}

impl SessionStore {
    /// Opens `window.sessionStorage`, which may be missing or throw (disabled storage, sandboxed frames).
    pub fn open() -> Result<Self> {
        let window = super::window().ok_or_else(|| unavailable(()))?;
        let storage = window.session_storage().map_err(unavailable)?.ok_or_else(|| unavailable(()))?;
        Ok(SessionStore { storage })
    }
}

#[wasm_bindgen]
extern "C" {
    /// `Storage`, seen through the bindings web-sys lacks: JavaScript values in and out, which wasm reads
    /// (one binding per method for every use, and no glue that copies strings; README "Size history").
    #[wasm_bindgen(js_name = Storage)]
    type RawStorage;

    /// `Storage.getItem` with a JavaScript key and result: no UTF-8 conversion either way.
    #[wasm_bindgen(method, js_name = getItem, catch)]
    fn get_item_js(this: &RawStorage, key: &JsValue) -> std::result::Result<JsValue, JsValue>;

    /// `Storage.key`, its result a JavaScript value.
    #[wasm_bindgen(method, js_name = key, catch)]
    fn key_js(this: &RawStorage, index: u32) -> std::result::Result<JsValue, JsValue>;
}

impl SessionStore {
    fn raw(&self) -> &RawStorage {
        self.storage.unchecked_ref()
    }
}

impl JsStore for SessionStore {
    fn get_js(&self, key: &JsValue) -> Result<JsValue> {
        self.raw().get_item_js(key).map_err(unavailable)
    }
}

impl Store for SessionStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.get_js(&JsValue::from_str(key))?.as_string())
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.storage.set_item(key, value).map_err(unavailable)
    }
    fn remove(&self, key: &str) -> Result<()> {
        self.storage.remove_item(key).map_err(unavailable)
    }
    fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let length = self.storage.length().map_err(unavailable)?;
        let mut keys = Vec::new();
        for i in 0..length {
            if let Some(key) = self.raw().key_js(i).map_err(unavailable)?.as_string() {
                if key.starts_with(prefix) {
                    keys.push(key);
                }
            }
        }
        Ok(keys)
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

fn warn_once() {
    if !WARNED.swap(true, Ordering::Relaxed) {
        web_sys::console::warn_1(
            &"spa-auth: sessionStorage is unavailable (disabled or full); tokens are kept in this page's memory and a reload will need a new login."
                .into(),
        );
    }
}

/// sessionStorage while it works; on its first failure, this client's keys move to memory for the rest of the page.
pub struct FallbackStore {
    session: RefCell<Option<SessionStore>>,
    memory: MemoryStore,
    /// The keys to carry over to memory: this client's.
    prefix: String,
}

impl FallbackStore {
    /// Opens sessionStorage, or starts in memory (with the warning) when it cannot be opened.
    pub fn new(prefix: &str) -> Self {
        let session = SessionStore::open().ok();
        if session.is_none() {
            warn_once();
        }
        FallbackStore { session: RefCell::new(session), memory: MemoryStore::default(), prefix: prefix.to_owned() }
    }

    /// Writes to sessionStorage itself, never to the memory fallback alone: for what must survive leaving the page
    /// (a login in progress). After an earlier failure moved this client to memory, sessionStorage is tried again
    /// (it may have room now) and the value kept in memory too, where this page reads. `storage_unavailable` when
    /// sessionStorage is missing, throws or is full.
    pub fn set_durable(&self, key: &str, value: &str) -> Result<()> {
        let refused = || {
            Error::new(
                code::STORAGE_UNAVAILABLE,
                "sessionStorage is disabled, full or not available here, so this login could not be kept for the way \
back from the server; it was not started (nothing was sent or navigated).",
            )
        };
        if let Some(session) = self.session.borrow().as_ref() {
            return session.set(key, value).map_err(|_| refused());
        }
        SessionStore::open().and_then(|session| session.set(key, value)).map_err(|_| refused())?;
        self.memory.set(key, value)
    }

    /// Runs `op` on sessionStorage; on failure, moves to memory (copying what can still be read) and runs it there.
    fn with<T>(&self, op: impl Fn(&dyn JsStore) -> Result<T>) -> Result<T> {
        if let Some(Ok(value)) = self.session.borrow().as_ref().map(|s| op(s)) {
            return Ok(value);
        }
        self.fall_back()?;
        op(&self.memory)
    }

    /// Moves this client's keys from a failing sessionStorage to memory, once (one body for every operation of
    /// [`with`](Self::with), not one per operation).
    #[inline(never)]
    fn fall_back(&self) -> Result<()> {
        let Some(session) = self.session.borrow_mut().take() else { return Ok(()) };
        for key in session.keys(&self.prefix).unwrap_or_default() {
            if let Ok(Some(value)) = session.get(&key) {
                self.memory.set(&key, &value)?;
            }
            // Memory is the truth from now on: a reload must not bring back what was logged out here.
            let _ = session.remove(&key);
        }
        warn_once();
        Ok(())
    }
}

impl JsStore for FallbackStore {
    fn get_js(&self, key: &JsValue) -> Result<JsValue> {
        self.with(|s| s.get_js(key))
    }
}

impl Store for FallbackStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        self.with(|s| s.get(key))
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.with(|s| s.set(key, value))
    }
    fn remove(&self, key: &str) -> Result<()> {
        self.with(|s| s.remove(key))
    }
    fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        self.with(|s| s.keys(prefix))
    }
}
