//! Lenient reading of a record from a JSON object, and its serialization.

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{InteractionRecord, Timestamp};

/// Why a JSON text is not a record at all (the bad lines of docs/format.md §2).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("invalid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    #[error("missing `id`")]
    MissingId,
    #[error("`id` must be a non-empty string")]
    BadId,
    #[error("missing `timestamp`")]
    MissingTimestamp,
    #[error("cannot read `{field}` {value} as an RFC 3339 timestamp")]
    BadTimestamp { field: &'static str, value: String },
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Absent, `null` and `""` all mean "not set" for optional strings.
pub(crate) fn empty_as_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.is_empty()))
}

pub(crate) fn fill_missing_id_and_time(map: &mut Map<String, Value>, now: Timestamp) {
    if is_unset(map.get("id")) {
        map.insert("id".into(), Value::String(super::new_id()));
    }
    if is_unset(map.get("timestamp")) && is_unset(map.get("created_at")) {
        map.insert("timestamp".into(), Value::String(now.to_rfc3339()));
    }
}

fn is_unset(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    }
}

/// The fields [`record_from_map`] reads into typed members; in `extra` one of these had a value
/// of the wrong type.
pub(crate) const TYPED_FIELDS: &[&str] = &[
    "duration_ms",
    "session_id",
    "project",
    "client",
    "model",
    "system_prompt",
    "prompt",
    "messages",
    "tools_available",
    "response",
    "response_summary",
    "usage",
    "stop_reason",
    "tool_calls",
    "routing",
    "tags",
    "memories_used",
    "chunks_used",
    "context_pack",
    "error",
    "provider",
    "request_id",
    "response_id",
    "ttft_ms",
    "agent",
    "usage_approximate",
    "source",
];

pub(crate) fn record_from_map(mut map: Map<String, Value>) -> Result<InteractionRecord, RecordError> {
    let id = match map.shift_remove("id") {
        None | Some(Value::Null) => return Err(RecordError::MissingId),
        Some(Value::String(id)) if !id.is_empty() => id,
        Some(_) => return Err(RecordError::BadId),
    };
    let timestamp = take_timestamp(&mut map)?;
    let mut record = InteractionRecord::with_id_and_time(id, timestamp, None);
    let mut fields = Fields { map: &mut map };
    record.duration_ms = fields.take("duration_ms");
    record.session_id = fields.take_string("session_id");
    record.project = fields.take_string("project");
    record.client = fields.take_string("client");
    record.model = fields.take_string("model");
    record.system_prompt = fields.take_string("system_prompt");
    record.prompt = fields.take_string("prompt");
    record.messages = fields.take("messages").unwrap_or_default();
    record.tools_available = fields.take("tools_available").unwrap_or_default();
    record.response = fields.take_string("response");
    record.response_summary = fields.take_string("response_summary");
    record.usage = fields.take("usage");
    record.stop_reason = fields.take_string("stop_reason").map(|s| s.as_str().into());
    record.tool_calls = fields.take("tool_calls").unwrap_or_default();
    record.routing = fields.take("routing");
    record.tags = fields.take("tags").unwrap_or_default();
    record.memories_used = fields.take("memories_used").unwrap_or_default();
    record.chunks_used = fields.take("chunks_used").unwrap_or_default();
    record.context_pack = fields.take::<Value>("context_pack").filter(|v| !v.is_null());
    record.error = fields.take_string("error");
    record.provider = fields.take_string("provider");
    record.request_id = fields.take_string("request_id");
    record.response_id = fields.take_string("response_id");
    record.ttft_ms = fields.take("ttft_ms");
    record.agent = fields.take_string("agent");
    record.usage_approximate = fields.take("usage_approximate").unwrap_or(false);
    record.source = fields.take("source");
    record.extra = map;
    Ok(record)
}

fn take_timestamp(map: &mut Map<String, Value>) -> Result<Timestamp, RecordError> {
    for field in ["timestamp", "created_at"] {
        let Some(value) = map.get(field) else { continue };
        if value.is_null() {
            continue;
        }
        let parsed = value
            .as_str()
            .and_then(Timestamp::parse)
            .ok_or_else(|| RecordError::BadTimestamp { field, value: value.to_string() })?;
        map.shift_remove(field);
        return Ok(parsed);
    }
    Err(RecordError::MissingTimestamp)
}

/// Takes known fields out of the map; a value of the wrong type stays in the map, so it is kept
/// among the unknown fields instead of failing the whole record.
struct Fields<'a> {
    map: &'a mut Map<String, Value>,
}

impl Fields<'_> {
    fn take<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let value = self.map.get(key)?;
        if value.is_null() {
            self.map.shift_remove(key);
            return None;
        }
        let parsed = T::deserialize(value).ok()?;
        self.map.shift_remove(key);
        Some(parsed)
    }

    fn take_string(&mut self, key: &str) -> Option<String> {
        self.take::<String>(key).filter(|s| !s.is_empty())
    }
}

impl Serialize for InteractionRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("timestamp", &self.timestamp)?;
        entry(&mut map, "duration_ms", &self.duration_ms)?;
        entry(&mut map, "session_id", &self.session_id)?;
        entry(&mut map, "project", &self.project)?;
        entry(&mut map, "client", &self.client)?;
        entry(&mut map, "model", &self.model)?;
        entry(&mut map, "system_prompt", &self.system_prompt)?;
        entry(&mut map, "prompt", &self.prompt)?;
        list(&mut map, "messages", &self.messages)?;
        list(&mut map, "tools_available", &self.tools_available)?;
        entry(&mut map, "response", &self.response)?;
        entry(&mut map, "response_summary", &self.response_summary)?;
        entry(&mut map, "usage", &self.usage)?;
        entry(&mut map, "stop_reason", &self.stop_reason)?;
        list(&mut map, "tool_calls", &self.tool_calls)?;
        entry(&mut map, "routing", &self.routing)?;
        list(&mut map, "tags", &self.tags)?;
        list(&mut map, "memories_used", &self.memories_used)?;
        list(&mut map, "chunks_used", &self.chunks_used)?;
        entry(&mut map, "context_pack", &self.context_pack)?;
        entry(&mut map, "error", &self.error)?;
        entry(&mut map, "provider", &self.provider)?;
        entry(&mut map, "request_id", &self.request_id)?;
        entry(&mut map, "response_id", &self.response_id)?;
        entry(&mut map, "ttft_ms", &self.ttft_ms)?;
        entry(&mut map, "agent", &self.agent)?;
        if self.usage_approximate {
            map.serialize_entry("usage_approximate", &true)?;
        }
        entry(&mut map, "source", &self.source)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn entry<M: SerializeMap, T: Serialize>(map: &mut M, key: &str, value: &Option<T>) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}

fn list<M: SerializeMap, T: Serialize>(map: &mut M, key: &str, items: &[T]) -> Result<(), M::Error> {
    if items.is_empty() {
        Ok(())
    } else {
        map.serialize_entry(key, items)
    }
}

impl<'de> Deserialize<'de> for InteractionRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        record_from_map(map).map_err(serde::de::Error::custom)
    }
}
