//! The UI's whole state. Only `update` changes it; drawing reads it. `App`'s fields are private
//! to the `tui` module: outside it (tests included) the state is read through `tui::testing`'s
//! accessors and changed only by sending actions to `update`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};

use super::detail::{DetailData, Tab};
use super::find::Find;
use super::stats_data::StatsData;
use super::theme::Theme;
use super::transcript_shape::{Filter, TurnSpan};
use crate::present::doc::{Doc, Fold, FoldId, Folds};
use crate::present::layout::DocLayout;
use crate::record::Timestamp;
use crate::store::{BadLine, EntryId, Facet, LoadProgress, Query, RecordSummary, Snippet};

/// Most fuzzy hits asked for: more than anyone scrolls through, few enough to rank fast.
pub const FUZZY_LIMIT: usize = 5_000;

/// How far beyond the visible rows summaries are kept, so small moves need no fetch.
pub const ROW_MARGIN: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// LIVE: the selection sits on the newest record and follows new arrivals. PAUSED: the user moved
/// away; arrivals above the selection are counted instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    Live,
    Paused { arrived: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchMode {
    /// Fuzzy over headlines, ranked by score.
    Fuzzy,
    /// The store's keyword search (every term, case-insensitively), newest first.
    Keyword,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    pub text: String,
    pub mode: SearchMode,
    /// The search line has the keyboard.
    pub editing: bool,
    /// Keyword search also looks in the history each record re-sends.
    pub history: bool,
}

impl Default for Search {
    fn default() -> Self {
        Search { text: String::new(), mode: SearchMode::Fuzzy, editing: false, history: false }
    }
}

impl Search {
    pub fn is_active(&self) -> bool {
        !self.text.trim().is_empty()
    }
}

/// The filters the facet picker, the `:` command line and the launch flags set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub session: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub model: Option<String>,
    /// Inclusive.
    pub since: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
    pub tags: Vec<String>,
    /// Failed exchanges only.
    pub errors: bool,
    pub stop_reason: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    pub fn set(&mut self, facet: Facet, value: Option<String>) {
        match facet {
            Facet::Session => self.session = value,
            Facet::Project => self.project = value,
            Facet::Client => self.client = value,
            Facet::Model => self.model = value,
        }
    }

    /// `project=x session=y since=14:00` for the status bar (times in `offset`).
    pub fn describe(&self, offset: FixedOffset) -> String {
        let time =
            |at: &Option<Timestamp>| at.map(|at| at.as_utc().with_timezone(&offset).format("%m-%d %H:%M").to_string());
        let mut parts: Vec<String> = [
            ("session", self.session.clone()),
            ("project", self.project.clone()),
            ("client", self.client.clone()),
            ("model", self.model.clone()),
            ("stop", self.stop_reason.clone()),
            ("since", time(&self.since)),
            ("until", time(&self.until)),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| format!("{name}={value}")))
        .collect();
        parts.extend(self.tags.iter().map(|tag| format!("tag={tag}")));
        if self.errors {
            parts.push("errors".into());
        }
        parts.join(" ")
    }
}

/// The `:` command line while it is open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    pub text: String,
    /// What was wrong with the last line submitted (shown until the next key).
    pub error: Option<String>,
}

/// What the store has told us about loading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadState {
    pub loading: bool,
    pub progress: Option<LoadProgress>,
    /// Records in the store.
    pub total: usize,
    pub bad_lines: usize,
    pub dir_exists: bool,
    /// The latest store problem worth showing (watch fallback, read error).
    pub notice: Option<String>,
}

/// The newest request of one kind the UI has out (a search, a transcript, statistics). The
/// runtime runs each kind in a newest-wins slot ([`crate::store::NewestWins`]): questions replaced
/// while one ran are never answered, so the UI asks as often as it likes and keeps only replies
/// to its newest question.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    pub generation: u64,
    /// Its complete answer has arrived.
    pub answered: bool,
}

impl Asked {
    /// Whether a reply tagged `generation` answers the newest question (others are dropped).
    pub fn is_current(&self, generation: u64) -> bool {
        self.generation == generation
    }
}

/// The list's current result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    /// Newest first (ranked best first in fuzzy search).
    pub entries: Vec<EntryId>,
    /// Matched characters of each entry's headline, in fuzzy search.
    pub highlights: HashMap<EntryId, Vec<u32>>,
    pub asked: Asked,
    /// The user changed the question since the last reply shown: the next one resets the selection.
    pub reset: bool,
    /// In keyword search, where the rows near the window matched (`None`: asked, or no snippet).
    pub snippets: HashMap<EntryId, Option<Snippet>>,
    /// At least one reply has arrived.
    pub received: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    /// The first visible row.
    pub offset: usize,
}

#[derive(Clone, Debug, Default)]
pub struct DetailState {
    /// The record the detail is for (the selection), loaded or not.
    pub entry: Option<EntryId>,
    pub data: Option<Arc<DetailData>>,
    pub error: Option<String>,
    pub tab: Option<Tab>,
    /// Scroll offset (rows) of each tab.
    pub scroll: [usize; 4],
    pub show_system: bool,
    pub layout: DocLayout,
}

impl DetailState {
    pub fn tab(&self) -> Tab {
        self.tab.unwrap_or(Tab::Prompt)
    }

    /// The history a request re-sends stays folded: the pane shows what is new in the turn.
    pub fn hidden_folds(&self) -> Folds {
        if self.show_system {
            Folds::closed(&[Fold::History])
        } else {
            Folds::closed(&[Fold::System, Fold::History])
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ConversationView {
    pub session: String,
    pub doc: Option<Arc<Doc>>,
    pub turns: usize,
    pub error: Option<String>,
    /// The transcript asked for; while unanswered, arrivals ask again (the newest wins).
    pub asked: Asked,
    pub scroll: usize,
    pub show_tools: bool,
    /// Scrolled to the end: new turns keep it at the end.
    pub at_end: bool,
    pub layout: DocLayout,
    /// Turns that arrived while not following (scrolled up); `F` follows again.
    pub arrived: usize,
    /// Lines and turns of the transcript last shown, to tell what a reload added.
    pub seen_lines: usize,
    pub seen_turns: usize,
    /// The transcript as read; `doc` is what `filter` leaves of it.
    pub full: Option<Arc<Doc>>,
    pub filter: Filter,
    /// The turns of `doc`.
    pub spans: Vec<TurnSpan>,
    /// The record the view was opened on: it opens at that turn, marked.
    pub opened_at: Option<String>,
    /// Turns from this index on arrived while following, and are marked new.
    pub new_from: Option<usize>,
    /// The `doc` the spans were read from (a new one is a fresh transcript to shape).
    pub shaped: usize,
    /// Parts (a tool call, a history, a sub-agent) opened or closed one by one (`o`).
    pub toggled: Vec<FoldId>,
}

impl ConversationView {
    pub fn hidden_folds(&self) -> Folds {
        let mut folds = if self.show_tools {
            Folds::closed(&[Fold::History])
        } else {
            Folds::closed(&[Fold::ToolDetail, Fold::SubAgent, Fold::History])
        };
        for &part in &self.toggled {
            folds.toggle(part);
        }
        folds
    }
}

#[derive(Clone, Debug, Default)]
pub struct StatsView {
    pub data: Option<Arc<StatsData>>,
    pub asked: Asked,
    /// Records arrived while a count was out: count again when it is in.
    pub stale: bool,
}

#[derive(Clone, Debug)]
pub enum View {
    Browse,
    Conversation(Box<ConversationView>),
    Stats(StatsView),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FacetPicker {
    pub facet: Facet,
    pub values: Option<Vec<(String, usize)>>,
    /// Names shown beside values (a session's title or first prompt).
    pub names: HashMap<String, String>,
    pub filter: String,
    /// Indices into `values` that match `filter`.
    pub visible: Vec<usize>,
    pub selected: usize,
}

impl FacetPicker {
    pub fn new(facet: Facet) -> FacetPicker {
        FacetPicker {
            facet,
            values: None,
            names: HashMap::new(),
            filter: String::new(),
            visible: Vec::new(),
            selected: 0,
        }
    }

    /// How a value reads in the list: `name  (id)` when it has a name, else itself.
    pub fn label(&self, value: &str) -> String {
        match self.names.get(value) {
            Some(name) => format!("{name}  ({value})"),
            None => value.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// The key list, scrolled by `scroll` rows (it does not fit small terminals).
    Help {
        scroll: usize,
    },
    Facets(FacetPicker),
    BadLines {
        lines: Option<Vec<BadLine>>,
        scroll: usize,
    },
}

/// The whole UI state.
#[derive(Clone, Debug)]
pub struct App {
    pub(in crate::tui) dir: PathBuf,
    pub(in crate::tui) now: DateTime<Utc>,
    /// The offset local times are shown in (fixed in tests so snapshots are stable).
    pub(in crate::tui) offset: FixedOffset,
    pub(in crate::tui) theme: Theme,
    pub(in crate::tui) width: u16,
    pub(in crate::tui) height: u16,
    pub(in crate::tui) load: LoadState,
    pub(in crate::tui) filters: Filters,
    /// The `:` command line, while open.
    pub(in crate::tui) command: Option<CommandLine>,
    /// The generation of the `goto` waiting for its row.
    pub(in crate::tui) pending_goto: Option<u64>,
    pub(in crate::tui) search: Search,
    pub(in crate::tui) results: Results,
    pub(in crate::tui) rows: HashMap<EntryId, RecordSummary>,
    pub(in crate::tui) list: ListState,
    pub(in crate::tui) follow: Follow,
    pub(in crate::tui) focus: Focus,
    pub(in crate::tui) detail: DetailState,
    pub(in crate::tui) view: View,
    pub(in crate::tui) overlay: Option<Overlay>,
    /// A one-off message for the bottom line ("copied …").
    pub(in crate::tui) flash: Option<String>,
    pub(in crate::tui) demo: bool,
    pub(in crate::tui) quit: bool,
    /// Source of request generations (queries, transcripts, stats).
    pub(in crate::tui) counter: u64,
    /// The search inside the detail or the transcript.
    pub(in crate::tui) find: Option<Find>,
}

impl App {
    pub fn new(dir: PathBuf, now: DateTime<Utc>, offset: FixedOffset, theme: Theme, size: (u16, u16)) -> App {
        App {
            dir,
            now,
            offset,
            theme,
            width: size.0,
            height: size.1,
            load: LoadState { loading: true, dir_exists: true, ..LoadState::default() },
            filters: Filters::default(),
            command: None,
            pending_goto: None,
            search: Search::default(),
            results: Results::default(),
            rows: HashMap::new(),
            list: ListState::default(),
            follow: Follow::Live,
            focus: Focus::List,
            detail: DetailState::default(),
            view: View::Browse,
            overlay: None,
            flash: None,
            demo: false,
            quit: false,
            counter: 0,
            find: None,
        }
    }

    /// Opens filtered and searched as `start` says (the launch flags), as if typed.
    pub fn start_with(&mut self, start: &Query) {
        self.filters = Filters {
            session: start.session.clone(),
            project: start.project.clone(),
            client: start.client.clone(),
            model: start.model.clone(),
            since: start.since,
            until: start.until,
            tags: start.tags.clone(),
            errors: start.has_error == Some(true),
            stop_reason: start.stop_reason.clone(),
        };
        if let Some(search) = start.search.as_deref().filter(|s| !s.trim().is_empty()) {
            self.search = Search { text: search.to_owned(), mode: SearchMode::Keyword, editing: false, history: false };
        }
    }

    /// The store query for the current filters and keyword search (fuzzy search narrows its result).
    pub fn query(&self) -> Query {
        let keyword = self.search.mode == SearchMode::Keyword && self.search.is_active();
        Query {
            project: self.filters.project.clone(),
            session: self.filters.session.clone(),
            client: self.filters.client.clone(),
            model: self.filters.model.clone(),
            since: self.filters.since,
            until: self.filters.until,
            tags: self.filters.tags.clone(),
            has_error: self.filters.errors.then_some(true),
            stop_reason: self.filters.stop_reason.clone(),
            search: keyword.then(|| self.search.text.trim().to_owned()),
            search_history: keyword && self.search.history,
            ..Query::default()
        }
    }

    pub fn selected_entry(&self) -> Option<EntryId> {
        self.results.entries.get(self.list.selected).copied()
    }

    pub fn selected_summary(&self) -> Option<&RecordSummary> {
        self.selected_entry().and_then(|entry| self.rows.get(&entry))
    }

    pub fn fuzzy_active(&self) -> bool {
        self.search.mode == SearchMode::Fuzzy && self.search.is_active()
    }
}
