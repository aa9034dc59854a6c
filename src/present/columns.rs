//! The record list's columns that give way on a narrow screen, and the one order they give way
//! in: the CLI's `list` table and the TUI's list both drop columns by [`DROP_ORDER`].

/// A column of the record list that may be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListColumn {
    Session,
    Project,
    Client,
    Model,
    /// Input and output tokens (one column in the TUI, two in the CLI).
    Tokens,
    Duration,
    Tools,
}

/// First to go first: the client is usually one per project, the session id is in the detail,
/// the token counts say most about a call, and the tool count takes two cells.
pub const DROP_ORDER: [ListColumn; 7] = [
    ListColumn::Client,
    ListColumn::Session,
    ListColumn::Duration,
    ListColumn::Project,
    ListColumn::Model,
    ListColumn::Tokens,
    ListColumn::Tools,
];

/// The column's rank in [`DROP_ORDER`]: lower ranks are dropped first.
pub fn drop_rank(column: ListColumn) -> u8 {
    DROP_ORDER.iter().position(|&c| c == column).unwrap_or(DROP_ORDER.len()) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_order() {
        assert_eq!(drop_rank(ListColumn::Client), 0);
        assert_eq!(drop_rank(ListColumn::Tools), 6);
        assert!(drop_rank(ListColumn::Session) < drop_rank(ListColumn::Tokens));
    }
}
