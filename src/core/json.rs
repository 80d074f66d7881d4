//! JSON text without a JSON parser in the binary: the browser shell parses with `JSON.parse`, native tests and
//! fuzzing with serde_json. The core reads what it needs member by member ([`FromJson`]): no derived deserializer
//! for server answers or stored records (they cost far more code in the wasm), and writes with serde.

use serde::Serialize;

/// Reads JSON text member by member, and writes Rust values as JSON text.
pub trait Json {
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String>;
    /// The members `names` of the JSON object `text`, in that order; `None` when `text` is not a JSON object.
    /// Types read this way need no derived deserializer (much less code in the wasm).
    fn members(&self, text: &str, names: &[&str]) -> Option<Vec<Member>>;
    /// The elements of the array member `name` of the JSON object `text`, each as JSON text.
    fn items(&self, text: &str, name: &str) -> Option<Vec<String>>;
    /// The string members `names` of the JSON object `text` (each `None` when missing or not a string).
    fn strings(&self, text: &str, names: &[&str]) -> Option<Vec<Option<String>>> {
        Some(self.members(text, names)?.into_iter().map(|m| m.text().flatten()).collect())
    }
}

/// One member of a JSON object, as a reader sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    Missing,
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// An array of strings.
    Texts(Vec<String>),
    /// An object, as JSON text.
    Object(String),
    /// Anything else (an array with other elements).
    Other,
}

impl Member {
    /// A string member: `Some(None)` when missing or null, `None` when of another type.
    pub fn text(self) -> Option<Option<String>> {
        match self {
            Member::Missing | Member::Null => Some(None),
            Member::Text(t) => Some(Some(t)),
            _ => None,
        }
    }

    /// A number member: `Some(None)` when missing or null, `None` when of another type.
    pub fn number(self) -> Option<Option<f64>> {
        match self {
            Member::Missing | Member::Null => Some(None),
            Member::Number(n) => Some(Some(n)),
            _ => None,
        }
    }

    /// A string, or an array of strings (`aud`); `Some(empty)` when missing or null.
    pub fn texts(self) -> Option<Vec<String>> {
        match self {
            Member::Missing | Member::Null => Some(Vec::new()),
            Member::Text(t) => Some(vec![t]),
            Member::Texts(all) => Some(all),
            _ => None,
        }
    }
}

/// A type read from JSON text member by member.
pub trait FromJson: Sized {
    /// `None` when `text` is not a JSON object, or a member has the wrong type.
    fn read(json: &impl Json, text: &str) -> Option<Self>;
}

/// The members of `text` as a fixed-size array, for destructuring.
pub fn members<const N: usize>(json: &impl Json, text: &str, names: &[&str; N]) -> Option<[Member; N]> {
    json.members(text, names)?.try_into().ok()
}

/// serde_json, for tests and fuzzing.
#[cfg(test)]
pub struct SerdeJson;

/// A serde_json value as a [`Member`] (tests and fuzzing).
#[cfg(test)]
pub fn serde_member(value: &serde_json::Value) -> Member {
    use serde_json::Value;
    match value {
        Value::Null => Member::Null,
        Value::Bool(b) => Member::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Member::Other, Member::Number),
        Value::String(s) => Member::Text(s.clone()),
        Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>().map_or(Member::Other, Member::Texts),
        Value::Object(_) => Member::Object(value.to_string()),
    }
}

#[cfg(test)]
impl Json for SerdeJson {
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        serde_json::to_string(value).ok()
    }
    fn members(&self, text: &str, names: &[&str]) -> Option<Vec<Member>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let object = value.as_object()?;
        Some(names.iter().map(|n| object.get(*n).map_or(Member::Missing, serde_member)).collect())
    }
    fn items(&self, text: &str, name: &str) -> Option<Vec<String>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(value.as_object()?.get(name)?.as_array()?.iter().map(|v| v.to_string()).collect())
    }
}
