//! Run-time values, the evaluation environment and the working calendar.

use std::fmt;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

/// A run-time value. Every numeric type (money, rate, quantity) is a
/// `Decimal`; the static checker has already made sure they are combined
/// meaningfully.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    Num(Decimal),
    Bool(bool),
    Text(Arc<str>),
    Date(NaiveDate),
    /// An optional input that was not filled in, or anything computed from
    /// one. A `Null` condition means "cannot be decided".
    #[default]
    Null,
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_num(&self) -> Option<Decimal> {
        match self {
            Value::Num(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Self {
        Value::Num(d)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.into())
    }
}

impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Formats values the way the expression language writes them, so an
/// explained formula reads like the formula: `45.00`, `'上海'`, `2026-01-01`,
/// `none`. (Dates print bare: they are for people, not for re-parsing.)
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(s) => super::ast::write_string_literal(f, s),
            Value::Date(d) => write!(f, "{d}"),
            Value::Null => f.write_str("none"),
        }
    }
}

/// A table input: rows of values indexed by column slot (the order of the
/// columns given to [`Scope::add_table`](super::Scope::add_table)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(rows: Vec<Vec<Value>>) -> Self {
        Table { rows }
    }
}

/// Everything an evaluation reads. Borrowed, so evaluating allocates nothing.
#[derive(Clone, Copy, Default)]
pub struct Env<'a> {
    /// Scalar inputs by slot (from [`Scope::add_var`](super::Scope::add_var)).
    pub vars: &'a [Value],
    /// Table inputs by slot (from [`Scope::add_table`](super::Scope::add_table)).
    pub tables: &'a [Table],
    /// Needed only by expressions for which
    /// [`Expr::uses_calendar`](super::Expr::uses_calendar) is true.
    pub calendar: Option<&'a dyn Calendar>,
}

impl fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("vars", &self.vars)
            .field("tables", &self.tables)
            .field("calendar", &self.calendar.map(|_| "<calendar>"))
            .finish()
    }
}

/// How far the default [`Calendar`] methods search, so that a calendar with
/// no working days (or a date range of centuries) ends with an error instead
/// of looping for a long time.
pub const CALENDAR_SEARCH_LIMIT_DAYS: u64 = 366 * 100;

/// The working-day calendar (weekends, public holidays and 调休 make-up
/// working days), supplied by the caller because it changes every year.
pub trait Calendar {
    fn is_workday(&self, d: NaiveDate) -> bool;

    /// The first working day strictly after `d`; `None` if there is none
    /// within [`CALENDAR_SEARCH_LIMIT_DAYS`] or the date range ends.
    fn next_workday(&self, d: NaiveDate) -> Option<NaiveDate> {
        let mut day = d;
        for _ in 0..CALENDAR_SEARCH_LIMIT_DAYS {
            day = day.checked_add_days(Days::new(1))?;
            if self.is_workday(day) {
                return Some(day);
            }
        }
        None
    }

    /// The number of working days `d` with `a <= d < b` (the same half-open
    /// convention as `days_between(a, b) = b - a`), negated when `b < a`.
    /// `None` when the range is longer than [`CALENDAR_SEARCH_LIMIT_DAYS`].
    fn workdays_between(&self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let span = hi.signed_duration_since(lo).num_days();
        if span as u64 > CALENDAR_SEARCH_LIMIT_DAYS {
            return None;
        }
        let count = lo
            .iter_days()
            .take(span as usize)
            .filter(|&d| self.is_workday(d))
            .count();
        Some(sign * count as i64)
    }
}
