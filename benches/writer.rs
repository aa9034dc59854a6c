//! Writer throughput: records/s for a ~2 KB record, 1 and 2 threads, default and durable, and
//! with redaction off or hitting a secret.
//! `cargo bench --bench writer`

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use interlog::capture::{InteractionLogger, InteractionsConfig};
use interlog::record::{InteractionRecord, ToolCallRecord};

fn two_kb_record() -> InteractionRecord {
    let prompt = "Refactor the checkout module so the currency conversion happens once. ".repeat(10);
    let response = "The conversion now lives in `Money::convert`; callers pass the rate table. ".repeat(14);
    let record = InteractionRecord::builder(prompt)
        .session_id("sess-0b6f9a")
        .project("webshop")
        .client("claude-code")
        .model("claude-sonnet-4-5")
        .response(response)
        .tokens(1830, 412)
        .duration_ms(2310)
        .stop_reason("end_turn")
        .tool_call(ToolCallRecord {
            name: "read_file".into(),
            call_id: Some("toolu_01".into()),
            arguments: Some(serde_json::json!({"path": "src/checkout/money.rs"})),
            success: Some(true),
            result: Some("pub struct Money { cents: i64, currency: Currency }".into()),
            ..Default::default()
        })
        .build();
    debug_assert!((1900..2300).contains(&record.to_json().len()));
    record
}

/// Runs `iters` writes split across `threads`, returning the wall time.
fn write_batch(logger: &InteractionLogger, record: &InteractionRecord, threads: u64, iters: u64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..iters / threads {
                    logger.log(record).expect("write");
                }
            });
        }
    });
    start.elapsed()
}

fn writer(c: &mut Criterion) {
    let record = two_kb_record();
    let mut group = c.benchmark_group("writer");
    group.throughput(Throughput::Elements(1));
    for durable in [false, true] {
        for threads in [1u64, 2] {
            let dir = tempfile::tempdir().expect("temp dir");
            let config = InteractionsConfig { durable, ..Default::default() };
            let logger = InteractionLogger::open(dir.path(), config).expect("open");
            let name = format!("{}/{}-thread", if durable { "durable" } else { "default" }, threads);
            group.bench_function(name, |b| {
                b.iter_custom(|iters| write_batch(&logger, &record, threads, iters.max(threads)))
            });
        }
    }
    // The cost of scanning every text for secrets (`redact`, on by default above): the same
    // record with the scan off, and a record that holds a key (so it is copied and rewritten).
    for (name, config, secret) in [
        ("redact-off/1-thread", InteractionsConfig { redact: false, ..Default::default() }, false),
        ("redact-hit/1-thread", InteractionsConfig::default(), true),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let logger = InteractionLogger::open(dir.path(), config).expect("open");
        let mut record = record.clone();
        if secret {
            record.prompt = record.prompt.map(|p| format!("{p} key sk-ant-api03-AbCdEf0123456789_xyzXYZ"));
        }
        group.bench_function(name, |b| b.iter_custom(|iters| write_batch(&logger, &record, 1, iters)));
    }
    // The scan alone, without the file: what `redact = true` adds to a record with no secret.
    let redactor = interlog::capture::Redactor::new(true, &[]);
    group.bench_function("redact-scan-only", |b| b.iter(|| redactor.finds_in_record(std::hint::black_box(&record))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = writer
}
criterion_main!(benches);
