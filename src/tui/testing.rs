//! For interlog's own tests and benchmarks only — not an API for embedders, and not stable.
//!
//! The integration tests drive the UI as the runtime does: build an [`App`], send it [`Action`]s
//! through [`update`], perform the [`Effect`]s it answers with (or [`execute`] them against a
//! store), and draw `&App` into a `TestBackend`. The state is read through the accessors below,
//! which hand out shared references only: state changes by actions, here as in the runtime.

use std::collections::HashMap;

use chrono::FixedOffset;

pub use super::action::{Action, Effect, QueryReply};
pub use super::app::{App, Focus, Follow, Overlay, SearchMode, View, FUZZY_LIMIT};
pub use super::app::{CommandLine, DetailState, Filters, ListState, LoadState, Results, Search};
pub use super::detail::conversation_doc as transcript;
pub use super::detail::{prepare, prepare_turn, DetailData, Tab, FORM};
pub use super::find::{Find, Hit, Origin, Pane};
pub use super::keymap::{
    action_for, help_lines, help_rows, hints, Binding, Context, HelpLine, HelpRow, Key, Screen, ShownHint, BINDINGS,
};
pub use super::runtime::{execute, execute_in_passes, FIRST_PASS};
pub use super::stats_data::{compute as compute_stats, StatsData};
pub use super::theme::Theme;
pub use super::update::{list_height, update};
pub use super::view::layout::{areas, detail_text, inner, Areas};
pub use crate::present::doc::Doc;
pub use crate::present::time::Clock;
use crate::store::{EntryId, RecordSummary};

/// Read-only views of the state, for assertions.
impl App {
    pub fn size(&self) -> (u16, u16) {
        (self.width, self.height)
    }

    /// The offset local times are shown in.
    pub fn time_offset(&self) -> FixedOffset {
        self.offset
    }

    pub fn load(&self) -> &LoadState {
        &self.load
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    pub fn search(&self) -> &Search {
        &self.search
    }

    /// The `:` command line, while open.
    pub fn command(&self) -> Option<&CommandLine> {
        self.command.as_ref()
    }

    pub fn results(&self) -> &Results {
        &self.results
    }

    /// The summaries fetched for rows near the visible window.
    pub fn rows(&self) -> &HashMap<EntryId, RecordSummary> {
        &self.rows
    }

    pub fn list(&self) -> &ListState {
        &self.list
    }

    pub fn follow(&self) -> Follow {
        self.follow
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn detail(&self) -> &DetailState {
        &self.detail
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn flash(&self) -> Option<&str> {
        self.flash.as_deref()
    }

    /// The search inside the detail or the transcript.
    pub fn find(&self) -> Option<&Find> {
        self.find.as_ref()
    }

    pub fn has_quit(&self) -> bool {
        self.quit
    }
}
