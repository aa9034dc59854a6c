//! Reading and writing OTLP attribute values leniently: numbers that arrive as strings (Claude
//! Code sends every attribute as a string), booleans as `"true"`, JSON text where a structure was
//! expected.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue};
use serde_json::{Map, Value};

/// A read-only view of one attribute list, with later lists (span events) consulted as well.
#[derive(Clone, Copy)]
pub struct Attributes<'a> {
    lists: [&'a [KeyValue]; 3],
}

impl<'a> Attributes<'a> {
    pub fn new(list: &'a [KeyValue]) -> Self {
        Attributes { lists: [list, &[], &[]] }
    }

    /// `primary` first, then `more`, then `fallback` (the resource).
    pub fn layered(primary: &'a [KeyValue], more: &'a [KeyValue], fallback: &'a [KeyValue]) -> Self {
        Attributes { lists: [primary, more, fallback] }
    }

    pub fn get(&self, key: &str) -> Option<&'a AnyValue> {
        self.lists.iter().find_map(|list| list.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()))
    }

    /// Every key, in order (duplicates in later lists included).
    pub fn iter(&self) -> impl Iterator<Item = &'a KeyValue> + '_ {
        self.lists.iter().flat_map(|list| list.iter())
    }

    /// A non-empty string value (numbers and booleans are written out).
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(text_of).filter(|text| !text.trim().is_empty())
    }

    /// The first of `keys` that has a non-empty value.
    pub fn text_any(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| self.text(key))
    }

    pub fn uint(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(uint_of)
    }

    pub fn uint_any(&self, keys: &[&str]) -> Option<u64> {
        keys.iter().find_map(|key| self.uint(key))
    }

    pub fn float(&self, key: &str) -> Option<f64> {
        match self.get(key)?.value.as_ref()? {
            Any::DoubleValue(f) => Some(*f),
            Any::IntValue(i) => Some(*i as f64),
            Any::StringValue(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)?.value.as_ref()? {
            Any::BoolValue(b) => Some(*b),
            Any::StringValue(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            Any::IntValue(i) => Some(*i != 0),
            _ => None,
        }
    }

    /// A structured value: an array or map as sent, or a string that holds JSON.
    pub fn json(&self, key: &str) -> Option<Value> {
        let value = self.get(key)?;
        match value.value.as_ref()? {
            Any::StringValue(s) => serde_json::from_str(s).ok(),
            _ => Some(to_json(value)),
        }
    }

    /// A list of strings: an array value, or one string.
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key).and_then(|v| v.value.as_ref()) {
            Some(Any::ArrayValue(array)) => array.values.iter().filter_map(text_of).collect(),
            Some(Any::StringValue(s)) => match serde_json::from_str::<Vec<String>>(s) {
                Ok(list) => list,
                Err(_) => vec![s.clone()],
            },
            _ => Vec::new(),
        }
    }
}

pub fn text_of(value: &AnyValue) -> Option<String> {
    match value.value.as_ref()? {
        Any::StringValue(s) => Some(s.clone()),
        Any::IntValue(i) => Some(i.to_string()),
        Any::DoubleValue(f) => Some(f.to_string()),
        Any::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn uint_of(value: &AnyValue) -> Option<u64> {
    match value.value.as_ref()? {
        Any::IntValue(i) => u64::try_from(*i).ok(),
        Any::DoubleValue(f) if *f >= 0.0 && f.is_finite() => Some(f.round() as u64),
        Any::StringValue(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().filter(|f| *f >= 0.0 && f.is_finite()).map(|f| f.round() as u64))
        }
        _ => None,
    }
}

pub fn to_json(value: &AnyValue) -> Value {
    match value.value.as_ref() {
        None => Value::Null,
        Some(Any::StringValue(s)) => Value::String(s.clone()),
        Some(Any::BoolValue(b)) => Value::Bool(*b),
        Some(Any::IntValue(i)) => Value::from(*i),
        Some(Any::DoubleValue(f)) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Some(Any::ArrayValue(array)) => Value::Array(array.values.iter().map(to_json).collect()),
        Some(Any::KvlistValue(list)) => Value::Object(
            list.values.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, to_json))).collect(),
        ),
        Some(Any::BytesValue(bytes)) => Value::from(bytes.len()),
        // Indexes into a profiles dictionary: meaningless outside one.
        Some(Any::StringValueStrindex(_)) => Value::Null,
    }
}

// Writing.

pub fn string(key: &str, value: impl Into<String>) -> KeyValue {
    kv(key, Any::StringValue(value.into()))
}

pub fn int(key: &str, value: u64) -> KeyValue {
    kv(key, Any::IntValue(i64::try_from(value).unwrap_or(i64::MAX)))
}

pub fn double(key: &str, value: f64) -> KeyValue {
    kv(key, Any::DoubleValue(value))
}

pub fn boolean(key: &str, value: bool) -> KeyValue {
    kv(key, Any::BoolValue(value))
}

pub fn string_array(key: &str, values: &[String]) -> KeyValue {
    let values = values.iter().map(|v| AnyValue { value: Some(Any::StringValue(v.clone())) }).collect();
    kv(key, Any::ArrayValue(ArrayValue { values }))
}

/// Structured content goes as JSON text: what the GenAI conventions ask of span attributes.
pub fn json_text(key: &str, value: &Value) -> KeyValue {
    string(key, value.to_string())
}

fn kv(key: &str, value: Any) -> KeyValue {
    KeyValue { key: key.to_owned(), value: Some(AnyValue { value: Some(value) }), ..KeyValue::default() }
}

/// Keys of the form `{prefix}.{index}.{rest}`, grouped by index in ascending order: the flattened
/// lists of OpenLLMetry (`gen_ai.prompt.0.role`) and OpenInference (`llm.input_messages.0.message.role`).
pub fn indexed(attributes: &Attributes<'_>, prefix: &str) -> Vec<Map<String, Value>> {
    let mut groups: std::collections::BTreeMap<usize, Map<String, Value>> = std::collections::BTreeMap::new();
    let dotted = format!("{prefix}.");
    for kv in attributes.iter() {
        let Some(rest) = kv.key.strip_prefix(&dotted) else { continue };
        let Some((index, field)) = rest.split_once('.') else { continue };
        let Ok(index) = index.parse::<usize>() else { continue };
        let value = kv.value.as_ref().map_or(Value::Null, to_json);
        groups.entry(index).or_default().entry(field.to_owned()).or_insert(value);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_flags_are_read_from_strings() {
        let list = vec![string("n", " 42 "), string("f", "1.5"), string("b", "true"), int("i", 7), string("bad", "x")];
        let attrs = Attributes::new(&list);
        assert_eq!(attrs.uint("n"), Some(42));
        assert_eq!(attrs.uint("f"), Some(2));
        assert_eq!(attrs.uint("i"), Some(7));
        assert_eq!(attrs.uint("bad"), None);
        assert_eq!(attrs.flag("b"), Some(true));
        assert_eq!(attrs.float("f"), Some(1.5));
        assert_eq!(attrs.text("i").as_deref(), Some("7"));
        assert_eq!(attrs.text("missing"), None);
    }

    #[test]
    fn indexed_keys_group_by_position() {
        let list = vec![
            string("gen_ai.prompt.1.role", "user"),
            string("gen_ai.prompt.0.role", "system"),
            string("gen_ai.prompt.0.content", "be brief"),
            string("gen_ai.prompt.1.content", "hi"),
            string("gen_ai.prompt.x.content", "ignored"),
        ];
        let groups = indexed(&Attributes::new(&list), "gen_ai.prompt");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0]["role"], "system");
        assert_eq!(groups[1]["content"], "hi");
    }
}
