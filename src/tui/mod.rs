//! The terminal UI (issue 4): Event → [`Action`](testing::Action) → `update` → render of `&App`.
//!
//! `keymap` turns terminal events into actions by the one key table; `update` is the only place
//! state changes and answers with effects; the runtime performs those off the UI loop (store
//! queries, record loading) and feeds the results back as actions through one `tokio::select!`
//! loop; `view` draws the state and does nothing else.
//!
//! For embedders the UI is [`run`] with its [`Options`]; everything else is private to the crate
//! (the modules are private, `App`'s fields private to this module), so "only `update` changes
//! state" holds by type. The tests and benchmarks drive it through [`testing`].

mod action;
mod app;
mod command;
mod detail;
mod find;
mod keymap;
mod reading;
mod runtime;
mod stats_data;
mod theme;
mod transcript_shape;
mod tty;
mod untrusted;
mod update;
mod view;

pub mod testing;

pub use runtime::{run, Options, TuiError};
