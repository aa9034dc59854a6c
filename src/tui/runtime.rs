//! The UI loop: one `tokio::select!` over terminal events, store events, replies from background
//! work and signals. Slow work (queries, reading records) runs on blocking threads and comes back
//! as actions; the loop never waits on it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Local, Offset, Utc};
use crossterm::event::EventStream;
use futures::{FutureExt, StreamExt};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::action::{Action, Effect, QueryReply};
use super::app::{App, FUZZY_LIMIT};

use super::stats_data::StatsBuilder;
use super::theme::Theme;
use super::tty::{self, Term, TerminalGuard};
use super::update::update;
use super::{detail, keymap};
use crate::present::session::HISTORY_LISTED;
use crate::present::time::Clock;
pub use crate::store::FIRST_PASS;
use crate::store::{
    Facet, FuzzyRequest, NewestWins, Query, SearchAnswer, SearchRequest, SearchSink, Searcher, Store, StoreError,
    StoreEvent,
};

/// Summaries read per batch when computing statistics.
const STATS_CHUNK: usize = 8_192;
/// How often `now` moves on (the list shows today's times without a date).
const TICK: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the UI is opened on.
#[derive(Clone, Debug)]
pub struct Options {
    pub dir: PathBuf,
    /// Shows "demo" in the status bar.
    pub demo: bool,
    /// What to read (`--source`); empty: `dir` alone.
    pub sources: Vec<crate::source::Source>,
    /// The filters and keyword search to open with (`tui --session … --search …`); its limit
    /// is not used.
    pub start: Query,
}

/// Runs the UI until the user quits or a signal ends it; the terminal is restored in every case.
pub fn run(options: Options) -> Result<(), TuiError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(run_async(options))
}

/// The signals that end the UI like `q` does (so the terminal is restored and a demo's directory
/// removed).
struct Signals {
    terminate: Signal,
    hangup: Signal,
    interrupt: Signal,
}

async fn run_async(options: Options) -> Result<(), TuiError> {
    // Before anything is drawn: a signal that came between the first frame and the event loop
    // used to end the process by default, leaving the demo directory behind.
    let signals = Signals {
        terminate: signal(SignalKind::terminate())?,
        hangup: signal(SignalKind::hangup())?,
        interrupt: signal(SignalKind::interrupt())?,
    };
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let offset = Local::now().offset().fix();
    let mut app = App::new(options.dir.clone(), Utc::now(), offset, Theme::from_env(), (size.width, size.height));
    app.demo = options.demo;
    app.start_with(&options.start);
    // Paint before the store exists, so the first frame never waits on the directory.
    draw(&mut guard.terminal, &app)?;
    let (store_tx, store_rx) = unbounded_channel();
    let send = move |event| {
        let _ = store_tx.send(event);
    };
    let store = if options.sources.is_empty() {
        Store::follow(&options.dir, send)?
    } else {
        Store::follow_sources(&options.sources, crate::store::FollowOptions::default(), send)?
    };
    let result = event_loop(&mut guard.terminal, &mut app, store, store_rx, signals).await;
    drop(guard);
    result
}

fn draw(terminal: &mut Term, app: &App) -> std::io::Result<()> {
    terminal.draw(|frame| frame.render_widget(app, frame.area()))?;
    Ok(())
}

async fn event_loop(
    terminal: &mut Term,
    app: &mut App,
    store: Store,
    mut store_rx: UnboundedReceiver<StoreEvent>,
    signals: Signals,
) -> Result<(), TuiError> {
    let (reply_tx, mut reply_rx) = unbounded_channel::<Action>();
    let worker = Worker {
        searches: Searcher::new(store),
        conversations: NewestWins::new(),
        stats: NewestWins::new(),
        replies: reply_tx,
        offset: app.offset,
    };
    let events = EventStream::new();
    futures::pin_mut!(events);
    let Signals { mut terminate, mut hangup, mut interrupt } = signals;
    let mut tick = tokio::time::interval(TICK);
    let mut store_batch = Vec::new();
    let mut reply_batch = Vec::new();
    let mut pending: Vec<Action> = vec![Action::Refresh];
    loop {
        let mut dirty = false;
        while !pending.is_empty() {
            for action in std::mem::take(&mut pending) {
                dirty = true;
                for effect in update(app, action) {
                    match effect {
                        Effect::Pager(text) => {
                            // The event stream stays: its reader thread is idle here (the key that
                            // asked for the pager was its last event) and is not polled until the
                            // pager is done, so the pager gets the keystrokes. Dropping and
                            // recreating the stream instead leaves a pending wake-up that can hide
                            // the next key (crossterm drops a tty readiness seen together with it).
                            if let Err(err) = tty::page(terminal, &text) {
                                pending.push(Action::Flash(err.to_string()));
                            }
                            // Ctrl-C inside the pager (cooked mode) signalled us too; it was meant
                            // for the pager.
                            while let Some(Some(())) = interrupt.recv().now_or_never() {}
                        }
                        Effect::Redraw => {
                            if let Err(err) = terminal.clear() {
                                pending.push(Action::Flash(format!("Cannot redraw: {err}")));
                            }
                        }
                        other => pending.extend(worker.perform(other)),
                    }
                }
            }
        }
        if app.quit {
            return Ok(());
        }
        if dirty {
            draw(terminal, app)?;
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => pending.extend(keymap::action_for(app, &event)),
                Some(Err(err)) => return Err(err.into()),
                None => return Ok(()),
            },
            received = store_rx.recv_many(&mut store_batch, 256) => {
                if received == 0 {
                    return Ok(());
                }
                pending.extend(store_batch.drain(..).map(Action::Store));
            }
            received = reply_rx.recv_many(&mut reply_batch, 256) => {
                pending.extend(reply_batch.drain(..received));
            }
            _ = terminate.recv() => pending.push(Action::Quit),
            _ = hangup.recv() => pending.push(Action::Quit),
            _ = interrupt.recv() => pending.push(Action::Quit),
            _ = tick.tick() => pending.push(Action::Tick(Utc::now())),
        }
    }
}

/// Performs effects: cheap ones at once (their action is returned), slow ones on a background
/// thread whose action comes back over the reply channel. Searches, transcripts and statistics
/// each go through a newest-wins slot: the UI asks again as often as it likes.
struct Worker {
    searches: Searcher,
    conversations: NewestWins,
    stats: NewestWins,
    replies: UnboundedSender<Action>,
    offset: FixedOffset,
}

impl Worker {
    fn perform(&self, effect: Effect) -> Option<Action> {
        let store = self.searches.store();
        match effect {
            // In-memory lookups for a screenful of rows: cheaper than a thread hop.
            Effect::Summaries(_) => execute(store, effect, self.offset),
            Effect::Copy(text) => {
                tty::copy_to_clipboard(&text).err().map(|err| Action::Flash(format!("Cannot copy: {err}")))
            }
            Effect::Pager(_) | Effect::Redraw => None,
            Effect::Query { .. } | Effect::Fuzzy { .. } => {
                let (generation, request) = search_request(effect)?;
                let sink = Replies { store: store.clone(), generation, emit: self.emitter() };
                self.searches.submit(generation, request, sink);
                None
            }
            Effect::Conversation { generation, .. } => self.in_slot(&self.conversations, generation, effect),
            Effect::Stats { generation, .. } => self.in_slot(&self.stats, generation, effect),
            slow => {
                let (store, emit, offset) = (store.clone(), self.emitter(), self.offset);
                tokio::task::spawn_blocking(move || execute(&store, slow, offset).map(emit));
                None
            }
        }
    }

    fn in_slot(&self, slot: &NewestWins, generation: u64, effect: Effect) -> Option<Action> {
        let (store, emit, offset) = (self.searches.store().clone(), self.emitter(), self.offset);
        slot.submit(generation, move |_| {
            if let Some(action) = execute(&store, effect, offset) {
                emit(action);
            }
        });
        None
    }

    fn emitter(&self) -> impl Fn(Action) + Send + 'static {
        let replies = self.replies.clone();
        move |action| {
            let _ = replies.send(action);
        }
    }
}

/// Hands a search's answers to the UI as [`Action::Results`].
struct Replies<E> {
    store: Store,
    generation: u64,
    emit: E,
}

impl<E: FnMut(Action)> SearchSink for Replies<E> {
    fn partial(&mut self, answer: SearchAnswer) {
        (self.emit)(results(&self.store, self.generation, answer));
    }
    fn complete(&mut self, answer: SearchAnswer) {
        (self.emit)(results(&self.store, self.generation, answer));
    }
}

/// The store's question behind a search effect.
fn search_request(effect: Effect) -> Option<(u64, SearchRequest)> {
    match effect {
        Effect::Query { generation, query } => Some((generation, SearchRequest::keyword(query))),
        Effect::Fuzzy { generation, pattern, base } => Some((
            generation,
            SearchRequest { query: base, fuzzy: Some(FuzzyRequest { pattern, limit: FUZZY_LIMIT }), snippets: false },
        )),
        _ => None,
    }
}

/// Like [`execute`], but a search over a large store answers twice (partial, then complete; see
/// [`Store::search_in_passes`]). Blocking; for the benchmark, which drives the UI in-process.
pub fn execute_in_passes(store: &Store, effect: Effect, offset: FixedOffset, emit: &mut dyn FnMut(Action)) {
    match search_request(effect.clone()) {
        Some((generation, request)) => {
            store.search_in_passes(&request, &mut Replies { store: store.clone(), generation, emit })
        }
        None => {
            if let Some(action) = execute(store, effect, offset) {
                emit(action);
            }
        }
    }
}

/// Does the store work an effect asks for and returns the action carrying the answer. Blocking:
/// the runtime calls it on a blocking thread (the benchmark calls it directly). The pager and
/// the clipboard are the terminal's business and give `None` here.
pub fn execute(store: &Store, effect: Effect, offset: FixedOffset) -> Option<Action> {
    let action = match effect {
        Effect::Summaries(entries) => Action::Summaries(store.summaries(&entries)),
        Effect::Snippets { generation, query, entries } => {
            Action::Snippets { generation, snippets: store.snippets(&entries, &query) }
        }
        search @ (Effect::Query { .. } | Effect::Fuzzy { .. }) => {
            let (generation, request) = search_request(search)?;
            results(store, generation, store.search(&request))
        }
        Effect::Detail { entry, width } => {
            let data = store
                .read_record_and_raw(entry)
                .map(|(record, raw)| {
                    let history = store.turn(entry).map_or(0, |turn| turn.history as usize);
                    let later = store.results_handed_back(entry);
                    let mut data = detail::prepare_turn(entry, record, &raw, history, &later);
                    data.lay_out(width);
                    Arc::new(data)
                })
                .map_err(|err| err.to_string());
            Action::Detail { entry, data }
        }
        Effect::Conversation { generation, session } => {
            let data = store
                .read_transcript(&store.conversation(&session), HISTORY_LISTED)
                .map(|read| {
                    let clock = Clock::fixed(offset, chrono::Utc::now());
                    (Arc::new(detail::conversation_doc(&session, &read, &clock)), read.records.len())
                })
                .map_err(|err| err.to_string());
            Action::Conversation { generation, session, data }
        }
        Effect::Facets(facet) => {
            let names = match facet {
                Facet::Session => store.sessions().into_iter().filter_map(|s| Some((s.session_id, s.name?))).collect(),
                _ => HashMap::new(),
            };
            Action::Facets { facet, values: store.facet_counts(facet), names }
        }
        Effect::Stats { generation, query, session } => {
            Action::Stats { generation, data: Arc::new(compute_stats(store, &query, session.as_deref())) }
        }
        Effect::BadLines => Action::BadLines(store.bad_lines()),
        Effect::Goto { generation, query, at } => Action::GotoRow { generation, row: nearest_row(store, &query, at) },
        Effect::Pager(_) | Effect::Copy(_) | Effect::Redraw => return None,
    };
    Some(action)
}

/// The row of `query`'s newest-first result whose record is nearest `at` (ties: the newer).
fn nearest_row(store: &Store, query: &Query, at: crate::record::Timestamp) -> Option<usize> {
    let entries = store.query(&Query { limit: None, ..query.clone() }).entries;
    let instant = |row: usize| store.summary(entries[row]).map(|s| s.timestamp.as_utc());
    let target = at.as_utc();
    // Newest first: the rows at or before `at` start at `older`.
    let older = entries.partition_point(|&e| store.summary(e).is_some_and(|s| s.timestamp.as_utc() > target));
    let distance = |row: usize| instant(row).map(|t| (t - target).num_milliseconds().abs());
    match (older.checked_sub(1), (older < entries.len()).then_some(older)) {
        (Some(newer), Some(older)) if distance(older) < distance(newer) => Some(older),
        (Some(newer), _) => Some(newer),
        (None, older) => older,
    }
}

fn results(store: &Store, generation: u64, answer: SearchAnswer) -> Action {
    Action::Results(QueryReply {
        generation,
        entries: answer.entries,
        hits: answer.hits,
        partial: !answer.complete,
        store_len: store.len(),
        bad_lines: store.bad_lines().len(),
        loading: store.is_loading(),
        dir_exists: store.dir().is_dir(),
    })
}

fn compute_stats(store: &Store, query: &Query, session: Option<&str>) -> super::stats_data::StatsData {
    let entries = store.query(query).entries;
    let instant = |entry| store.summary(entry).map(|summary| summary.timestamp.as_utc());
    // Newest first: the ends of the list bound the time span.
    let span = entries.first().and_then(|&newest| Some((instant(*entries.last()?)?, instant(newest)?)));
    let mut builder = StatsBuilder::new(span.map(|(oldest, newest)| (oldest.min(newest), oldest.max(newest))));
    for chunk in entries.chunks(STATS_CHUNK) {
        for summary in store.summaries(chunk) {
            builder.add(&summary);
        }
    }
    let mut data = builder.finish();
    data.answers = store.stats(query);
    if let Some(session) = session {
        data.context = store.context_sizes(session).iter().map(|point| point.prompt_tokens).collect();
        data.context_session = Some(session.to_owned());
    }
    data
}
