//! The integration tests, as one binary: each file below is a module, so the crate and its
//! dependencies are linked once instead of once per file (the biggest cost of a fresh `cargo test`).

#[cfg(feature = "cli")]
mod cli_support;
#[cfg(all(feature = "server", feature = "export"))]
mod otlp_support;
#[cfg(feature = "proxy")]
mod proxy_support;
#[cfg(feature = "server")]
mod server_support;
#[cfg(feature = "store")]
mod store_common;
#[cfg(feature = "tui")]
mod tui_support;

mod capture_config;
mod capture_writer;
mod cli_read;
mod cli_read_tty;
mod cli_record;
mod cli_tui_flags;
mod hardening;
mod otlp;
mod present_history;
mod proxy;
mod record_model;
mod search_fronts;
mod search_owner;
mod search_scope;
mod server_api;
mod server_cli;
mod server_load;
mod sources;
mod store_follow;
mod store_load;
mod store_search;
mod store_search_oracle;
mod store_stats;
mod store_turns;
mod tui_command;
mod tui_keys;
mod tui_pty;
mod tui_reading;
mod tui_snapshots;
mod tui_update;
