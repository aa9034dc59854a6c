//! Terminal events to actions. What a key means depends on what has the keyboard: the help
//! overlay, the facet picker, the bad-line list, the search line, or the main views.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};

use super::action::Action;
use super::app::{App, Overlay};
use super::detail::Tab;

/// Every key, for the help overlay and docs/tui.md.
pub const KEYS: &[(&str, &str)] = &[
    ("j k  ↓ ↑", "next / previous record, or scroll the focused pane"),
    ("g G  Home End", "newest / oldest record"),
    ("PgDn PgUp  Space", "a page down / up"),
    ("F", "back to the newest record, following (LIVE)"),
    ("Tab", "focus the list or the detail"),
    ("1-4  h l  ← →", "tabs: Prompt/Response, Tool calls, Routing, Raw"),
    ("s", "show or hide the system prompt"),
    ("Enter  c", "the record's whole session as a transcript"),
    ("t", "transcript: unfold / fold tool call details"),
    ("/", "search as you type (fuzzy); Tab: keyword mode"),
    ("f", "filter by project, session, client or model"),
    ("x", "clear every filter and the search"),
    ("S", "statistics over time, by model/project/client"),
    ("b", "bad lines: file:line and reason"),
    ("y", "copy the JSON or the focused text (OSC 52)"),
    ("e", "the current tab or the transcript in $PAGER"),
    ("Esc", "close the overlay, the search or the view"),
    ("?", "this help (j/k scroll it, other keys close it)"),
    ("Ctrl-L", "redraw the whole screen"),
    ("q  Ctrl-C", "quit"),
    ("mouse", "wheel scrolls the pane under it; click selects"),
];

pub fn action_for(app: &App, event: &Event) -> Option<Action> {
    match event {
        Event::Resize(width, height) => Some(Action::Resize { width: *width, height: *height }),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll { column: mouse.column, row: mouse.row, down: true }),
            MouseEventKind::ScrollUp => Some(Action::Scroll { column: mouse.column, row: mouse.row, down: false }),
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column: mouse.column, row: mouse.row }),
            _ => None,
        },
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(app, key),
        _ => None,
    }
}

fn key_action(app: &App, key: &KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if ctrl && key.code == KeyCode::Char('l') {
        return Some(Action::Redraw);
    }
    match &app.overlay {
        Some(Overlay::Help { .. }) => return list_key(key, ctrl).or(Some(Action::ToggleHelp)),
        Some(Overlay::Facets(_)) => return facet_key(key),
        Some(Overlay::BadLines { .. }) => {
            return list_key(key, ctrl).or(match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('b') => Some(Action::Back),
                _ => None,
            })
        }
        None => {}
    }
    if app.search.editing {
        return search_key(key, ctrl);
    }
    list_key(key, ctrl).or_else(|| command_key(key))
}

fn facet_key(key: &KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::FacetApply),
        KeyCode::Tab | KeyCode::BackTab => Some(Action::FacetNextKind),
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::Backspace => Some(Action::FacetBackspace),
        KeyCode::Char(c) => Some(Action::FacetInput(c)),
        _ => None,
    }
}

fn search_key(key: &KeyEvent, ctrl: bool) -> Option<Action> {
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::SearchSubmit),
        KeyCode::Tab | KeyCode::BackTab => Some(Action::SearchToggleMode),
        KeyCode::Backspace => Some(Action::SearchBackspace),
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::Char(c) if !ctrl => Some(Action::SearchInput(c)),
        _ => None,
    }
}

/// Movement keys, shared by the main views and the bad-line list.
fn list_key(key: &KeyEvent, ctrl: bool) -> Option<Action> {
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
        KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(Action::PageDown),
        KeyCode::Char('d') if ctrl => Some(Action::PageDown),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::Char('u') if ctrl => Some(Action::PageUp),
        KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
        KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
        _ => None,
    }
}

fn command_key(key: &KeyEvent) -> Option<Action> {
    let action = match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('F') => Action::GoLive,
        KeyCode::Tab | KeyCode::BackTab => Action::FocusNext,
        KeyCode::Char('l') | KeyCode::Right => Action::NextTab,
        KeyCode::Char('h') | KeyCode::Left => Action::PrevTab,
        KeyCode::Char(digit @ '1'..='4') => Action::SelectTab(Tab::ALL[usize::from(digit as u8 - b'1')]),
        KeyCode::Enter | KeyCode::Char('c') => Action::OpenConversation,
        KeyCode::Char('s') => Action::ToggleSystemPrompt,
        KeyCode::Char('t') => Action::ToggleToolDetail,
        KeyCode::Char('/') => Action::OpenSearch,
        KeyCode::Char('f') => Action::OpenFacets,
        KeyCode::Char('x') => Action::ClearFilters,
        KeyCode::Char('S') => Action::OpenStats,
        KeyCode::Char('b') => Action::ShowBadLines,
        KeyCode::Char('y') => Action::Copy,
        KeyCode::Char('e') => Action::OpenPager,
        _ => return None,
    };
    Some(action)
}
