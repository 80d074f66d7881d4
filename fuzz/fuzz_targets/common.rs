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
