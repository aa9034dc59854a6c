//! The only place the UI state changes: `update(app, action)` applies one action and returns the
//! work the runtime must do (queries, loads, the pager, the clipboard).

use std::collections::{HashMap, HashSet};

use super::action::{Action, Effect, QueryReply};
use super::app::{
    App, Asked, CommandLine, ConversationView, FacetPicker, Filters, Focus, Follow, Overlay, SearchMode, StatsView,
    View, ROW_MARGIN,
};
use super::command::{self, Command};
use super::detail::Tab;
use super::reading;
use super::view::layout::{self, Areas};
use crate::present::doc::Folds;
use crate::present::layout::DocLayout;
use crate::store::{Facet, StoreEvent};

/// Rows the mouse wheel moves.
const WHEEL_STEP: usize = 3;

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut effects = Vec::new();
    if is_user_input(&action) {
        app.flash = None;
    }
    match action {
        Action::Quit => app.quit = true,
        Action::Redraw => effects.push(Effect::Redraw),
        Action::Refresh => refresh(app, Ask::Again, &mut effects),
        Action::Up => step(app, -1, &mut effects),
        Action::Down => step(app, 1, &mut effects),
        Action::PageUp => step(app, -page(app), &mut effects),
        Action::PageDown => step(app, page(app), &mut effects),
        Action::Top => step(app, isize::MIN / 2, &mut effects),
        Action::Bottom => step(app, isize::MAX / 2, &mut effects),
        Action::GoLive if reading::resume(app) => {}
        Action::GoLive => {
            app.view = View::Browse;
            app.focus = Focus::List;
            select(app, 0, &mut effects);
        }
        Action::FocusNext => {
            if matches!(app.view, View::Browse) {
                app.focus = if app.focus == Focus::List { Focus::Detail } else { Focus::List };
            }
        }
        Action::NextTab => set_tab(app, app.detail.tab().next()),
        Action::PrevTab => set_tab(app, app.detail.tab().prev()),
        Action::SelectTab(tab) => set_tab(app, tab),
        Action::OpenConversation => open_conversation(app, &mut effects),
        Action::ToggleSystemPrompt => {
            app.detail.show_system = !app.detail.show_system;
            relayout(app);
        }
        Action::ToggleToolDetail => {
            if let View::Conversation(view) = &mut app.view {
                view.show_tools = !view.show_tools;
            }
            relayout(app);
        }
        Action::OpenSearch if reading::open_find(app) => {}
        Action::OpenSearch => {
            app.view = View::Browse;
            app.search.editing = true;
        }
        Action::SearchInput(c) => {
            app.search.text.push(c);
            refresh(app, Ask::Anew, &mut effects);
        }
        Action::SearchBackspace => {
            app.search.text.pop();
            refresh(app, Ask::Anew, &mut effects);
        }
        Action::SearchToggleMode => {
            app.search.mode = match app.search.mode {
                SearchMode::Fuzzy => SearchMode::Keyword,
                SearchMode::Keyword => SearchMode::Fuzzy,
            };
            if app.search.is_active() {
                refresh(app, Ask::Anew, &mut effects);
            }
        }
        Action::SearchToggleHistory => {
            app.search.history = !app.search.history;
            if app.search.is_active() && app.search.mode == SearchMode::Keyword {
                refresh(app, Ask::Anew, &mut effects);
            }
        }
        Action::SearchSubmit => app.search.editing = false,
        Action::FindInput(c) => reading::edit(app, |text| text.push(c)),
        Action::FindBackspace => reading::edit(app, |text| {
            text.pop();
        }),
        Action::FindSubmit => reading::submit(app),
        Action::FindNext => reading::step(app, true),
        Action::NextTurn => reading::to_turn(app, reading::TurnStep::Next),
        Action::PrevTurn => reading::to_turn(app, reading::TurnStep::Prev),
        Action::FirstTurn => reading::to_turn(app, reading::TurnStep::First),
        Action::LastTurn => reading::to_turn(app, reading::TurnStep::Last),
        Action::ToggleUserTurns => reading::filter(app, |filter| filter.user_turns = !filter.user_turns),
        Action::ToggleToolCalls => reading::filter(app, |filter| filter.no_tools = !filter.no_tools),
        Action::TogglePart => {
            reading::toggle_part(app);
            relayout(app);
        }
        Action::FindPrev => reading::step(app, false),
        Action::OpenFacets => {
            app.overlay = Some(Overlay::Facets(FacetPicker::new(Facet::Project)));
            effects.push(Effect::Facets(Facet::Project));
        }
        Action::FacetNextKind => {
            if let Some(Overlay::Facets(picker)) = &mut app.overlay {
                let next = match picker.facet {
                    Facet::Project => Facet::Session,
                    Facet::Session => Facet::Client,
                    Facet::Client => Facet::Model,
                    Facet::Model => Facet::Project,
                };
                *picker = FacetPicker::new(next);
                effects.push(Effect::Facets(next));
            }
        }
        Action::FacetInput(c) => edit_facet_filter(app, |filter| filter.push(c)),
        Action::FacetBackspace => edit_facet_filter(app, |filter| {
            filter.pop();
        }),
        Action::FacetApply => apply_facet(app, &mut effects),
        Action::ClearFilters => {
            app.filters = Default::default();
            app.search.text.clear();
            app.search.editing = false;
            refresh(app, Ask::Anew, &mut effects);
            recount_stats(app, &mut effects);
        }
        Action::OpenCommand => app.command = Some(CommandLine::default()),
        Action::CommandInput(c) => edit_command(app, |text| text.push(c)),
        Action::CommandBackspace => edit_command(app, |text| {
            text.pop();
        }),
        Action::CommandComplete => edit_command(app, |text| {
            if let Some(done) = command::complete(text) {
                *text = done;
            }
        }),
        Action::CommandSubmit => submit_command(app, &mut effects),
        Action::GotoRow { generation, row } => {
            if app.pending_goto == Some(generation) {
                app.pending_goto = None;
                match row {
                    Some(row) => {
                        app.view = View::Browse;
                        select(app, row, &mut effects);
                    }
                    None => app.flash = Some("goto: no record in view".into()),
                }
            }
        }
        Action::OpenStats => {
            app.view = View::Stats(StatsView { data: None, asked: Asked::default(), stale: false });
            ask_stats(app, &mut effects);
        }
        Action::ShowBadLines => {
            app.overlay = Some(Overlay::BadLines { lines: None, scroll: 0 });
            effects.push(Effect::BadLines);
        }
        Action::ToggleHelp => {
            let open = matches!(app.overlay, Some(Overlay::Help { .. }));
            app.overlay = if open { None } else { Some(Overlay::Help { scroll: 0 }) };
        }
        Action::Back => back(app, &mut effects),
        Action::Copy => copy(app, &mut effects),
        Action::OpenPager => pager(app, &mut effects),
        Action::Scroll { column, row, down } => wheel(app, column, row, down, &mut effects),
        Action::Click { column, row } => click(app, column, row, &mut effects),
        Action::Resize { width, height } => {
            app.width = width;
            app.height = height;
            keep_selection_visible(app);
            request_rows(app, &mut effects);
            relayout(app);
        }
        Action::Tick(now) => app.now = now,
        Action::Store(event) => store_event(app, event, &mut effects),
        Action::Results(reply) => apply_results(app, reply, &mut effects),
        Action::Snippets { generation, snippets } => {
            if app.results.asked.is_current(generation) {
                for (entry, snippet) in snippets {
                    app.results.snippets.insert(entry, Some(snippet));
                }
                prune_rows(app);
            }
        }
        Action::Summaries(summaries) => {
            for summary in summaries {
                app.rows.insert(summary.entry, summary);
            }
            prune_rows(app);
        }
        Action::Detail { entry, data } => {
            if app.detail.entry == Some(entry) {
                match data {
                    Ok(data) => {
                        app.detail.data = Some(data);
                        app.detail.error = None;
                    }
                    Err(message) => {
                        app.detail.data = None;
                        app.detail.error = Some(message);
                    }
                }
                relayout(app);
            }
        }
        Action::Conversation { generation, session, data } => {
            if let View::Conversation(view) = &mut app.view {
                if view.asked.is_current(generation) && view.session == session {
                    view.asked.answered = true;
                    match data {
                        Ok((doc, turns)) => {
                            view.doc = Some(doc);
                            view.turns = turns;
                            view.error = None;
                        }
                        Err(message) => view.error = Some(message),
                    }
                    relayout(app);
                }
            }
        }
        Action::Facets { facet, values, names } => {
            if let Some(Overlay::Facets(picker)) = &mut app.overlay {
                if picker.facet == facet {
                    picker.values = Some(values);
                    picker.names = names;
                    filter_facets(picker);
                }
            }
        }
        Action::Stats { generation, data } => {
            if let View::Stats(view) = &mut app.view {
                if view.asked.is_current(generation) {
                    view.asked.answered = true;
                    view.data = Some(data);
                    if std::mem::take(&mut view.stale) {
                        ask_stats(app, &mut effects);
                    }
                }
            }
        }
        Action::BadLines(lines) => {
            if let Some(Overlay::BadLines { lines: shown, .. }) = &mut app.overlay {
                *shown = Some(lines);
            }
        }
        Action::Flash(message) => app.flash = Some(message),
    }
    reading::settle(app);
    effects
}

fn is_user_input(action: &Action) -> bool {
    !matches!(
        action,
        Action::Tick(_)
            | Action::Refresh
            | Action::Store(_)
            | Action::Results(_)
            | Action::Summaries(_)
            | Action::Snippets { .. }
            | Action::Detail { .. }
            | Action::Conversation { .. }
            | Action::Facets { .. }
            | Action::Stats { .. }
            | Action::BadLines(_)
            | Action::Flash(_)
            | Action::GotoRow { .. }
    )
}

fn next_generation(app: &mut App) -> u64 {
    app.counter += 1;
    app.counter
}

fn areas(app: &App) -> Option<Areas> {
    layout::areas(app.width, app.height)
}

/// Rows in the list pane (at least 1, so paging always moves).
pub fn list_height(app: &App) -> usize {
    areas(app).map(|areas| usize::from(layout::list_rows(areas.list).height)).unwrap_or(1).max(1)
}

fn page(app: &App) -> isize {
    let rows = match (&app.view, app.focus) {
        (View::Browse, Focus::List) => list_height(app),
        (View::Browse, Focus::Detail) => detail_height(app),
        _ => conversation_height(app),
    };
    isize::try_from(rows.saturating_sub(1).max(1)).unwrap_or(1)
}

pub(super) fn detail_height(app: &App) -> usize {
    areas(app).map(|areas| usize::from(layout::detail_text(areas.detail).height)).unwrap_or(1)
}

pub(super) fn conversation_height(app: &App) -> usize {
    areas(app).map(|areas| usize::from(layout::full_text(areas.main).height)).unwrap_or(1)
}

/// A movement key: it moves whatever has the keyboard.
fn step(app: &mut App, delta: isize, effects: &mut Vec<Effect>) {
    match &mut app.overlay {
        Some(Overlay::Facets(picker)) => {
            picker.selected = offset_by(picker.selected, delta, picker.visible.len());
            return;
        }
        Some(Overlay::BadLines { lines, scroll }) => {
            *scroll = offset_by(*scroll, delta, lines.as_ref().map_or(0, Vec::len));
            return;
        }
        Some(Overlay::Help { scroll }) => {
            *scroll = offset_by(*scroll, delta, crate::tui::keymap::help_lines().len());
            return;
        }
        None => {}
    }
    match (&app.view, app.focus) {
        (View::Browse, Focus::List) => {
            let target = offset_by(app.list.selected, delta, app.results.entries.len());
            select(app, target, effects);
        }
        (View::Browse, Focus::Detail) => scroll_detail(app, delta),
        (View::Conversation(_), _) => scroll_conversation(app, delta),
        (View::Stats(_), _) => {}
    }
}

fn offset_by(current: usize, delta: isize, len: usize) -> usize {
    let last = len.saturating_sub(1);
    current.saturating_add_signed(delta).min(last)
}

/// Moves the selection; at the top the view is LIVE, anywhere else PAUSED.
fn select(app: &mut App, index: usize, effects: &mut Vec<Effect>) {
    app.list.selected = index.min(app.results.entries.len().saturating_sub(1));
    app.follow = match (app.list.selected, app.follow) {
        (0, _) => Follow::Live,
        (_, Follow::Paused { arrived }) => Follow::Paused { arrived },
        (_, Follow::Live) => Follow::Paused { arrived: 0 },
    };
    keep_selection_visible(app);
    request_rows(app, effects);
    request_detail(app, effects);
}

fn keep_selection_visible(app: &mut App) {
    let height = list_height(app);
    let list = &mut app.list;
    if list.selected < list.offset {
        list.offset = list.selected;
    } else if list.selected >= list.offset + height {
        list.offset = list.selected + 1 - height;
    }
    let len = app.results.entries.len();
    list.offset = list.offset.min(len.saturating_sub(height)).min(list.selected);
}

/// The rows around the visible window: visible + a margin on both sides.
fn row_window(app: &App) -> std::ops::Range<usize> {
    let len = app.results.entries.len();
    let start = app.list.offset.saturating_sub(ROW_MARGIN).min(len);
    let end = (app.list.offset + list_height(app) + ROW_MARGIN).min(len);
    start..end
}

fn request_rows(app: &mut App, effects: &mut Vec<Effect>) {
    let missing: Vec<_> =
        app.results.entries[row_window(app)].iter().filter(|entry| !app.rows.contains_key(entry)).copied().collect();
    if !missing.is_empty() {
        effects.push(Effect::Summaries(missing));
    }
    request_snippets(app, effects);
}

/// In keyword search, where the rows near the window matched: asked once per row and question.
fn request_snippets(app: &mut App, effects: &mut Vec<Effect>) {
    let query = app.query();
    if query.search.is_none() {
        return;
    }
    let window = row_window(app);
    let results = &mut app.results;
    let missing: Vec<_> =
        results.entries[window].iter().filter(|entry| !results.snippets.contains_key(entry)).copied().collect();
    if missing.is_empty() {
        return;
    }
    for &entry in &missing {
        results.snippets.insert(entry, None);
    }
    effects.push(Effect::Snippets { generation: results.asked.generation, query, entries: missing });
}

/// Summaries are kept only near the window, so memory stays flat however long the list is.
fn prune_rows(app: &mut App) {
    let window = row_window(app);
    let most = 4 * window.len().max(1);
    if app.rows.len() > most || app.results.snippets.len() > most {
        let keep: HashSet<_> = app.results.entries[window].iter().copied().collect();
        app.rows.retain(|entry, _| keep.contains(entry));
        app.results.snippets.retain(|entry, _| keep.contains(entry));
    }
}

fn request_detail(app: &mut App, effects: &mut Vec<Effect>) {
    let entry = app.selected_entry();
    if entry == app.detail.entry {
        return;
    }
    app.detail.entry = entry;
    app.detail.scroll = [0; 4];
    app.detail.error = None;
    match entry {
        Some(entry) => {
            let width = areas(app).map_or(0, |areas| layout::detail_text(areas.detail).width);
            effects.push(Effect::Detail { entry, width });
        }
        None => app.detail.data = None,
    }
}

fn set_tab(app: &mut App, tab: Tab) {
    if matches!(app.view, View::Browse) {
        app.detail.tab = Some(tab);
        relayout(app);
    }
}

/// Re-wraps the shown document when its text, width or folds changed; keeps scroll in range.
pub(super) fn relayout(app: &mut App) {
    let Some(areas) = areas(app) else { return };
    let detail_width = layout::detail_text(areas.detail).width;
    let detail_rows = usize::from(layout::detail_text(areas.detail).height);
    let tab = app.detail.tab();
    let hidden = app.detail.hidden_folds();
    if let Some(data) = &app.detail.data {
        let Some(doc) = data.doc(tab) else { return relayout_conversation(app, areas) };
        if !app.detail.layout.fits(doc, detail_width, &hidden) {
            app.detail.layout = match data.layout_for(doc, detail_width, &hidden) {
                Some(ready) => ready.clone(),
                None => DocLayout::new(doc, detail_width, &hidden),
            };
        }
        let max = app.detail.layout.total_rows.saturating_sub(detail_rows);
        let scroll = &mut app.detail.scroll[tab.index()];
        *scroll = (*scroll).min(max);
    }
    relayout_conversation(app, areas);
}

fn relayout_conversation(app: &mut App, areas: Areas) {
    let full = layout::full_text(areas.main);
    if let View::Conversation(view) = &mut app.view {
        let hidden = view.hidden_folds();
        if let Some(doc) = &view.doc {
            if !view.layout.fits(doc, full.width, &hidden) {
                view.layout = DocLayout::new(doc, full.width, &hidden);
            }
            let max = view.layout.total_rows.saturating_sub(usize::from(full.height));
            // A transcript that fits on screen is at its end: new turns keep it there.
            view.at_end |= max == 0;
            view.scroll = if view.at_end { max } else { view.scroll.min(max) };
        }
    }
}

fn scroll_detail(app: &mut App, delta: isize) {
    let tab = app.detail.tab();
    let max = app.detail.layout.total_rows.saturating_sub(detail_height(app));
    let scroll = &mut app.detail.scroll[tab.index()];
    *scroll = scroll.saturating_add_signed(delta).min(max);
}

fn scroll_conversation(app: &mut App, delta: isize) {
    let height = conversation_height(app);
    if let View::Conversation(view) = &mut app.view {
        let max = view.layout.total_rows.saturating_sub(height);
        view.scroll = view.scroll.saturating_add_signed(delta).min(max);
        view.at_end = view.scroll >= max;
    }
}

fn open_conversation(app: &mut App, effects: &mut Vec<Effect>) {
    if !matches!(app.view, View::Browse) {
        return;
    }
    let Some(summary) = app.selected_summary() else { return };
    let Some(session) = summary.session_id.clone() else {
        app.flash = Some("This record has no session_id: no conversation to show.".into());
        return;
    };
    let opened_at = Some(summary.id.clone());
    let asked = Asked { generation: next_generation(app), answered: false };
    let view = ConversationView { session: session.clone(), asked, opened_at, ..Default::default() };
    app.view = View::Conversation(Box::new(view));
    effects.push(Effect::Conversation { generation: asked.generation, session });
}

/// New records may extend the session: ask for it again (the same question: the reply to the
/// load already out still counts, and the runtime's slot coalesces the re-asks).
fn reload_conversation(app: &App, effects: &mut Vec<Effect>) {
    if let View::Conversation(view) = &app.view {
        effects.push(Effect::Conversation { generation: view.asked.generation, session: view.session.clone() });
    }
}

fn edit_facet_filter(app: &mut App, edit: impl FnOnce(&mut String)) {
    if let Some(Overlay::Facets(picker)) = &mut app.overlay {
        edit(&mut picker.filter);
        filter_facets(picker);
    }
}

fn filter_facets(picker: &mut FacetPicker) {
    let needle = picker.filter.to_lowercase();
    let names = &picker.names;
    picker.visible = picker
        .values
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, (value, _))| {
            value.to_lowercase().contains(&needle)
                || names.get(value).is_some_and(|name| name.to_lowercase().contains(&needle))
        })
        .map(|(index, _)| index)
        .collect();
    picker.selected = picker.selected.min(picker.visible.len().saturating_sub(1));
}

fn apply_facet(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(Overlay::Facets(picker)) = &app.overlay else { return };
    let chosen = picker
        .visible
        .get(picker.selected)
        .and_then(|&index| picker.values.as_ref()?.get(index))
        .map(|(value, _)| value.clone());
    let facet = picker.facet;
    app.overlay = None;
    if let Some(value) = chosen {
        app.filters.set(facet, Some(value));
        app.view = View::Browse;
        refresh(app, Ask::Anew, effects);
    }
}

fn back(app: &mut App, effects: &mut Vec<Effect>) {
    if app.overlay.take().is_some() || app.command.take().is_some() || reading::back(app) {
        return;
    }
    if app.search.editing || (matches!(app.view, View::Browse) && app.search.is_active()) {
        app.search.editing = false;
        if app.search.is_active() {
            app.search.text.clear();
            refresh(app, Ask::Anew, effects);
        }
        app.search.text.clear();
        return;
    }
    if !matches!(app.view, View::Browse) {
        app.view = View::Browse;
        relayout(app);
        return;
    }
    app.focus = Focus::List;
}

/// The focused text: the transcript, the detail tab's text, or the record's stored JSON.
fn focused_text(app: &App) -> Option<String> {
    if let View::Conversation(view) = &app.view {
        return view.doc.as_ref().map(|doc| doc.plain(&Folds::open()));
    }
    let data = app.detail.data.as_ref()?;
    if app.focus == Focus::Detail {
        if let Some(doc) = data.doc(app.detail.tab()) {
            return Some(doc.plain(&Folds::open()));
        }
    }
    Some(data.stored.clone())
}

fn copy(app: &mut App, effects: &mut Vec<Effect>) {
    match focused_text(app) {
        Some(text) => {
            // OSC 52 has no answer: whether the terminal took it cannot be known, so say what was done.
            app.flash = Some(format!(
                "Sent {} bytes to the terminal's clipboard (needs OSC 52 support in the terminal).",
                text.len()
            ));
            effects.push(Effect::Copy(text));
        }
        None => app.flash = Some("Nothing to copy yet.".into()),
    }
}

fn pager(app: &mut App, effects: &mut Vec<Effect>) {
    let text = match &app.view {
        View::Conversation(view) => view.doc.as_ref().map(|doc| doc.plain(&Folds::open())),
        _ => app.detail.data.as_ref().map(|data| data.tab_text(app.detail.tab())),
    };
    match text {
        Some(text) => effects.push(Effect::Pager(text)),
        None => app.flash = Some("Nothing to page yet.".into()),
    }
}

fn wheel(app: &mut App, column: u16, row: u16, down: bool, effects: &mut Vec<Effect>) {
    let delta = if down { WHEEL_STEP as isize } else { -(WHEEL_STEP as isize) };
    let Some(areas) = areas(app) else { return };
    if app.overlay.is_some() || !matches!(app.view, View::Browse) {
        step(app, delta, effects);
        return;
    }
    if layout::contains(areas.list, column, row) {
        let target = offset_by(app.list.selected, delta, app.results.entries.len());
        select(app, target, effects);
    } else if layout::contains(areas.detail, column, row) {
        scroll_detail(app, delta);
    }
}

fn click(app: &mut App, column: u16, row: u16, effects: &mut Vec<Effect>) {
    let Some(areas) = areas(app) else { return };
    if app.overlay.is_some() || !matches!(app.view, View::Browse) {
        return;
    }
    let rows = layout::list_rows(areas.list);
    if layout::contains(rows, column, row) {
        app.focus = Focus::List;
        let index = app.list.offset + usize::from(row - rows.y);
        if index < app.results.entries.len() {
            select(app, index, effects);
        }
    } else if layout::contains(areas.detail, column, row) {
        app.focus = Focus::Detail;
        let tabs_row = layout::inner(areas.detail).y;
        if row == tabs_row {
            if let Some(tab) = tab_at(column.saturating_sub(layout::inner(areas.detail).x)) {
                set_tab(app, tab);
            }
        }
    } else if layout::contains(areas.list, column, row) {
        app.focus = Focus::List;
    }
}

/// Which tab title is under `column` (relative to the tab bar), as the Tabs widget lays them out:
/// " title " then a one-column divider.
fn tab_at(column: u16) -> Option<Tab> {
    let mut start = 0u16;
    for tab in Tab::ALL {
        let end = start + tab.title().chars().count() as u16 + 2;
        if column >= start && column < end {
            return Some(tab);
        }
        start = end + 1;
    }
    None
}

/// Why the list asks the store again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// The user changed the question: replies to the old one are dropped, and the first reply
    /// to the new one resets the selection.
    Anew,
    /// Records arrived: the same question again. A reply to it that is still out is shown when
    /// it comes (it is right, just not the newest); the selection stays.
    Again,
    /// The store renumbered its entries: the same question, but replies still out carry ids
    /// that resolve to nothing.
    Renumbered,
}

/// Asks the current question. Every change asks at once: the runtime's newest-wins slot runs one
/// search at a time and only the newest waiting one after it, so typing never queues up slow
/// queries, and a search whose question changed skips its slow full pass.
fn refresh(app: &mut App, why: Ask, effects: &mut Vec<Effect>) {
    if why != Ask::Again {
        app.results.asked = Asked { generation: next_generation(app), answered: false };
        app.results.snippets.clear();
    }
    app.results.reset |= why == Ask::Anew;
    let generation = app.results.asked.generation;
    let query = app.query();
    effects.push(if app.fuzzy_active() {
        Effect::Fuzzy { generation, pattern: app.search.text.trim().to_owned(), base: query }
    } else {
        Effect::Query { generation, query }
    });
}

fn store_event(app: &mut App, event: StoreEvent, effects: &mut Vec<Effect>) {
    match event {
        StoreEvent::Progress(progress) => {
            app.load.loading = true;
            app.load.progress = Some(progress);
            refresh(app, Ask::Again, effects);
        }
        StoreEvent::Loaded { records, bad_lines } => {
            app.load.loading = false;
            app.load.total = records;
            app.load.bad_lines = bad_lines;
            refresh(app, Ask::Again, effects);
        }
        StoreEvent::Appended { .. } => {
            refresh(app, Ask::Again, effects);
            reload_conversation(app, effects);
            recount_stats(app, effects);
        }
        StoreEvent::Reset => {
            app.rows.clear();
            app.detail.entry = None;
            refresh(app, Ask::Renumbered, effects);
            reload_conversation(app, effects);
            recount_stats(app, effects);
        }
        StoreEvent::WatchFallback { reason } => {
            app.load.notice = Some(format!("watching by polling: {reason}"));
        }
        StoreEvent::Error { message } => app.load.notice = Some(message),
    }
}

fn apply_results(app: &mut App, reply: QueryReply, effects: &mut Vec<Effect>) {
    let asked = &mut app.results.asked;
    // An answer to a question since replaced, or a quick first pass of a re-asked question
    // whose complete answer is already on screen (it would shrink the list for a moment).
    if !asked.is_current(reply.generation) || (reply.partial && asked.answered) {
        return;
    }
    asked.answered |= !reply.partial;
    let old_entry = app.selected_entry();
    let old_index = app.list.selected;
    let results = &mut app.results;
    results.received = true;
    results.entries = reply.entries;
    results.highlights = reply.hits.into_iter().map(|hit| (hit.entry, hit.positions)).collect::<HashMap<_, _>>();
    app.load.total = reply.store_len;
    app.load.bad_lines = reply.bad_lines;
    app.load.dir_exists = reply.dir_exists;
    if !reply.loading {
        app.load.loading = false;
    }
    if std::mem::take(&mut results.reset) {
        app.list = Default::default();
        app.follow = Follow::Live;
    } else {
        match app.follow {
            Follow::Live => app.list.selected = 0,
            Follow::Paused { arrived } => {
                let found = old_entry.and_then(|entry| app.results.entries.iter().position(|&e| e == entry));
                match found {
                    Some(index) => {
                        app.list.selected = index;
                        app.list.offset += index.saturating_sub(old_index);
                        app.follow = Follow::Paused { arrived: arrived + index.saturating_sub(old_index) };
                    }
                    None => app.list.selected = old_index.min(app.results.entries.len().saturating_sub(1)),
                }
            }
        }
    }
    keep_selection_visible(app);
    request_rows(app, effects);
    request_detail(app, effects);
}

fn edit_command(app: &mut App, edit: impl FnOnce(&mut String)) {
    if let Some(line) = &mut app.command {
        edit(&mut line.text);
        line.error = None;
    }
}

/// Runs the command line; a line that does not parse stays open with what was wrong.
fn submit_command(app: &mut App, effects: &mut Vec<Effect>) {
    let Some(line) = &mut app.command else { return };
    match command::parse(&line.text, app.now, app.offset) {
        Err(error) => line.error = Some(error),
        Ok(parsed) => {
            app.command = None;
            apply_command(app, parsed, effects);
        }
    }
}

fn apply_command(app: &mut App, parsed: Command, effects: &mut Vec<Effect>) {
    let filters = &mut app.filters;
    match parsed {
        Command::Since(at) => filters.since = at,
        Command::Until(at) => filters.until = at,
        Command::Model(model) => filters.model = model,
        Command::Errors => filters.errors = !filters.errors,
        Command::Tag(Some(tag)) if !filters.tags.contains(&tag) => filters.tags.push(tag),
        Command::Tag(Some(_)) => {}
        Command::Tag(None) => filters.tags.clear(),
        Command::Stop(reason) => filters.stop_reason = reason,
        Command::Session(session) => filters.session = session,
        Command::Project(project) => filters.project = project,
        Command::Client(client) => filters.client = client,
        Command::Clear => *filters = Filters::default(),
        Command::Goto(at) => {
            if app.fuzzy_active() {
                app.flash = Some("goto: the list is ranked by the fuzzy search, not by time".into());
                return;
            }
            let generation = next_generation(app);
            app.pending_goto = Some(generation);
            effects.push(Effect::Goto { generation, query: app.query(), at });
            return;
        }
    }
    refresh(app, Ask::Anew, effects);
    recount_stats(app, effects);
}

/// Asks for the statistics of what is in view; the figures on screen stay until the answer.
fn ask_stats(app: &mut App, effects: &mut Vec<Effect>) {
    let generation = next_generation(app);
    let session = app.filters.session.clone().or_else(|| app.selected_summary().and_then(|s| s.session_id.clone()));
    if let View::Stats(view) = &mut app.view {
        view.asked = Asked { generation, answered: false };
        effects.push(Effect::Stats { generation, query: app.query(), session });
    }
}

/// Keeps an open statistics view live: one count out at a time, arrivals during it make one more.
fn recount_stats(app: &mut App, effects: &mut Vec<Effect>) {
    let View::Stats(view) = &mut app.view else { return };
    if view.asked.answered {
        ask_stats(app, effects);
    } else {
        view.stale = true;
    }
}
