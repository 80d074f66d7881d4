//! JSON text without a JSON parser in the binary: the browser shell parses with `JSON.parse`, native tests and
//! fuzzing with serde_json. The core reads what it needs member by member ([`FromJson`]): no derived deserializer
//! for server answers or stored records (they cost far more code in the wasm), and writes with serde.

use crate::core::encoding::concat;
use serde::Serialize;

/// Reads JSON text member by member, and writes Rust values as JSON text.
pub trait Json {
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String>;
    /// The members `names` of the JSON object `text`, in that order; `None` when `text` is not a JSON object.
    /// Types read this way need no derived deserializer (much less code in the wasm).
    fn members(&self, text: &str, names: &[&str]) -> Option<Vec<Member>>;
    /// The elements of the array member `name` of the JSON object `text`, each as JSON text.
    fn items(&self, text: &str, name: &str) -> Option<Vec<String>>;
    /// Every member of the JSON object `text`, in order.
    fn entries(&self, text: &str) -> Option<Vec<(String, Member)>>;
    /// The string members `names` of the JSON object `text` (each `None` when missing or not a string).
    fn strings(&self, text: &str, names: &[&str]) -> Option<Vec<Option<String>>> {
        let mut strings = Vec::with_capacity(names.len());
        for member in self.members(text, names)? {
            strings.push(member.text().flatten());
        }
        Some(strings)
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

impl Member {
    /// What the member holds, in the words of an error message; a short string is quoted as it is.
    pub fn describe(&self) -> String {
        match self {
            Member::Text(t) if t.len() <= 40 => concat(&["\"", t, "\""]),
            Member::Text(_) => "a string".to_owned(),
            Member::Missing => "nothing".to_owned(),
            Member::Null => "null".to_owned(),
            Member::Bool(_) => "a boolean".to_owned(),
            Member::Number(_) => "a number".to_owned(),
            Member::Object(_) => "an object".to_owned(),
            Member::Texts(_) | Member::Other => "an array".to_owned(),
        }
    }
}

/// Where options did not fit: the member's path (`scope`, `authorizationParams.prompt`) and what it held.
/// One pointer wide, like `Error`, so the readers' `Result`s stay small.
#[derive(Debug, PartialEq, Eq)]
pub struct Misfit(Box<(String, String)>);

impl Misfit {
    pub fn new(path: String, found: String) -> Misfit {
        Misfit(Box::new((path, found)))
    }

    pub fn at(path: &str, member: &Member) -> Misfit {
        Misfit::new(path.to_owned(), member.describe())
    }

    /// The member's path, e.g. `scope` or `authorizationParams.prompt` (empty: the whole).
    pub fn path(&self) -> &str {
        &self.0 .0
    }

    /// What it held, in words (`an array`, `"local"`).
    pub fn found(&self) -> &str {
        &self.0 .1
    }
}

/// Options read from a plain JSON object, member by member; a member of the wrong type is a [`Misfit`] naming it.
/// Unknown members are ignored; a missing or null member takes its default.
pub trait FromOptions: Sized {
    fn read_options(json: &impl Json, text: &str) -> std::result::Result<Self, Misfit>;
}

/// Options text that is not a JSON object at all: a misfit of the whole.
trait NotAnObject<T> {
    fn not_an_object(self) -> std::result::Result<T, Misfit>;
}

impl<T> NotAnObject<T> for Option<T> {
    fn not_an_object(self) -> std::result::Result<T, Misfit> {
        self.ok_or_else(|| Misfit::new(String::new(), "something that is not an object".to_owned()))
    }
}

/// A string option (`None` when missing or null).
fn option_text(member: Member, name: &str) -> std::result::Result<Option<String>, Misfit> {
    let found = Misfit::at(name, &member);
    member.text().ok_or(found)
}

/// An object-of-strings option (`authorizationParams`), in the object's order.
fn option_pairs(json: &impl Json, member: Member, name: &str) -> std::result::Result<Vec<(String, String)>, Misfit> {
    match member {
        Member::Missing | Member::Null => Ok(Vec::new()),
        Member::Object(text) => {
            let entries = json.entries(&text).ok_or_else(|| Misfit::new(name.to_owned(), "an object".to_owned()))?;
            let mut pairs = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                match value {
                    Member::Text(v) => pairs.push((key, v)),
                    other => return Err(Misfit::at(&concat(&[name, ".", &key]), &other)),
                }
            }
            Ok(pairs)
        }
        other => Err(Misfit::at(name, &other)),
    }
}

/// An option with a few named values (`"session"` | `"memory"`, …); missing or null gives the default.
fn option_choice<T: Copy + Default>(member: Member, name: &str, choices: &[(&str, T)]) -> std::result::Result<T, Misfit> {
    match &member {
        Member::Missing | Member::Null => Ok(T::default()),
        Member::Text(t) => choices.iter().find(|(n, _)| n == t).map(|(_, v)| *v).ok_or_else(|| Misfit::at(name, &member)),
        _ => Err(Misfit::at(name, &member)),
    }
}

/// A number option (`None` when missing or null).
fn option_number(member: Member, name: &str) -> std::result::Result<Option<f64>, Misfit> {
    let found = Misfit::at(name, &member);
    member.number().ok_or(found)
}

/// A boolean option (`false` when missing or null).
fn option_bool(member: Member, name: &str) -> std::result::Result<bool, Misfit> {
    match member {
        Member::Missing | Member::Null => Ok(false),
        Member::Bool(b) => Ok(b),
        other => Err(Misfit::at(name, &other)),
    }
}

/// A type read from JSON text member by member.
pub trait FromJson: Sized {
    /// `None` when `text` is not a JSON object, or a member has the wrong type.
    fn read(json: &impl Json, text: &str) -> Option<Self>;
}

/// Reads the members of one JSON object in the order they were asked for. A member of the wrong type is noted, not
/// returned at: a reader has one exit ([`finish`](Reader::finish)), so the wasm carries no drop code for an early
/// return after every member (that code was most of each reader's size).
pub struct Reader {
    members: std::vec::IntoIter<Member>,
    fits: bool,
}

impl Reader {
    /// A reader of the members `names` of the JSON object `text`; `None` when it is not a JSON object.
    pub fn new(json: &impl Json, text: &str, names: &[&str]) -> Option<Reader> {
        Some(Reader { members: json.members(text, names)?.into_iter(), fits: true })
    }

    /// The next member, as it is.
    pub fn member(&mut self) -> Member {
        self.members.next().unwrap_or(Member::Missing)
    }

    /// `value`, or (when it is `None`) the default, and the object does not fit.
    pub fn need<T: Default>(&mut self, value: Option<T>) -> T {
        value.unwrap_or_else(|| {
            self.fits = false;
            T::default()
        })
    }

    /// A string member: `None` when missing or null; another type does not fit.
    pub fn text(&mut self) -> Option<String> {
        let text = self.member().text();
        self.need(text)
    }

    /// A string member that only informs (`error_description`): another type reads as missing, so it never makes
    /// the whole answer unreadable.
    pub fn informative_text(&mut self) -> Option<String> {
        self.member().text().flatten()
    }

    /// A string member that must be there.
    pub fn required(&mut self) -> String {
        let text = self.text();
        self.need(text)
    }

    /// A number member: `None` when missing or null; another type does not fit.
    pub fn number(&mut self) -> Option<f64> {
        let number = self.member().number();
        self.need(number)
    }

    /// Whole seconds that must be there (a finite number, not negative).
    pub fn seconds(&mut self) -> u64 {
        let seconds = self.number().filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64);
        self.need(seconds)
    }

    /// A string or an array of strings (`aud`): empty when missing or null; another type does not fit.
    pub fn texts(&mut self) -> Vec<String> {
        let texts = self.member().texts();
        self.need(texts)
    }

    /// `value` when every member read fit.
    pub fn finish<T>(self, value: T) -> Option<T> {
        self.fits.then_some(value)
    }
}

/// Reads options member by member, in the order asked for (see [`Reader`]); the first member that does not fit is
/// kept and [`finish`](OptionsReader::finish) returns it as the [`Misfit`] naming it.
pub struct OptionsReader<'j, J> {
    json: &'j J,
    members: std::vec::IntoIter<Member>,
    names: std::slice::Iter<'static, &'static str>,
    misfit: Option<Misfit>,
}

impl<'j, J: Json> OptionsReader<'j, J> {
    /// A reader of the options `names` of the JSON object `text`; a misfit of the whole when it is not an object.
    pub fn new(json: &'j J, text: &str, names: &'static [&'static str]) -> std::result::Result<Self, Misfit> {
        let members = json.members(text, names).not_an_object()?.into_iter();
        Ok(OptionsReader { json, members, names: names.iter(), misfit: None })
    }

    fn next(&mut self) -> (Member, &'static str) {
        (self.members.next().unwrap_or(Member::Missing), self.names.next().copied().unwrap_or_default())
    }

    fn fit<T: Default>(&mut self, read: std::result::Result<T, Misfit>) -> T {
        read.unwrap_or_else(|misfit| {
            self.misfit.get_or_insert(misfit);
            T::default()
        })
    }

    /// A string option (`None` when missing or null).
    pub fn text(&mut self) -> Option<String> {
        let (member, name) = self.next();
        let read = option_text(member, name);
        self.fit(read)
    }

    /// A number option (`None` when missing or null).
    pub fn number(&mut self) -> Option<f64> {
        let (member, name) = self.next();
        let read = option_number(member, name);
        self.fit(read)
    }

    /// A boolean option (`false` when missing or null).
    pub fn flag(&mut self) -> bool {
        let (member, name) = self.next();
        let read = option_bool(member, name);
        self.fit(read)
    }

    /// One of a few named values; missing or null gives the default.
    pub fn choice<T: Copy + Default>(&mut self, choices: &[(&str, T)]) -> T {
        let (member, name) = self.next();
        let read = option_choice(member, name, choices);
        self.fit(read)
    }

    /// An object of strings (`authorizationParams`), in the object's order.
    pub fn pairs(&mut self) -> Vec<(String, String)> {
        let (member, name) = self.next();
        let read = option_pairs(self.json, member, name);
        self.fit(read)
    }

    /// `value` when every option read fit, or the first misfit.
    pub fn finish<T>(self, value: T) -> std::result::Result<T, Misfit> {
        self.misfit.map_or(Ok(value), Err)
    }
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
    fn entries(&self, text: &str) -> Option<Vec<(String, Member)>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(value.as_object()?.iter().map(|(k, v)| (k.clone(), serde_member(v))).collect())
    }
}
