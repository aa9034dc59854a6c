//! Times as people read them: in the local zone (the CLI) or a fixed offset (the TUI, which
//! takes it once so that a screen never mixes offsets), without the date when it is today.

use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

use crate::record::Timestamp;

/// When the views are rendered: times of this local day are shown without their date.
#[derive(Clone, Copy, Debug)]
pub struct Today(pub NaiveDate);

impl Today {
    pub fn now() -> Self {
        Today(Local::now().date_naive())
    }
}

pub fn local(at: &Timestamp) -> DateTime<Local> {
    Local.from_utc_datetime(&at.as_utc().naive_utc())
}

/// `14:03:07` today, `2026-11-20 14:03` on any other day (local time): narrow table cells.
pub fn short_time(at: &Timestamp, today: Today) -> String {
    short(local(at).naive_local(), today)
}

fn short(at: NaiveDateTime, today: Today) -> String {
    // Written out by hand: strftime patterns are parsed on every call, and a full listing
    // formats a million of these.
    let (date, time) = (at.date(), at.time());
    if date == today.0 {
        format!("{:02}:{:02}:{:02}", time.hour(), time.minute(), time.second())
    } else {
        format!("{:04}-{:02}-{:02} {:02}:{:02}", date.year(), date.month(), date.day(), time.hour(), time.minute())
    }
}

/// Always with the date and the UTC offset: for detail views and transcripts that may be shared.
pub fn full_time(at: &Timestamp) -> String {
    local(at).format(FULL).to_string()
}

const FULL: &str = "%Y-%m-%d %H:%M:%S %:z";

/// The zone a document's times are shown in.
#[derive(Clone, Copy, Debug)]
pub enum Zone {
    Local,
    Fixed(FixedOffset),
}

/// How a document shows times: its zone, and which day is today there.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub zone: Zone,
    pub today: Today,
}

impl Clock {
    pub fn local() -> Clock {
        Clock { zone: Zone::Local, today: Today::now() }
    }

    pub fn fixed(offset: FixedOffset, now: DateTime<Utc>) -> Clock {
        Clock { zone: Zone::Fixed(offset), today: Today(now.with_timezone(&offset).date_naive()) }
    }

    /// With date and offset.
    pub fn full(&self, at: &Timestamp) -> String {
        match self.zone {
            Zone::Local => full_time(at),
            Zone::Fixed(offset) => at.as_utc().with_timezone(&offset).format(FULL).to_string(),
        }
    }

    /// Without the date today.
    pub fn short(&self, at: &Timestamp) -> String {
        match self.zone {
            Zone::Local => short_time(at, self.today),
            Zone::Fixed(offset) => short(at.as_utc().with_timezone(&offset).naive_local(), self.today),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_drops_the_date() {
        let at = Timestamp::parse("2026-11-21T14:03:07Z").unwrap();
        let local = local(&at);
        let day = local.date_naive();
        assert_eq!(short_time(&at, Today(day)), local.format("%H:%M:%S").to_string());
        let other = Today(day.succ_opt().unwrap());
        assert_eq!(short_time(&at, other), local.format("%Y-%m-%d %H:%M").to_string());
    }

    #[test]
    fn a_fixed_clock_shows_its_offset() {
        let at = Timestamp::parse("2026-11-21T14:03:07Z").unwrap();
        let offset = FixedOffset::east_opt(3600).unwrap();
        let clock = Clock::fixed(offset, at.as_utc());
        assert_eq!(clock.full(&at), "2026-11-21 15:03:07 +01:00");
        assert_eq!(clock.short(&at), "15:03:07");
    }
}
