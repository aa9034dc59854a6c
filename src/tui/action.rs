//! What can happen to the UI (a key, a click, a reply from a background task) and what the UI
//! asks the runtime to do in return.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::detail::{DetailData, Tab};
use super::stats_data::StatsData;
use crate::present::doc::Doc;
use crate::store::{BadLine, EntryId, Facet, FuzzyHit, Query, RecordSummary, Snippet, StoreEvent};

#[derive(Clone, Debug)]
pub enum Action {
    /// Ask the store again for the current question (the runtime's first action).
    Refresh,
    Quit,
    /// Ctrl-L: repaint the whole screen (after another program wrote over it).
    Redraw,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Back to the newest record, following.
    GoLive,
    FocusNext,
    NextTab,
    PrevTab,
    SelectTab(Tab),
    /// Enter: the selected record's session as a transcript.
    OpenConversation,
    ToggleSystemPrompt,
    ToggleToolDetail,
    OpenSearch,
    SearchInput(char),
    SearchBackspace,
    SearchToggleMode,
    /// Keyword search also looks in the history each record re-sends (or stops).
    SearchToggleHistory,
    /// Enter in the search line: keep the search, give the keyboard back to the list.
    SearchSubmit,
    /// Typing in the find line of the detail or the transcript.
    FindInput(char),
    FindBackspace,
    /// Enter in the find line: count the hits, go to the first.
    FindSubmit,
    /// `n` / `N`: the next / previous hit.
    FindNext,
    FindPrev,
    /// `]` / `[` / `{` / `}`: the next / previous / first / last turn of the conversation.
    NextTurn,
    PrevTurn,
    FirstTurn,
    LastTurn,
    /// Conversation filters: only the turns the user started; no tool calls.
    ToggleUserTurns,
    ToggleToolCalls,
    /// `o`: open or close the first foldable part (tool call, history, sub-agent) on screen.
    TogglePart,
    OpenFacets,
    FacetNextKind,
    FacetInput(char),
    FacetBackspace,
    FacetApply,
    ClearFilters,
    OpenStats,
    /// `:`: open the command line.
    OpenCommand,
    CommandInput(char),
    CommandBackspace,
    /// Tab in the command line: complete the command's name.
    CommandComplete,
    /// Enter in the command line: run it (it stays open, with the error, when it is wrong).
    CommandSubmit,
    /// The runtime's answer to [`Effect::Goto`]: the row of the record nearest the time asked.
    GotoRow {
        generation: u64,
        row: Option<usize>,
    },
    ShowBadLines,
    ToggleHelp,
    /// Esc: close the innermost overlay, search or view.
    Back,
    Copy,
    OpenPager,
    /// Mouse wheel at a screen position.
    Scroll {
        column: u16,
        row: u16,
        down: bool,
    },
    Click {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
    Tick(DateTime<Utc>),
    Store(StoreEvent),
    Results(QueryReply),
    Summaries(Vec<RecordSummary>),
    /// Where rows matched a keyword search, for the question of `generation`.
    Snippets {
        generation: u64,
        snippets: HashMap<EntryId, Snippet>,
    },
    Detail {
        entry: EntryId,
        data: Result<Arc<DetailData>, String>,
    },
    Conversation {
        generation: u64,
        session: String,
        data: Result<(Arc<Doc>, usize), String>,
    },
    Facets {
        facet: Facet,
        values: Vec<(String, usize)>,
        /// What to call a value besides itself: a session's name (its title or first prompt).
        names: HashMap<String, String>,
    },
    Stats {
        generation: u64,
        data: Arc<StatsData>,
    },
    BadLines(Vec<BadLine>),
    Flash(String),
}

/// A reply to [`Effect::Query`] or [`Effect::Fuzzy`].
#[derive(Clone, Debug, Default)]
pub struct QueryReply {
    pub generation: u64,
    pub entries: Vec<EntryId>,
    /// Fuzzy hits' matched positions (empty for a keyword or filter query).
    pub hits: Vec<FuzzyHit>,
    /// A first, quick answer among the newest records; the whole answer follows.
    pub partial: bool,
    pub store_len: usize,
    pub bad_lines: usize,
    pub loading: bool,
    pub dir_exists: bool,
}

/// Work for the runtime. Everything slow runs off the UI loop and comes back as an [`Action`].
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Query {
        generation: u64,
        query: Query,
    },
    /// Fuzzy over the headlines of `base`'s result (the store narrows among its last matches
    /// as the pattern grows).
    Fuzzy {
        generation: u64,
        pattern: String,
        base: Query,
    },
    /// Summaries of rows about to be shown.
    Summaries(Vec<EntryId>),
    /// Where rows about to be shown matched `query`'s keyword search.
    Snippets {
        generation: u64,
        query: Query,
        entries: Vec<EntryId>,
    },
    /// The record's detail, laid out for a pane `width` columns wide.
    Detail {
        entry: EntryId,
        width: u16,
    },
    Conversation {
        generation: u64,
        session: String,
    },
    Facets(Facet),
    Stats {
        generation: u64,
        query: Query,
        /// The session whose context size per turn to chart (the selected record's).
        session: Option<String>,
    },
    BadLines,
    /// The row (in `query`'s newest-first result) of the record nearest `at`.
    Goto {
        generation: u64,
        query: Query,
        at: crate::record::Timestamp,
    },
    Pager(String),
    Copy(String),
    /// Clear the terminal so the next frame is drawn whole.
    Redraw,
}
