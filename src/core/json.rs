//! JSON text without a JSON parser in the binary: the browser shell parses with `JSON.parse`,
//! native tests and fuzzing with serde_json. The core only names the two operations it needs.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Converts between JSON text and Rust values; `None` when the text is not JSON of the expected shape.
pub trait Json {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Option<T>;
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String>;
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
}
