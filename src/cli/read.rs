//! `list`, `show`, `sessions`, `conversation`: the read side of the command line (docs/format.md §3).
//!
//! Each command loads the directory through the store, writes its data to stdout (stored lines
//! byte for byte with `--json`, sanitised human views otherwise), then reports bad lines on stderr.

mod bad_lines;
mod format;
mod lookup;
pub(super) mod output;
mod sessions;
mod table;

pub use self::sessions::{run_sessions, SessionsArgs};
use std::collections::HashMap;

use chrono::Utc;
use clap::Args;

use crate::record::Timestamp;
use crate::sanitize::sanitize_line;
use crate::store::{parse_time_arg, EntryId, Query, RecordSummary, SearchRequest, Snippet, Store, TranscriptRecords};

use self::bad_lines::report_bad_lines;
use self::format::{duration, short_id, short_time, Today};
use self::output::Output;
use self::table::{Cell, Column, Table};
use super::{CliResult, Failure};
use crate::present::ansi::{self, Style, Terminal};
use crate::present::columns::{drop_rank, ListColumn};
use crate::present::doc::{Fold, Folds};
use crate::present::markdown;
use crate::present::record::{record_doc, Context, Form, Location};
use crate::present::session::{transcript, Session, HISTORY_LISTED};
use crate::present::text::safe_marked;
use crate::present::time::Clock;
use crate::present::units::tokens_marked;
use crate::source::Source;

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// At most this many records, the newest; 0 prints nothing
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// One stored record a line, byte for byte
    #[arg(long)]
    pub json: bool,
}

/// `list`'s filters, shared with the commands that take them (`export otlp`).
#[derive(Debug, Args, Default)]
pub struct FilterArgs {
    /// Only records of this project (exact)
    #[arg(long)]
    pub project: Option<String>,
    /// Only records of this session id (exact)
    #[arg(long)]
    pub session: Option<String>,
    /// Only records from this client (exact)
    #[arg(long)]
    pub client: Option<String>,
    /// Only records of this model (exact)
    #[arg(long)]
    pub model: Option<String>,
    /// Inclusive: RFC 3339, a date (YYYY-MM-DD, midnight UTC), a date and time without an offset
    /// (UTC), or a span back from now (30m, 2h, 7d). Tables show local time.
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Exclusive; same forms as --since
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Every white-space separated term must occur (case-insensitive) in the record's own text
    /// (not in the history it re-sends from the session's previous turn)
    #[arg(long, value_name = "Q")]
    pub search: Option<String>,
    /// --search also looks in the history each record re-sends
    #[arg(long, requires = "search")]
    pub search_history: bool,
    /// Records carrying this tag (repeat for several: every one must be there)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only records whose exchange failed (an `error` is set)
    #[arg(long)]
    pub errors: bool,
    /// Only records that stopped for this reason (end_turn, tool_use, max_tokens, ...)
    #[arg(long, value_name = "REASON")]
    pub stop_reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The record's id, or a unique prefix of it (at least 4 characters)
    pub id: String,
    /// The stored JSON object, byte for byte
    #[arg(long)]
    pub json: bool,
    /// Also list the messages the request re-sends from earlier turns (one line otherwise)
    #[arg(long)]
    pub history: bool,
}

#[derive(Debug, Args)]
pub struct ConversationArgs {
    /// The session's id, or a unique prefix of it (at least 4 characters)
    pub session: String,
    /// The session's stored records, one a line, oldest first
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// A readable Markdown transcript
    #[arg(long)]
    pub markdown: bool,
    /// Also list the messages each request re-sends from earlier turns (one line otherwise)
    #[arg(long)]
    pub history: bool,
}

pub fn run_list(sources: &[Source], args: ListArgs, verbose: bool) -> CliResult {
    let query = args.filters.query(Utc::now(), Some(args.limit))?;
    let store = load(sources)?;
    // The table shows where each hit matched; `--json` is the stored lines, nothing added.
    let searching = query.search.is_some();
    let result = match searching && !args.json {
        true => store.search(&SearchRequest::with_snippets(query)),
        false => store.search(&SearchRequest::keyword(query)),
    };
    let mut out = Output::stdout();
    if args.json {
        for &entry in &result.entries {
            if out.closed {
                break;
            }
            out.raw_line(&store.read_raw(entry)?)?;
        }
    } else if !result.entries.is_empty() {
        let terminal = Terminal::detect();
        let snippets = searching.then_some(&result.snippets);
        write_list_table(&store, &result.entries, snippets, &terminal, &mut out)?;
        if terminal.interactive && result.total_matched > result.entries.len() {
            out.finish()?;
            eprintln!(
                "interlog: {} of {} matching records shown; --limit N shows more",
                result.entries.len(),
                result.total_matched
            );
        }
    }
    out.finish()?;
    report_bad_lines(&store.bad_lines(), verbose);
    Ok(())
}

pub fn run_show(sources: &[Source], args: ShowArgs, verbose: bool) -> CliResult {
    let store = load(sources)?;
    let entry = lookup::find_record(&store, &args.id)?;
    let mut out = Output::stdout();
    if args.json {
        out.raw_line(&store.read_raw(entry)?)?;
    } else {
        let record = store.read_record(entry)?;
        let summary = store.summary(entry);
        let location = summary.as_ref().map(|s| Location { file: &s.file, line: s.line });
        let history = history_of(&store, entry);
        let later = store.results_handed_back(entry);
        let context = Context { location, clock: &Clock::local(), history, later: &later, form: Form::WHOLE };
        let doc = record_doc(&record, context).whole(&record);
        // `show` lists every fact, so the exchange's one-line summary of them is folded.
        let hidden = if args.history { vec![Fold::Summary] } else { vec![Fold::Summary, Fold::History] };
        out.text(&ansi::render(&doc, &Folds::closed(&hidden), &Terminal::detect()))?;
    }
    out.finish()?;
    report_bad_lines(&store.bad_lines(), verbose);
    Ok(())
}

pub fn run_conversation(sources: &[Source], args: ConversationArgs, verbose: bool) -> CliResult {
    let store = load(sources)?;
    let (session, entries) = lookup::find_session(&store, &args.session)?;
    let mut out = Output::stdout();
    if args.json {
        for &entry in &entries {
            out.raw_line(&store.read_raw(entry)?)?;
        }
    } else {
        let read = store.read_transcript(&entries, HISTORY_LISTED).map_err(|err| Failure::Failed(err.into()))?;
        let TranscriptRecords { records, history, left_out } = &read;
        let doc = transcript(&Session { id: &session, records, history, left_out }, &Clock::local(), &Form::WHOLE);
        let hidden = if args.history { Folds::open() } else { Folds::closed(&[Fold::History]) };
        let text = if args.markdown {
            markdown::render(&doc, &hidden)
        } else {
            ansi::render(&doc, &hidden, &Terminal::detect())
        };
        out.text(&text)?;
    }
    out.finish()?;
    report_bad_lines(&store.bad_lines(), verbose);
    Ok(())
}

fn load(sources: &[Source]) -> Result<Store, Failure> {
    for source in sources.iter().filter(|source| !source.root.exists()) {
        // Not an error (nothing recorded yet is an empty log), but an empty answer should not
        // leave a mistyped --dir or --source unnoticed.
        let shown = crate::sanitize::sanitize_line(&source.root.display().to_string()).into_owned();
        eprintln!("interlog: {shown} does not exist (yet): no records from it");
    }
    Store::load_sources(sources).map_err(|err| Failure::Failed(err.into()))
}

/// How many leading request messages the record re-sends from earlier turns.
fn history_of(store: &Store, entry: EntryId) -> usize {
    store.turn(entry).map_or(0, |turn| turn.history as usize)
}

impl FilterArgs {
    /// The store query these flags ask for, with `limit` (`None`: every match).
    pub fn query(&self, now: chrono::DateTime<Utc>, limit: Option<usize>) -> Result<Query, Failure> {
        let time = |flag: &str, value: &Option<String>| -> Result<Option<Timestamp>, Failure> {
            value
                .as_deref()
                .map(|text| parse_time_arg(text, now).map_err(|err| Failure::Usage(format!("{flag}: {err}"))))
                .transpose()
        };
        Ok(Query {
            project: given(&self.project),
            session: given(&self.session),
            client: given(&self.client),
            model: given(&self.model),
            since: time("--since", &self.since)?,
            until: time("--until", &self.until)?,
            tags: self.tags.iter().filter(|tag| !tag.trim().is_empty()).cloned().collect(),
            has_error: self.errors.then_some(true),
            stop_reason: given(&self.stop_reason),
            search: self.search.clone().filter(|q| !q.trim().is_empty()),
            search_history: self.search_history,
            limit,
        })
    }
}

/// A filter flag's value; an empty (or blank) one is the same as none, as absent, `null` and `""`
/// are for the record fields it matches, and as the HTTP API treats an empty parameter.
fn given(value: &Option<String>) -> Option<String> {
    value.clone().filter(|text| !text.trim().is_empty())
}

/// Summaries are fetched a chunk at a time, twice (once to measure, once to print), so that a
/// listing of every record never holds every row.
const LIST_CHUNK: usize = 4096;

/// `snippets`: the search's, when searching (a MATCH column shows them).
fn write_list_table(
    store: &Store,
    entries: &[EntryId],
    snippets: Option<&HashMap<EntryId, Snippet>>,
    terminal: &Terminal,
    out: &mut Output,
) -> CliResult {
    let today = Today::now();
    let mut table = Table::new(list_columns(snippets.is_some()));
    let row = |summary: &RecordSummary| {
        let mut row = list_row(summary, today);
        if let Some(snippets) = snippets {
            row.push(snippet_cell(snippets.get(&summary.entry)));
        }
        row
    };
    for chunk in entries.chunks(LIST_CHUNK) {
        for summary in store.summaries(chunk) {
            table.measure(&row(&summary));
        }
    }
    let layout = table.layout(terminal);
    out.text(&layout.header())?;
    for chunk in entries.chunks(LIST_CHUNK) {
        if out.closed {
            break;
        }
        for summary in store.summaries(chunk) {
            out.text(&layout.row(&row(&summary)))?;
        }
    }
    Ok(())
}

fn list_columns(searching: bool) -> Vec<Column> {
    let mut columns = vec![
        Column::fixed("TIME"),
        Column::fixed("ID"),
        Column::fixed("SESSION").droppable(drop_rank(ListColumn::Session)),
        Column::left("PROJECT", 18).droppable(drop_rank(ListColumn::Project)),
        Column::left("CLIENT", 14).droppable(drop_rank(ListColumn::Client)),
        Column::left("MODEL", 22).droppable(drop_rank(ListColumn::Model)),
        // The token columns share one rank, as they are one column in the TUI.
        Column::right("IN").droppable(drop_rank(ListColumn::Tokens)),
        Column::right("OUT").droppable(drop_rank(ListColumn::Tokens)),
        Column::right("DUR").droppable(drop_rank(ListColumn::Duration)),
        Column::right("TOOLS").droppable(drop_rank(ListColumn::Tools)),
        Column::fixed("ERR"),
    ];
    if searching {
        // Where the hit is matters most: the prompt gives it room, and goes last of all.
        columns.push(Column::left("PROMPT", 30).droppable(8));
        columns.push(Column::flexible("MATCH"));
    } else {
        columns.push(Column::flexible("PROMPT"));
    }
    columns
}

/// A snippet as a cell, its marks on the matches.
fn snippet_cell(snippet: Option<&Snippet>) -> Cell {
    let Some(snippet) = snippet else { return Cell::new("") };
    let (text, marks) = safe_marked(&snippet.text, &snippet.matched);
    Cell::marked(text, marks)
}

/// Cells are sanitised here: summaries carry raw record text.
fn list_row(row: &RecordSummary, today: Today) -> Vec<Cell> {
    let optional = |value: &Option<String>| sanitize_line(value.as_deref().unwrap_or("")).into_owned();
    vec![
        Cell::styled(short_time(&row.timestamp, today), Style::Dim),
        Cell::new(sanitize_line(&short_id(&row.id, 8))),
        Cell::styled(sanitize_line(&short_id(row.session_id.as_deref().unwrap_or(""), 8)), Style::Accent),
        Cell::new(optional(&row.project)),
        Cell::new(optional(&row.client)),
        Cell::new(optional(&row.model)),
        Cell::new(tokens_marked(row.input_tokens, row.usage_approximate)),
        Cell::new(tokens_marked(row.output_tokens, row.usage_approximate)),
        Cell::new(row.duration_ms.map(duration).unwrap_or_default()),
        Cell::new(if row.tool_calls > 0 { row.tool_calls.to_string() } else { String::new() }),
        Cell::styled(if row.has_error { "✗" } else { "" }, Style::Bad),
        Cell::new(sanitize_line(&row.first_line)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_flags_that_do_not_parse_are_usage_errors_naming_the_value() {
        let args = FilterArgs { since: Some("yesterday-ish".into()), ..FilterArgs::default() };
        match args.query(Utc::now(), Some(50)) {
            Err(Failure::Usage(message)) => {
                assert!(message.starts_with("--since: "), "{message}");
                assert!(message.contains("\"yesterday-ish\""), "{message}");
            }
            other => panic!("expected a usage error, got {other:?}"),
        }
    }
}
