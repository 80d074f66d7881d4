//! JSON through the browser's own `JSON.parse` (no JSON parser ships in the wasm), and the core's small writer.

use crate::core::json::{Json, Member};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// The browser's JSON: `JSON.parse` and `Reflect.get` to read members, the core's writer to write.
pub struct BrowserJson;

impl Json for BrowserJson {
    fn stringify<T: Serialize>(&self, value: &T) -> Option<String> {
        crate::core::json_text::to_string(value)
    }

    fn members(&self, text: &str, names: &[&str]) -> Option<Vec<Member>> {
        let object = object(text)?;
        let mut members = Vec::with_capacity(names.len());
        for name in names {
            members.push(own(&object, name).map_or(Member::Missing, member));
        }
        Some(members)
    }

    fn entries(&self, text: &str) -> Option<Vec<(String, Member)>> {
        let object = object(text)?;
        let mut entries = Vec::new();
        for pair in js_sys::Object::entries(object.unchecked_ref()).iter() {
            if let Some((name, value)) = pair.dyn_into::<js_sys::Array>().ok().and_then(|p| Some((p.get(0).as_string()?, p.get(1)))) {
                entries.push((name, member(value)));
            }
        }
        Some(entries)
    }

    fn items(&self, text: &str, name: &str) -> Option<Vec<String>> {
        let items = own(&object(text)?, name)?;
        let items: &js_sys::Array = items.dyn_ref()?;
        texts(items, true)
    }
}

/// The member `name` of `object` (from `JSON.parse`), when the JSON has it: never one inherited from
/// `Object.prototype`, which a prototype-pollution bug elsewhere on the page could have planted (a `tokenEndpoint`
/// or `revocation_endpoint` there would receive codes and tokens).
fn own(object: &JsValue, name: &str) -> Option<JsValue> {
    let name = JsValue::from_str(name);
    // ES5's descriptor, not `Object.hasOwn` (Safari 15.4) nor the object's own `hasOwnProperty`, which a member of
    // that name in the answer would shadow.
    let own = !js_sys::Object::get_own_property_descriptor(object.unchecked_ref::<js_sys::Object>(), &name).is_undefined();
    own.then(|| js_sys::Reflect::get(object, &name).ok()).flatten()
}

/// A JavaScript value (from `JSON.parse`) as a [`Member`].
fn member(value: JsValue) -> Member {
    if value.is_undefined() {
        Member::Missing
    } else if value.is_null() {
        Member::Null
    } else if let Some(b) = value.as_bool() {
        Member::Bool(b)
    } else if let Some(n) = value.as_f64() {
        Member::Number(n)
    } else if let Some(t) = value.as_string() {
        Member::Text(t)
    } else if let Some(items) = value.dyn_ref::<js_sys::Array>() {
        texts(items, false).map_or(Member::Other, Member::Texts)
    } else {
        js_sys::JSON::stringify(&value).ok().and_then(|t| t.as_string()).map_or(Member::Other, Member::Object)
    }
}

/// Each item of `items` as text: its JSON (`as_json`), or itself when every item is a string; `None` otherwise.
/// One loop for both (a `collect` into `Option` per use was built twice).
fn texts(items: &js_sys::Array, as_json: bool) -> Option<Vec<String>> {
    let mut texts = Vec::new();
    for item in items.iter() {
        texts.push(match as_json {
            true => js_sys::JSON::stringify(&item).ok().and_then(|t| t.as_string()),
            false => item.as_string(),
        }?);
    }
    Some(texts)
}

/// `JSON.parse(text)` when it is an object (not an array, not null).
fn object(text: &str) -> Option<JsValue> {
    let value = js_sys::JSON::parse(text).ok()?;
    (value.is_object() && !js_sys::Array::is_array(&value)).then_some(value)
}
