//! Dates in YAML files (rules, jobs, work orders, payments), read strictly:
//! `YYYY-MM-DD` with the year in its four digits. chrono alone reads
//! `26-01-01` as the year 26, and a price list of the year 26 then
//! misleads every check made of it (approved after it took effect, a tax
//! with no rate...). Used on every date field of the YAML models with
//! `#[serde(deserialize_with = "crate::yaml::date::…")]`; a missing
//! optional date also needs `default`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};

use crate::source::Sp;

/// The first year a date of these records can be in.
const FIRST_YEAR: i32 = 2000;

/// A date read as [`parse`] reads it.
struct Date(NaiveDate);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                parse(v).map(Date).map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// Reads a date written `YYYY-MM-DD`. A year of fewer than four digits,
/// or before 2000, is refused with the date it likely means; any other
/// text that is not a date gives chrono's message, which the YAML error
/// handling turns into what is wrong with it (`2026-02-30`, `2026/01/05`).
pub fn parse(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let parsed = text.parse::<NaiveDate>();
    let year = text.split('-').next().unwrap_or("");
    let short = !year.is_empty() && year.len() < 4 && year.bytes().all(|b| b.is_ascii_digit());
    let early = parsed.as_ref().is_ok_and(|d| d.year() < FIRST_YEAR);
    if !(short || early) {
        return parsed.map_err(|e| e.to_string());
    }
    // `26-01-01` and `0026-01-01` mean 2026-01-01.
    let meant = parsed.ok().and_then(|d| {
        (d.year() < 100)
            .then(|| NaiveDate::from_ymd_opt(2000 + d.year(), d.month(), d.day()))
            .flatten()
    });
    let what = match meant {
        Some(m) => format!("write {}", m.format("%Y-%m-%d")),
        None => "check the year and write it in full: YYYY-MM-DD, e.g. 2026-11-16".to_string(),
    };
    Err(if short {
        format!("`{text}`: a date's year has four digits: {what}")
    } else {
        format!("`{text}`: a year before {FIRST_YEAR} is not a year of these records: {what}")
    })
}

/// A required date with its place.
pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<Sp<NaiveDate>, D::Error> {
    let date = Sp::<Date>::deserialize(d)?;
    Ok(Sp::new(date.value.0, date.loc))
}

/// A required date whose place is not kept.
pub fn plain<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    Ok(Date::deserialize(d)?.0)
}

/// An optional date with its place.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Sp<NaiveDate>>, D::Error> {
    Ok(Option::<Sp<Date>>::deserialize(d)?.map(|date| Sp::new(date.value.0, date.loc)))
}

/// An optional date whose place is not kept.
pub fn optional_plain<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Ok(Option::<Date>::deserialize(d)?.map(|date| date.0))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_year_has_four_digits_from_2000() {
        assert_eq!(
            parse("2026-01-01").map(|d| d.to_string()),
            Ok("2026-01-01".into())
        );
        assert_eq!(
            parse("26-01-01"),
            Err("`26-01-01`: a date's year has four digits: write 2026-01-01".into())
        );
        assert_eq!(
            parse("0026-01-01"),
            Err(
                "`0026-01-01`: a year before 2000 is not a year of these records: write 2026-01-01"
                    .into()
            )
        );
        assert_eq!(
            parse("1999-12-31"),
            Err("`1999-12-31`: a year before 2000 is not a year of these records: check the year and write it in full: YYYY-MM-DD, e.g. 2026-11-16".into())
        );
        // Not a date at all: chrono's message, made precise by the caller.
        assert!(parse("2026-02-30").is_err());
        assert!(parse("2026/01/05").is_err());
    }
}
