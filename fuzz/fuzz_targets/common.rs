//! serde_json standing in for the browser's JSON.parse, as the native tests do.

use serde::de::DeserializeOwned;
use serde::Serialize;
use spa_auth::core::json::Json;

pub struct SerdeJson;

impl Json for SerdeJson {
    fn parse<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        serde_json::from_str(text).ok()
    }
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        serde_json::to_string(value).ok()
    }
}
