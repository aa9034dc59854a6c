//! Aligned tables that fit a width: every column is as wide as its widest cell (up to a cap),
//! the flexible column takes what is left, and cells that do not fit are cut with `…`.

use std::borrow::Cow;

use super::format::{cut_to_width, display_width, pad_left, pad_right};
use crate::present::ansi::{Style, Terminal};
use crate::present::text::show_first_mark;

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
    /// Takes the width left over (at most one column).
    pub flexible: bool,
    /// For the flexible column: other columns shrink to give it this much before it goes down
    /// towards `min`.
    pub prefer: usize,
    /// When even the minimum widths do not fit, columns with a rank are left out, lowest first.
    pub drop_rank: Option<u8>,
}

impl Column {
    fn base(header: &'static str, align: Align, max: usize, min: usize) -> Self {
        Column { header, align, max, min, flexible: false, prefer: 0, drop_rank: None }
    }

    pub fn left(header: &'static str, max: usize) -> Self {
        Column::base(header, Align::Left, max, max.min(10))
    }

    /// Right-aligned numbers: never cut.
    pub fn right(header: &'static str) -> Self {
        Column::base(header, Align::Right, usize::MAX, usize::MAX)
    }

    /// A left-aligned column that keeps its full width (times, marks).
    pub fn fixed(header: &'static str) -> Self {
        Column::base(header, Align::Left, usize::MAX, usize::MAX)
    }

    /// The column that takes what is left: 30 columns if others can shrink or be left out for it,
    /// never less than 16.
    pub fn flexible(header: &'static str) -> Self {
        Column { flexible: true, prefer: 30, ..Column::base(header, Align::Left, usize::MAX, 16) }
    }

    /// Leave this column out on narrow terminals; lower ranks go first.
    pub fn droppable(mut self, rank: u8) -> Self {
        self.drop_rank = Some(rank);
        self
    }

    /// Never shrink below `min` columns (ids people copy from the table).
    pub fn at_least(mut self, min: usize) -> Self {
        self.min = min;
        self
    }
}

/// One cell: text that has already been sanitised, and how to paint it.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub style: Style,
    /// Byte ranges of `text` shown bold (a search's matches), in order; left-aligned cells only.
    pub marks: Vec<(usize, usize)>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Cell { text: text.into(), style: Style::Plain, marks: Vec::new() }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell { text: text.into(), style, marks: Vec::new() }
    }

    pub fn marked(text: String, marks: Vec<(usize, usize)>) -> Self {
        Cell { text, style: Style::Plain, marks }
    }
}

/// A table is measured row by row (only the widest cell of each column is kept), laid out
/// once, then rendered row by row: a listing of a million records never holds all its cells.
pub struct Table {
    columns: Vec<Column>,
    widest: Vec<usize>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Self {
        let widest = vec![0; columns.len()];
        Table { columns, widest, rows: Vec::new() }
    }

    /// Takes a row into account for the layout, without keeping it.
    pub fn measure(&mut self, row: &[Cell]) {
        for (widest, cell) in self.widest.iter_mut().zip(row) {
            *widest = (*widest).max(display_width(&cell.text));
        }
    }

    /// Measures and keeps a row, for [`Table::render`].
    pub fn push(&mut self, row: Vec<Cell>) {
        self.measure(&row);
        self.rows.push(row);
    }

    /// The header line and one line per kept row, each ended by `\n`.
    pub fn render(&self, terminal: &Terminal) -> String {
        let layout = self.layout(terminal);
        let mut out = layout.header();
        for row in &self.rows {
            out.push_str(&layout.row(row));
        }
        out
    }

    /// Column widths for everything measured so far: no line wider than the terminal (unless
    /// even the columns that cannot be dropped do not fit); columns with nothing in any row are
    /// left out.
    pub fn layout<'t>(&'t self, terminal: &'t Terminal) -> Layout<'t> {
        Layout { columns: &self.columns, widths: self.widths(terminal.width), terminal }
    }

    /// Each shown column's width (`None`: left out). Natural widths capped at each column's max;
    /// the widest shrinkable column gives up a column at a time until the flexible one can have
    /// its preferred width; if that is not enough, the lowest-ranked droppable column is left out
    /// and the layout starts again. The flexible column gets what is left.
    fn widths(&self, total: usize) -> Vec<Option<usize>> {
        let natural: Vec<Option<usize>> = (0..self.columns.len()).map(|index| self.natural_width(index)).collect();
        let flexible = self.columns.iter().position(|c| c.flexible);
        let mut shown = natural.clone();
        loop {
            let mut widths = shown.clone();
            let prefer = flexible.map_or(0, |flex| self.columns[flex].prefer);
            self.shrink_to_fit(&mut widths, flexible, total, prefer);
            if self.fits(&widths, flexible, total, prefer) {
                return self.fill_flexible(widths, flexible, total);
            }
            let droppable = (0..self.columns.len())
                .filter(|&i| widths[i].is_some())
                .filter_map(|i| self.columns[i].drop_rank.map(|rank| (rank, i)))
                .min();
            match droppable {
                Some((_, index)) => shown[index] = None,
                None => return self.fill_flexible(widths, flexible, total),
            }
        }
    }

    /// The widest cell or the header, capped; `None` when no row has anything in this column.
    fn natural_width(&self, index: usize) -> Option<usize> {
        let column = &self.columns[index];
        match self.widest[index] {
            0 if !column.flexible => None,
            widest => Some(widest.max(column.header.len()).min(column.max)),
        }
    }

    /// Shrinks columns until the line fits with `flexible_need` columns for the flexible one (or
    /// its natural width if less), or nothing can shrink any more.
    fn shrink_to_fit(&self, widths: &mut [Option<usize>], flexible: Option<usize>, total: usize, flexible_need: usize) {
        while !self.fits(widths, flexible, total, flexible_need) {
            let Some(index) = self.shrinkable(widths, flexible) else { return };
            if let Some(width) = widths[index].as_mut() {
                *width -= 1;
            }
        }
    }

    fn fits(&self, widths: &[Option<usize>], flexible: Option<usize>, total: usize, flexible_need: usize) -> bool {
        let need = flexible.and_then(|flex| widths[flex]).map_or(0, |natural| natural.min(flexible_need));
        Self::others(widths, flexible) + Self::gaps(widths) + need <= total
    }

    fn fill_flexible(
        &self,
        mut widths: Vec<Option<usize>>,
        flexible: Option<usize>,
        total: usize,
    ) -> Vec<Option<usize>> {
        if let Some(flex) = flexible {
            let left = total.saturating_sub(Self::others(&widths, flexible) + Self::gaps(&widths));
            if let Some(width) = widths[flex].as_mut() {
                let min = self.columns[flex].min.min(*width);
                *width = (*width).min(left.max(min));
            }
        }
        widths
    }

    fn others(widths: &[Option<usize>], flexible: Option<usize>) -> usize {
        widths.iter().enumerate().filter(|&(i, _)| Some(i) != flexible).filter_map(|(_, w)| *w).sum()
    }

    fn gaps(widths: &[Option<usize>]) -> usize {
        GAP.len() * widths.iter().filter(|w| w.is_some()).count().saturating_sub(1)
    }

    /// The widest column that may still shrink.
    fn shrinkable(&self, widths: &[Option<usize>], flexible: Option<usize>) -> Option<usize> {
        widths
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .filter(|&(i, w)| {
                let column = &self.columns[i];
                Some(i) != flexible && w > column.min.max(column.header.len())
            })
            .max_by_key(|&(_, w)| w)
            .map(|(i, _)| i)
    }
}

/// Widths decided: renders any row measured before.
pub struct Layout<'t> {
    columns: &'t [Column],
    widths: Vec<Option<usize>>,
    terminal: &'t Terminal,
}

impl Layout<'_> {
    pub fn header(&self) -> String {
        let header: Vec<Cell> = self.columns.iter().map(|c| Cell::styled(c.header, Style::Header)).collect();
        self.row(&header)
    }

    /// One line, ended by `\n`; cells cut with `…` to their column.
    pub fn row(&self, row: &[Cell]) -> String {
        let last = self.widths.iter().rposition(Option::is_some);
        let mut line = String::new();
        let mut first = true;
        for (index, (column, width)) in self.columns.iter().zip(&self.widths).enumerate() {
            let Some(width) = *width else { continue };
            let shown = row.get(index).map(|cell| match cell.marks.is_empty() || column.align != Align::Left {
                true => Cow::Borrowed(cell),
                false => {
                    let (text, marks) = show_first_mark(&cell.text, &cell.marks, width);
                    Cow::Owned(Cell { text, marks, style: cell.style })
                }
            });
            let cell = shown.as_deref();
            let text = cut_to_width(cell.map_or("", |c| c.text.as_str()), width);
            let laid_out = match column.align {
                Align::Right => pad_left(&text, width),
                // The last column is not padded: no trailing white space.
                Align::Left if Some(index) == last => text,
                Align::Left => pad_right(&text, width),
            };
            if !first {
                line.push_str(GAP);
            }
            first = false;
            match cell.filter(|c| !c.marks.is_empty() && column.align == Align::Left) {
                Some(cell) => line.push_str(&self.paint_marked(cell, &laid_out)),
                None => line.push_str(&self.terminal.paint(cell.map_or(Style::Plain, |c| c.style), &laid_out)),
            }
        }
        let mut line = line.trim_end().to_owned();
        line.push('\n');
        line
    }

    /// A cell laid out (cut, padded) with its marks bold, as far as they were kept.
    fn paint_marked(&self, cell: &Cell, laid_out: &str) -> String {
        // A cut cell keeps a prefix of its text, then `…`.
        let kept = if laid_out.starts_with(cell.text.as_str()) {
            cell.text.len()
        } else {
            laid_out.trim_end().trim_end_matches('…').len()
        };
        let mut out = String::new();
        let mut at = 0;
        for &(from, to) in &cell.marks {
            let (from, to) = (from.min(kept).max(at), to.min(kept));
            if from >= to || !laid_out.is_char_boundary(from) || !laid_out.is_char_boundary(to) {
                continue;
            }
            out.push_str(&self.terminal.paint(cell.style, &laid_out[at..from]));
            out.push_str(&self.terminal.paint(Style::Bold, &laid_out[from..to]));
            at = to;
        }
        out.push_str(&self.terminal.paint(cell.style, &laid_out[at..]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut table = Table::new(vec![
            Column::fixed("TIME"),
            Column::left("PROJECT", 12).droppable(0),
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
        let out = table().render(&Terminal::plain(100));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "TIME      PROJECT          IN  PROMPT");
        assert_eq!(lines[1], "14:00:00  日本語            5  short");
        assert!(lines[2].starts_with("14:00:01  a-very-long…  12345  a prompt"), "{}", lines[2]);
        assert!(!lines[2].ends_with('…'));
    }

    #[test]
    fn other_columns_shrink_so_the_prompt_gets_its_preferred_width() {
        let out = table().render(&Terminal::plain(60));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "TIME      PROJECT         IN  PROMPT");
        assert_eq!(lines[1], "14:00:00  日本語           5  short");
        assert_eq!(lines[2], "14:00:01  a-very-lon…  12345  a prompt that is much too lon…");
        assert!(lines.iter().all(|l| display_width(l) <= 60), "{out}");
    }

    #[test]
    fn narrow_terminals_keep_the_prompts_minimum() {
        let out = table().render(&Terminal::plain(44));
        for line in out.lines() {
            assert!(display_width(line) <= 44, "{line:?}");
        }
        assert!(out.starts_with("TIME         IN  PROMPT\n"), "{out}");
        assert!(out.contains("a prompt that i"), "{out}");
    }

    #[test]
    fn without_a_flexible_column_text_shrinks_to_its_minimum_then_ranked_columns_go() {
        let mut table = Table::new(vec![
            Column::left("ID", 40).at_least(36),
            Column::left("NAME", 30),
            Column::right("N").droppable(0),
        ]);
        table.push(vec![Cell::new("x".repeat(36)), Cell::new("y".repeat(30)), Cell::new("12345")]);
        let out = table.render(&Terminal::plain(60));
        let row = out.lines().nth(1).unwrap();
        assert_eq!(row, format!("{}  {}…  12345", "x".repeat(36), "y".repeat(14)));
        let narrow = table.render(&Terminal::plain(48));
        let row = narrow.lines().nth(1).unwrap();
        assert_eq!(row, format!("{}  {}…", "x".repeat(36), "y".repeat(9)));
    }

    #[test]
    fn empty_columns_are_left_out_and_narrow_terminals_drop_ranked_columns() {
        let mut table = Table::new(vec![
            Column::fixed("TIME"),
            Column::left("EMPTY", 10),
            Column::right("TOOLS").droppable(0),
            Column::right("TOKENS").droppable(1),
            Column::flexible("PROMPT"),
        ]);
        table.push(vec![
            Cell::new("2025-06-14 14:00"),
            Cell::new(""),
            Cell::new("3"),
            Cell::new("12345"),
            Cell::new("x".repeat(50)),
        ]);
        let wide = table.render(&Terminal::plain(80));
        assert!(wide.starts_with("TIME              TOOLS  TOKENS  PROMPT\n"), "{wide}");
        let narrow = table.render(&Terminal::plain(60));
        assert!(narrow.starts_with("TIME              TOKENS  PROMPT\n"), "{narrow}");
        assert!(narrow.lines().all(|line| display_width(line) <= 60), "{narrow}");
    }

    #[test]
    fn measuring_then_rendering_row_by_row_matches_rendering_kept_rows() {
        let rows = || {
            vec![
                vec![Cell::new("14:00:00"), Cell::new("日本語"), Cell::new("5"), Cell::new("short")],
                vec![Cell::new("14:00:01"), Cell::new("project"), Cell::new("12345"), Cell::new("longer prompt")],
            ]
        };
        let columns = || {
            vec![Column::fixed("TIME"), Column::left("PROJECT", 12), Column::right("IN"), Column::flexible("PROMPT")]
        };
        let mut kept = Table::new(columns());
        let mut streamed = Table::new(columns());
        for row in rows() {
            streamed.measure(&row);
            kept.push(row);
        }
        let terminal = Terminal::plain(60);
        let layout = streamed.layout(&terminal);
        let mut out = layout.header();
        for row in rows() {
            out.push_str(&layout.row(&row));
        }
        assert_eq!(out, kept.render(&terminal));
    }

    #[test]
    fn colour_does_not_change_the_layout() {
        let tty = Terminal { width: 60, colour: true, interactive: true };
        let coloured = table().render(&tty);
        let stripped = coloured.replace("\x1b[1m", "").replace("\x1b[0m", "");
        assert_eq!(stripped, table().render(&Terminal::plain(60)));
    }
}
