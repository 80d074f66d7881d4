//! serde_json standing in for the browser's JSON.parse, as the native tests do.

use serde::Serialize;
use spa_auth::core::json::{Json, Member};

pub struct SerdeJson;

impl Json for SerdeJson {
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        serde_json::to_string(value).ok()
    }
    fn members(&self, text: &str, names: &[&str]) -> Option<Vec<Member>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let object = value.as_object()?;
        Some(names.iter().map(|n| object.get(*n).map_or(Member::Missing, member)).collect())
    }
    fn items(&self, text: &str, name: &str) -> Option<Vec<String>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(value.as_object()?.get(name)?.as_array()?.iter().map(|v| v.to_string()).collect())
    }
    fn entries(&self, text: &str) -> Option<Vec<(String, Member)>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(value.as_object()?.iter().map(|(k, v)| (k.clone(), member(v))).collect())
    }
}

fn member(value: &serde_json::Value) -> Member {
    use serde_json::Value;
    match value {
        Value::Null => Member::Null,
        Value::Bool(b) => Member::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Member::Other, Member::Number),
        Value::String(s) => Member::Text(s.clone()),
        Value::Array(items) => {
            items.iter().map(|i| i.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>().map_or(Member::Other, Member::Texts)
        }
        Value::Object(_) => Member::Object(value.to_string()),
    }
}
