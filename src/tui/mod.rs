//! The terminal UI (issue 4): Event → [`Action`] → [`update`] → render of `&App`.
//!
//! `keymap` turns terminal events into actions; `update` is the only place state changes and
//! answers with [`Effect`]s; the runtime performs those off the UI loop (store queries, record
//! loading) and feeds the results back as actions through one `tokio::select!` loop; `view`
//! draws the state and does nothing else.

pub mod action;
pub mod app;
pub mod demo;
pub mod detail;
pub mod keymap;
mod runtime;
pub mod stats;
mod terminal;
pub mod theme;
pub mod update;
pub mod view;

pub use action::{Action, Effect, QueryReply};
pub use app::App;
pub use runtime::{execute, execute_in_passes, run, Options, TuiError, FIRST_PASS};
pub use update::update;
