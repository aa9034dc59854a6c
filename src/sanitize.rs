//! Record text is untrusted: this is the one place that makes it safe for a terminal.
//!
//! Control characters (C0, DEL, C1), bidirectional overrides and isolates, and other invisible
//! format characters that can reorder or hide text are replaced by visible escapes such as
//! `\x1b` or `\u{202e}`. Everything that writes record text to a terminal goes through here.
//!
//! Characters whose width terminals disagree on are made certain too, because a UI that counts
//! one width where the terminal draws another leaves stray glyphs until the next full redraw:
//! a flag (two regional indicators, one cell each for some, one double cell for others) is shown
//! as its letters in brackets (`[DE]`), and a skin-tone modifier (two cells alone, none after an
//! emoji) as an escape.

use std::borrow::Cow;
use std::fmt::Write;

/// For one-line contexts (table cells, list rows): newlines and tabs are escaped too.
pub fn sanitize_line(text: &str) -> Cow<'_, str> {
    sanitize_with(text, Layout::Line)
}

/// For multi-line contexts (detail panes, transcripts): `\n` is kept, `\r\n` becomes `\n`, a tab
/// becomes four spaces; every other control character is escaped.
pub fn sanitize_block(text: &str) -> Cow<'_, str> {
    sanitize_with(text, Layout::Block)
}

/// True for characters that must never reach a terminal as themselves.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible_format(c)
}

const REGIONAL_A: u32 = 0x1F1E6;

fn regional_letter(c: char) -> Option<char> {
    let offset = u32::from(c).checked_sub(REGIONAL_A).filter(|offset| *offset < 26)?;
    char::from_u32(u32::from('A') + offset)
}

fn is_skin_tone(c: char) -> bool {
    matches!(c, '\u{1F3FB}'..='\u{1F3FF}')
}

/// True for characters the terminal may draw at another width than the UI counts.
fn is_uncertain_width(c: char) -> bool {
    regional_letter(c).is_some() || is_skin_tone(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn is_invisible_format(c: char) -> bool {
    // Zero-width characters (joiners too: one hidden between letters changes nothing visible
    // but what is matched and copied), the soft hyphen, word joiners and invisible operators,
    // tag characters (invisible text), and line/paragraph separators hide or break text in a
    // terminal cell.
    matches!(
        c,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Line,
    Block,
}

fn sanitize_with(text: &str, layout: Layout) -> Cow<'_, str> {
    let needs_work =
        text.chars().any(|c| (is_unsafe_char(c) && !(layout == Layout::Block && c == '\n')) || is_uncertain_width(c));
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, layout) {
            ('\n', Layout::Block) => out.push('\n'),
            ('\r', Layout::Block) if chars.peek() == Some(&'\n') => {}
            ('\t', Layout::Block) => out.push_str("    "),
            ('\n', Layout::Line) => out.push_str("\\n"),
            ('\t', Layout::Line) => out.push_str("\\t"),
            ('\r', Layout::Line) => out.push_str("\\r"),
            (c, _) if is_unsafe_char(c) || is_skin_tone(c) => push_escape(&mut out, c),
            (c, _) if regional_letter(c).is_some() => {
                out.push('[');
                out.extend(regional_letter(c));
                if let Some(second) = chars.peek().copied().and_then(regional_letter) {
                    out.push(second);
                    chars.next();
                }
                out.push(']');
            }
            (c, _) => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn push_escape(out: &mut String, c: char) {
    let code = u32::from(c);
    let _ = if code <= 0xFF { write!(out, "\\x{code:02x}") } else { write!(out, "\\u{{{code:04x}}}") };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_terminal_control() {
        let hostile = "a\x1b[31mred\x07\u{9b}2J\u{7f}\u{202e}evil\u{2066}x\u{200b}";
        let safe = sanitize_line(hostile);
        assert_eq!(safe, "a\\x1b[31mred\\x07\\x9b2J\\x7f\\u{202e}evil\\u{2066}x\\u{200b}");
        assert!(!safe.chars().any(is_unsafe_char));
    }

    #[test]
    fn escapes_every_invisible_character() {
        for c in ['\u{200c}', '\u{200d}', '\u{2060}', '\u{e0000}', '\u{e0041}', '\u{e007f}', '\u{ad}', '\u{180e}'] {
            let text = format!("a{c}b");
            let safe = sanitize_line(&text);
            let code = u32::from(c);
            let escape = if code < 0x100 { format!("\\x{code:02x}") } else { format!("\\u{{{code:x}}}") };
            assert_eq!(safe, format!("a{escape}b"));
            assert_eq!(sanitize_block(&text), safe);
        }
    }

    #[test]
    fn blocks_keep_newlines_and_lines_escape_them() {
        assert_eq!(sanitize_block("a\r\nb\tc\rd"), "a\nb    c\\x0dd");
        assert_eq!(sanitize_line("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn flags_and_skin_tones_get_a_certain_width() {
        assert_eq!(sanitize_line("go \u{1F1E9}\u{1F1EA}!"), "go [DE]!");
        assert_eq!(sanitize_line("\u{1F1E9}\u{1F1EA}\u{1F1EB}\u{1F1F7}\u{1F1FA}"), "[DE][FR][U]");
        assert_eq!(sanitize_block("\u{1F44D}\u{1F3FD} ok"), "\u{1F44D}\\u{1f3fd} ok");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize_line("café 日本 🙂"), Cow::Borrowed(_)));
        assert!(matches!(sanitize_block("two\nlines"), Cow::Borrowed(_)));
    }
}
