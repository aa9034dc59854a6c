//! Stats the store answers, one-shot and kept live as records arrive.
#![cfg(feature = "store")]

use crate::store_common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use interlog::store::{Query, Store, StoreEvent, TurnKind};
use store_common::{append, bare, write_file};

const DAY: &str = "2026-12-01";

/// A record at second `n` of session `session`, model `model`, with this latency and usage.
fn call(id: &str, n: u32, session: &str, model: &str, ms: u64, usage: (u64, u64, u64, u64), error: bool) -> String {
    let (input, output, read, written) = usage;
    let error = if error { r#","error":"overloaded""# } else { "" };
    bare(
        id,
        &format!("{DAY}T10:00:{n:02}Z"),
        &format!(
            r#""session_id":"{session}","model":"{model}","prompt":"p {id}","duration_ms":{ms},"usage":{{"input_tokens":{input},"output_tokens":{output},"cache_read_tokens":{read},"cache_creation_tokens":{written}}}{error}"#
        ),
    )
}

fn corpus() -> Vec<String> {
    (1..=20)
        .map(|n| {
            let session = if n % 2 == 0 { "even" } else { "odd" };
            let model = if n <= 5 { "small" } else { "large" };
            call(&format!("r{n}"), n, session, model, u64::from(n) * 100, (10, 5, 30, 0), n % 10 == 0)
        })
        .collect()
}

#[test]
fn latency_errors_cache_and_tokens_per_model_and_session() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &corpus());
    let store = Store::load(dir.path()).unwrap();
    let stats = store.stats(&Query::default());
    assert_eq!((stats.records, stats.errors, stats.timed), (20, 2, 20));
    // Nearest rank over 100, 200, … 2000 ms (above a second, within 1/128).
    assert_eq!(stats.latency_p50_ms, Some(1000));
    assert!(stats.latency_p95_ms.is_some_and(|p| (1900 - 15..=1900).contains(&p)), "{:?}", stats.latency_p95_ms);
    assert_eq!(stats.error_rate(), Some(0.1));
    assert_eq!(stats.cache_hit_share(), Some(0.75));
    let models: Vec<(&str, usize, u64)> =
        stats.by_model.iter().map(|r| (r.name.as_str(), r.records, r.total())).collect();
    assert_eq!(models, [("large", 15, 15 * 45), ("small", 5, 5 * 45)]);
    let sessions: Vec<(&str, usize)> = stats.by_session.iter().map(|r| (r.name.as_str(), r.records)).collect();
    assert_eq!(sessions, [("even", 10), ("odd", 10)]);
    let filtered = store.stats(&Query { model: Some("small".into()), ..Query::default() });
    assert_eq!((filtered.records, filtered.latency_p50_ms), (5, Some(300)));
    let none = store.stats(&Query { model: Some("absent".into()), ..Query::default() });
    assert_eq!((none.records, none.latency_p50_ms, none.error_rate()), (0, None, None));
}

#[test]
fn a_sessions_context_size_turn_by_turn() {
    let dir = tempfile::tempdir().unwrap();
    let lines = vec![
        call("c1", 1, "s", "m", 10, (100, 5, 0, 900), false),
        call("c2", 2, "s", "m", 10, (50, 5, 1000, 20), false),
        bare("c3", &format!("{DAY}T10:00:03Z"), r#""session_id":"s","prompt":"no usage""#),
    ];
    write_file(dir.path(), DAY, &lines);
    let store = Store::load(dir.path()).unwrap();
    let points: Vec<(u64, bool)> = store.context_sizes("s").iter().map(|p| (p.prompt_tokens, p.has_usage)).collect();
    assert_eq!(points, [(1000, true), (1070, true), (0, false)]);
    assert_eq!(store.context_sizes("s")[0].kind, Some(TurnKind::First));
    assert!(store.context_sizes("nobody").is_empty());
}

#[test]
fn a_tally_follows_arrivals_and_agrees_with_counting_again() {
    let dir = tempfile::tempdir().unwrap();
    let lines = corpus();
    write_file(dir.path(), DAY, &lines[..10]);
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow(dir.path(), move |event| {
        let _ = sender.lock().unwrap().send(event);
    })
    .unwrap();
    let query = Query { session: Some("even".into()), ..Query::default() };
    let deadline = Instant::now() + Duration::from_secs(10);
    let next = || events.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("a store event");
    while !matches!(next(), StoreEvent::Loaded { .. }) {}
    let mut tally = store.tally(&query);
    assert_eq!(tally.stats().records, 5);
    let more: String = lines[10..].iter().map(|l| format!("{l}\n")).collect();
    append(dir.path(), DAY, more.as_bytes());
    while tally.stats().records < 10 {
        if let StoreEvent::Appended { entries } = next() {
            store.refresh_tally(&mut tally, &entries);
        }
    }
    assert_eq!(tally.stats(), &store.stats(&query));
    assert_eq!(tally.stats().errors, 2);
    // Unchanged by an arrival the filters do not pass.
    let odd = call("r21", 21, "odd", "large", 1, (1, 1, 1, 1), false);
    append(dir.path(), DAY, format!("{odd}\n").as_bytes());
    loop {
        if let StoreEvent::Appended { entries } = next() {
            assert!(!store.refresh_tally(&mut tally, &entries), "nothing counted changed");
            break;
        }
    }
    assert_eq!(tally.stats().records, 10);
}
