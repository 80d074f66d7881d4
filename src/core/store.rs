//! Where a client keeps things: one synchronous string key-value interface (sessionStorage in a browser) and
//! an in-memory implementation.

use super::error::Result;
use std::cell::RefCell;

/// A string key-value store.
pub trait Store {
    fn get(&self, key: &str) -> Result<Option<String>>;
    fn set(&self, key: &str, value: &str) -> Result<()>;
    fn remove(&self, key: &str) -> Result<()>;
    /// Every key that starts with `prefix`.
    fn keys(&self, prefix: &str) -> Result<Vec<String>>;
}

/// Memory only: gone with the page. A handful of keys, so a list serves (less code than a map).
#[derive(Default)]
pub struct MemoryStore {
    entries: RefCell<Vec<(String, String)>>,
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.entries.borrow().iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        let mut entries = self.entries.borrow_mut();
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_owned(),
            None => entries.push((key.to_owned(), value.to_owned())),
        }
        Ok(())
    }
    fn remove(&self, key: &str) -> Result<()> {
        crate::core::encoding::take_named(&mut self.entries.borrow_mut(), key);
        Ok(())
    }
    fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        for (key, _) in self.entries.borrow().iter().filter(|(k, _)| k.starts_with(prefix)) {
            keys.push(key.clone());
        }
        Ok(keys)
    }
}
