//! The bad-line report (docs/format.md §2: bad lines are counted and reported, never fatal).

use crate::sanitize::sanitize_line;
use crate::store::BadLine;

/// Bad lines go to stderr after the data: one summary line, or with `--verbose` one line each.
pub fn report_bad_lines(bad_lines: &[BadLine], verbose: bool) {
    for line in bad_line_report(bad_lines, verbose) {
        eprintln!("{line}");
    }
}

fn bad_line_report(bad_lines: &[BadLine], verbose: bool) -> Vec<String> {
    let mut sorted: Vec<&BadLine> = bad_lines.iter().collect();
    sorted.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    if verbose {
        return sorted.iter().map(|bad| format!("interlog: bad line {}", describe(bad))).collect();
    }
    let Some(first) = sorted.first() else { return Vec::new() };
    let count = sorted.len();
    let noun = if count == 1 { "bad line" } else { "bad lines" };
    vec![format!("interlog: {count} {noun} skipped (first: {}); --verbose lists them", describe(first))]
}

/// `interactions-2026-11-20.jsonl:17: reason` (the file's name: the directory is the user's own).
fn describe(bad: &BadLine) -> String {
    let name =
        bad.file.file_name().map_or_else(|| bad.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    sanitize_line(&format!("{}: {}", bad.place(&name), bad.reason)).into_owned()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn bad(file: &str, line: u64, reason: &str) -> BadLine {
        BadLine { file: PathBuf::from(format!("/logs/{file}")), line, reason: reason.into() }
    }

    #[test]
    fn bad_lines_summarise_to_one_line_naming_the_first() {
        let lines =
            [bad("interactions-2026-11-21.jsonl", 2, "no id"), bad("interactions-2026-11-20.jsonl", 17, "not JSON")];
        assert_eq!(
            bad_line_report(&lines, false),
            ["interlog: 2 bad lines skipped (first: interactions-2026-11-20.jsonl:17: not JSON); --verbose lists them"]
        );
        assert_eq!(
            bad_line_report(&lines, true),
            [
                "interlog: bad line interactions-2026-11-20.jsonl:17: not JSON",
                "interlog: bad line interactions-2026-11-21.jsonl:2: no id"
            ]
        );
        assert!(bad_line_report(&[], false).is_empty());
        assert!(bad_line_report(&[], true).is_empty());
    }

    #[test]
    fn bad_line_reasons_are_sanitised() {
        let report = bad_line_report(&[bad("interactions-2026-11-20.jsonl", 1, "near \x1b[2J")], false);
        assert!(report[0].contains("near \\x1b[2J"), "{report:?}");
    }
}
