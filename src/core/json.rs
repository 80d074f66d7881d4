//! JSON text without a JSON parser in the binary: the browser shell parses with `JSON.parse`,
//! native tests and fuzzing with serde_json. The core only names the two operations it needs.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Converts between JSON text and Rust values; `None` when the text is not JSON of the expected shape.
pub trait Json {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Option<T>;
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String>;
    /// The string members `names` of the JSON object `text` (each `None` when missing or not a string); `None`
    /// when `text` is not a JSON object. A few fields read without a derived deserializer (much less code).
    fn strings(&self, text: &str, names: &[&str]) -> Option<Vec<Option<String>>>;
    /// The elements of the array member `name` of the JSON object `text`, each as JSON text.
    fn items(&self, text: &str, name: &str) -> Option<Vec<String>>;
}

/// Parses `text` only when it is a JSON object: serde would otherwise fill a struct from an array, by position.
pub fn parse_object<T: DeserializeOwned>(json: &impl Json, text: &str) -> Option<T> {
    if text.trim_start().starts_with('{') {
        json.parse(text)
    } else {
        None
    }
}

/// serde_json, for tests and fuzzing.
#[cfg(test)]
pub struct SerdeJson;

#[cfg(test)]
impl Json for SerdeJson {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        serde_json::from_str(text).ok()
    }
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        serde_json::to_string(value).ok()
    }
    fn strings(&self, text: &str, names: &[&str]) -> Option<Vec<Option<String>>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let object = value.as_object()?;
        Some(names.iter().map(|n| object.get(*n).and_then(|v| v.as_str()).map(str::to_owned)).collect())
    }
    fn items(&self, text: &str, name: &str) -> Option<Vec<String>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(value.as_object()?.get(name)?.as_array()?.iter().map(|v| v.to_string()).collect())
    }
}
