#![cfg(feature = "tui")]
//! Key sequences through the real keymap and `update` → the expected state.

use crate::tui_support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use interlog::record::InteractionRecord;
use interlog::store::{EntryId, Facet, FuzzyHit, StoreEvent};
use interlog::tui::testing::{action_for, update, Action, App, Effect, Focus, Follow, Overlay, QueryReply, SearchMode};
use interlog::tui::testing::{Tab, View};
use tui_support::*;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(app: &mut App, records: &[InteractionRecord], keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in keys.chars() {
        effects.extend(send(app, records, key(KeyCode::Char(c))));
    }
    effects
}

fn send(app: &mut App, records: &[InteractionRecord], event: Event) -> Vec<Effect> {
    match action_for(app, &event) {
        Some(action) => act(app, records, action),
        None => Vec::new(),
    }
}

fn reply(generation: u64, entries: Vec<EntryId>) -> Action {
    Action::Results(QueryReply {
        generation,
        store_len: entries.len(),
        entries,
        dir_exists: true,
        ..Default::default()
    })
}

/// Answers the query among `effects` with every record, as a store would with no filter.
fn answer(app: &mut App, records: &[InteractionRecord], effects: &[Effect]) {
    let generation = query_generation(effects).expect("a query to answer");
    act(app, records, reply(generation, all_entries(records)));
}

fn all_entries(records: &[InteractionRecord]) -> Vec<EntryId> {
    (0..records.len() as u32).map(EntryId).collect()
}

#[test]
fn moving_selects_and_pauses_and_top_goes_live() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let cases: &[(&str, usize, Follow)] = &[
        ("j", 1, Follow::Paused { arrived: 0 }),
        ("jj", 3, Follow::Paused { arrived: 0 }),
        ("k", 2, Follow::Paused { arrived: 0 }),
        ("G", records.len() - 1, Follow::Paused { arrived: 0 }),
        ("j", records.len() - 1, Follow::Paused { arrived: 0 }),
        ("g", 0, Follow::Live),
        ("k", 0, Follow::Live),
    ];
    for (keys, selected, follow) in cases {
        press(&mut app, &records, keys);
        assert_eq!(app.list().selected, *selected, "after {keys:?}");
        assert_eq!(app.follow(), *follow, "after {keys:?}");
        assert_eq!(
            app.detail().data.as_ref().unwrap().entry,
            EntryId(*selected as u32),
            "detail follows the selection"
        );
    }
    send(&mut app, &records, key(KeyCode::PageDown));
    assert!(app.list().selected > 3, "a page moves by the list's height");
    send(&mut app, &records, key(KeyCode::Home));
    assert_eq!(app.list().selected, 0);
}

#[test]
fn tab_moves_focus_and_movement_scrolls_the_focused_pane() {
    let records = records();
    let mut app = loaded_app(&records, 80, 24);
    send(&mut app, &records, key(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Detail);
    press(&mut app, &records, "jjj");
    assert_eq!(app.list().selected, 0, "the list did not move");
    assert_eq!(app.detail().scroll[Tab::Prompt.index()], 3);
    send(&mut app, &records, key(KeyCode::End));
    let bottom = app.detail().scroll[Tab::Prompt.index()];
    assert!(bottom >= 3);
    press(&mut app, &records, "j");
    assert_eq!(app.detail().scroll[Tab::Prompt.index()], bottom, "scrolling stops at the end");
    send(&mut app, &records, key(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::List);
}

#[test]
fn tabs_by_number_and_by_arrows() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let cases: &[(KeyCode, Tab)] = &[
        (KeyCode::Char('3'), Tab::Routing),
        (KeyCode::Char('l'), Tab::Raw),
        (KeyCode::Right, Tab::Prompt),
        (KeyCode::Left, Tab::Raw),
        (KeyCode::Char('h'), Tab::Routing),
        (KeyCode::Char('2'), Tab::Tools),
    ];
    for (code, tab) in cases {
        send(&mut app, &records, key(*code));
        assert_eq!(app.detail().tab(), *tab, "after {code:?}");
    }
}

#[test]
fn arrivals_keep_live_on_the_newest_and_count_while_paused() {
    let records = records();
    let mut app = loaded_app_showing(&records, (3..records.len() as u32).map(EntryId).collect(), 120, 40);
    // LIVE: a new record on top is selected.
    let effects = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(2)] }));
    let generation = query_generation(&effects).unwrap();
    act(&mut app, &records, reply(generation, (2..records.len() as u32).map(EntryId).collect()));
    assert_eq!(app.follow(), Follow::Live);
    assert_eq!(app.selected_entry(), Some(EntryId(2)));
    // PAUSED: the selection stays on its record and the arrivals are counted.
    press(&mut app, &records, "jj");
    let chosen = app.selected_entry();
    let effects = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0), EntryId(1)] }));
    let generation = query_generation(&effects).unwrap();
    act(&mut app, &records, reply(generation, all_entries(&records)));
    assert_eq!(app.follow(), Follow::Paused { arrived: 2 });
    assert_eq!(app.selected_entry(), chosen);
    assert_eq!(app.list().selected, 4);
    // F: back to the newest, LIVE again.
    press(&mut app, &records, "F");
    assert_eq!(app.follow(), Follow::Live);
    assert_eq!(app.selected_entry(), Some(EntryId(0)));
}

#[test]
fn arrivals_ask_the_same_question_again_and_the_reply_out_still_counts() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let first = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    let generation = query_generation(&first).unwrap();
    for _ in 0..5 {
        // The runtime's newest-wins slot coalesces these into one more search.
        let more = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
        assert_eq!(query_generation(&more), Some(generation), "the same question, asked again");
    }
    act(&mut app, &records, reply(generation, vec![EntryId(2), EntryId(1)]));
    assert_eq!(app.results().entries, vec![EntryId(2), EntryId(1)], "the reply that was out is shown");
    assert!(app.results().asked.answered);
    // A re-asked question's quick first pass would shrink the complete list on screen: dropped.
    let partial = QueryReply { generation, entries: vec![EntryId(2)], partial: true, ..Default::default() };
    act(&mut app, &records, Action::Results(partial));
    assert_eq!(app.results().entries, vec![EntryId(2), EntryId(1)]);
}

#[test]
fn search_is_fuzzy_by_default_asks_at_every_keystroke_and_drops_stale_replies() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/");
    assert!(app.search().editing);
    let first = press(&mut app, &records, "c");
    let old = query_generation(&first).unwrap();
    assert!(matches!(&first[..], [Effect::Fuzzy { pattern, .. }] if pattern == "c"));
    let typed = press(&mut app, &records, "aq");
    assert_eq!(app.search().text, "caq", "q types into the search line, it does not quit");
    assert!(!app.has_quit());
    let patterns: Vec<&str> = typed
        .iter()
        .filter_map(|e| if let Effect::Fuzzy { pattern, .. } = e { Some(pattern.as_str()) } else { None })
        .collect();
    assert_eq!(patterns, ["ca", "caq"], "every keystroke asks (the runtime's slot drops the replaced ones)");
    let new = app.results().asked.generation;
    assert!(new > old);
    assert!(!app.results().asked.answered);
    // The answer for "c" is stale: it is dropped.
    let older = QueryReply { generation: old, entries: vec![EntryId(1), EntryId(2)], ..Default::default() };
    let next = update(&mut app, Action::Results(older));
    assert!(next.is_empty(), "{next:?}");
    assert_ne!(app.results().entries, vec![EntryId(1), EntryId(2)]);
    let hit = |entry: u32| FuzzyHit { entry: EntryId(entry), score: 10, positions: vec![0, 1] };
    let newer = QueryReply { generation: new, entries: vec![EntryId(3)], hits: vec![hit(3)], ..Default::default() };
    act(&mut app, &records, Action::Results(newer));
    assert_eq!(app.results().entries, vec![EntryId(3)]);
    assert_eq!(app.results().highlights[&EntryId(3)], vec![0, 1]);
    assert!(app.results().asked.answered);
    // Tab: keyword mode asks the store's search.
    let effects = send(&mut app, &records, key(KeyCode::Tab));
    assert_eq!(app.search().mode, SearchMode::Keyword);
    assert!(effects.iter().any(|e| matches!(e, Effect::Query { query, .. } if query.search.as_deref() == Some("caq"))));
    answer(&mut app, &records, &effects);
    // Enter keeps the search and gives the keys back; Esc clears it.
    send(&mut app, &records, key(KeyCode::Enter));
    assert!(!app.search().editing);
    assert_eq!(app.search().text, "caq");
    let effects = send(&mut app, &records, key(KeyCode::Esc));
    assert_eq!(app.search().text, "");
    assert!(effects.iter().any(|e| matches!(e, Effect::Query { query, .. } if query.search.is_none())));
}

#[test]
fn facet_picker_filters_by_typing_applies_and_x_clears() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = press(&mut app, &records, "f");
    assert!(effects.contains(&Effect::Facets(Facet::Project)));
    let values = vec![("support".to_owned(), 6), ("webshop".to_owned(), 3), ("ops".to_owned(), 1)];
    act(&mut app, &records, Action::Facets { facet: Facet::Project, values, names: Default::default() });
    press(&mut app, &records, "sh");
    let Some(Overlay::Facets(picker)) = &app.overlay() else { panic!("picker open") };
    assert_eq!(picker.visible, vec![1], "only webshop contains \"sh\"");
    let effects = send(&mut app, &records, key(KeyCode::Enter));
    assert!(app.overlay().is_none());
    assert_eq!(app.filters().project.as_deref(), Some("webshop"));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Query { query, .. } if query.project.as_deref() == Some("webshop"))));
    answer(&mut app, &records, &effects);
    // Tab in the picker moves to the next facet and asks for its counts.
    press(&mut app, &records, "f");
    let effects = send(&mut app, &records, key(KeyCode::Tab));
    assert!(effects.contains(&Effect::Facets(Facet::Session)));
    send(&mut app, &records, key(KeyCode::Esc));
    assert!(app.overlay().is_none());
    let effects = press(&mut app, &records, "x");
    assert!(app.filters().is_empty());
    assert!(effects.iter().any(|e| matches!(e, Effect::Query { query, .. } if query.project.is_none())));
}

#[test]
fn the_fourth_facet_filters_by_model() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "f");
    for expected in [Facet::Session, Facet::Client, Facet::Model] {
        let effects = send(&mut app, &records, key(KeyCode::Tab));
        assert!(effects.contains(&Effect::Facets(expected)), "Tab moves on to {expected:?}");
    }
    let values = vec![("claude-sonnet".to_owned(), 4), ("gpt-x".to_owned(), 2)];
    act(&mut app, &records, Action::Facets { facet: Facet::Model, values, names: Default::default() });
    press(&mut app, &records, "gpt");
    let effects = send(&mut app, &records, key(KeyCode::Enter));
    assert_eq!(app.filters().model.as_deref(), Some("gpt-x"));
    assert!(!app.filters().is_empty());
    assert_eq!(app.filters().describe(chrono::FixedOffset::east_opt(0).unwrap()), "model=gpt-x");
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Query { query, .. } if query.model.as_deref() == Some("gpt-x"))));
    answer(&mut app, &records, &effects);
    press(&mut app, &records, "f");
    let effects = send(&mut app, &records, key(KeyCode::Tab));
    assert!(effects.contains(&Effect::Facets(Facet::Session)), "the picker opens on projects again");
    for _ in 0..3 {
        send(&mut app, &records, key(KeyCode::Tab));
    }
    let Some(Overlay::Facets(picker)) = &app.overlay() else { panic!("picker open") };
    assert_eq!(picker.facet, Facet::Project, "Tab after the model facet comes back to projects");
}

#[test]
fn help_opens_and_any_key_closes_it() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "?");
    assert_eq!(app.overlay(), Some(&Overlay::Help { scroll: 0 }));
    press(&mut app, &records, "jj");
    assert_eq!(app.overlay(), Some(&Overlay::Help { scroll: 2 }), "j scrolls the help");
    press(&mut app, &records, "q");
    assert_eq!(app.overlay(), None);
    assert!(!app.has_quit(), "q closes the help first");
    press(&mut app, &records, "q");
    assert!(app.has_quit());
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/ab");
    send(&mut app, &records, Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(app.has_quit());
}

#[test]
fn ctrl_l_redraws_and_is_not_a_plain_l() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/ab");
    let effects = send(&mut app, &records, Event::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Redraw)));
    assert_eq!(app.search().text, "ab", "not typed into the search");
}

#[test]
fn enter_opens_the_session_and_esc_returns() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = send(&mut app, &records, key(KeyCode::Enter));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Conversation { session, .. } if session == "sess-webshop-4f2a9c")));
    let View::Conversation(view) = &app.view() else { panic!("conversation view") };
    assert_eq!(view.turns, 3);
    press(&mut app, &records, "t");
    let View::Conversation(view) = &app.view() else { panic!("conversation view") };
    assert!(view.show_tools);
    // New records in the session reload the transcript.
    let effects = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    let reload = effects.iter().find(|e| matches!(e, Effect::Conversation { .. })).cloned().expect("a reload");
    let Effect::Conversation { generation, .. } = reload else { unreachable!() };
    // More arrivals while it loads ask the same question again (the runtime's newest-wins slot
    // runs one more load when the one out is done, not one each).
    for _ in 0..3 {
        let more = update(&mut app, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
        let again: Vec<_> = more.iter().filter(|e| matches!(e, Effect::Conversation { .. })).collect();
        assert!(matches!(again[..], [Effect::Conversation { generation: g, .. }] if *g == generation));
    }
    let failed = Action::Conversation { generation, session: "sess-webshop-4f2a9c".into(), data: Err("gone".into()) };
    act(&mut app, &records, failed);
    let View::Conversation(view) = app.view() else { panic!("conversation view") };
    assert_eq!(view.error.as_deref(), Some("gone"), "the reply to the load out still counts");
    assert!(view.asked.answered);
    send(&mut app, &records, key(KeyCode::Esc));
    assert!(matches!(app.view(), View::Browse));
    // A record without a session explains itself instead.
    press(&mut app, &records, "j");
    send(&mut app, &records, key(KeyCode::Enter));
    assert!(matches!(app.view(), View::Browse));
    assert!(app.flash().unwrap_or_default().contains("no session"));
}

#[test]
fn mouse_click_selects_and_wheel_scrolls_the_pane_under_the_pointer() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let mouse = |kind, column, row| Event::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE });
    // Row 3 of the screen is the list's first record (status bar, border, header above it).
    send(&mut app, &records, mouse(MouseEventKind::Down(crossterm::event::MouseButton::Left), 10, 5));
    assert_eq!(app.list().selected, 2);
    send(&mut app, &records, mouse(MouseEventKind::ScrollDown, 10, 5));
    assert_eq!(app.list().selected, 5, "the wheel over the list moves the selection");
    send(&mut app, &records, mouse(MouseEventKind::ScrollDown, 10, 30));
    assert_eq!(app.list().selected, 5, "the wheel over the detail leaves the list alone");
    assert_eq!(app.focus(), Focus::List);
    send(&mut app, &records, mouse(MouseEventKind::Down(crossterm::event::MouseButton::Left), 10, 30));
    assert_eq!(app.focus(), Focus::Detail);
}

#[test]
fn copy_and_pager_ask_the_runtime() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = press(&mut app, &records, "y");
    assert!(matches!(&effects[..], [Effect::Copy(text)] if text.contains("\"id\":\"rec-0007-b1c2\"")));
    let flash = app.flash().unwrap_or_default();
    assert!(flash.contains("needs OSC 52") && !flash.to_lowercase().contains("copied"), "{flash}");
}

#[test]
fn the_pager_gets_the_current_tab_s_text() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let paged = |effects: Vec<Effect>| match &effects[..] {
        [Effect::Pager(text)] => text.clone(),
        other => panic!("expected one pager effect, got {other:?}"),
    };
    let cases: &[(&str, &[&str], &str)] = &[
        ("1e", &["▶ Prompt", "Run the tests again", "◀ Response", "You are a careful coding agent."], "\"id\""),
        ("2e", &["1. ✗ Bash", "\"command\": \"cargo test\"", "2. ✓ Edit"], "▶ Prompt"),
        ("3e", &["profile    deep-code", "confidence 82%", "multi-file edit", "lang.primary  rust"], "▶ Prompt"),
        ("4e", &["  \"id\": \"rec-0007-b1c2\""], "▶ Prompt"),
    ];
    for (keys, wanted, unwanted) in cases {
        let text = paged(press(&mut app, &records, keys));
        for want in *wanted {
            assert!(text.contains(want), "{keys}: no {want:?} in\n{text}");
        }
        assert!(!text.contains(unwanted), "{keys}: {unwanted:?} in\n{text}");
    }
}

#[test]
fn a_million_records_fetch_only_the_rows_near_the_window() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "x");
    let generation = app.results().asked.generation;
    let entries: Vec<EntryId> = (0..1_000_000).map(EntryId).collect();
    let effects = update(&mut app, reply(generation, entries));
    let asked: usize = effects.iter().map(|e| if let Effect::Summaries(ids) = e { ids.len() } else { 0 }).sum();
    assert!(asked > 0 && asked < 200, "asked for {asked} summaries");
    let effects = update(&mut app, Action::Bottom);
    let asked: Vec<EntryId> =
        effects.iter().flat_map(|e| if let Effect::Summaries(ids) = e { ids.clone() } else { vec![] }).collect();
    assert!(asked.contains(&EntryId(999_999)));
    assert!(asked.len() < 200);
}

#[test]
fn resizing_down_to_too_small_and_back_keeps_the_selection_visible() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "G");
    for (width, height) in [(30, 10), (60, 15), (80, 24), (240, 70)] {
        update(&mut app, Action::Resize { width, height });
        assert!(!screen(&app).is_empty());
        let rows = interlog::tui::testing::list_height(&app);
        assert!(app.list().selected >= app.list().offset && app.list().selected < app.list().offset + rows);
    }
}

#[test]
fn a_quick_first_pass_of_the_current_question_shows_and_a_replaced_one_does_not() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let effects = press(&mut app, &records, "/c");
    let stale = query_generation(&effects).unwrap();
    press(&mut app, &records, "a");
    let generation = app.results().asked.generation;
    let partial = QueryReply { generation: stale, entries: vec![EntryId(4)], partial: true, ..Default::default() };
    act(&mut app, &records, Action::Results(partial));
    assert_eq!(app.results().entries, all_entries(&records), "a replaced question's first pass is not shown");
    let partial = QueryReply { generation, entries: vec![EntryId(2)], partial: true, ..Default::default() };
    act(&mut app, &records, Action::Results(partial));
    assert_eq!(app.results().entries, vec![EntryId(2)], "the first pass of the current question shows");
    assert!(!app.results().asked.answered, "the full pass is still awaited");
    let effects = press(&mut app, &records, "r");
    let next = query_generation(&effects).expect("a keystroke during the full pass asks at once");
    assert!(next > generation);
    let late = QueryReply { generation, entries: vec![EntryId(7)], ..Default::default() };
    act(&mut app, &records, Action::Results(late));
    assert_eq!(app.results().entries, vec![EntryId(2)], "the old full pass is dropped");
}

#[test]
fn clicking_a_tab_title_selects_it() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let areas = interlog::tui::testing::areas(120, 40).unwrap();
    let tabs = interlog::tui::testing::inner(areas.detail);
    let click = |column: u16| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column: tabs.x + column,
            row: tabs.y,
            modifiers: KeyModifiers::NONE,
        })
    };
    // " Prompt/Response │ Tool calls │ Routing │ Raw "
    for (column, tab) in [(42, Tab::Raw), (20, Tab::Tools), (33, Tab::Routing), (3, Tab::Prompt)] {
        send(&mut app, &records, click(column));
        assert_eq!(app.detail().tab(), tab, "click at column {column}");
        assert_eq!(app.focus(), Focus::Detail);
    }
}

#[test]
fn ctrl_r_toggles_searching_history_and_asks_again_in_keyword_mode() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/ab");
    let ctrl_r = Event::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    // In fuzzy mode there is no history to search: the toggle is kept for keyword mode.
    let effects = send(&mut app, &records, ctrl_r.clone());
    assert!(app.search().history);
    assert_eq!(query_generation(&effects), None, "fuzzy ranks headlines: nothing to ask again");
    assert_eq!(app.search().text, "ab", "not typed into the search");
    let effects = send(&mut app, &records, key(KeyCode::Tab));
    assert!(effects.iter().any(|e| matches!(e, Effect::Query { query, .. } if query.search_history)));
    let effects = send(&mut app, &records, ctrl_r);
    assert!(!app.search().history);
    assert!(effects.iter().any(|e| matches!(e, Effect::Query { query, .. } if !query.search_history)));
    assert!(!screen(&app).contains("+history"));
}

#[test]
fn keyword_hits_ask_where_they_matched_once_and_drop_stale_snippets() {
    use interlog::store::Snippet;
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/");
    send(&mut app, &records, key(KeyCode::Tab));
    let effects = press(&mut app, &records, "cart");
    let generation = app.results().asked.generation;
    let answered = act(&mut app, &records, reply(generation, vec![EntryId(1), EntryId(3)]));
    let asked: Vec<_> = answered
        .iter()
        .filter_map(|e| match e {
            Effect::Snippets { generation: g, query, entries } => Some((*g, query.search.clone(), entries.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [(generation, Some("cart".to_owned()), vec![EntryId(1), EntryId(3)])], "{effects:?}");
    let snippet = Snippet { text: "the cart total".into(), matched: vec![(4, 8)] };
    let stale = Action::Snippets { generation: generation - 1, snippets: [(EntryId(1), snippet.clone())].into() };
    act(&mut app, &records, stale);
    assert_eq!(app.results().snippets.get(&EntryId(1)), Some(&None), "a stale answer is dropped");
    act(&mut app, &records, Action::Snippets { generation, snippets: [(EntryId(1), snippet.clone())].into() });
    assert_eq!(app.results().snippets[&EntryId(1)], Some(snippet));
    assert!(screen(&app).contains("the cart total"));
    // Moving does not ask again for rows already asked about.
    let moved = send(&mut app, &records, key(KeyCode::Down));
    assert_eq!(app.list().selected, 1);
    assert!(!moved.iter().any(|e| matches!(e, Effect::Snippets { .. })));
}
