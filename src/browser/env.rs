//! The core's [`Env`] in a browser: sessionStorage (or memory), `Date.now()`, `crypto.getRandomValues` and
//! `JSON.parse`. Built once per client; both drivers (JavaScript and Rust) use it.

use super::json::BrowserJson;
use super::storage::{FallbackStore, JsStore, MemoryStore, Store};
use super::{now, random};
use crate::core::authorize::LoginRandomness;
use crate::core::client::{Client, Env};
use crate::core::config::{Config, StorageKind};
use crate::core::error::{Error, Result};
use crate::core::json::{FromJson, Json};
use crate::core::keys::Keys;
use crate::core::token::TokenSet;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// A browser client: the core's [`Client`] over [`BrowserEnv`].
pub type BrowserClient = Client<BrowserEnv>;

/// Opens the stores for `config` and makes its client.
pub fn client(config: Config) -> BrowserClient {
    let env = BrowserEnv::new(&config);
    Client::new(config, env)
}

pub struct BrowserEnv {
    /// Logins in progress and the discovery cache: always sessionStorage (or its fallback), since a login
    /// leaves the page and comes back.
    logins: Rc<FallbackStore>,
    /// Where tokens live (`storage` option): the same store as the logins, or memory.
    tokens: Rc<dyn JsStore>,
    tokens_key: String,
    /// The same key as a JavaScript string, for the per-call read of [`Env::load_tokens`].
    tokens_key_js: JsValue,
    /// The token set last read or written, with its exact stored text (a JavaScript string, compared without
    /// copying it into wasm): a read that finds the same text skips parsing. The store stays the source of
    /// truth, so another instance's write is always seen.
    parsed: RefCell<Option<(JsValue, Rc<TokenSet>)>>,
}

impl BrowserEnv {
    fn new(config: &Config) -> Self {
        let keys = Keys::new(&config.client_id, config.audience.as_deref());
        let logins = Rc::new(FallbackStore::new(keys.prefix()));
        let tokens: Rc<dyn JsStore> = match config.storage {
            StorageKind::Session => logins.clone(),
            StorageKind::Memory => Rc::new(MemoryStore::default()),
        };
        let tokens_key = keys.tokens();
        BrowserEnv { tokens_key_js: JsValue::from_str(&tokens_key), tokens_key, logins, tokens, parsed: RefCell::new(None) }
    }

    /// The key of the token set (shared by every client of this client id on the page).
    pub fn tokens_key(&self) -> &str {
        &self.tokens_key
    }
}

impl Env for BrowserEnv {
    type Json = BrowserJson;

    fn json(&self) -> &BrowserJson {
        &BrowserJson
    }

    fn now(&self) -> u64 {
        now()
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn random(&self) -> Result<LoginRandomness> {
        random::login()
    }

    fn logins(&self) -> &dyn Store {
        &*self.logins
    }

    fn keep_login(&self, key: &str, value: &str) -> Result<()> {
        self.logins.set_durable(key, value)
    }

    fn load_tokens(&self) -> Option<Rc<TokenSet>> {
        let stored = self.tokens.get_js(&self.tokens_key_js).ok()?;
        if let Some((cached, set)) = &*self.parsed.borrow() {
            if *cached == stored {
                return Some(set.clone());
            }
        }
        let set = Rc::new(TokenSet::read(&BrowserJson, &stored.as_string()?)?);
        *self.parsed.borrow_mut() = Some((stored, set.clone()));
        Some(set)
    }

    fn tokens_text(&self) -> Option<String> {
        self.tokens.get(&self.tokens_key).ok()?
    }

    fn save_tokens(&self, set: &TokenSet) -> Result<()> {
        let text = BrowserJson.stringify(set).ok_or_else(|| Error::server("The token set could not be serialized."))?;
        self.tokens.set(&self.tokens_key, &text)?;
        *self.parsed.borrow_mut() = Some((JsValue::from_str(&text), Rc::new(set.clone())));
        Ok(())
    }

    fn remove_tokens(&self) -> Result<()> {
        self.tokens.remove(&self.tokens_key)
    }
}
