#![cfg(feature = "tui")]
//! Every pane and view drawn into a TestBackend at 120×40 and 80×24, compared with insta snapshots.

use crate::tui_support;

use std::sync::Arc;

use interlog::store::{BadLine, EntryId, Facet, LoadProgress, StoreEvent};
use interlog::tui::testing::{compute_stats, update, Action, App, Overlay, QueryReply, StatsData, Tab, Theme};
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn each_size(name: &str, build: impl Fn(u16, u16) -> App) {
    for (width, height) in SIZES {
        let app = build(width, height);
        assert_readable_on_every_palette(&format!("{name}_{width}x{height}"), &app);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen(&app));
    }
}

fn browse_tab(tab: Tab) -> impl Fn(u16, u16) -> App {
    move |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::SelectTab(tab));
        app
    }
}

#[test]
fn prompt_response_tab() {
    each_size("prompt", browse_tab(Tab::Prompt));
}

#[test]
fn prompt_tab_with_system_prompt_unfolded_and_detail_focused() {
    each_size("prompt_system_open", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::ToggleSystemPrompt);
        act(&mut app, &records, Action::FocusNext);
        app
    });
}

#[test]
fn tool_calls_tab() {
    each_size("tools", browse_tab(Tab::Tools));
}

#[test]
fn routing_tab() {
    each_size("routing", browse_tab(Tab::Routing));
}

#[test]
fn raw_tab() {
    each_size("raw", browse_tab(Tab::Raw));
}

#[test]
fn paused_with_new_arrivals() {
    each_size("paused", |width, height| {
        let records = records();
        let mut app = loaded_app_showing(&records, (2..records.len() as u32).map(EntryId).collect(), width, height);
        act(&mut app, &records, Action::Down);
        // Two newer records arrive: the store's answer now has them on top.
        let effects = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0), EntryId(1)] }));
        let generation = query_generation(&effects).unwrap();
        let entries = (0..records.len() as u32).map(EntryId).collect();
        let reply =
            QueryReply { generation, entries, store_len: records.len(), dir_exists: true, ..Default::default() };
        let effects = update(&mut app, Action::Results(reply));
        serve(&mut app, &records, effects);
        app
    });
}

#[test]
fn conversation_view() {
    each_size("conversation", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::OpenConversation);
        app
    });
}

#[test]
fn conversation_view_with_tool_details() {
    each_size("conversation_tools", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::OpenConversation);
        act(&mut app, &records, Action::ToggleToolDetail);
        app
    });
}

#[test]
fn facet_picker() {
    each_size("facets", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::OpenFacets);
        let values =
            vec![("support".to_owned(), 6), ("webshop".to_owned(), 3), ("lingo".to_owned(), 1), ("ops".to_owned(), 1)];
        act(&mut app, &records, Action::Facets { facet: Facet::Project, values, names: Default::default() });
        act(&mut app, &records, Action::FacetInput('o'));
        app
    });
}

/// The statistics view opened, its count asked: the app, the records, the count's generation and
/// the figures of every record.
fn open_stats(width: u16, height: u16) -> (App, Vec<interlog::record::InteractionRecord>, u64, StatsData) {
    let records = records();
    let mut app = loaded_app(&records, width, height);
    let effects = act(&mut app, &records, Action::OpenStats);
    let generation = effects
        .iter()
        .find_map(|effect| match effect {
            interlog::tui::testing::Effect::Stats { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    let summaries: Vec<_> =
        records.iter().enumerate().map(|(n, record)| summary_of(EntryId(n as u32), record)).collect();
    (app, records, generation, compute_stats(&summaries))
}

#[test]
fn stats_view() {
    each_size("stats", |width, height| {
        let (mut app, records, generation, data) = open_stats(width, height);
        act(&mut app, &records, Action::Stats { generation, data: Arc::new(data) });
        app
    });
}

/// The app of `records` with "cart" typed into a keyword search.
fn searching_cart(records: &[interlog::InteractionRecord], width: u16, height: u16) -> App {
    let mut app = loaded_app(records, width, height);
    act(&mut app, records, Action::OpenSearch);
    act(&mut app, records, Action::SearchToggleMode);
    for c in "cart".chars() {
        act(&mut app, records, Action::SearchInput(c));
    }
    app
}

#[test]
fn search_line_in_keyword_mode() {
    each_size("search", |width, height| searching_cart(&records(), width, height));
}

#[test]
fn keyword_hits_show_where_they_matched() {
    each_size("keyword_snippets", |width, height| {
        let records = records();
        let mut app = searching_cart(&records, width, height);
        let generation = app.results().asked.generation;
        let entries = vec![EntryId(1), EntryId(3)];
        let store_len = records.len();
        let answer = QueryReply { generation, entries, store_len, dir_exists: true, ..Default::default() };
        act(&mut app, &records, Action::Results(answer));
        // As the store cuts them: some 30 characters before the first match, which a narrow
        // column would show instead of the match.
        let text =
            "…the customer wrote again this morning: why does the cart total drop the discount when the cart is empty?";
        let first = text.find("cart").unwrap();
        let second = text.rfind("cart").unwrap();
        let snippet =
            interlog::store::Snippet { text: text.into(), matched: vec![(first, first + 4), (second, second + 4)] };
        act(&mut app, &records, Action::Snippets { generation, snippets: [(EntryId(1), snippet)].into() });
        app
    });
}

#[test]
fn help_overlay() {
    each_size("help", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::ToggleHelp);
        app
    });
}

#[test]
fn bad_lines_overlay() {
    each_size("bad_lines", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::ShowBadLines);
        let lines = vec![
            BadLine {
                file: "/logs/interactions-2026-11-20.jsonl".into(),
                line: 17,
                reason: "not JSON: expected value at column 1".into(),
            },
            BadLine { file: "/logs/interactions-2026-11-21.jsonl".into(), line: 3, reason: "no `id`".into() },
        ];
        act(&mut app, &records, Action::BadLines(lines));
        app
    });
}

#[test]
fn empty_directory() {
    each_size("empty", |width, height| {
        let mut app = new_app(width, height);
        let effects = update(&mut app, Action::Store(StoreEvent::Loaded { records: 0, bad_lines: 0 }));
        let generation = query_generation(&effects).unwrap();
        let reply = QueryReply { generation, dir_exists: false, ..Default::default() };
        update(&mut app, Action::Results(reply));
        app
    });
}

#[test]
fn loading_before_anything_arrived() {
    each_size("loading", |width, height| {
        let mut app = new_app(width, height);
        let progress = LoadProgress { files_done: 3, files_total: 12, bytes_done: 250, bytes_total: 1000 };
        update(&mut app, Action::Store(StoreEvent::Progress(progress)));
        app
    });
}

#[test]
fn too_small_notice() {
    for (width, height) in [(59, 24), (80, 14), (20, 3)] {
        let app = new_app(width, height);
        insta::assert_snapshot!(format!("too_small_{width}x{height}"), screen(&app));
    }
}

#[test]
fn every_size_down_to_the_minimum_renders_without_panicking() {
    let records = records();
    for width in [60u16, 61, 99, 159, 160, 240] {
        for height in [15u16, 16, 30, 70] {
            let mut app = loaded_app(&records, width, height);
            for action in [Action::OpenConversation, Action::Back, Action::ToggleHelp, Action::Back] {
                act(&mut app, &records, action);
                assert!(!screen(&app).is_empty());
            }
        }
    }
}

#[test]
fn side_by_side_at_240x70() {
    let records = records();
    let app = loaded_app(&records, 240, 70);
    insta::assert_snapshot!("wide_240x70", screen(&app));
}

fn assert_no_control_chars(text: &str) {
    for c in text.chars() {
        assert!(c == '\n' || !interlog::sanitize::is_unsafe_char(c), "raw control char {c:?} reached the screen");
    }
}

#[test]
fn hostile_record_shows_escapes_never_control_chars() {
    let records = vec![hostile_record()];
    for tab in Tab::ALL {
        let mut app = loaded_app(&records, 120, 40);
        act(&mut app, &records, Action::SelectTab(tab));
        act(&mut app, &records, Action::ToggleSystemPrompt);
        let text = screen(&app);
        assert_no_control_chars(&text);
        assert!(text.contains("\\x1b"), "{tab:?} shows ESC as an escape:\n{text}");
        if tab == Tab::Prompt {
            insta::assert_snapshot!("hostile_prompt_120x40", text);
        }
    }
    let mut app = loaded_app(&records, 120, 40);
    act(&mut app, &records, Action::OpenConversation);
    act(&mut app, &records, Action::ToggleToolDetail);
    assert_no_control_chars(&screen(&app));
    let mut app = loaded_app(&records, 120, 40);
    act(&mut app, &records, Action::ShowBadLines);
    let lines = vec![BadLine { file: "/l/\x1b[31m.jsonl".into(), line: 1, reason: "bad \x07".into() }];
    act(&mut app, &records, Action::BadLines(lines));
    assert!(matches!(app.overlay(), Some(Overlay::BadLines { lines: Some(_), .. })));
    assert_no_control_chars(&screen(&app));
}

#[test]
fn no_color_uses_no_colour_at_all() {
    use ratatui::style::Color;
    let records = records();
    for monochrome in [false, true] {
        let theme = if monochrome { Theme::monochrome() } else { Theme::default() };
        let app = loaded_app_themed(&records, 120, 40, theme);
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        terminal.draw(|frame| frame.render_widget(&app, frame.area())).unwrap();
        let buffer = terminal.backend().buffer();
        let coloured = buffer.content.iter().filter(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset).count();
        if monochrome {
            assert_eq!(coloured, 0, "NO_COLOR: no cell has a colour");
        } else {
            assert!(coloured > 0, "colour is used when allowed");
        }
    }
}

#[test]
fn fuzzy_matches_are_highlighted_in_the_headline() {
    use interlog::store::FuzzyHit;
    use ratatui::style::Modifier;
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = act(&mut app, &records, Action::OpenSearch);
    assert!(effects.is_empty());
    let effects = act(&mut app, &records, Action::SearchInput('r'));
    let generation = query_generation(&effects).unwrap();
    // "Run the tests…": R(0) and t(4) matched.
    let hits = vec![FuzzyHit { entry: EntryId(0), score: 9, positions: vec![0, 4] }];
    let reply = QueryReply { generation, entries: vec![EntryId(0)], hits, ..Default::default() };
    act(&mut app, &records, Action::Results(reply));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| frame.render_widget(&app, frame.area())).unwrap();
    let buffer = terminal.backend().buffer();
    let row = 3;
    let line: String = (0..120).map(|x| buffer[(x, row)].symbol().to_owned()).collect();
    let start = line.find("Run the tests").expect("the headline is shown") as u16;
    let start = line[..start as usize].chars().count() as u16;
    let underlined = |x: u16| buffer[(x, row)].modifier.contains(Modifier::UNDERLINED);
    assert!(underlined(start) && underlined(start + 4), "matched characters are emphasised");
    assert!(!underlined(start + 1) && !underlined(start + 2), "the others are not");
}

#[test]
fn every_key_in_the_help_can_be_reached_on_small_terminals() {
    let records = records();
    for (width, height) in [(80, 24), (60, 15)] {
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::ToggleHelp);
        let mut seen = String::new();
        for _ in 0..interlog::tui::testing::help_lines().len() {
            seen.push_str(&screen(&app));
            act(&mut app, &records, Action::Down);
        }
        for row in interlog::tui::testing::help_rows() {
            let key = &row.keys;
            assert!(seen.contains(key.as_str()), "{key:?} shows at {width}×{height}");
        }
    }
}

#[test]
fn a_capped_fuzzy_list_says_it_is_the_top_of_more() {
    let records: Vec<_> =
        (0..interlog::tui::testing::FUZZY_LIMIT).map(|n| interlog::InteractionRecord::new(format!("p{n}"))).collect();
    let entries: Vec<EntryId> = (0..records.len() as u32).map(EntryId).collect();
    let mut app = loaded_app_showing(&records, entries.clone(), 120, 40);
    let reply = |generation, bad_lines| QueryReply {
        generation,
        entries: entries.clone(),
        store_len: 980_039,
        bad_lines,
        dir_exists: true,
        ..QueryReply::default()
    };
    let effects = act(&mut app, &records, Action::Store(StoreEvent::Loaded { records: 980_039, bad_lines: 2 }));
    act(&mut app, &records, Action::Results(reply(query_generation(&effects).unwrap(), 2)));
    assert!(screen(&app).contains("5000/980039 records"), "without a search it is a plain count");
    act(&mut app, &records, Action::OpenSearch);
    act(&mut app, &records, Action::SearchInput('p'));
    let effects = act(&mut app, &records, Action::SearchInput('1'));
    act(&mut app, &records, Action::Results(reply(query_generation(&effects).unwrap(), 1)));
    let shown = screen(&app);
    assert!(shown.contains("top 5000 of 980039 records"), "{shown}");
    assert!(shown.contains("⚠ 1 bad line (b)"), "{shown}");
}

#[test]
fn the_footer_drops_hints_by_rank_and_never_cuts_one() {
    let records = records();
    for width in [60u16, 70, 80, 100, 160] {
        let browse = loaded_app(&records, width, 24);
        let mut conversation = loaded_app(&records, width, 24);
        act(&mut conversation, &records, Action::OpenConversation);
        for (view, app) in [("browse", browse), ("conversation", conversation)] {
            let text = screen(&app);
            let footer = text.lines().last().unwrap_or_default().trim_end().to_owned();
            assert!(footer.starts_with(" ? help"), "{view} at {width}: {footer:?}");
            assert!(footer.contains("q quit"), "{view} at {width}: {footer:?}");
            let last_word = footer.rsplit(' ').next().unwrap_or_default();
            let whole = ["help", "search", "facets", "conversation", "focus", "tabs", "stats", "copy", "pager", "quit"];
            let whole = whole.iter().chain(&["back", "scroll", "details"]).any(|word| *word == last_word);
            assert!(whole, "{view} at {width}: the footer ends in a cut hint: {footer:?}");
        }
    }
    let wide = screen(&loaded_app(&records, 160, 24));
    assert!(wide.lines().last().unwrap_or_default().contains("S stats"), "all hints at 160 columns");
}

/// A flag, a skin tone or a joined emoji is drawn by some terminals at another width than
/// ratatui counts: what is left in the buffer must be of a width both agree on.
#[test]
fn flags_skin_tones_and_joined_emoji_leave_no_cell_of_uncertain_width() {
    let text = "ship it \u{1F1E9}\u{1F1EA} \u{1F44D}\u{1F3FD} \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} done";
    let mut record = interlog::record::InteractionRecord::builder(text).build();
    record.response = Some(text.into());
    record.project = Some("\u{1F1EB}\u{1F1F7}".into());
    let records = vec![record];
    let uncertain = |c: char| matches!(c, '\u{1F1E6}'..='\u{1F1FF}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{200D}');
    let mut list = loaded_app(&records, 120, 40);
    let mut conversation = loaded_app(&records, 120, 40);
    act(&mut conversation, &records, Action::OpenConversation);
    act(&mut list, &records, Action::SelectTab(Tab::Prompt));
    for (view, app) in [("browse", list), ("conversation", conversation)] {
        let buffer = buffer(&app);
        for cell in &buffer.content {
            assert!(!cell.symbol().chars().any(uncertain), "{view}: {:?} reached a cell", cell.symbol());
        }
        let shown = screen(&app);
        assert!(shown.contains("ship it [DE] 👍\\u{1f3fd} 👨\\u{200d}👩\\u{200d}👧 done"), "{view}:\n{shown}");
    }
}

#[test]
fn a_record_without_usage_shows_no_token_counts() {
    let mut unreported = interlog::record::InteractionRecord::builder("no usage here").build();
    unreported.model = Some("m".into());
    let mut zero = interlog::record::InteractionRecord::builder("zero usage here").build();
    zero.usage =
        Some(interlog::record::TokenUsage { input_tokens: Some(0), output_tokens: Some(0), ..Default::default() });
    for (mut record, shown) in [(unreported, false), (zero, true)] {
        record.session_id = Some("sess-usage".into());
        let records = vec![record];
        let app = loaded_app(&records, 120, 40);
        let text = screen(&app);
        let row = text.lines().find(|line| line.contains("usage here")).unwrap_or_default();
        assert_eq!(row.contains("0/0"), shown, "list row: {row:?}");
        assert_eq!(text.contains("0 in / 0 out"), shown, "facts line:\n{text}");
        let mut conversation = loaded_app(&records, 120, 40);
        act(&mut conversation, &records, Action::OpenConversation);
        let turn = screen(&conversation);
        assert!(turn.contains("── Turn 1 ·"), "the conversation is shown:\n{turn}");
        assert_eq!(turn.contains("0 in / 0 out · id"), shown, "turn facts:\n{turn}");
        assert_eq!(turn.contains("Σ 0 in / 0 out"), shown, "running totals:\n{turn}");
    }
}

#[test]
fn command_line_while_typing_and_with_an_error() {
    each_size("command", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::OpenCommand);
        for c in "si".chars() {
            act(&mut app, &records, Action::CommandInput(c));
        }
        app
    });
    each_size("command_error", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        act(&mut app, &records, Action::OpenCommand);
        for c in "since soon".chars() {
            act(&mut app, &records, Action::CommandInput(c));
        }
        act(&mut app, &records, Action::CommandSubmit);
        app
    });
    each_size("command_filtered", |width, height| {
        let records = records();
        let mut app = loaded_app(&records, width, height);
        for line in ["errors", "since 13:00", "tag weekly"] {
            act(&mut app, &records, Action::OpenCommand);
            for c in line.chars() {
                act(&mut app, &records, Action::CommandInput(c));
            }
            act(&mut app, &records, Action::CommandSubmit);
        }
        app
    });
}

#[test]
fn stats_view_with_latency_cache_sessions_and_a_context_chart() {
    each_size("stats_answers", |width, height| {
        let (mut app, records, generation, mut data) = open_stats(width, height);
        data.answers = interlog::store::Stats {
            records: 11,
            errors: 2,
            timed: 10,
            latency_p50_ms: Some(1840),
            latency_p95_ms: Some(9100),
            input_tokens: 4_000,
            cache_read_tokens: 12_000,
            by_session: vec![interlog::store::TokenRow {
                name: "s-webshop-1".into(),
                records: 3,
                input_tokens: 3_000,
                output_tokens: 900,
                ..Default::default()
            }],
            ..Default::default()
        };
        data.context = vec![1_200, 4_800, 9_600, 14_000, 15_500, 21_000, 3_000, 6_500];
        data.context_session = Some("s-webshop-1".into());
        act(&mut app, &records, Action::Stats { generation, data: Arc::new(data) });
        app
    });
}
