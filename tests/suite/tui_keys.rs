//! The key table is the one description of the keys: docs/tui.md lists exactly its rows, and the
//! table itself holds no key that means two things at once.
#![cfg(feature = "tui")]

use std::collections::BTreeSet;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use interlog::tui::testing::{action_for, help_rows, hints, Action, App, Context, Key, Screen, BINDINGS};

use crate::tui_support::{act, loaded_app, records};

const DOC: &str = include_str!("../../docs/tui.md");

/// (section heading, keys, description) of every row of the key tables in the doc's "Keys" section.
fn doc_rows() -> Vec<(String, String, String)> {
    let section = DOC.split("\n## Keys\n").nth(1).expect("docs/tui.md has a \"## Keys\" section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut heading = String::new();
    let mut rows = Vec::new();
    for line in section.lines() {
        if let Some(title) = line.strip_prefix("### ") {
            heading = title.trim().to_owned();
        } else if let Some(row) = line.strip_prefix("| `") {
            let cells: Vec<&str> = row.split(" | ").collect();
            assert_eq!(cells.len(), 2, "a key row has two cells: {line:?}");
            let keys = cells[0].trim_end_matches('`').to_owned();
            let description = cells[1].trim_end_matches('|').trim().to_owned();
            rows.push((heading.clone(), keys, description));
        }
    }
    rows
}

fn table_rows() -> Vec<(String, String, String)> {
    help_rows().into_iter().map(|row| (row.context.title().to_owned(), row.keys, row.description.to_owned())).collect()
}

/// The doc's key tables as the key table would write them, to paste when they differ.
fn expected_markdown() -> String {
    let mut out = String::new();
    let mut heading = String::new();
    for (title, keys, description) in table_rows() {
        if title != heading {
            out.push_str(&format!("\n### {title}\n\n| key | what it does |\n|---|---|\n"));
            heading = title;
        }
        out.push_str(&format!("| `{keys}` | {description} |\n"));
    }
    out
}

#[test]
fn docs_tui_md_lists_exactly_the_key_table() {
    let doc: BTreeSet<_> = doc_rows().into_iter().collect();
    let table: BTreeSet<_> = table_rows().into_iter().collect();
    let missing_from_doc: Vec<_> = table.difference(&doc).collect();
    let missing_from_table: Vec<_> = doc.difference(&table).collect();
    assert!(
        missing_from_doc.is_empty() && missing_from_table.is_empty(),
        "docs/tui.md and the key table differ.\nin the table, not in the doc: {missing_from_doc:#?}\n\
         in the doc, not in the table: {missing_from_table:#?}\nthe doc's tables should read:\n{}",
        expected_markdown()
    );
    assert_eq!(doc_rows(), table_rows(), "same rows, same order");
}

#[test]
fn every_screen_hints_distinct_ranks_and_help_first() {
    for screen in
        [Screen::Browse, Screen::Conversation, Screen::Stats, Screen::Searching, Screen::Searched, Screen::Finding]
    {
        let shown = hints(screen);
        assert!(!shown.is_empty(), "{screen:?} has hints");
        let ranks: BTreeSet<u8> = shown.iter().map(|hint| hint.rank).collect();
        assert_eq!(ranks.len(), shown.len(), "{screen:?}: every hint has its own rank");
    }
    for screen in [Screen::Browse, Screen::Conversation, Screen::Stats] {
        let best = hints(screen).into_iter().min_by_key(|hint| hint.rank).unwrap();
        assert_eq!((best.keys.as_str(), best.word), ("?", "help"), "{screen:?}: the help is never dropped");
    }
}

/// The terminal event a table key arrives as.
fn event(key: Key) -> Event {
    let (code, modifiers) = match key {
        Key::Char(c) if c.is_ascii_uppercase() => (KeyCode::Char(c), KeyModifiers::SHIFT),
        Key::Char(c) => (KeyCode::Char(c), KeyModifiers::NONE),
        Key::Ctrl(c) => (KeyCode::Char(c), KeyModifiers::CONTROL),
        Key::Code(KeyCode::BackTab) => (KeyCode::BackTab, KeyModifiers::SHIFT),
        Key::Code(code) => (code, KeyModifiers::NONE),
    };
    Event::Key(KeyEvent::new(code, modifiers))
}

/// An app in which `context` has the keyboard.
fn app_in(context: Context) -> App {
    let records = records();
    let mut app = loaded_app(&records, 120, 40);
    let open = match context {
        Context::Anywhere | Context::Move | Context::Main => vec![],
        Context::Search => vec![Action::OpenSearch],
        Context::Find => vec![Action::OpenConversation, Action::OpenSearch],
        Context::Facets => vec![Action::OpenFacets],
        Context::BadLines => vec![Action::ShowBadLines],
        Context::Command => vec![Action::OpenCommand],
    };
    for action in open {
        act(&mut app, &records, action);
    }
    app
}

#[test]
fn every_key_of_the_table_does_what_the_table_says_where_it_says() {
    for binding in BINDINGS {
        let app = app_in(binding.context);
        for &key in binding.keys {
            let got = action_for(&app, &event(key)).map(|action| format!("{action:?}"));
            assert_eq!(got, Some(format!("{:?}", binding.action)), "{key:?} in {:?}", binding.context);
        }
    }
}

#[test]
fn ctrl_d_and_ctrl_u_page_and_ctrl_letters_are_not_plain_letters() {
    let app = app_in(Context::Main);
    let ctrl = |c| action_for(&app, &event(Key::Ctrl(c))).map(|action| format!("{action:?}"));
    assert_eq!(ctrl('d').as_deref(), Some("PageDown"));
    assert_eq!(ctrl('u').as_deref(), Some("PageUp"));
    assert_eq!(ctrl('l').as_deref(), Some("Redraw"), "Ctrl-L redraws, it does not step the tab as l does");
    for letter in ['j', 'k', 'q', 'g', 'y', 'e', 's'] {
        assert_eq!(ctrl(letter), None, "Ctrl-{letter} is not bound, so it does nothing");
    }
}

#[test]
fn the_keyboards_owners_see_each_key_once() {
    let owners: [&[Context]; 6] = [
        &[Context::Anywhere, Context::Move, Context::Main],
        &[Context::Anywhere, Context::Search],
        &[Context::Anywhere, Context::Find],
        &[Context::Anywhere, Context::Facets],
        &[Context::Anywhere, Context::Move, Context::BadLines],
        &[Context::Anywhere, Context::Command],
    ];
    for contexts in owners {
        let mut seen = BTreeSet::new();
        for binding in BINDINGS.iter().filter(|binding| contexts.contains(&binding.context)) {
            for key in binding.keys {
                assert!(
                    seen.insert(format!("{key:?}")),
                    "{key:?} means two things when {contexts:?} have the keyboard"
                );
            }
        }
    }
}
