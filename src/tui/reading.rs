//! Reading what is on screen, for `update`: the find inside the detail or the transcript (`/`,
//! `n`/`N`, the list's keyword search landing on its first hit), and following like `less +F`
//! (reading a record or scrolling up a conversation pauses following; `F` resumes; arrivals are
//! counted meanwhile).

use std::sync::Arc;

use super::app::ConversationView;
use super::app::{App, Focus, Follow, SearchMode, View};
use super::find::{self, Find, Origin, Pane};
use super::transcript_shape::{filtered, turns, Filter};
use super::update::{conversation_height, detail_height, relayout};
use crate::present::doc::{Doc, Folds};
use crate::present::layout::DocLayout;

/// The pane's document, its layout, the folds hidden, and a key that changes with the document.
pub fn target(app: &App) -> Option<(Pane, &Doc, &DocLayout, Folds, usize)> {
    match &app.view {
        View::Browse => {
            let data = app.detail.data.as_ref().filter(|data| Some(data.entry) == app.detail.entry)?;
            let tab = app.detail.tab();
            let doc = data.doc(tab)?;
            let key = (Arc::as_ptr(data) as usize).wrapping_add(tab.index());
            Some((Pane::Detail, doc, &app.detail.layout, app.detail.hidden_folds(), key))
        }
        View::Conversation(view) => {
            let doc = view.doc.as_ref()?;
            Some((Pane::Conversation, doc, &view.layout, view.hidden_folds(), Arc::as_ptr(doc) as usize))
        }
        View::Stats(_) => None,
    }
}

fn pane(app: &App) -> Option<Pane> {
    match (&app.view, app.focus) {
        (View::Browse, Focus::Detail) => Some(Pane::Detail),
        (View::Conversation(_), _) => Some(Pane::Conversation),
        _ => None,
    }
}

/// `/` with the detail focused or in a conversation: a find in that text. False elsewhere (the
/// list's own search opens instead).
pub fn open_find(app: &mut App) -> bool {
    let Some(pane) = pane(app) else { return false };
    app.find = Some(Find::typed(pane));
    true
}

pub fn edit(app: &mut App, change: impl FnOnce(&mut String)) {
    if let Some(find) = app.find.as_mut().filter(|find| find.editing) {
        change(&mut find.text);
    }
}

/// Enter in the find line: count the hits and go to the first one below the top of the view.
pub fn submit(app: &mut App) {
    let Some(find) = app.find.as_mut() else { return };
    find.editing = false;
    find.counted = None;
    count(app);
    let top = scroll(app);
    if let (Some((_, doc, layout, _, _)), Some(find)) = (target(app), app.find.as_ref()) {
        let mut moved = find.clone();
        moved.start_at(doc, layout, top);
        app.find = Some(moved);
    }
    land(app);
}

/// `n` / `N`.
pub fn step(app: &mut App, forward: bool) {
    match app.find.as_mut().filter(|find| find.is_active()) {
        Some(find) => find.step(forward),
        None => {
            app.flash = Some("Nothing to find again: / in the detail or a conversation searches its text.".into());
            return;
        }
    }
    land(app);
}

/// Esc: closes the find line, or drops a typed find. False when there is none.
pub fn back(app: &mut App) -> bool {
    match &app.find {
        Some(find) if find.editing || find.origin == Origin::Typed => {
            app.find = None;
            true
        }
        _ => false,
    }
}

/// `F` in a conversation: follow its end again. False elsewhere.
pub fn resume(app: &mut App) -> bool {
    let height = conversation_height(app);
    let View::Conversation(view) = &mut app.view else { return false };
    view.at_end = true;
    view.arrived = 0;
    view.scroll = view.layout.total_rows.saturating_sub(height);
    true
}

/// After every action: the find follows the document on screen, reading a record pauses the
/// list's following, and a conversation counts (or follows) what arrived.
pub fn settle(app: &mut App) {
    if reshape(app) {
        relayout(app);
    }
    open_at_turn(app);
    if app.focus == Focus::Detail && matches!(app.view, View::Browse) && app.follow == Follow::Live {
        app.follow = Follow::Paused { arrived: 0 };
    }
    follow_keyword(app);
    if app.find.as_ref().is_some_and(|find| target(app).is_some_and(|(pane, ..)| pane != find.pane)) {
        app.find = None;
    }
    let landing = count(app);
    if landing {
        land(app);
    }
    conversation_arrivals(app);
}

/// The list's keyword search is also the find in the record shown, so opening a hit shows it.
fn follow_keyword(app: &mut App) {
    let keyword = (matches!(app.view, View::Browse) && app.search.mode == SearchMode::Keyword)
        .then(|| app.search.text.trim().to_owned())
        .filter(|text| !text.is_empty());
    match (&app.find, keyword) {
        (None, Some(text)) => app.find = Some(Find::keyword(&text)),
        (Some(find), Some(text)) if find.origin == Origin::Keyword && find.text != text => {
            app.find = Some(Find::keyword(&text));
        }
        (Some(find), None) if find.origin == Origin::Keyword => app.find = None,
        _ => {}
    }
}

/// Counts the hits again if the document changed; true when a record's detail changed under a
/// find, which then lands on its first hit.
fn count(app: &mut App) -> bool {
    let Some((pane, doc, _, hidden, key)) = target(app) else { return false };
    let Some(find) = app.find.as_ref() else { return false };
    if find.is_counted_for(key, &hidden) {
        return false;
    }
    let new_document = find.counted.as_ref().is_none_or(|counted| counted.doc != key);
    let mut counted = find.clone();
    if new_document && pane == Pane::Detail {
        counted.current = 0;
    }
    counted.count(doc, &hidden, key);
    app.find = Some(counted);
    new_document && pane == Pane::Detail
}

fn scroll(app: &App) -> usize {
    match &app.view {
        View::Conversation(view) => view.scroll,
        _ => app.detail.scroll[app.detail.tab().index()],
    }
}

/// Scrolls the pane to the current hit.
fn land(app: &mut App) {
    let Some(find) = app.find.as_ref() else { return };
    let Some(hit) = find.current_hit().cloned() else { return };
    let Some((pane, doc, layout, ..)) = target(app) else { return };
    match pane {
        Pane::Detail => {
            let to = find::scroll_to(doc, layout, &hit, detail_height(app));
            app.detail.scroll[app.detail.tab().index()] = to;
        }
        Pane::Conversation => {
            let height = conversation_height(app);
            let to = find::scroll_to(doc, layout, &hit, height);
            if let View::Conversation(view) = &mut app.view {
                view.scroll = to;
                view.at_end = to >= view.layout.total_rows.saturating_sub(height);
            }
        }
    }
}

/// New turns while following show from their start when they are taller than the view (a 5 MB
/// response does not jump the view to its end); while paused they are counted.
fn conversation_arrivals(app: &mut App) {
    let height = conversation_height(app);
    let View::Conversation(view) = &mut app.view else { return };
    let lines = view.doc.as_ref().map_or(0, |doc| doc.lines.len());
    if view.seen_lines > 0 && lines > view.seen_lines {
        if view.at_end {
            view.new_from = Some(view.spans.iter().position(|span| span.lines.start >= view.seen_lines).unwrap_or(0));
            let start = view.layout.row_of(view.seen_lines).unwrap_or(view.layout.total_rows);
            if view.layout.total_rows.saturating_sub(start) > height {
                view.scroll = start;
                view.at_end = false;
            }
        } else {
            view.arrived += view.turns.saturating_sub(view.seen_turns);
        }
    }
    view.seen_lines = lines;
    view.seen_turns = view.turns;
}

/// A transcript just read (the view's document is not the one last shaped): keep it whole, show
/// what the filter leaves of it, and find its turns. True when the shown document is new.
fn reshape(app: &mut App) -> bool {
    let View::Conversation(view) = &mut app.view else { return false };
    match &view.doc {
        Some(doc) if Arc::as_ptr(doc) as usize != view.shaped => {
            view.full = Some(doc.clone());
            shape(view)
        }
        _ => false,
    }
}

/// Shows what the filter leaves of the whole transcript; true when that is not the document the
/// view had (a filter applied: it has to be laid out again).
fn shape(view: &mut ConversationView) -> bool {
    let Some(full) = view.full.clone() else { return false };
    let shown = if view.filter.is_empty() { full } else { Arc::new(filtered(&full, &turns(&full), view.filter)) };
    let changed = view.doc.as_ref().is_none_or(|doc| !Arc::ptr_eq(doc, &shown));
    view.spans = turns(&shown);
    view.shaped = Arc::as_ptr(&shown) as usize;
    view.doc = Some(shown);
    changed
}

/// On its first transcript the view goes to the turn it was opened on.
fn open_at_turn(app: &mut App) {
    let height = conversation_height(app);
    let View::Conversation(view) = &mut app.view else { return };
    if view.seen_lines > 0 || view.doc.is_none() {
        return;
    }
    let opened = view.opened_at.as_deref();
    if let Some(span) = view.spans.iter().find(|span| span.id.as_deref() == opened) {
        let row = view.layout.row_of(span.lines.start).unwrap_or(0);
        scroll_to_row(view, row, height);
    }
}

/// The index of the turn `opened_at` names in the shown transcript.
pub fn opened_turn(view: &ConversationView) -> Option<usize> {
    let opened = view.opened_at.as_deref()?;
    view.spans.iter().position(|span| span.id.as_deref() == Some(opened))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnStep {
    Next,
    Prev,
    First,
    Last,
}

/// `]` `[` `{` `}` in a conversation: scrolls so a turn's heading is the top row.
pub fn to_turn(app: &mut App, step: TurnStep) {
    let height = conversation_height(app);
    let View::Conversation(view) = &mut app.view else { return };
    let rows: Vec<usize> = view.spans.iter().filter_map(|span| view.layout.row_of(span.lines.start)).collect();
    let target = match step {
        TurnStep::Next => rows.iter().find(|&&row| row > view.scroll),
        TurnStep::Prev => rows.iter().rev().find(|&&row| row < view.scroll),
        TurnStep::First => rows.first(),
        TurnStep::Last => rows.last(),
    };
    if let Some(&row) = target {
        scroll_to_row(view, row, height);
    }
}

/// `u` / `T`: changes the conversation's filter and shows the turn that was at the top.
pub fn filter(app: &mut App, change: impl FnOnce(&mut Filter)) {
    let View::Conversation(view) = &mut app.view else {
        app.flash = Some("u and T filter a conversation (Enter opens the selected record's).".into());
        return;
    };
    let top =
        view.layout.line_at(view.scroll).and_then(|line| view.spans.iter().rposition(|span| span.lines.start <= line));
    let top_id = top.and_then(|turn| view.spans[turn].id.clone());
    change(&mut view.filter);
    if shape(view) {
        relayout(app);
    }
    let height = conversation_height(app);
    if let View::Conversation(view) = &mut app.view {
        let keep = view.spans.iter().find(|span| span.id.is_some() && span.id == top_id);
        if let Some(row) = keep.and_then(|span| view.layout.row_of(span.lines.start)) {
            scroll_to_row(view, row, height);
        }
        view.seen_lines = view.doc.as_ref().map_or(0, |doc| doc.lines.len());
    }
}

/// Puts `row` at the top of a conversation `height` rows tall (or as near as its end allows);
/// at the end the view follows.
fn scroll_to_row(view: &mut ConversationView, row: usize, height: usize) {
    let max = view.layout.total_rows.saturating_sub(height);
    view.scroll = row.min(max);
    view.at_end = view.scroll >= max;
}

/// `o` in a conversation: opens or closes the first part on screen (a tool call, the history a
/// turn re-sends, a sub-agent's calls) on its own, leaving the others as they are.
pub fn toggle_part(app: &mut App) {
    let View::Conversation(view) = &mut app.view else { return };
    let Some(doc) = view.doc.clone() else { return };
    let top = view.layout.line_at(view.scroll).unwrap_or(0);
    let at =
        if doc.lines.get(top).is_some_and(|line| line.summarises.is_some()) { Some(top) } else { doc.next_fold(top) };
    let Some(part) = at.and_then(|line| doc.fold_at(line)) else {
        app.flash = Some("No tool call, history or sub-agent from the top of the view down.".into());
        return;
    };
    match view.toggled.iter().position(|&toggled| toggled == part) {
        Some(at) => {
            view.toggled.remove(at);
        }
        None => view.toggled.push(part),
    }
}
