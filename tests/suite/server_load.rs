//! The server under concurrent load: every accepted record stored exactly once, also across a
//! graceful shutdown.
#![cfg(feature = "server")]

use crate::server_support;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use server_support::{agent, stored_records, wait_until, TestServer};

fn record(client: usize, n: usize) -> String {
    json!({
        "prompt": format!("client {client} request {n}"),
        "client": format!("load-{client}"),
        "session_id": format!("session-{client}"),
        "response": "ok",
    })
    .to_string()
}

fn id_counts(records: &[Value]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for record in records {
        *counts.entry(record["id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn sixteen_clients_times_500_posts_store_8000_records_exactly_once() {
    const CLIENTS: usize = 16;
    const POSTS: usize = 500;
    let server = TestServer::start();
    let url = server.url("/interactions");
    let acknowledged: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let url = url.clone();
                scope.spawn(move || {
                    let agent = agent();
                    (0..POSTS)
                        .map(|n| {
                            let mut response = agent
                                .post(&url)
                                .header("Content-Type", "application/json")
                                .send(record(client, n))
                                .unwrap();
                            assert_eq!(response.status().as_u16(), 201);
                            let answer: Value = response.body_mut().read_json().unwrap();
                            answer["id"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().unwrap()).collect()
    });

    let acknowledged_set: HashSet<&String> = acknowledged.iter().collect();
    assert_eq!(acknowledged_set.len(), CLIENTS * POSTS, "ids are unique");
    let stored = stored_records(&server.dir);
    assert_eq!(stored.len(), CLIENTS * POSTS);
    let counts = id_counts(&stored);
    assert!(counts.values().all(|&count| count == 1), "a record was stored twice");
    assert!(acknowledged.iter().all(|id| counts.contains_key(id)), "an acknowledged record is missing");
    // Every client's records, in its session, in the order it sent them.
    let (status, session) = server.get("/sessions/session-7");
    assert_eq!(status, 200);
    let prompts: Vec<String> =
        session.as_array().unwrap().iter().map(|r| r["prompt"].as_str().unwrap().to_owned()).collect();
    let expected: Vec<String> = (0..POSTS).map(|n| format!("client 7 request {n}")).collect();
    // Same-millisecond timestamps keep file order, which is the order of the acknowledgements.
    assert_eq!(prompts, expected);
}

#[test]
fn a_shutdown_under_load_loses_nothing_that_got_a_201() {
    const CLIENTS: usize = 8;
    let mut server = TestServer::start();
    let url = server.url("/interactions");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (url, acknowledged, count) = (url.clone(), Arc::clone(&acknowledged), Arc::clone(&count));
            std::thread::spawn(move || {
                let agent = agent();
                for n in 0.. {
                    let sent = agent.post(&url).header("Content-Type", "application/json").send(record(client, n));
                    // After the shutdown: refused or cut connections end this client.
                    let Ok(mut response) = sent else { break };
                    if response.status().as_u16() != 201 {
                        break;
                    }
                    let Ok(answer) = response.body_mut().read_json::<Value>() else { break };
                    acknowledged.lock().unwrap().push(answer["id"].as_str().unwrap().to_owned());
                    count.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    assert!(wait_until(Duration::from_secs(30), || count.load(Ordering::SeqCst) >= 400), "load never got going");
    server.take_server().shutdown().unwrap();
    for worker in workers {
        worker.join().unwrap();
    }

    let acknowledged = acknowledged.lock().unwrap();
    assert!(acknowledged.len() >= 400);
    let counts = id_counts(&stored_records(&server.dir));
    let lost: Vec<_> = acknowledged.iter().filter(|id| !counts.contains_key(*id)).collect();
    assert!(lost.is_empty(), "{} acknowledged records lost, e.g. {:?}", lost.len(), lost.first());
    assert!(counts.values().all(|&count| count == 1), "a record was stored twice");
}
