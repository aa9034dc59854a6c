#![cfg(feature = "tui")]
//! Reading inside a record and a conversation: the find (`/`, `n`/`N`, a keyword search landing
//! on its first hit) and following like `less +F` (reading pauses, `F` resumes, arrivals counted).

use crate::tui_support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interlog::record::InteractionRecord;
use interlog::store::{EntryId, StoreEvent};
use interlog::tui::testing::{action_for, Action, App, Effect, Focus, Follow, Origin, Pane, QueryReply, View};
use ratatui::style::Modifier;
use tui_support::*;

fn send(app: &mut App, records: &[InteractionRecord], code: KeyCode) -> Vec<Effect> {
    let modifiers = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    match action_for(app, &Event::Key(KeyEvent::new(code, modifiers))) {
        Some(action) => act(app, records, action),
        None => Vec::new(),
    }
}

fn press(app: &mut App, records: &[InteractionRecord], keys: &str) {
    for c in keys.chars() {
        send(app, records, KeyCode::Char(c));
    }
}

/// A record whose response is 200 lines, with the word far down, twice.
fn long_record() -> InteractionRecord {
    let lines: Vec<String> = (1..=200)
        .map(|n| match n {
            150 => "line 150: the needle is here".to_owned(),
            180 => "line 180: a NEEDLE again".to_owned(),
            n => format!("line {n}: nothing to see"),
        })
        .collect();
    let mut record = InteractionRecord::builder("Explain the log").build();
    record.id = "rec-long".into();
    record.response = Some(lines.join("\n"));
    record.session_id = Some("sess-long".into());
    record
}

fn with_long_first() -> Vec<InteractionRecord> {
    let rest = records();
    let mut long = long_record();
    long.timestamp = rest[0].timestamp;
    let mut all = vec![long];
    all.extend(rest);
    all
}

/// The modifiers of the cells where `word` is drawn on screen (its first occurrence).
fn modifiers_of(app: &App, word: &str) -> Vec<Modifier> {
    let buffer = buffer(app);
    for y in 0..buffer.area.height {
        let symbols: Vec<String> = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
        let line: String = symbols.concat();
        if let Some(at) = line.find(word) {
            let x = line[..at].chars().count() as u16;
            return (x..x + word.chars().count() as u16).map(|x| buffer[(x, y)].modifier).collect();
        }
    }
    panic!("{word:?} is not on screen")
}

/// (editing, hits, current) of a find.
type FindState = (bool, usize, usize);

fn find_state(app: &App) -> Option<FindState> {
    app.find().map(|find| (find.editing, find.hits.len(), find.current))
}

fn detail_scroll(app: &App) -> usize {
    app.detail().scroll[app.detail().tab().index()]
}

#[test]
fn find_in_the_detail_lands_on_each_hit_and_wraps() {
    let records = with_long_first();
    let mut app = loaded_app(&records, 120, 40);
    send(&mut app, &records, KeyCode::Tab);
    // Each step: keys, then the find's (editing, hits, current) and a line that must be on screen.
    let steps: &[(&str, Option<FindState>, Option<&str>)] = &[
        ("/", Some((true, 0, 0)), Some("[find in this record]")),
        ("needle", Some((true, 0, 0)), Some("/needle")),
        ("\n", Some((false, 2, 0)), Some("line 150: the needle is here")),
        ("n", Some((false, 2, 1)), Some("line 180: a NEEDLE again")),
        ("n", Some((false, 2, 0)), Some("line 150: the needle is here")),
        ("N", Some((false, 2, 1)), Some("hit 2/2 (n/N)")),
        ("\x1b", None, None),
    ];
    for (keys, find, shown) in steps {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            send(&mut app, &records, code);
        }
        assert_eq!(find_state(&app), *find, "after {keys:?}");
        if let Some(shown) = shown {
            let text = screen(&app);
            assert!(text.contains(shown), "after {keys:?}: {shown:?} on screen:\n{text}");
        }
    }
    assert_eq!(app.focus(), Focus::Detail, "Esc closed the find, not the focus");
    assert!(modifiers_of(&app, "NEEDLE").iter().all(|m| !m.contains(Modifier::REVERSED)), "no find, no marks");
}

#[test]
fn the_current_hit_is_reversed_and_the_others_emphasised() {
    let records = with_long_first();
    let mut app = loaded_app(&records, 120, 80);
    send(&mut app, &records, KeyCode::Tab);
    press(&mut app, &records, "/needle");
    send(&mut app, &records, KeyCode::Enter);
    // Lines 150 and 180 are both in a detail pane this tall.
    // The find ignores case: "needle" on line 150, "NEEDLE" on line 180.
    let each = [modifiers_of(&app, "needle"), modifiers_of(&app, "NEEDLE")];
    assert!(each[0].iter().all(|m| m.contains(Modifier::REVERSED)), "the current hit: {:?}", each[0]);
    let emphasised = Modifier::BOLD | Modifier::UNDERLINED;
    assert!(each[1].iter().all(|m| m.contains(emphasised) && !m.contains(Modifier::REVERSED)), "{:?}", each[1]);
    let other = modifiers_of(&app, "NEEDLE");
    assert!(other.iter().all(|m| m.contains(Modifier::UNDERLINED) && !m.contains(Modifier::REVERSED)));
    assert!(modifiers_of(&app, "again").iter().all(|m| !m.contains(Modifier::UNDERLINED)), "only the hit");
}

#[test]
fn slash_with_the_list_focused_searches_the_list() {
    let records = with_long_first();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/");
    assert!(app.search().editing);
    assert!(app.find().is_none());
}

#[test]
fn n_without_a_find_says_how_to_start_one() {
    let records = with_long_first();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "n");
    assert!(app.flash().unwrap_or_default().contains("/ in the detail"), "{:?}", app.flash());
}

#[test]
fn a_keyword_search_opens_each_hit_at_its_first_match() {
    let records = with_long_first();
    let mut app = loaded_app(&records, 120, 40);
    press(&mut app, &records, "/");
    send(&mut app, &records, KeyCode::Tab);
    let mut generation = None;
    for c in "needle".chars() {
        generation = query_generation(&act(&mut app, &records, Action::SearchInput(c))).or(generation);
    }
    send(&mut app, &records, KeyCode::Enter);
    let reply = QueryReply {
        generation: generation.expect("a keyword query"),
        entries: vec![EntryId(0)],
        store_len: records.len(),
        dir_exists: true,
        ..QueryReply::default()
    };
    act(&mut app, &records, Action::Results(reply));
    let find = app.find().expect("the keyword search is the find in the record");
    assert_eq!((find.origin, find.pane, find.hits.len()), (Origin::Keyword, Pane::Detail, 2));
    assert!(detail_scroll(&app) > 100, "the detail scrolled to line 150, not the top");
    assert!(screen(&app).contains("line 150: the needle is here"));
    assert_eq!(app.follow(), Follow::Live, "landing on a hit is not reading: the list still follows");
    // Clearing the search drops the find with it.
    send(&mut app, &records, KeyCode::Esc);
    assert!(app.find().is_none());
}

#[test]
fn reading_the_detail_pauses_following_and_f_resumes() {
    let records = records();
    let mut app = loaded_app_showing(&records, (1..records.len() as u32).map(EntryId).collect(), 120, 40);
    send(&mut app, &records, KeyCode::Tab);
    press(&mut app, &records, "jjj");
    let reading = (app.selected_entry(), detail_scroll(&app));
    assert_eq!(app.follow(), Follow::Paused { arrived: 0 }, "focusing the detail is reading");
    let effects = act(&mut app, &records, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    let reply = QueryReply {
        generation: query_generation(&effects).unwrap(),
        entries: (0..records.len() as u32).map(EntryId).collect(),
        store_len: records.len(),
        dir_exists: true,
        ..QueryReply::default()
    };
    act(&mut app, &records, Action::Results(reply));
    assert_eq!((app.selected_entry(), detail_scroll(&app)), reading, "the record read and its scroll stay");
    assert_eq!(app.follow(), Follow::Paused { arrived: 1 });
    assert!(screen(&app).contains("PAUSED +1 (F)"));
    press(&mut app, &records, "F");
    assert_eq!((app.follow(), app.selected_entry(), app.focus()), (Follow::Live, Some(EntryId(0)), Focus::List));
}

/// The webshop session with one more turn, newest first like the store.
fn with_new_turn(records: &[InteractionRecord], response: &str) -> Vec<InteractionRecord> {
    let mut turn = InteractionRecord::builder("And the tax table?").build();
    turn.id = "rec-0008-new".into();
    turn.timestamp = records[0].timestamp;
    turn.session_id = Some("sess-webshop-4f2a9c".into());
    turn.response = Some(response.into());
    let mut all = vec![turn];
    all.extend(records.iter().cloned());
    all
}

fn conversation(app: &App) -> (usize, bool, usize, usize) {
    let View::Conversation(view) = app.view() else { panic!("conversation view") };
    (view.scroll, view.at_end, view.arrived, view.turns)
}

#[test]
fn a_conversation_follows_like_less_f() {
    let records = records();
    let mut app = loaded_app(&records, 120, 24);
    send(&mut app, &records, KeyCode::Enter);
    press(&mut app, &records, "G");
    let (end, following, _, turns) = conversation(&app);
    assert!(following && end > 0, "G goes to the end and follows");
    assert!(screen(&app).contains("FOLLOWING"));
    // Scrolling up pauses; a turn arriving then is counted and does not move the view.
    press(&mut app, &records, "kk");
    let newer = with_new_turn(&records, "The tax table is from 2024.");
    act(&mut app, &newer, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    assert_eq!(conversation(&app), (end - 2, false, 1, turns + 1));
    assert!(screen(&app).contains("PAUSED +1 (F)"));
    // F follows again: at the end, nothing counted.
    press(&mut app, &newer, "F");
    let (scroll, following, arrived, _) = conversation(&app);
    assert!(following && arrived == 0 && scroll > end, "F goes to the new end");
    // Following, a short turn keeps the view at the end.
    let newest = with_new_turn(&newer, "Fixed.");
    act(&mut app, &newest, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    let (after, following, ..) = conversation(&app);
    assert!(following && after > scroll);
}

#[test]
fn a_long_turn_arriving_while_following_shows_from_its_start() {
    let records = records();
    let mut app = loaded_app(&records, 120, 24);
    send(&mut app, &records, KeyCode::Enter);
    press(&mut app, &records, "G");
    let long = (1..=500).map(|n| format!("output line {n}")).collect::<Vec<_>>().join("\n");
    let newer = with_new_turn(&records, &long);
    act(&mut app, &newer, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    let text = screen(&app);
    assert!(text.contains("And the tax table?"), "the new turn's start is on screen:\n{text}");
    assert!(!text.contains("output line 500"), "not its end");
    assert!(!conversation(&app).1, "following pauses there; F resumes");
}

#[test]
fn find_in_a_conversation() {
    let records = records();
    let mut app = loaded_app(&records, 120, 24);
    send(&mut app, &records, KeyCode::Enter);
    press(&mut app, &records, "/floors");
    send(&mut app, &records, KeyCode::Enter);
    let find = app.find().expect("a find");
    assert_eq!(find.pane, Pane::Conversation);
    assert!(find.hits.len() >= 20, "every repetition of the word is a hit: {}", find.hits.len());
    let (_, total, before) = find_state(&app).unwrap();
    press(&mut app, &records, "N");
    assert_eq!(find_state(&app).map(|state| state.2), Some((before + total - 1) % total), "N: the previous hit");
    send(&mut app, &records, KeyCode::Esc);
    assert!(app.find().is_none());
    assert!(matches!(app.view(), View::Conversation(_)), "Esc closed the find first");
    send(&mut app, &records, KeyCode::Esc);
    assert!(matches!(app.view(), View::Browse));
}

#[test]
fn a_hit_inside_a_long_record() {
    let records = with_long_first();
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = loaded_app(&records, width, height);
        send(&mut app, &records, KeyCode::Tab);
        press(&mut app, &records, "/needle");
        send(&mut app, &records, KeyCode::Enter);
        press(&mut app, &records, "n");
        insta::assert_snapshot!(format!("hit_in_long_record_{width}x{height}"), screen(&app));
    }
}

#[test]
fn a_followed_conversation_receiving_a_turn_while_scrolled_up() {
    let records = records();
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = loaded_app(&records, width, height);
        send(&mut app, &records, KeyCode::Enter);
        press(&mut app, &records, "Gkkk");
        let newer = with_new_turn(&records, "The tax table is from 2024.");
        act(&mut app, &newer, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
        insta::assert_snapshot!(format!("conversation_turn_while_scrolled_up_{width}x{height}"), screen(&app));
    }
}

/// The top row of the conversation's text (below the border).
fn top_line(app: &App) -> String {
    screen(app).lines().nth(2).unwrap_or_default().trim_start_matches('│').to_owned()
}

#[test]
fn the_conversation_opens_at_the_selected_turn_marked() {
    let records = records();
    let mut app = loaded_app(&records, 120, 24);
    // rec-0004-a9b0, the webshop session's second turn, is the fourth row.
    press(&mut app, &records, "jjj");
    send(&mut app, &records, KeyCode::Enter);
    assert!(top_line(&app).starts_with("── Turn 2 "), "{}", screen(&app));
    assert!(top_line(&app).contains("◀ opened here"), "{}", screen(&app));
}

#[test]
fn brackets_and_braces_go_from_turn_to_turn() {
    let records = records();
    let mut app = loaded_app(&records, 120, 24);
    send(&mut app, &records, KeyCode::Enter);
    let View::Conversation(view) = app.view() else { panic!("conversation") };
    assert!(view.at_end, "opened at the newest record's turn, the last: at the end");
    let steps: &[(&str, &str)] = &[("{", "Turn 1"), ("]", "Turn 2"), ("]", "Turn 3"), ("[", "Turn 2"), ("}", "Turn 3")];
    for (keys, turn) in steps {
        press(&mut app, &records, keys);
        let top = top_line(&app);
        // The last turn may be too short to reach the top row: then the view is at its end.
        let View::Conversation(view) = app.view() else { panic!("conversation") };
        assert!(top.starts_with(&format!("── {turn} ")) || view.at_end, "after {keys:?}: {top:?}");
    }
}

/// The webshop session with a tool-loop turn (only a tool result handed back, no prompt).
fn with_tool_loop_turn(records: &[InteractionRecord]) -> Vec<InteractionRecord> {
    use interlog::record::{ContentBlock, Message, MessageContent, Role};
    let mut turn = InteractionRecord::builder("").build();
    turn.prompt = None;
    turn.id = "rec-0009-loop".into();
    turn.timestamp = records[0].timestamp;
    turn.session_id = Some("sess-webshop-4f2a9c".into());
    turn.response = Some("The tests pass now.".into());
    turn.messages = vec![Message::new(
        Role::User,
        MessageContent::Blocks(vec![ContentBlock::ToolResult {
            tool_use_id: "toolu_02".into(),
            content: "ok".into(),
            is_error: false,
        }]),
    )];
    let mut all = vec![turn];
    all.extend(records.iter().cloned());
    all
}

#[test]
fn filters_show_only_the_user_s_turns_or_no_tool_calls() {
    let records = with_tool_loop_turn(&records());
    let mut app = loaded_app(&records, 120, 40);
    send(&mut app, &records, KeyCode::Enter);
    let all = screen(&app);
    let count = |text: &str, what: &str| text.matches(what).count();
    press(&mut app, &records, "{");
    let whole = (0..6).map(|_| {
        let text = screen(&app);
        press(&mut app, &records, "]");
        text
    });
    let whole: String = whole.collect();
    assert!(whole.contains("The tests pass now."), "the tool-loop turn is shown at first");
    press(&mut app, &records, "u");
    let View::Conversation(view) = app.view() else { panic!("conversation") };
    assert_eq!(view.spans.len(), 3, "the tool-loop turn is left out");
    assert!(view.spans.iter().all(|span| span.by_user));
    assert!(screen(&app).contains("only the user's turns"), "the status bar says so");
    press(&mut app, &records, "u");
    let View::Conversation(view) = app.view() else { panic!("conversation") };
    assert_eq!(view.spans.len(), 4, "u again shows every turn");
    press(&mut app, &records, "{T");
    let View::Conversation(view) = app.view() else { panic!("conversation") };
    let text = view.doc.as_ref().unwrap().plain(&interlog::present::doc::Folds::open());
    assert!(!text.contains("Bash (id toolu_01)"), "no tool call lines:\n{text}");
    assert!(count(&all, "Bash (id toolu_01)") > 0, "there were some:\n{all}");
}

#[test]
fn turns_arriving_while_following_are_marked_new() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    send(&mut app, &records, KeyCode::Enter);
    press(&mut app, &records, "G");
    let newer = with_new_turn(&records, "The tax table is from 2024.");
    act(&mut app, &newer, Action::Store(StoreEvent::Appended { entries: vec![EntryId(0)] }));
    let text = screen(&app);
    let heading = text.lines().find(|line| line.contains("── Turn 4 ")).expect("the new turn is shown");
    assert!(heading.contains("● new"), "{text}");
    assert!(conversation(&app).1, "still following");
}

#[test]
fn o_opens_one_tool_call_on_its_own() {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    send(&mut app, &records, KeyCode::Enter);
    let shown = |app: &App| {
        let View::Conversation(view) = app.view() else { panic!("conversation") };
        view.doc.as_ref().unwrap().plain(&view.hidden_folds())
    };
    let folded = shown(&app);
    let (read, bash) = ("pub fn total", "test cart::totals ... FAILED");
    assert!(!folded.contains(read) && !folded.contains(bash), "results start folded:\n{folded}");
    // From the first turn down, the first part is turn 2's Read call.
    press(&mut app, &records, "{o");
    let one = shown(&app);
    assert!(one.contains(read), "the Read call opened:\n{one}");
    assert!(!one.contains(bash), "turn 3's Bash call stays folded:\n{one}");
    press(&mut app, &records, "o");
    assert!(!shown(&app).contains(read), "o again closes it");
}
