//! Span and trace ids derived from records, so that sending a record twice gives the same span.
//!
//! - trace id: the 16 bytes of UUID v5(`TRACE_NAMESPACE`, session id); a record without a session
//!   is a trace of its own, named by its record id instead.
//! - span id: the first 8 bytes of UUID v5(`SPAN_NAMESPACE`, record id); a tool call's span uses
//!   the name `{record id}/tool/{index}`.
//!
//! UUID v5 is SHA-1 based: stable across versions and platforms, and documented in docs/otlp.md
//! so other tools can compute the same ids.

use uuid::Uuid;

const TRACE_NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_0d3e_8a47_4b6e_9d2c_6c1f_0e8b_a001);
const SPAN_NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_0d3e_8a47_4b6e_9d2c_6c1f_0e8b_a002);
/// Names the records the receiver makes from spans and events that carry no record id.
const RECORD_NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_0d3e_8a47_4b6e_9d2c_6c1f_0e8b_a003);

pub fn trace_id(session_id: Option<&str>, record_id: &str) -> [u8; 16] {
    match session_id.filter(|s| !s.is_empty()) {
        Some(session) => *Uuid::new_v5(&TRACE_NAMESPACE, format!("session:{session}").as_bytes()).as_bytes(),
        None => *Uuid::new_v5(&TRACE_NAMESPACE, format!("record:{record_id}").as_bytes()).as_bytes(),
    }
}

pub fn span_id(record_id: &str) -> [u8; 8] {
    first_eight(Uuid::new_v5(&SPAN_NAMESPACE, record_id.as_bytes()))
}

pub fn tool_span_id(record_id: &str, index: usize) -> [u8; 8] {
    first_eight(Uuid::new_v5(&SPAN_NAMESPACE, format!("{record_id}/tool/{index}").as_bytes()))
}

/// A record id for something received without one: the same input always names the same record,
/// so a collector that retries a request does not store it twice.
pub fn record_id_for(key: &str) -> String {
    Uuid::new_v5(&RECORD_NAMESPACE, key.as_bytes()).to_string()
}

fn first_eight(uuid: Uuid) -> [u8; 8] {
    let mut id = [0u8; 8];
    id.copy_from_slice(&uuid.as_bytes()[..8]);
    id
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(trace_id(Some("s1"), "a"), trace_id(Some("s1"), "b"), "one session, one trace");
        assert_ne!(trace_id(Some("s1"), "a"), trace_id(Some("s2"), "a"));
        assert_ne!(trace_id(None, "a"), trace_id(None, "b"));
        assert_eq!(trace_id(Some(""), "a"), trace_id(None, "a"));
        assert_eq!(span_id("r1"), span_id("r1"));
        assert_ne!(span_id("r1"), span_id("r2"));
        assert_ne!(tool_span_id("r1", 0), tool_span_id("r1", 1));
        assert_ne!(tool_span_id("r1", 0), span_id("r1"));
        // Pinned: other tools may compute these ids, so they must never change.
        assert_eq!(hex(&span_id("r1")), "f6915830a1fd5fa4");
        assert_eq!(hex(&trace_id(Some("s1"), "r1")), "f6f6053be1ad58c6bcbdeb3a4ac1fb61");
        assert_eq!(record_id_for("k"), record_id_for("k"));
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}
