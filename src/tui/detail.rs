//! The detail pane's data: one record's document ([`crate::present::record`]) prepared off the UI
//! loop, parsed and laid out, so that drawing never parses or formats anything.

use serde_json::Value;

use crate::present::doc::{Budget, Doc, Fold, Folds, Tone};
use crate::present::layout::DocLayout;
use crate::present::record::{record_doc, routing_view, Context, Form, RoutingView};
use crate::present::session::{transcript, Session};
use crate::present::text::pretty_json;
use crate::present::time::Clock;
use crate::record::{InteractionRecord, LaterResult};
use crate::store::{EntryId, TranscriptRecords};

/// The tabs of the detail pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tab {
    Prompt,
    Tools,
    Routing,
    Raw,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Prompt, Tab::Tools, Tab::Routing, Tab::Raw];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Prompt => "Prompt/Response",
            Tab::Tools => "Tool calls",
            Tab::Routing => "Routing",
            Tab::Raw => "Raw",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&tab| tab == self).unwrap_or(0)
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// Everything the detail pane shows about one record.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailData {
    pub entry: EntryId,
    pub record: InteractionRecord,
    /// The stored line as it is (for the clipboard).
    pub stored: String,
    /// The stored JSON pretty-printed (for the pager).
    pub pretty: String,
    pub prompt: Doc,
    pub tools: Doc,
    /// The routing decision as text (for the pager); the pane draws [`DetailData::routing`].
    pub routing_doc: Doc,
    pub raw: Doc,
    pub routing: Option<RoutingView>,
    /// Layouts made off the UI loop for the width the pane had when the record was asked for
    /// (the prompt with the system prompt folded, the tool calls, the raw JSON).
    pub layouts: Vec<DocLayout>,
}

impl DetailData {
    /// Lays the documents out at `width`, so that a huge record costs the UI loop nothing on
    /// arrival or on a tab change.
    pub fn lay_out(&mut self, width: u16) {
        if width == 0 {
            return;
        }
        // As `DetailState::hidden_folds` has them when the record arrives.
        let hidden = Folds::closed(&[Fold::System, Fold::History]);
        self.layouts = vec![
            DocLayout::new(&self.prompt, width, &hidden),
            DocLayout::new(&self.tools, width, &hidden),
            DocLayout::new(&self.raw, width, &hidden),
        ];
    }

    /// A layout made in advance for `doc` at `width` with `hidden` folded, if there is one.
    pub fn layout_for(&self, doc: &Doc, width: u16, hidden: &Folds) -> Option<&DocLayout> {
        self.layouts.iter().find(|layout| layout.fits(doc, width, hidden))
    }

    pub fn doc(&self, tab: Tab) -> Option<&Doc> {
        match tab {
            Tab::Prompt => Some(&self.prompt),
            Tab::Tools => Some(&self.tools),
            Tab::Raw => Some(&self.raw),
            Tab::Routing => None,
        }
    }

    /// The tab's text as the pager gets it: the tab as shown (system prompt unfolded), the
    /// Routing tab as labelled lines, the Raw tab as the pretty JSON.
    pub fn tab_text(&self, tab: Tab) -> String {
        match (tab, self.doc(tab)) {
            (Tab::Raw, _) => self.pretty.clone(),
            (_, Some(doc)) => doc.plain(&Folds::open()),
            (_, None) => self.routing_doc.plain(&Folds::open()),
        }
    }
}

/// How the TUI's documents are made: a long text cut where the pager has it whole, and the keys
/// that open what is folded.
pub const FORM: Form = Form { budget: Budget::SCREEN, system_hint: Some("s shows or hides it"), history_hint: None };

/// A session's transcript as the conversation view shows it, from its records as
/// `Store::read_transcript` reads them.
pub fn conversation_doc(session: &str, read: &TranscriptRecords, clock: &Clock) -> Doc {
    let TranscriptRecords { records, history, left_out } = read;
    transcript(&Session { id: session, records, history, left_out }, clock, &FORM)
}

/// Builds the detail from a parsed record and its stored bytes, for a record that re-sends no
/// history.
pub fn prepare(entry: EntryId, record: InteractionRecord, stored: &[u8]) -> DetailData {
    prepare_turn(entry, record, stored, 0, &[])
}

/// Builds the detail of a record whose first `history` request messages re-send earlier turns;
/// `later`: the tool results the session's next request hands back.
pub fn prepare_turn(
    entry: EntryId,
    record: InteractionRecord,
    stored: &[u8],
    history: usize,
    later: &[LaterResult],
) -> DetailData {
    let stored = String::from_utf8_lossy(stored).into_owned();
    let pretty = pretty_stored(&stored);
    let mut raw = Doc::new();
    raw.code(Tone::Json, 0, None, &pretty);
    // The pane's summary line shows the stored timestamp, so the clock only matters for `show`.
    let doc = record_doc(&record, Context { location: None, clock: &Clock::local(), history, later, form: FORM });
    DetailData {
        entry,
        prompt: doc.exchange,
        tools: doc.tools,
        routing_doc: doc.routing,
        routing: routing_view(&record),
        raw,
        pretty,
        stored,
        record,
        layouts: Vec::new(),
    }
}

/// The stored line as pretty JSON, keeping the stored key order (serde_json's `preserve_order`),
/// unknown fields included.
fn pretty_stored(stored: &str) -> String {
    match serde_json::from_str::<Value>(stored) {
        Ok(value) => pretty_json(&value),
        Err(_) => stored.to_owned(),
    }
}
