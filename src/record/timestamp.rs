//! One instant type for every timestamp form docs/format.md §2 allows.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant with the offset it was written in.
///
/// Equality and ordering compare instants, never text or offsets:
/// `2026-11-21T14:00:00+01:00 == 2026-11-21T13:00:00Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<FixedOffset>);

impl Timestamp {
    /// Now, cut to whole milliseconds as writers emit it.
    pub fn now() -> Self {
        Self::from_utc(Utc::now())
    }

    /// A UTC instant cut to whole milliseconds.
    pub fn from_utc(at: DateTime<Utc>) -> Self {
        let millis = at.timestamp_millis();
        let cut = Utc.timestamp_millis_opt(millis).single().unwrap_or(at);
        Timestamp(cut.fixed_offset())
    }

    /// Parses RFC 3339 with any offset, or the SQLite shape `YYYY-MM-DD HH:MM:SS[.fff]` as UTC.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Some(Timestamp(at));
        }
        for shape in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, shape) {
                return Some(Timestamp(naive.and_utc().fixed_offset()));
            }
        }
        None
    }

    /// UTC and whole milliseconds: what writers emit.
    pub fn is_writer_form(&self) -> bool {
        self.0.offset().local_minus_utc() == 0 && self.0.timestamp_subsec_nanos() % 1_000_000 == 0
    }

    pub fn as_utc(&self) -> DateTime<Utc> {
        self.0.with_timezone(&Utc)
    }

    pub fn as_fixed(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// Nanoseconds since the Unix epoch, saturating outside ±292 years.
    /// Seconds and nanoseconds since the Unix epoch: exact over the whole range, and ordered
    /// as the instants are.
    pub fn instant(&self) -> (i64, u32) {
        (self.0.timestamp(), self.0.timestamp_subsec_nanos())
    }

    pub fn unix_nanos(&self) -> i64 {
        self.0.timestamp_nanos_opt().unwrap_or_else(|| if self.0.timestamp() < 0 { i64::MIN } else { i64::MAX })
    }

    /// The writer's form: UTC offsets as `Z`, milliseconds unless the instant is finer.
    pub fn to_rfc3339(&self) -> String {
        let precision = if self.0.timestamp_subsec_nanos() % 1_000_000 == 0 {
            SecondsFormat::Millis
        } else {
            SecondsFormat::AutoSi
        };
        self.0.to_rfc3339_opts(precision, true)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp(at.fixed_offset())
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(at: DateTime<FixedOffset>) -> Self {
        Timestamp(at)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("cannot read {text:?} as an RFC 3339 timestamp")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_instants_in_different_offsets_are_equal() {
        let a = Timestamp::parse("2026-11-21T14:00:00+01:00").unwrap();
        let b = Timestamp::parse("2026-11-21T13:00:00Z").unwrap();
        let c = Timestamp::parse("2026-11-21 13:00:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.unix_nanos(), c.unix_nanos());
    }

    #[test]
    fn writer_form_has_milliseconds_and_z() {
        let t = Timestamp::parse("2026-11-21T14:03:07Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-21T14:03:07.000Z");
        let fine = Timestamp::parse("2026-11-21T14:03:07.123456+02:00").unwrap();
        assert_eq!(Timestamp::parse(&fine.to_rfc3339()), Some(fine));
    }

    #[test]
    fn unreadable_text_is_none() {
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-21"] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
