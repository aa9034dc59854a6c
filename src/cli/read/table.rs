//! Aligned tables that fit a width: every column is as wide as its widest cell (up to a cap),
//! the flexible column takes what is left, and cells that do not fit are cut with `…`.

use super::format::{cut_to_width, display_width, pad_left, pad_right};
use super::terminal::{Style, Terminal};

const GAP: &str = "  ";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column's layout rules.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: &'static str,
    pub align: Align,
    /// Never wider than this (cells are cut).
    pub max: usize,
    /// Columns may shrink down to this when the line is too wide (`usize::MAX`: never shrinks).
    pub min: usize,
    /// Shrinks only once every column without it is at its minimum (ids people copy).
    pub keep: bool,
    /// Takes the width left over (at most one column).
    pub flexible: bool,
}

impl Column {
    pub fn left(header: &'static str, max: usize) -> Self {
        Column { header, align: Align::Left, max, min: max.min(header.len().max(6)), keep: false, flexible: false }
    }

    /// Right-aligned numbers: never cut.
    pub fn right(header: &'static str) -> Self {
        Column { header, align: Align::Right, max: usize::MAX, min: usize::MAX, keep: false, flexible: false }
    }

    /// A left-aligned column that keeps its full width (times, marks).
    pub fn fixed(header: &'static str) -> Self {
        Column { header, align: Align::Left, max: usize::MAX, min: usize::MAX, keep: false, flexible: false }
    }

    pub fn flexible(header: &'static str) -> Self {
        Column { header, align: Align::Left, max: usize::MAX, min: 10, keep: false, flexible: true }
    }

    /// Shrink this column last, and not below `min`.
    pub fn kept(mut self, min: usize) -> Self {
        self.keep = true;
        self.min = min;
        self
    }
}

/// One cell: text that has already been sanitised, and how to paint it.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Cell { text: text.into(), style: Style::Plain }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell { text: text.into(), style }
    }
}

pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Self {
        Table { columns, rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The header line and one line per row, each ended by `\n`, none wider than the terminal
    /// (unless even the minimum widths do not fit).
    pub fn render(&self, terminal: &Terminal) -> String {
        let widths = self.layout(terminal.width);
        let mut out = String::new();
        let header: Vec<Cell> = self.columns.iter().map(|c| Cell::styled(c.header, Style::Header)).collect();
        self.render_row(&header, &widths, terminal, &mut out);
        for row in &self.rows {
            self.render_row(row, &widths, terminal, &mut out);
        }
        out
    }

    fn render_row(&self, row: &[Cell], widths: &[usize], terminal: &Terminal, out: &mut String) {
        let last = self.columns.len().saturating_sub(1);
        let mut line = String::new();
        for (index, (column, &width)) in self.columns.iter().zip(widths).enumerate() {
            let cell = row.get(index);
            let text = cut_to_width(cell.map_or("", |c| c.text.as_str()), width);
            let laid_out = match column.align {
                Align::Right => pad_left(&text, width),
                // The last column is not padded: no trailing white space.
                Align::Left if index == last => text,
                Align::Left => pad_right(&text, width),
            };
            if index > 0 {
                line.push_str(GAP);
            }
            line.push_str(&terminal.paint(cell.map_or(Style::Plain, |c| c.style), &laid_out));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }

    /// Natural widths capped at each column's max; the flexible column gets the rest; while the
    /// line is too wide, the widest shrinkable column gives up a column at a time.
    fn layout(&self, total: usize) -> Vec<usize> {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let natural = self.rows.iter().filter_map(|row| row.get(index)).map(|c| display_width(&c.text)).max();
                natural.unwrap_or(0).max(column.header.len()).min(column.max)
            })
            .collect();
        let gaps = GAP.len() * self.columns.len().saturating_sub(1);
        let flexible = self.columns.iter().position(|c| c.flexible);
        let flexible_min = flexible.map_or(0, |flex| self.columns[flex].min.min(widths[flex]));
        let others = |widths: &[usize]| -> usize {
            widths.iter().enumerate().filter(|&(i, _)| Some(i) != flexible).map(|(_, w)| w).sum()
        };
        while others(&widths) + gaps + flexible_min > total {
            match self.shrinkable(&widths, flexible) {
                Some(i) => widths[i] -= 1,
                None => break,
            }
        }
        if let Some(flex) = flexible {
            let left = total.saturating_sub(others(&widths) + gaps);
            widths[flex] = widths[flex].min(left.max(flexible_min));
        }
        widths
    }

    /// The widest column that may still shrink, preferring columns not marked `keep`.
    fn shrinkable(&self, widths: &[usize], flexible: Option<usize>) -> Option<usize> {
        let candidates = |keep: bool| {
            widths
                .iter()
                .enumerate()
                .filter(|&(i, &w)| {
                    let column = &self.columns[i];
                    Some(i) != flexible && column.keep == keep && w > column.min.max(column.header.len())
                })
                .max_by_key(|&(_, &w)| w)
                .map(|(i, _)| i)
        };
        candidates(false).or_else(|| candidates(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut table = Table::new(vec![
            Column::fixed("TIME"),
            Column::left("PROJECT", 12),
            Column::right("IN"),
            Column::flexible("PROMPT"),
        ]);
        table.push(vec![Cell::new("14:00:00"), Cell::new("日本語"), Cell::new("5"), Cell::new("short")]);
        table.push(vec![
            Cell::new("14:00:01"),
            Cell::new("a-very-long-project-name"),
            Cell::new("12345"),
            Cell::new("a prompt that is much too long for the width we are given here"),
        ]);
        table
    }

    #[test]
    fn columns_align_by_display_width() {
        let out = table().render(&Terminal::plain(60));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "TIME      PROJECT          IN  PROMPT");
        assert_eq!(lines[1], "14:00:00  日本語            5  short");
        assert!(lines[2].starts_with("14:00:01  a-very-long…  12345  a prompt"), "{}", lines[2]);
        assert!(lines.iter().all(|l| display_width(l) <= 60), "{out}");
        assert!(lines[2].ends_with('…'));
    }

    #[test]
    fn narrow_terminals_shrink_capped_columns_before_the_prompt_disappears() {
        let out = table().render(&Terminal::plain(40));
        for line in out.lines() {
            assert!(display_width(line) <= 40, "{line:?}");
        }
    }

    #[test]
    fn without_a_flexible_column_kept_columns_shrink_last() {
        let mut table = Table::new(vec![Column::left("ID", 40).kept(12), Column::left("NAME", 30), Column::right("N")]);
        table.push(vec![Cell::new("x".repeat(36)), Cell::new("y".repeat(30)), Cell::new("12345")]);
        let out = table.render(&Terminal::plain(60));
        let row = out.lines().nth(1).unwrap();
        assert_eq!(display_width(row), 60, "{row}");
        assert!(row.starts_with(&"x".repeat(36)), "{row}");
        assert!(row.ends_with("  12345"), "{row}");
        let narrow = table.render(&Terminal::plain(40));
        let row = narrow.lines().nth(1).unwrap();
        assert!(row.starts_with(&format!("{}…  yyyyy…  12345", "x".repeat(24))), "{row}");
    }

    #[test]
    fn colour_does_not_change_the_layout() {
        let tty = Terminal { width: 60, colour: true };
        let coloured = table().render(&tty);
        let stripped = coloured.replace("\x1b[1m", "").replace("\x1b[0m", "");
        assert_eq!(stripped, table().render(&Terminal::plain(60)));
    }
}
