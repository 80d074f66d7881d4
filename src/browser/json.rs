//! JSON through the browser's own `JSON.parse` / `JSON.stringify`, so no JSON parser ships in the wasm.

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
        let value = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
        js_sys::JSON::stringify(&value).ok()?.as_string()
    }
}
