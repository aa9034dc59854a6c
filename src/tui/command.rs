//! The `:` command line: filters people reach for, typed (`since 2h`, `model opus`, `errors`,
//! `goto 14:00`, `clear`). Parsing only; `update` applies what it returns.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};

use crate::record::Timestamp;
use crate::store::parse_time_arg;

/// Every command, with what it takes, for completion and the inline help.
pub const COMMANDS: [(&str, &str); 11] = [
    ("since", "T: records at or after T (2h, 14:00, 2026-12-01, RFC 3339); alone: no lower bound"),
    ("until", "T: records before T; alone: no upper bound"),
    ("goto", "T: select the record nearest T"),
    ("model", "NAME: only this model; alone: any"),
    ("errors", "only failed exchanges (again: all)"),
    ("tag", "TAG: only records with this tag (adds); alone: no tag filter"),
    ("stop", "REASON: only this stop reason; alone: any"),
    ("session", "ID: only this session; alone: any"),
    ("project", "NAME: only this project; alone: any"),
    ("client", "NAME: only this client; alone: any"),
    ("clear", "drop every filter"),
];

/// A command, parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Since(Option<Timestamp>),
    Until(Option<Timestamp>),
    Goto(Timestamp),
    Model(Option<String>),
    Errors,
    Tag(Option<String>),
    Stop(Option<String>),
    Session(Option<String>),
    Project(Option<String>),
    Client(Option<String>),
    Clear,
}

/// Reads one command line; the error says what was wrong, for the line itself.
pub fn parse(line: &str, now: DateTime<Utc>, offset: FixedOffset) -> Result<Command, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let value = || (!rest.is_empty()).then(|| rest.to_owned());
    let name = resolve(word)?;
    let time = |what: &str| {
        parse_time(rest, now, offset)
            .map_err(|_| format!("{what}: cannot read {rest:?} as a time (2h, 14:00, 2026-12-01, RFC 3339)"))
    };
    Ok(match name {
        "since" if rest.is_empty() => Command::Since(None),
        "since" => Command::Since(Some(time("since")?)),
        "until" if rest.is_empty() => Command::Until(None),
        "until" => Command::Until(Some(time("until")?)),
        "goto" if rest.is_empty() => return Err("goto: give a time (14:00, 2h, 2026-12-01T09:30)".into()),
        "goto" => Command::Goto(time("goto")?),
        "model" => Command::Model(value()),
        "errors" if rest.is_empty() => Command::Errors,
        "errors" => return Err("errors takes nothing".into()),
        "tag" => Command::Tag(value()),
        "stop" => Command::Stop(value()),
        "session" => Command::Session(value()),
        "project" => Command::Project(value()),
        "client" => Command::Client(value()),
        "clear" if rest.is_empty() => Command::Clear,
        _ => return Err(format!("{name} takes nothing")),
    })
}

/// The command a word names: itself, or the only command it starts.
fn resolve(word: &str) -> Result<&'static str, String> {
    if word.is_empty() {
        return Err(format!("type a command: {}", names().join(", ")));
    }
    let matching: Vec<&'static str> = names().into_iter().filter(|name| name.starts_with(word)).collect();
    match matching.as_slice() {
        [one] => Ok(one),
        _ if matching.contains(&word) => Ok(matching.into_iter().find(|n| *n == word).unwrap_or_default()),
        [] => Err(format!("unknown command {word:?}: {}", names().join(", "))),
        many => Err(format!("{word:?} could be {}", many.join(", "))),
    }
}

fn names() -> Vec<&'static str> {
    COMMANDS.iter().map(|(name, _)| *name).collect()
}

/// What Tab makes of the line: the command name completed (with a space), when one fits.
pub fn complete(line: &str) -> Option<String> {
    let word = line.trim_start();
    if word.contains(char::is_whitespace) {
        return None;
    }
    let matching: Vec<&str> = names().into_iter().filter(|name| name.starts_with(word)).collect();
    match matching.as_slice() {
        [one] => Some(format!("{one} ")),
        [] => None,
        many => {
            let common = common_prefix(many);
            (common.len() > word.len()).then(|| common.to_owned())
        }
    }
}

/// The hint under the line while typing: the matching commands and what each takes.
pub fn hint(line: &str) -> String {
    let word = line.split_whitespace().next().unwrap_or_default();
    let matching: Vec<&(&str, &str)> = COMMANDS.iter().filter(|(name, _)| name.starts_with(word)).collect();
    match matching.as_slice() {
        [] => format!("unknown command {word:?}"),
        [(name, takes)] => format!("{name} {takes}"),
        many => many.iter().map(|(name, _)| *name).collect::<Vec<_>>().join("  "),
    }
}

fn common_prefix<'a>(words: &[&'a str]) -> &'a str {
    let first = words.first().copied().unwrap_or_default();
    let mut len = first.len();
    for word in words {
        len = len.min(first.bytes().zip(word.bytes()).take_while(|(a, b)| a == b).count());
    }
    &first[..len]
}

/// A time as the command line takes it: what `--since` takes, or a clock time today (local, as
/// the list shows times), yesterday when that is still to come.
pub fn parse_time(text: &str, now: DateTime<Utc>, offset: FixedOffset) -> Result<Timestamp, String> {
    if let Ok(at) = parse_time_arg(text, now) {
        return Ok(at);
    }
    let clock = ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|form| NaiveTime::parse_from_str(text.trim(), form).ok())
        .ok_or_else(|| format!("cannot read {text:?} as a time"))?;
    let today = now.with_timezone(&offset).date_naive();
    let at = offset.from_local_datetime(&today.and_time(clock)).single().ok_or("no such local time")?;
    let at = if at.with_timezone(&Utc) > now { at - Duration::days(1) } else { at };
    Ok(Timestamp::from(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Timestamp::parse("2026-12-01T15:30:00Z").unwrap().as_utc()
    }

    fn run(line: &str) -> Result<Command, String> {
        parse(line, now(), FixedOffset::east_opt(3600).unwrap())
    }

    fn at(text: &str) -> Option<Timestamp> {
        Timestamp::parse(text)
    }

    #[test]
    fn commands_and_their_values() {
        let cases: Vec<(&str, Command)> = vec![
            ("since 2h", Command::Since(at("2026-12-01T13:30:00Z"))),
            ("since", Command::Since(None)),
            ("until 2026-12-01", Command::Until(at("2026-12-01T00:00:00Z"))),
            ("goto 14:00", Command::Goto(at("2026-12-01T14:00:00+01:00").unwrap())),
            // Later today than now: yesterday's.
            ("goto 18:00", Command::Goto(at("2026-11-30T18:00:00+01:00").unwrap())),
            ("model claude-opus", Command::Model(Some("claude-opus".into()))),
            ("model", Command::Model(None)),
            ("errors", Command::Errors),
            ("tag  weekly ", Command::Tag(Some("weekly".into()))),
            ("stop max_tokens", Command::Stop(Some("max_tokens".into()))),
            ("session abc", Command::Session(Some("abc".into()))),
            ("project web", Command::Project(Some("web".into()))),
            ("client aider", Command::Client(Some("aider".into()))),
            ("clear", Command::Clear),
            // A unique prefix names its command.
            ("sin 30m", Command::Since(at("2026-12-01T15:00:00Z"))),
            ("e", Command::Errors),
        ];
        for (line, want) in cases {
            assert_eq!(run(line), Ok(want), "{line}");
        }
    }

    #[test]
    fn errors_say_what_was_wrong() {
        for (line, says) in [
            ("frobnicate", "unknown command \"frobnicate\""),
            ("s 2h", "could be since, stop, session"),
            ("since soon", "since: cannot read \"soon\""),
            ("goto", "goto: give a time"),
            ("errors please", "errors takes nothing"),
            ("clear all", "clear takes nothing"),
            ("", "type a command"),
        ] {
            let error = run(line).unwrap_err();
            assert!(error.contains(says), "{line}: {error}");
        }
    }

    #[test]
    fn tab_completes_the_command_name() {
        assert_eq!(complete("mo").as_deref(), Some("model "));
        assert_eq!(complete("s").as_deref(), None, "since, stop, session share only `s`");
        assert_eq!(complete("se").as_deref(), Some("session "));
        assert_eq!(complete("c").as_deref(), Some("cl"), "clear and client share `cl`");
        assert_eq!(complete("since 2"), None);
        assert_eq!(hint("un"), format!("until {}", COMMANDS[1].1));
        assert_eq!(hint("s"), "since  stop  session");
    }
}
