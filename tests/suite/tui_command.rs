#![cfg(feature = "tui")]
//! The `:` command line and starting filtered: key sequences through the keymap and `update`.

use crate::tui_support;

use chrono::Duration;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interlog::record::{InteractionRecord, Timestamp};
use interlog::store::{EntryId, Query};
use interlog::tui::testing::{action_for, Action, App, Effect, Filters, SearchMode};
use tui_support::*;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Types `keys` (`\n`: Enter, `\t`: Tab, `\x08`: Backspace, `\x1b`: Esc) and returns every effect.
fn type_keys(app: &mut App, records: &[InteractionRecord], keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in keys.chars() {
        let event = match c {
            '\n' => key(KeyCode::Enter),
            '\t' => key(KeyCode::Tab),
            '\x08' => key(KeyCode::Backspace),
            '\x1b' => key(KeyCode::Esc),
            c => key(KeyCode::Char(c)),
        };
        if let Some(action) = action_for(app, &event) {
            effects.extend(act(app, records, action));
        }
    }
    effects
}

/// The last query asked.
fn queried(effects: &[Effect]) -> Option<&Query> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Query { query, .. } => Some(query),
        _ => None,
    })
}

fn ago(hours: i64) -> Option<Timestamp> {
    Some(Timestamp::from(now() - Duration::hours(hours)))
}

#[test]
fn each_command_sets_its_filter_and_asks_again() {
    let records = records();
    let cases: Vec<(&str, Filters)> = vec![
        (":since 2h\n", Filters { since: ago(2), ..Filters::default() }),
        (":until 2026-11-21\n", Filters { until: Timestamp::parse("2026-11-21T00:00:00Z"), ..Filters::default() }),
        (":mo\tgpt-x\n", Filters { model: Some("gpt-x".into()), ..Filters::default() }),
        (":errors\n", Filters { errors: true, ..Filters::default() }),
        (":errors\n:errors\n", Filters::default()),
        (":tag a\n:tag b\n:tag a\n", Filters { tags: vec!["a".into(), "b".into()], ..Filters::default() }),
        (":tag a\n:tag\n", Filters::default()),
        (":stop max_tokens\n", Filters { stop_reason: Some("max_tokens".into()), ..Filters::default() }),
        (":session s-1\n", Filters { session: Some("s-1".into()), ..Filters::default() }),
        (
            ":project webshop\n:client aider\n",
            Filters { project: Some("webshop".into()), client: Some("aider".into()), ..Filters::default() },
        ),
        (":model x\n:since 1h\n:clear\n", Filters::default()),
        (":since 2h\n:since\n", Filters::default()),
        (":sincx\x08e 2h\n", Filters { since: ago(2), ..Filters::default() }),
    ];
    for (keys, want) in cases {
        let mut app = loaded_app(&records, 120, 40);
        let effects = type_keys(&mut app, &records, keys);
        assert_eq!(app.filters(), &want, "after {keys:?}");
        assert!(app.command().is_none(), "{keys:?} closes the line");
        let query = queried(&effects).unwrap_or_else(|| panic!("{keys:?} asks the store again"));
        assert_eq!(query.since, want.since, "{keys:?}");
        assert_eq!(query.model, want.model, "{keys:?}");
        assert_eq!(query.has_error, want.errors.then_some(true), "{keys:?}");
        assert_eq!(query.tags, want.tags, "{keys:?}");
        assert_eq!(query.stop_reason, want.stop_reason, "{keys:?}");
    }
}

#[test]
fn a_wrong_line_stays_open_with_what_was_wrong_and_esc_closes_it() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = type_keys(&mut app, &records, ":frob\n");
    assert!(queried(&effects).is_none());
    let line = app.command().expect("still open");
    assert_eq!(line.text, "frob");
    assert!(line.error.as_deref().is_some_and(|e| e.contains("unknown command \"frob\"")), "{line:?}");
    // Typing again drops the error; Esc closes without touching the filters.
    type_keys(&mut app, &records, "\x08");
    assert_eq!(app.command().map(|l| (l.text.as_str(), l.error.is_none())), Some(("fro", true)));
    type_keys(&mut app, &records, "\x1b");
    assert!(app.command().is_none());
    assert_eq!(app.filters(), &Filters::default());
    // While the line is open, letters are text, not keys: `q` does not quit.
    type_keys(&mut app, &records, ":q");
    assert_eq!(app.command().map(|l| l.text.as_str()), Some("q"));
}

fn goto_of(effects: &[Effect]) -> Option<(u64, Timestamp)> {
    effects.iter().find_map(|e| match e {
        Effect::Goto { generation, at, .. } => Some((*generation, *at)),
        _ => None,
    })
}

#[test]
fn goto_selects_the_row_the_runtime_finds_and_ignores_a_stale_answer() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = type_keys(&mut app, &records, ":goto 13:00\n");
    let (generation, at) = goto_of(&effects).expect("a goto effect");
    assert_eq!(Some(at), Timestamp::parse("2026-11-21T13:00:00Z"));
    act(&mut app, &records, Action::GotoRow { generation: generation + 1, row: Some(1) });
    assert_eq!(app.list().selected, 0, "an answer to another goto is dropped");
    act(&mut app, &records, Action::GotoRow { generation, row: Some(3) });
    assert_eq!(app.list().selected, 3);
    assert_eq!(app.detail().data.as_ref().map(|d| d.entry), Some(EntryId(3)));
    let effects = type_keys(&mut app, &records, ":goto 13:30\n");
    let (generation, _) = goto_of(&effects).expect("a goto effect");
    act(&mut app, &records, Action::GotoRow { generation, row: None });
    assert!(app.flash().is_some_and(|f| f.contains("no record")), "{:?}", app.flash());
}

#[test]
fn starting_filtered_applies_filters_and_a_keyword_search() {
    let mut app = new_app(120, 40);
    let start = Query {
        session: Some("s-1".into()),
        since: ago(3),
        has_error: Some(true),
        search: Some("deadlock".into()),
        ..Query::default()
    };
    app.start_with(&start);
    assert_eq!(app.filters().session.as_deref(), Some("s-1"));
    assert_eq!(app.filters().since, ago(3));
    assert!(app.filters().errors);
    assert_eq!((app.search().text.as_str(), app.search().mode), ("deadlock", SearchMode::Keyword));
    let query = app.query();
    assert_eq!((query.session, query.since, query.has_error), (Some("s-1".into()), ago(3), Some(true)));
    assert_eq!(query.search.as_deref(), Some("deadlock"));
}

#[test]
fn the_session_facet_shows_names_and_finds_a_session_by_its_name() {
    use interlog::store::Facet;
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    act(&mut app, &records, Action::OpenFacets);
    act(&mut app, &records, Action::FacetNextKind);
    let values = vec![("c41d77e0".to_owned(), 3), ("e8a3b5c2".to_owned(), 1)];
    let names = [("e8a3b5c2".to_owned(), "Summarise the report".to_owned())].into_iter().collect();
    act(&mut app, &records, Action::Facets { facet: Facet::Session, values, names });
    let screen = screen(&app);
    assert!(screen.contains("Summarise the report  (e8a3b5c2)"), "{screen}");
    assert!(screen.contains("c41d77e0"), "a session without a name shows its id");
    for c in "report".chars() {
        act(&mut app, &records, Action::FacetInput(c));
    }
    let effects = act(&mut app, &records, Action::FacetApply);
    assert_eq!(app.filters().session.as_deref(), Some("e8a3b5c2"), "the filter is the id");
    assert!(queried(&effects).is_some_and(|q| q.session.as_deref() == Some("e8a3b5c2")));
}

fn stats_asked(effects: &[Effect]) -> Option<u64> {
    effects.iter().find_map(|e| match e {
        Effect::Stats { generation, .. } => Some(*generation),
        _ => None,
    })
}

#[test]
fn an_open_statistics_view_counts_again_as_records_arrive_one_count_at_a_time() {
    use interlog::store::StoreEvent;
    use interlog::tui::testing::compute_stats;
    use std::sync::Arc;
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let first = stats_asked(&act(&mut app, &records, Action::OpenStats)).expect("a count");
    let appended = || Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] });
    // While the first count is out, arrivals ask nothing more…
    assert_eq!(stats_asked(&act(&mut app, &records, appended())), None);
    assert_eq!(stats_asked(&act(&mut app, &records, appended())), None);
    // …but its answer asks once more, for what arrived meanwhile, keeping the figures shown.
    let data = Arc::new(compute_stats(&[]));
    let again = stats_asked(&act(&mut app, &records, Action::Stats { generation: first, data: data.clone() }))
        .expect("counted again");
    assert!(again > first);
    let shown = |app: &App| match app.view() {
        interlog::tui::testing::View::Stats(view) => view.data.is_some(),
        _ => false,
    };
    assert!(shown(&app), "the figures stay while the new count is out");
    // Answered and nothing new: an arrival asks at once.
    assert_eq!(stats_asked(&act(&mut app, &records, Action::Stats { generation: again, data })), None);
    assert!(stats_asked(&act(&mut app, &records, appended())).is_some());
    // The chart follows the selected record's session.
    let effects = act(&mut app, &records, Action::Back);
    assert!(stats_asked(&effects).is_none());
    act(&mut app, &records, Action::Down);
    let session = app.selected_summary().and_then(|s| s.session_id.clone());
    let effects = act(&mut app, &records, Action::OpenStats);
    let asked_session = effects.iter().find_map(|e| match e {
        Effect::Stats { session, .. } => Some(session.clone()),
        _ => None,
    });
    assert_eq!(asked_session, Some(session));
}

#[test]
fn a_filter_typed_in_the_statistics_view_counts_again_under_it() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let first = stats_asked(&act(&mut app, &records, Action::OpenStats)).expect("a count");
    let data = std::sync::Arc::new(interlog::tui::testing::compute_stats(&[]));
    act(&mut app, &records, Action::Stats { generation: first, data });
    let effects = type_keys(&mut app, &records, ":errors\n");
    let asked = effects.iter().find_map(|e| match e {
        Effect::Stats { query, .. } => Some(query.has_error),
        _ => None,
    });
    assert_eq!(asked, Some(Some(true)), "the statistics follow the new filter");
    let second = stats_asked(&effects).expect("a count");
    let data = std::sync::Arc::new(interlog::tui::testing::compute_stats(&[]));
    act(&mut app, &records, Action::Stats { generation: second, data });
    let effects = type_keys(&mut app, &records, "x");
    assert!(stats_asked(&effects).is_some(), "and clearing the filters counts again too");
}
