//! Table cells: padding, short ids, and the presentation layer's times, units and widths.

pub use crate::present::time::{short_time, Today};

pub use crate::present::units::{duration, tokens};

pub use crate::present::text::{cut_to_width, display_width};

/// `text` padded with spaces to `width` columns (it must already fit).
pub fn pad_right(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(fill))
}

pub fn pad_left(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{}{text}", " ".repeat(fill))
}

/// The first `n` characters of a session id: enough to tell sessions apart in a table.
pub fn short_id(id: &str, n: usize) -> String {
    id.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_counts_columns_not_bytes() {
        assert_eq!(pad_right("日本", 6), "日本  ");
        assert_eq!(pad_left("é", 3), "  é");
    }
}
