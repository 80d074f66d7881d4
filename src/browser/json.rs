//! JSON through the browser's own `JSON.parse` (no JSON parser ships in the wasm), and the core's small writer.

use crate::core::json::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The browser's JSON, bridged to serde by serde-wasm-bindgen.
pub struct BrowserJson;

impl Json for BrowserJson {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        let value = js_sys::JSON::parse(text).ok()?;
        super::js_value::from_value(value)
    }

    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        crate::core::json_text::to_string(value)
    }
}
