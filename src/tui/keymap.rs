//! The one key table: every binding (action, keys, description, context, hints) lives in
//! [`BINDINGS`], and the keymap, the help overlay, the bottom-line hints and the key tables of
//! docs/tui.md are all read off it, so they cannot drift apart (a test holds the docs to it).
//!
//! What a key means depends on what has the keyboard: the help overlay, the facet picker, the
//! bad-line list, the search line, or the main views. Typed text in the search line and the facet
//! picker, and "any other key closes the help", are the only meanings not in the table.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};

use super::action::Action;
use super::app::{App, Overlay, View};
use super::detail::Tab;

/// Who has the keyboard when a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Whatever has the keyboard.
    Anywhere,
    /// Movement: the list or the focused pane, the conversation, the help, the bad-line list.
    Move,
    /// The main views (list and detail, conversation, statistics) with no overlay open.
    Main,
    /// The search line while it has the keyboard.
    Search,
    /// The find line of the detail or the transcript while it has the keyboard.
    Find,
    /// The facet picker.
    Facets,
    /// The bad-line list.
    BadLines,
    /// The `:` command line while it is open.
    Command,
}

impl Context {
    /// In the order the help and docs/tui.md list them.
    pub const ALL: [Context; 8] = [
        Context::Anywhere,
        Context::Move,
        Context::Main,
        Context::Search,
        Context::Find,
        Context::Facets,
        Context::BadLines,
        Context::Command,
    ];

    /// The heading of this context's section in the help and in docs/tui.md.
    pub fn title(self) -> &'static str {
        match self {
            Context::Anywhere => "Anywhere",
            Context::Move => "Moving (list, pane, conversation, help, bad lines)",
            Context::Main => "The main views",
            Context::Search => "In the search line",
            Context::Find => "In the find line (the detail or a conversation)",
            Context::Facets => "In the facet picker",
            Context::BadLines => "In the bad-line list",
            Context::Command => "In the command line",
        }
    }
}

/// A key as the table names it. Letters are matched as typed (`G` is Shift-g); `Ctrl` keys
/// match only with Control held, and a plain letter never matches with Control held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

impl Key {
    fn of(event: &KeyEvent) -> Key {
        match event.code {
            KeyCode::Char(c) if event.modifiers.contains(KeyModifiers::CONTROL) => Key::Ctrl(c.to_ascii_lowercase()),
            code => Key::Code(code).normalised(),
        }
    }

    fn normalised(self) -> Key {
        match self {
            Key::Code(KeyCode::Char(c)) => Key::Char(c),
            other => other,
        }
    }

    /// How the help, the hints and docs/tui.md write the key.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Code(code) => code_label(code).into(),
        }
    }
}

fn code_label(code: KeyCode) -> &'static str {
    match code {
        KeyCode::Enter => "Enter",
        KeyCode::Esc => "Esc",
        KeyCode::Tab => "Tab",
        KeyCode::BackTab => "Shift-Tab",
        KeyCode::Backspace => "Backspace",
        KeyCode::Up => "↑",
        KeyCode::Down => "↓",
        KeyCode::Left => "←",
        KeyCode::Right => "→",
        KeyCode::PageUp => "PgUp",
        KeyCode::PageDown => "PgDn",
        KeyCode::Home => "Home",
        KeyCode::End => "End",
        _ => "?",
    }
}

/// Where a binding is hinted on the bottom line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Browse,
    Conversation,
    Stats,
    /// The search line has the keyboard.
    Searching,
    /// A search is applied and the list has the keyboard.
    Searched,
    /// The find line of the detail or the transcript has the keyboard.
    Finding,
    /// The `:` command line has the keyboard.
    Commanding,
}

impl Screen {
    pub fn of(app: &App) -> Screen {
        match &app.view {
            _ if app.command.is_some() => Screen::Commanding,
            _ if app.find.as_ref().is_some_and(|find| find.editing) => Screen::Finding,
            View::Browse if app.search.editing => Screen::Searching,
            View::Browse if app.search.is_active() => Screen::Searched,
            View::Browse => Screen::Browse,
            View::Conversation(_) => Screen::Conversation,
            View::Stats(_) => Screen::Stats,
        }
    }
}

/// A hint on one screen: the short word and its rank (0 is kept first when the line is narrow).
#[derive(Clone, Copy, Debug)]
pub struct Hint {
    pub screen: Screen,
    pub word: &'static str,
    pub rank: u8,
}

/// One row of the key table.
#[derive(Debug)]
pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    /// Consecutive bindings with the same description and context are one row of the help
    /// (`j ↓  k ↑`), and their first keys one hint (`j/k`).
    pub description: &'static str,
    pub context: Context,
    /// Hints belong to the first binding of a row.
    pub hints: &'static [Hint],
}

const fn hint(screen: Screen, word: &'static str, rank: u8) -> Hint {
    Hint { screen, word, rank }
}

use Context::{Anywhere, BadLines, Command, Facets, Find, Main, Move, Search};
use KeyCode as K;
use Screen::{Browse, Commanding, Conversation, Finding, Searched, Searching, Stats};

const NEXT_PREV: &str = "next / previous record, or scroll the focused pane";
const PAGE_DOWN: &str = "a page down";
const PAGE_UP: &str = "a page up";
const ENDS: &str = "newest / oldest record (in a pane: its top / bottom)";
const TABS: &str = "tabs: Prompt/Response, Tool calls, Routing, Raw";
const TAB_STEP: &str = "next / previous tab";
const PICK: &str = "move the selection";

/// Every key the UI knows. The order is the order of the help, the docs and the hints.
pub static BINDINGS: &[Binding] = &[
    Binding { action: Action::Quit, keys: &[Key::Ctrl('c')], description: "quit", context: Anywhere, hints: &[] },
    Binding {
        action: Action::Redraw,
        keys: &[Key::Ctrl('l')],
        description: "redraw the whole screen",
        context: Anywhere,
        hints: &[],
    },
    Binding {
        action: Action::ToggleHelp,
        keys: &[Key::Char('?')],
        description: "this help (j/k scroll it, any other key closes it)",
        context: Main,
        hints: &[hint(Browse, "help", 0), hint(Conversation, "help", 0), hint(Stats, "help", 0)],
    },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(K::Esc)],
        description: "clear the search, close the view, or focus the list",
        context: Main,
        hints: &[hint(Conversation, "back", 1), hint(Stats, "back", 1), hint(Searched, "clear", 0)],
    },
    Binding {
        action: Action::Down,
        keys: &[Key::Char('j'), Key::Code(K::Down)],
        description: NEXT_PREV,
        context: Move,
        hints: &[hint(Conversation, "scroll", 3)],
    },
    Binding {
        action: Action::Up,
        keys: &[Key::Char('k'), Key::Code(K::Up)],
        description: NEXT_PREV,
        context: Move,
        hints: &[],
    },
    Binding {
        action: Action::PageDown,
        keys: &[Key::Code(K::PageDown), Key::Char(' '), Key::Ctrl('d')],
        description: PAGE_DOWN,
        context: Move,
        hints: &[],
    },
    Binding {
        action: Action::PageUp,
        keys: &[Key::Code(K::PageUp), Key::Ctrl('u')],
        description: PAGE_UP,
        context: Move,
        hints: &[],
    },
    Binding {
        action: Action::Top,
        keys: &[Key::Char('g'), Key::Code(K::Home)],
        description: ENDS,
        context: Move,
        hints: &[],
    },
    Binding {
        action: Action::Bottom,
        keys: &[Key::Char('G'), Key::Code(K::End)],
        description: ENDS,
        context: Move,
        hints: &[],
    },
    Binding {
        action: Action::GoLive,
        keys: &[Key::Char('F')],
        description: "follow again: the newest record (LIVE), or a conversation's end",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::OpenSearch,
        keys: &[Key::Char('/')],
        description: "search the list as you type (Tab: keyword); in the detail or a conversation, its text",
        context: Main,
        hints: &[hint(Browse, "search", 2), hint(Conversation, "find", 7)],
    },
    Binding {
        action: Action::FindNext,
        keys: &[Key::Char('n')],
        description: "the next / previous hit of the find (or of the keyword search) in the text",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::FindPrev,
        keys: &[Key::Char('N')],
        description: "the next / previous hit of the find (or of the keyword search) in the text",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::OpenFacets,
        keys: &[Key::Char('f')],
        description: "filter by project, session, client or model",
        context: Main,
        hints: &[hint(Browse, "facets", 4)],
    },
    Binding {
        action: Action::OpenConversation,
        keys: &[Key::Code(K::Enter), Key::Char('c')],
        description: "the record's whole session as a transcript",
        context: Main,
        hints: &[hint(Browse, "conversation", 3)],
    },
    Binding {
        action: Action::FocusNext,
        keys: &[Key::Code(K::Tab), Key::Code(K::BackTab)],
        description: "focus the list or the detail",
        context: Main,
        hints: &[hint(Browse, "focus", 5)],
    },
    Binding {
        action: Action::SelectTab(Tab::Prompt),
        keys: &[Key::Char('1')],
        description: TABS,
        context: Main,
        hints: &[hint(Browse, "tabs", 6)],
    },
    Binding {
        action: Action::SelectTab(Tab::Tools),
        keys: &[Key::Char('2')],
        description: TABS,
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::SelectTab(Tab::Routing),
        keys: &[Key::Char('3')],
        description: TABS,
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::SelectTab(Tab::Raw),
        keys: &[Key::Char('4')],
        description: TABS,
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::NextTab,
        keys: &[Key::Char('l'), Key::Code(K::Right)],
        description: TAB_STEP,
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::PrevTab,
        keys: &[Key::Char('h'), Key::Code(K::Left)],
        description: TAB_STEP,
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::ToggleSystemPrompt,
        keys: &[Key::Char('s')],
        description: "show or hide the system prompt",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::ToggleToolDetail,
        keys: &[Key::Char('t')],
        description: "transcript: unfold / fold tool call details",
        context: Main,
        hints: &[hint(Conversation, "tool details", 4)],
    },
    Binding {
        action: Action::NextTurn,
        keys: &[Key::Char(']')],
        description: "conversation: the next / previous turn",
        context: Main,
        hints: &[hint(Conversation, "turns", 8)],
    },
    Binding {
        action: Action::PrevTurn,
        keys: &[Key::Char('[')],
        description: "conversation: the next / previous turn",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::FirstTurn,
        keys: &[Key::Char('{')],
        description: "conversation: the first / last turn",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::LastTurn,
        keys: &[Key::Char('}')],
        description: "conversation: the first / last turn",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::ToggleUserTurns,
        keys: &[Key::Char('u')],
        description: "conversation: only the turns the user started, or all",
        context: Main,
        hints: &[hint(Conversation, "user turns", 9)],
    },
    Binding {
        action: Action::ToggleToolCalls,
        keys: &[Key::Char('T')],
        description: "conversation: hide or show the tool calls",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::TogglePart,
        keys: &[Key::Char('o')],
        description: "conversation: open or close the first tool call (or history) on screen on its own",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::ClearFilters,
        keys: &[Key::Char('x')],
        description: "clear every filter and the search",
        context: Main,
        hints: &[hint(Stats, "clear filters", 3)],
    },
    Binding {
        action: Action::OpenStats,
        keys: &[Key::Char('S')],
        description: "statistics over time, by model/project/client",
        context: Main,
        hints: &[hint(Browse, "stats", 9)],
    },
    Binding {
        action: Action::OpenCommand,
        keys: &[Key::Char(':')],
        description: "command line: since, until, goto, model, errors, tag, stop, clear…",
        context: Main,
        hints: &[hint(Browse, "filter", 10)],
    },
    Binding {
        action: Action::ShowBadLines,
        keys: &[Key::Char('b')],
        description: "bad lines: file:line and reason",
        context: Main,
        hints: &[],
    },
    Binding {
        action: Action::Copy,
        keys: &[Key::Char('y')],
        description: "copy the JSON or the focused text (OSC 52)",
        context: Main,
        hints: &[hint(Browse, "copy", 7), hint(Conversation, "copy", 5)],
    },
    Binding {
        action: Action::OpenPager,
        keys: &[Key::Char('e')],
        description: "the current tab or the transcript in $PAGER",
        context: Main,
        hints: &[hint(Browse, "pager", 8), hint(Conversation, "pager", 6)],
    },
    Binding {
        action: Action::Quit,
        keys: &[Key::Char('q')],
        description: "quit",
        context: Main,
        hints: &[hint(Browse, "quit", 1), hint(Conversation, "quit", 2), hint(Stats, "quit", 2)],
    },
    Binding {
        action: Action::SearchToggleMode,
        keys: &[Key::Code(K::Tab), Key::Code(K::BackTab)],
        description: "fuzzy or keyword search",
        context: Search,
        hints: &[hint(Searching, "fuzzy/keyword", 0)],
    },
    Binding {
        action: Action::SearchToggleHistory,
        keys: &[Key::Ctrl('r')],
        description: "keyword search also in the history each turn re-sends",
        context: Search,
        hints: &[hint(Searching, "history", 3)],
    },
    Binding {
        action: Action::SearchSubmit,
        keys: &[Key::Code(K::Enter)],
        description: "keep the search, give the keyboard back to the list",
        context: Search,
        hints: &[hint(Searching, "keep", 1)],
    },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(K::Esc)],
        description: "clear the search",
        context: Search,
        hints: &[hint(Searching, "clear", 2)],
    },
    Binding {
        action: Action::SearchBackspace,
        keys: &[Key::Code(K::Backspace)],
        description: "delete the last character",
        context: Search,
        hints: &[],
    },
    Binding { action: Action::Down, keys: &[Key::Code(K::Down)], description: PICK, context: Search, hints: &[] },
    Binding { action: Action::Up, keys: &[Key::Code(K::Up)], description: PICK, context: Search, hints: &[] },
    Binding {
        action: Action::PageDown,
        keys: &[Key::Code(K::PageDown)],
        description: PICK,
        context: Search,
        hints: &[],
    },
    Binding { action: Action::PageUp, keys: &[Key::Code(K::PageUp)], description: PICK, context: Search, hints: &[] },
    Binding {
        action: Action::FindSubmit,
        keys: &[Key::Code(K::Enter)],
        description: "find every hit, go to the first below the top of the view",
        context: Find,
        hints: &[hint(Finding, "find", 0)],
    },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(K::Esc)],
        description: "close the find",
        context: Find,
        hints: &[hint(Finding, "cancel", 1)],
    },
    Binding {
        action: Action::FindBackspace,
        keys: &[Key::Code(K::Backspace)],
        description: "delete the last character",
        context: Find,
        hints: &[],
    },
    Binding {
        action: Action::FacetApply,
        keys: &[Key::Code(K::Enter)],
        description: "filter by the selected value",
        context: Facets,
        hints: &[],
    },
    Binding {
        action: Action::FacetNextKind,
        keys: &[Key::Code(K::Tab), Key::Code(K::BackTab)],
        description: "the next facet: project, session, client, model",
        context: Facets,
        hints: &[],
    },
    Binding {
        action: Action::FacetBackspace,
        keys: &[Key::Code(K::Backspace)],
        description: "delete the last character",
        context: Facets,
        hints: &[],
    },
    Binding { action: Action::Down, keys: &[Key::Code(K::Down)], description: PICK, context: Facets, hints: &[] },
    Binding { action: Action::Up, keys: &[Key::Code(K::Up)], description: PICK, context: Facets, hints: &[] },
    Binding {
        action: Action::PageDown,
        keys: &[Key::Code(K::PageDown)],
        description: PICK,
        context: Facets,
        hints: &[],
    },
    Binding { action: Action::PageUp, keys: &[Key::Code(K::PageUp)], description: PICK, context: Facets, hints: &[] },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(K::Esc)],
        description: "close the picker",
        context: Facets,
        hints: &[],
    },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(K::Esc), Key::Char('q'), Key::Char('b')],
        description: "close the list",
        context: BadLines,
        hints: &[],
    },
    Binding {
        action: Action::CommandSubmit,
        keys: &[Key::Code(K::Enter)],
        description: "run the command",
        context: Command,
        hints: &[hint(Commanding, "run", 0)],
    },
    Binding {
        action: Action::CommandComplete,
        keys: &[Key::Code(K::Tab)],
        description: "complete the command's name",
        context: Command,
        hints: &[hint(Commanding, "complete", 1)],
    },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(K::Esc)],
        description: "close the command line",
        context: Command,
        hints: &[hint(Commanding, "close", 2)],
    },
    Binding {
        action: Action::CommandBackspace,
        keys: &[Key::Code(K::Backspace)],
        description: "delete the last character",
        context: Command,
        hints: &[],
    },
];

/// The action for a terminal event, given what has the keyboard.
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

fn key_action(app: &App, event: &KeyEvent) -> Option<Action> {
    let key = Key::of(event);
    let typed = match key {
        Key::Char(c) => Some(c),
        _ => None,
    };
    let (contexts, fallback): (&[Context], Option<Action>) = match &app.overlay {
        Some(Overlay::Help { .. }) => (&[Anywhere, Move], Some(Action::ToggleHelp)),
        Some(Overlay::Facets(_)) => (&[Anywhere, Facets], typed.map(Action::FacetInput)),
        Some(Overlay::BadLines { .. }) => (&[Anywhere, Move, BadLines], None),
        None if app.command.is_some() => (&[Anywhere, Command], typed.map(Action::CommandInput)),
        None if app.find.as_ref().is_some_and(|find| find.editing) => (&[Anywhere, Find], typed.map(Action::FindInput)),
        None if app.search.editing => (&[Anywhere, Search], typed.map(Action::SearchInput)),
        None => (&[Anywhere, Move, Main], None),
    };
    contexts.iter().find_map(|&context| bound(context, key)).or(fallback)
}

fn bound(context: Context, key: Key) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|binding| binding.context == context && binding.keys.contains(&key))
        .map(|binding| binding.action.clone())
}

/// The table grouped into the rows the help and the docs show, in table order.
fn rows() -> Vec<&'static [Binding]> {
    let same = |a: &Binding, b: &Binding| a.description == b.description && a.context == b.context;
    let mut rows = Vec::new();
    let mut start = 0;
    for end in 1..=BINDINGS.len() {
        if end == BINDINGS.len() || !same(&BINDINGS[start], &BINDINGS[end]) {
            rows.push(&BINDINGS[start..end]);
            start = end;
        }
    }
    rows
}

/// Single digits bound one after another are written as a range (`1-4`).
fn join_keys(labels: Vec<String>, separator: &str) -> String {
    let digit = |label: &str| label.len() == 1 && label.as_bytes()[0].is_ascii_digit();
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].clone()),
            _ => out.push(format!("{}-{}", run[0], run[run.len() - 1])),
        }
        run.clear();
    };
    for label in labels {
        if digit(&label) {
            run.push(label);
        } else {
            flush(&mut run, &mut out);
            out.push(label);
        }
    }
    flush(&mut run, &mut out);
    out.join(separator)
}

/// One row of the help and of docs/tui.md: the keys as written, and what they do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpRow {
    pub context: Context,
    pub keys: String,
    pub description: &'static str,
}

/// Every row of the help, context by context.
pub fn help_rows() -> Vec<HelpRow> {
    let mut out = Vec::new();
    for context in Context::ALL {
        for row in rows().into_iter().filter(|row| row[0].context == context) {
            let keys = if row.iter().all(|binding| binding.keys.len() == 1) {
                join_keys(row.iter().map(|binding| binding.keys[0].label()).collect(), " ")
            } else {
                row.iter()
                    .map(|binding| binding.keys.iter().map(|key| key.label()).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            out.push(HelpRow { context, keys, description: row[0].description });
        }
    }
    out
}

/// A hint on the bottom line: the key as written, its word, and its rank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownHint {
    pub keys: String,
    pub word: &'static str,
    pub rank: u8,
}

/// The hints of a screen, in table order.
pub fn hints(screen: Screen) -> Vec<ShownHint> {
    let mut out = Vec::new();
    for row in rows() {
        for hint in row[0].hints.iter().filter(|hint| hint.screen == screen) {
            let keys = join_keys(row.iter().map(|binding| binding.keys[0].label()).collect(), "/");
            out.push(ShownHint { keys, word: hint.word, rank: hint.rank });
        }
    }
    out
}

/// A line of the help overlay: a context's heading, or one of its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpLine {
    Heading(&'static str),
    Row(HelpRow),
}

/// The help as drawn: each context's heading, then its rows.
pub fn help_lines() -> Vec<HelpLine> {
    let mut out = Vec::new();
    let mut context = None;
    for row in help_rows() {
        if context != Some(row.context) {
            context = Some(row.context);
            out.push(HelpLine::Heading(row.context.title()));
        }
        out.push(HelpLine::Row(row));
    }
    out
}
