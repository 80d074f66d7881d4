//! JSON through the browser's own `JSON.parse` (no JSON parser ships in the wasm), and the core's small writer.

use crate::core::json::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// The browser's JSON, bridged to serde by the own deserializer over JavaScript values (`js_value`).
pub struct BrowserJson;

impl Json for BrowserJson {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        let value = js_sys::JSON::parse(text).ok()?;
        super::js_value::from_value(value)
    }

    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        crate::core::json_text::to_string(value)
    }

    fn strings(&self, text: &str, names: &[&str]) -> Option<Vec<Option<String>>> {
        let object = object(text)?;
        Some(names.iter().map(|n| js_sys::Reflect::get(&object, &JsValue::from_str(n)).ok().and_then(|v| v.as_string())).collect())
    }

    fn items(&self, text: &str, name: &str) -> Option<Vec<String>> {
        let items = js_sys::Reflect::get(&object(text)?, &JsValue::from_str(name)).ok()?;
        let items: &js_sys::Array = items.dyn_ref()?;
        items.iter().map(|item| js_sys::JSON::stringify(&item).ok().and_then(|t| t.as_string())).collect()
    }
}

/// `JSON.parse(text)` when it is an object (not an array, not null).
fn object(text: &str) -> Option<JsValue> {
    let value = js_sys::JSON::parse(text).ok()?;
    (value.is_object() && !js_sys::Array::is_array(&value)).then_some(value)
}
