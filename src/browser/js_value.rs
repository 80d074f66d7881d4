//! A serde `Deserializer` over JavaScript values (what `JSON.parse` and `Response.json()` give). Its errors
//! carry no text, so no formatting code (serde's type-mismatch messages, float printing) ends up in the binary;
//! callers turn a failure into an `Error` with a message of their own. Structs are read only from plain objects,
//! never from arrays by position.

use js_sys::{Array, Object};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// "Not the expected shape"; the caller says what was expected. A zero-sized error keeps serde's derived code
/// small; where it happened is kept on the side (see [`read`]).
#[derive(Debug)]
pub struct Mismatch;

/// Where a [`read`] did not fit: the property path (outermost first, e.g. `authorizationParams.prompt`; empty
/// when the value itself has the wrong shape) and what was found there, in words (`an array`, `"local"`, …).
#[derive(Debug, Default)]
pub struct Misfit {
    pub path: String,
    pub found: String,
}

thread_local! {
    /// The misfit of the read in progress, filled in as the error travels out of nested objects.
    static MISFIT: RefCell<Misfit> = RefCell::new(Misfit::default());
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unexpected value")
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Mismatch
    }
}

/// Reads a Rust value out of `value`, saying where it did not fit.
pub fn read<T: de::DeserializeOwned>(value: JsValue) -> Result<T, Misfit> {
    start_read();
    T::deserialize(JsDeserializer(value.clone(), 0)).map_err(|_| take_misfit(&value))
}

fn start_read() {
    MISFIT.with(|m| *m.borrow_mut() = Misfit::default());
}

#[inline(never)]
fn take_misfit(value: &JsValue) -> Misfit {
    let mut misfit = MISFIT.with(|m| std::mem::take(&mut *m.borrow_mut()));
    if misfit.found.is_empty() {
        misfit.found = describe(value);
    }
    misfit
}

/// Notes, as an error leaves the property `key` holding `value`, where it happened (not generic: serde's
/// derived code calls it from every field type).
#[inline(never)]
fn note_misfit(key: &JsValue, value: &JsValue) {
    MISFIT.with(|misfit| {
        let mut misfit = misfit.borrow_mut();
        // The innermost property that did not fit says what it held; each level adds its name in front.
        if misfit.found.is_empty() {
            misfit.found = describe(value);
        }
        let key = key.as_string().unwrap_or_default();
        misfit.path = if misfit.path.is_empty() { key } else { [key.as_str(), ".", &misfit.path].concat() };
    });
}

/// What a JavaScript value is, in the words of an error message; a short string is quoted as it is.
pub fn describe(value: &JsValue) -> String {
    match value.as_string() {
        Some(s) if s.len() <= 40 => ["\"", &s, "\""].concat(),
        _ => kind(value).to_owned(),
    }
}

/// The kind of a JavaScript value, in words: `a number`, `an array`, `a URL object`, ….
pub fn kind(value: &JsValue) -> &'static str {
    if value.is_undefined() {
        "undefined"
    } else if value.is_null() {
        "null"
    } else if value.is_string() {
        "a string"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_function() {
        "a function"
    } else if Array::is_array(value) {
        "an array"
    } else if value.dyn_ref::<web_sys::Url>().is_some() {
        "a URL object"
    } else if value.dyn_ref::<web_sys::Location>().is_some() {
        "a Location object"
    } else {
        "an object"
    }
}

/// Nesting deeper than this is refused: a hostile answer cannot exhaust the stack.
const MAX_DEPTH: u8 = 32;

/// A value and how deep it sits.
struct JsDeserializer(JsValue, u8);

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

impl<'de> de::Deserializer<'de> for JsDeserializer {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        let (value, depth) = (self.0, self.1);
        if value.is_null() || value.is_undefined() {
            visitor.visit_unit()
        } else if let Some(b) = value.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = value.as_f64() {
            if n.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&n) {
                visitor.visit_u64(n as u64)
            } else if n.fract() == 0.0 && (-MAX_SAFE..0.0).contains(&n) {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_f64(n)
            }
        } else if let Some(s) = value.as_string() {
            visitor.visit_string(s)
        } else if depth >= MAX_DEPTH {
            Err(Mismatch)
        } else if Array::is_array(&value) {
            visitor.visit_seq(Elements { items: value.unchecked_into(), next: 0, depth: depth + 1 })
        } else if value.is_object() {
            visitor.visit_map(Entries { entries: Object::entries(value.unchecked_ref()), next: 0, key: JsValue::UNDEFINED, value: None, depth: depth + 1 })
        } else {
            Err(Mismatch)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        if self.0.is_object() && !Array::is_array(&self.0) {
            self.deserialize_any(visitor)
        } else {
            Err(Mismatch)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        let name = self.0.as_string().ok_or(Mismatch)?;
        visitor.visit_enum(IntoDeserializer::<Mismatch>::into_deserializer(name))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Elements {
    items: Array,
    next: u32,
    depth: u8,
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = Mismatch;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Mismatch> {
        if self.next >= self.items.length() {
            return Ok(None);
        }
        let item = self.items.get(self.next);
        self.next += 1;
        seed.deserialize(JsDeserializer(item, self.depth)).map(Some)
    }
}

struct Entries {
    entries: Array,
    next: u32,
    key: JsValue,
    value: Option<JsValue>,
    depth: u8,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Mismatch> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        self.value = Some(pair.get(1));
        self.key = pair.get(0);
        seed.deserialize(JsDeserializer(self.key.clone(), self.depth)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Mismatch> {
        let value = self.value.take().ok_or(Mismatch)?;
        seed.deserialize(JsDeserializer(value.clone(), self.depth)).inspect_err(|_| note_misfit(&self.key, &value))
    }
}
