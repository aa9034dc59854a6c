//! Fixtures for the TUI tests: records, their summaries, and an App fed through `update` as the
//! runtime would feed it, so tests exercise the real state transitions without a store.
#![allow(dead_code)]

pub mod palette;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use interlog::record::{
    ContentBlock, InteractionRecord, Message, MessageContent, Role, RoutingMetadata, StopReason, Timestamp, TokenUsage,
    ToolCallRecord,
};
use interlog::store::{EntryId, RecordSummary, StoreEvent, TranscriptRecords};
use interlog::tui::testing::{prepare, transcript, update, Action, App, Clock, Effect, QueryReply, Theme};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 14, 5, 0).unwrap()
}

pub fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn at(minutes_ago: i64) -> Timestamp {
    Timestamp::from_utc(now() - chrono::Duration::minutes(minutes_ago))
}

fn usage(input: u64, output: u64) -> Option<TokenUsage> {
    Some(TokenUsage { input_tokens: Some(input), output_tokens: Some(output), ..TokenUsage::default() })
}

/// Newest first, as the store returns them.
pub fn records() -> Vec<InteractionRecord> {
    let mut out = Vec::new();

    let mut turn3 = InteractionRecord::builder("Run the tests again and tell me what still fails.").build();
    turn3.id = "rec-0007-b1c2".into();
    turn3.timestamp = at(1);
    turn3.session_id = Some("sess-webshop-4f2a9c".into());
    turn3.project = Some("webshop".into());
    turn3.client = Some("claude-code".into());
    turn3.model = Some("claude-sonnet-4-5".into());
    turn3.system_prompt = Some("You are a careful coding agent.\nAlways run the tests.".into());
    turn3.response = Some("Two tests still fail: `cart::totals` rounds half-cents down, and `checkout::tax` uses the old rate table. I fixed both; all 214 tests pass now.".into());
    turn3.usage = usage(12_480, 512);
    turn3.duration_ms = Some(8_400);
    turn3.stop_reason = Some(StopReason::EndTurn);
    turn3.tool_calls = vec![
        ToolCallRecord {
            name: "Bash".into(),
            call_id: Some("toolu_01".into()),
            arguments: Some(json!({"command": "cargo test", "timeout": 120})),
            success: Some(false),
            result: Some("test cart::totals ... FAILED\ntest checkout::tax ... FAILED\n".into()),
            result_truncated: true,
            ..Default::default()
        },
        ToolCallRecord {
            name: "Edit".into(),
            call_id: Some("toolu_02".into()),
            arguments: Some(json!({"file_path": "src/cart.rs", "old": "floor", "new": "round"})),
            success: Some(true),
            result: Some("ok".into()),
            ..Default::default()
        },
    ];
    turn3.routing = Some(RoutingMetadata {
        profile: Some("deep-code".into()),
        reason: Some("multi-file edit with failing tests".into()),
        confidence: Some(0.82),
        features: Some(json!({"files_touched": 3, "has_tests": true, "lang": {"primary": "rust"}})),
        ..Default::default()
    });
    turn3.messages = vec![
        Message::text(Role::User, "Run the tests again and tell me what still fails."),
        Message::new(
            Role::Assistant,
            MessageContent::Blocks(vec![
                ContentBlock::Text { text: "Running them.".into() },
                ContentBlock::ToolUse {
                    id: "toolu_01".into(),
                    name: "Bash".into(),
                    input: json!({"command": "cargo test"}),
                },
            ]),
        ),
        Message::new(
            Role::User,
            MessageContent::Blocks(vec![ContentBlock::ToolResult {
                tool_use_id: "toolu_01".into(),
                content: "2 failed".into(),
                is_error: true,
            }]),
        ),
    ];
    out.push(turn3);

    let mut failed = InteractionRecord::builder("Summarise the incident report in three bullet points.").build();
    failed.id = "rec-0006-e7f8".into();
    failed.timestamp = at(4);
    failed.project = Some("ops".into());
    failed.client = Some("openclaw".into());
    failed.model = Some("gpt-5-mini".into());
    failed.error = Some("upstream timeout after 30s".into());
    failed.duration_ms = Some(30_000);
    out.push(failed);

    let mut unicode =
        InteractionRecord::builder("Übersetze: «日本語のテキスト» — und erkläre die Grammatik 🙂").build();
    unicode.id = "rec-0005-unic".into();
    unicode.timestamp = at(9);
    unicode.project = Some("lingo".into());
    unicode.client = Some("manual".into());
    unicode.model = Some("claude-haiku-4-5".into());
    unicode.response = Some("Japanese text: 日本語のテキスト means “Japanese text”.".into());
    unicode.usage = usage(300, 120);
    unicode.duration_ms = Some(950);
    out.push(unicode);

    let mut turn2 = InteractionRecord::builder("Fix the rounding bug in cart totals.").build();
    turn2.id = "rec-0004-a9b0".into();
    turn2.timestamp = at(12);
    turn2.session_id = Some("sess-webshop-4f2a9c".into());
    turn2.project = Some("webshop".into());
    turn2.client = Some("claude-code".into());
    turn2.model = Some("claude-sonnet-4-5".into());
    turn2.response = Some("The bug is in `Cart::total`: it floors each line. ".repeat(20));
    turn2.usage = usage(9_800, 2_300);
    turn2.duration_ms = Some(12_100);
    turn2.tool_calls = vec![ToolCallRecord {
        name: "Read".into(),
        arguments: Some(json!({"file_path": "src/cart.rs"})),
        success: Some(true),
        result: Some("pub fn total(&self) -> Cents { ... }".into()),
        ..Default::default()
    }];
    out.push(turn2);

    for n in 0..6 {
        let mut filler = InteractionRecord::builder(format!("Classify ticket #{} by urgency", 4410 + n)).build();
        filler.id = format!("rec-fill-{n}");
        filler.timestamp = at(60 * 24 + 10 * n);
        filler.project = Some("support".into());
        filler.client = Some("openclaw".into());
        filler.model = Some("gpt-5-mini".into());
        filler.response = Some("urgency: low".into());
        filler.usage = usage(210 + n as u64, 4);
        filler.duration_ms = Some(420);
        out.push(filler);
    }

    let mut turn1 = InteractionRecord::builder("The cart total is off by a cent. Find out why.").build();
    turn1.id = "rec-0001-c3d4".into();
    turn1.timestamp = at(60 * 26);
    turn1.session_id = Some("sess-webshop-4f2a9c".into());
    turn1.project = Some("webshop".into());
    turn1.client = Some("claude-code".into());
    turn1.model = Some("claude-sonnet-4-5".into());
    turn1.response = Some("Let me look at the cart code.".into());
    turn1.usage = usage(4_100, 90);
    turn1.duration_ms = Some(2_300);
    out.push(turn1);
    out
}

/// A record whose every text field is hostile.
pub fn hostile_record() -> InteractionRecord {
    let evil = "bell\x07 esc\x1b[2J\x1b]0;pwned\x07 c1\u{9b}31m del\x7f bidi\u{202e}txt.exe\u{2066} zw\u{200b}";
    let mut record = InteractionRecord::builder(format!("prompt {evil}\nsecond line\ttab")).build();
    record.id = format!("id-{evil}");
    record.timestamp = at(0);
    record.session_id = Some(format!("s-{evil}"));
    record.project = Some(format!("p-{evil}"));
    record.client = Some(format!("c-{evil}"));
    record.model = Some(format!("m-{evil}"));
    record.system_prompt = Some(format!("sys {evil}"));
    record.response = Some(format!("response {evil}\r\nmore"));
    record.error = Some(format!("err {evil}"));
    record.tool_calls = vec![ToolCallRecord {
        name: format!("tool {evil}"),
        call_id: Some(evil.into()),
        arguments: Some(json!({ "k": evil })),
        success: Some(true),
        result: Some(format!("result {evil}")),
        ..Default::default()
    }];
    record.routing = Some(RoutingMetadata {
        profile: Some(format!("prof {evil}")),
        reason: Some(format!("why {evil}")),
        confidence: Some(0.5),
        features: Some(json!({ evil: evil })),
        ..Default::default()
    });
    record.extra.insert(format!("x-{evil}"), json!(evil));
    record
}

pub fn summary_of(entry: EntryId, record: &InteractionRecord) -> RecordSummary {
    let first_line = record.prompt.clone().unwrap_or_default().lines().next().unwrap_or_default().to_owned();
    let tools: Vec<&str> = record.tool_calls.iter().map(|call| call.name.as_str()).collect();
    let mut headline = vec![first_line.clone()];
    headline.extend(record.session_id.clone());
    headline.extend(record.project.clone());
    headline.extend(record.client.clone());
    headline.extend(record.model.clone());
    headline.extend(tools.iter().map(|name| name.to_string()));
    let (input_tokens, output_tokens) = record.tokens();
    RecordSummary {
        entry,
        id: record.id.clone(),
        timestamp: record.timestamp,
        session_id: record.session_id.clone(),
        project: record.project.clone(),
        client: record.client.clone(),
        model: record.model.clone(),
        input_tokens,
        output_tokens,
        usage_approximate: record.usage_approximate,
        has_usage: record.has_usage(),
        duration_ms: record.duration_ms,
        tool_calls: record.tool_calls.len() as u32,
        has_error: record.error.is_some(),
        stop_reason: record.stop_reason.as_ref().map(|reason| reason.as_str().to_owned()),
        first_line,
        headline: headline.join(" · "),
        file: PathBuf::from("/logs/interactions-2026-11-21.jsonl"),
        line: u64::from(entry.0) + 1,
    }
}

pub fn new_app(width: u16, height: u16) -> App {
    new_app_themed(width, height, Theme::default())
}

pub fn new_app_themed(width: u16, height: u16, theme: Theme) -> App {
    App::new(PathBuf::from("/home/sam/.config/interlog/interactions"), now(), utc(), theme, (width, height))
}

/// Like [`loaded_app`], drawn with `theme`.
pub fn loaded_app_themed(records: &[InteractionRecord], width: u16, height: u16, theme: Theme) -> App {
    let entries: Vec<EntryId> = (0..records.len() as u32).map(EntryId).collect();
    load(new_app_themed(width, height, theme), records, entries)
}

/// An app that has loaded `records` (newest first) and shows the detail of the first.
pub fn loaded_app(records: &[InteractionRecord], width: u16, height: u16) -> App {
    let entries: Vec<EntryId> = (0..records.len() as u32).map(EntryId).collect();
    loaded_app_showing(records, entries, width, height)
}

/// Like [`loaded_app`], with the store's answer being `entries` (indices into `records`).
pub fn loaded_app_showing(records: &[InteractionRecord], entries: Vec<EntryId>, width: u16, height: u16) -> App {
    load(new_app(width, height), records, entries)
}

fn load(mut app: App, records: &[InteractionRecord], entries: Vec<EntryId>) -> App {
    let effects = update(&mut app, Action::Store(StoreEvent::Loaded { records: entries.len(), bad_lines: 2 }));
    let generation = query_generation(&effects).expect("a query after loading");
    let reply = QueryReply {
        generation,
        store_len: entries.len(),
        entries,
        bad_lines: 2,
        loading: false,
        dir_exists: true,
        ..QueryReply::default()
    };
    let effects = update(&mut app, Action::Results(reply));
    serve(&mut app, records, effects);
    app
}

pub fn query_generation(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|effect| match effect {
        Effect::Query { generation, .. } | Effect::Fuzzy { generation, .. } => Some(*generation),
        _ => None,
    })
}

/// Performs the effects a test can perform without a store: summaries, details, transcripts.
pub fn serve(app: &mut App, records: &[InteractionRecord], effects: Vec<Effect>) {
    let mut queue = effects;
    while let Some(effect) = queue.pop() {
        let more = match effect {
            Effect::Summaries(entries) => {
                let summaries = entries.iter().map(|&entry| summary_of(entry, &records[entry.0 as usize])).collect();
                update(app, Action::Summaries(summaries))
            }
            Effect::Detail { entry, width } => {
                let record = records[entry.0 as usize].clone();
                let stored = record.to_json();
                let mut data = prepare(entry, record, stored.as_bytes());
                data.lay_out(width);
                update(app, Action::Detail { entry, data: Ok(Arc::new(data)) })
            }
            Effect::Conversation { generation, session } => {
                let mut turns: Vec<InteractionRecord> =
                    records.iter().filter(|r| r.session_id.as_deref() == Some(&session)).cloned().collect();
                turns.reverse();
                let read = TranscriptRecords { records: turns, ..TranscriptRecords::default() };
                let doc = transcript(&session, &read, &Clock::fixed(utc(), now()));
                update(app, Action::Conversation { generation, session, data: Ok((Arc::new(doc), read.records.len())) })
            }
            _ => Vec::new(),
        };
        queue.extend(more);
    }
}

/// Applies `action` and performs what it asks.
pub fn act(app: &mut App, records: &[InteractionRecord], action: Action) -> Vec<Effect> {
    let effects = update(app, action);
    let kept = effects.clone();
    serve(app, records, effects);
    kept
}

/// The drawn buffer.
pub fn buffer(app: &App) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(app.size().0, app.size().1)).unwrap();
    terminal.draw(|frame| frame.render_widget(app, frame.area())).unwrap();
    terminal.backend().buffer().clone()
}

/// Every glyph on screen reads on a dark and on a light terminal.
pub fn assert_readable_on_every_palette(name: &str, app: &App) {
    let buffer = buffer(app);
    for palette in &palette::PALETTES {
        let low = palette.low_contrast_cells(&buffer);
        assert!(
            low.is_empty(),
            "{name} on {}: {} cells below {}:\n{}",
            palette.name,
            low.len(),
            palette::MIN_CONTRAST,
            low[..low.len().min(20)].join("\n")
        );
    }
}

/// The screen as text, one line a row, trailing blanks trimmed.
pub fn screen(app: &App) -> String {
    let buffer = &buffer(app);
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            line.push_str(symbol);
            // A wide character covers the next cell too.
            x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
