//! `interlog sessions`: one row a session, named by its agent's title or its first prompt.

use chrono::Utc;
use clap::Args;

use super::bad_lines::report_bad_lines;
use super::format::{short_time, tokens, Today};
use super::output::Output;
use super::table::{Cell, Column, Table};
use super::{load, CliResult, Failure};
use crate::present::ansi::{Style, Terminal};
use crate::record::Timestamp;
use crate::sanitize::sanitize_line;
use crate::source::Source;
use crate::store::{parse_time_arg, SessionQuery, SessionSummary};

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Only sessions of this project (exact)
    #[arg(long)]
    pub project: Option<String>,
    /// Only sessions from this client (exact)
    #[arg(long)]
    pub client: Option<String>,
    /// Only sessions with a turn at or after T (RFC 3339, YYYY-MM-DD, or 30m / 2h / 7d back)
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// At most N sessions, the most recently active
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// JSONL: session_id, project, client, turns, first, last, input_tokens, output_tokens, name
    #[arg(long)]
    pub json: bool,
}

impl SessionsArgs {
    fn query(&self, now: chrono::DateTime<Utc>) -> Result<SessionQuery, Failure> {
        let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
        let since = self
            .since
            .as_deref()
            .map(|text| parse_time_arg(text, now).map_err(|err| Failure::Usage(format!("--since: {err}"))))
            .transpose()?;
        Ok(SessionQuery { project: given(&self.project), client: given(&self.client), since, limit: self.limit })
    }
}

pub fn run_sessions(sources: &[Source], args: SessionsArgs, verbose: bool) -> CliResult {
    let query = args.query(Utc::now())?;
    let store = load(sources)?;
    let sessions = store.sessions_where(&query);
    let mut out = Output::stdout();
    if args.json {
        for session in &sessions {
            out.raw_line(session_json(session).as_bytes())?;
        }
    } else if !sessions.is_empty() {
        out.text(&sessions_table(&sessions, &Terminal::detect(), Today::now()))?;
    }
    out.finish()?;
    report_bad_lines(&store.bad_lines(), verbose);
    Ok(())
}

fn sessions_table(sessions: &[SessionSummary], terminal: &Terminal, today: Today) -> String {
    let mut table = Table::new(vec![
        Column::left("SESSION", 36).at_least(36),
        Column::flexible("NAME"),
        Column::left("PROJECT", 24).droppable(4),
        Column::left("CLIENT", 16).droppable(0),
        Column::right("TURNS"),
        Column::fixed("FIRST").droppable(1),
        Column::fixed("LAST"),
        Column::right("IN").droppable(3),
        Column::right("OUT").droppable(2),
    ]);
    for session in sessions {
        let optional = |value: &Option<String>| sanitize_line(value.as_deref().unwrap_or("")).into_owned();
        let name = Cell::styled(optional(&session.name), if session.titled { Style::Bold } else { Style::Plain });
        table.push(vec![
            Cell::styled(sanitize_line(&session.session_id), Style::Accent),
            name,
            Cell::new(optional(&session.project)),
            Cell::new(optional(&session.client)),
            Cell::new(session.turns.to_string()),
            Cell::styled(short_time(&session.first, today), Style::Dim),
            Cell::styled(short_time(&session.last, today), Style::Dim),
            Cell::new(tokens(session.input_tokens)),
            Cell::new(tokens(session.output_tokens)),
        ]);
    }
    table.render(terminal)
}

/// RFC 3339 in UTC (`Z`) with milliseconds, whatever offset the record was written with.
fn utc(at: &Timestamp) -> String {
    Timestamp::from_utc(at.as_utc()).to_rfc3339()
}

/// The contract's keys, in its order, then `name`; absent project, client or name are `null`.
fn session_json(session: &SessionSummary) -> String {
    serde_json::json!({
        "session_id": session.session_id,
        "project": session.project,
        "client": session.client,
        "turns": session.turns,
        "first": utc(&session.first),
        "last": utc(&session.last),
        "input_tokens": session.input_tokens,
        "output_tokens": session.output_tokens,
        "name": session.name,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_json_has_the_contract_keys_in_order_then_the_name() {
        let at = Timestamp::parse("2026-11-21T14:00:00Z").unwrap();
        let session = SessionSummary {
            session_id: "s".into(),
            name: Some("fix the test".into()),
            titled: false,
            project: None,
            client: Some("c".into()),
            turns: 2,
            first: at,
            last: at,
            input_tokens: 7,
            output_tokens: 3,
        };
        assert_eq!(
            session_json(&session),
            r#"{"session_id":"s","project":null,"client":"c","turns":2,"first":"2026-11-21T14:00:00.000Z","last":"2026-11-21T14:00:00.000Z","input_tokens":7,"output_tokens":3,"name":"fix the test"}"#
        );
    }

    #[test]
    fn a_since_that_does_not_parse_is_a_usage_error() {
        let args =
            SessionsArgs { project: None, client: None, since: Some("soonish".into()), limit: None, json: false };
        match args.query(Utc::now()) {
            Err(Failure::Usage(message)) => assert!(message.starts_with("--since: "), "{message}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
    }
}
