//! Exact money for documents that finance signs.
//!
//! Everything here works on [`Decimal`] values that were read from text, never
//! on `f32`/`f64`: a binary float cannot hold 0.10 yuan exactly, and a price
//! that is off by one 分 on a signed document is a real problem.
//!
//! Rounding is always 四舍五入 (half away from zero), the rule Chinese invoices
//! and receipts use. `Decimal::round_dp` is banker's rounding (half to even) and
//! is deliberately not used anywhere in this module.
//!
//! The uppercase form (人民币大写) follows the People's Bank of China
//! 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》. Where those rules
//! allow two spellings, [`UpperStyle`] chooses.

use std::borrow::Cow;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy, dec};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

// ---------------------------------------------------------------------------
// Rounding
// ---------------------------------------------------------------------------

/// Rounds half away from zero (四舍五入): 2.345 → 2.35, −2.345 → −2.35.
///
/// This is the rounding every price, tax and total goes through. It exists as a
/// named function so nobody reaches for `round_dp`, which rounds half to even
/// and would turn 2.345 into 2.34.
pub fn round_half_away(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounds away from zero (进一法): any remainder bumps the last digit, as when a
/// started hour is charged as a full hour.
pub fn round_up(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::AwayFromZero)
}

/// Rounds toward zero (去尾法): the remainder is dropped, as when a discount
/// must never exceed what was promised.
pub fn round_down(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::ToZero)
}

/// How a rule file asks for a value to be rounded.
///
/// Banker's rounding is intentionally not offered: no Chinese fee schedule
/// uses it, and offering it would invite one-分 disputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 四舍五入: half away from zero (2.345 → 2.35, −2.345 → −2.35). The default.
    #[default]
    HalfAwayFromZero,
    /// 进一: any remainder rounds away from zero (2.341 → 2.35).
    Up,
    /// 去尾: the remainder is dropped, toward zero (2.349 → 2.34).
    Down,
}

/// Rounds `value` to `dp` decimals the way `mode` says.
pub fn round(value: Decimal, dp: u32, mode: RoundingMode) -> Decimal {
    match mode {
        RoundingMode::HalfAwayFromZero => round_half_away(value, dp),
        RoundingMode::Up => round_up(value, dp),
        RoundingMode::Down => round_down(value, dp),
    }
}

/// Integer division rounding half away from zero, for the exact tax split.
///
/// Working on whole 分 in `i128` keeps the split exact for every rate, where a
/// `Decimal` quotient would be cut at 28 significant digits before rounding.
/// `den` must be positive (callers pass `10^s + r` or `10^s`).
fn div_round_half_away(num: i128, den: i128) -> i128 {
    let quotient = num / den;
    let remainder = num % den;
    if remainder.abs() * 2 >= den {
        quotient + num.signum()
    } else {
        quotient
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why an amount or a rate was refused.
///
/// Every message says what is wrong and what to write instead, because these
/// errors end up in front of whoever edits the rule files, not a developer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// Nothing was written where an amount was expected.
    Empty,
    /// The text is not a plain decimal number; `hint` says what to write.
    NotANumber {
        /// The offending text (shortened if very long).
        input: String,
        /// What to write instead.
        hint: &'static str,
    },
    /// The amount has digits below the 分.
    TooManyDecimals {
        /// The offending text (shortened if very long).
        input: String,
    },
    /// The amount is outside ±999,999,999,999.99, the range 人民币大写 can
    /// express and therefore the range a [`Money`] may hold.
    TooLarge {
        /// The offending value as text (shortened if very long).
        input: String,
    },
    /// A rate that is malformed or cannot be a real rate.
    InvalidRate {
        /// The offending text (shortened if very long).
        input: String,
        /// What is wrong and what to write instead.
        reason: &'static str,
    },
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Empty => f.write_str(
                "not a number: the amount is empty; write an amount in yuan such as 1409.50",
            ),
            MoneyError::NotANumber { input, hint } => {
                write!(f, "not a number: \"{input}\"; {hint}")
            }
            MoneyError::TooManyDecimals { input } => write!(
                f,
                "more than two decimals (分 is the smallest unit): \"{input}\"; \
                 write at most two digits after the decimal point, e.g. 1409.50"
            ),
            MoneyError::TooLarge { input } => write!(
                f,
                "too large: \"{input}\"; amounts must lie between -999,999,999,999.99 and \
                 999,999,999,999.99 yuan (less than 一万亿元, the most 人民币大写 can write)"
            ),
            MoneyError::InvalidRate { input, reason } => {
                write!(f, "invalid rate \"{input}\": {reason}")
            }
        }
    }
}

impl std::error::Error for MoneyError {}

/// Shortens user text for an error message so a pasted paragraph does not
/// drown the message itself.
fn clip(text: &str) -> String {
    const LIMIT: usize = 40;
    let mut chars = text.chars();
    let mut head: String = chars.by_ref().take(LIMIT).collect();
    if chars.next().is_some() {
        head.push('…');
    }
    head
}

// ---------------------------------------------------------------------------
// Parsing amount text
// ---------------------------------------------------------------------------

/// The largest amount in 分 (999,999,999,999.99 yuan): the 大写 form stops
/// below 一万亿, so anything larger could not be printed on a document.
const MAX_FEN: i64 = 99_999_999_999_999;

/// The most integer digits an amount may have (up to 仟亿).
const MAX_INTEGER_DIGITS: usize = 12;

const HINT_GENERAL: &str = "write digits with an optional leading minus and at most two decimals, e.g. 1409.50 or 1,409.50";
const HINT_GROUPING: &str =
    "commas must separate groups of exactly three digits, e.g. 1,409.50 or 12,345,678.00";
const HINT_EXPONENT: &str =
    "scientific notation is not accepted; write the digits out, e.g. 100000";
const HINT_CURRENCY: &str = "write the number without the ¥ sign, e.g. 1409.50";
const HINT_NUMERALS: &str = "write the amount in digits, e.g. 1409.50, not in Chinese numerals (大写 is printed by feebook)";
const HINT_UNIT: &str = "write the number alone, without 元 (amounts are in yuan), e.g. 1409.50";
const HINT_FULL_WIDTH: &str =
    "write the digits in half-width (半角) characters, e.g. 1409.50, not １４０９．５０";

/// Reads an amount in yuan as whole 分, exactly, without going through `f64`
/// or even `Decimal::from_str` (which would accept `1e5`).
///
/// Accepted: optional leading `-`, integer digits either plain or grouped by
/// three with commas, optional `.` followed by one or two digits. Surrounding
/// whitespace is ignored because it cannot change the meaning.
fn parse_fen(text: &str) -> Result<i64, MoneyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(MoneyError::Empty);
    }
    let not_a_number = |hint| MoneyError::NotANumber {
        input: clip(text),
        hint,
    };

    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let (integer, fraction) = match body.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (body, None),
    };

    let integer_ok = if integer.contains(',') {
        is_grouped_by_three(integer)
    } else {
        is_ascii_digits(integer)
    };
    let fraction_ok = fraction.is_none_or(is_ascii_digits);
    if !integer_ok || !fraction_ok {
        let hint = if trimmed.contains(['e', 'E']) {
            HINT_EXPONENT
        } else if trimmed.contains(['¥', '￥']) {
            HINT_CURRENCY
        } else if trimmed.contains([
            '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千', '万',
            '零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖', '拾', '佰', '仟',
        ]) {
            HINT_NUMERALS
        } else if trimmed.contains(['元', '块', '圆']) {
            HINT_UNIT
        } else if trimmed.contains(|c: char| ('０'..='９').contains(&c) || c == '．' || c == '，')
        {
            HINT_FULL_WIDTH
        } else if integer.contains(',') && fraction_ok && is_ascii_digits(&integer.replace(',', ""))
        {
            HINT_GROUPING
        } else {
            HINT_GENERAL
        };
        return Err(not_a_number(hint));
    }

    let fraction = fraction.unwrap_or("");
    if fraction.len() > 2 {
        return Err(MoneyError::TooManyDecimals { input: clip(text) });
    }

    let digits: String = integer.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0');
    if significant.len() > MAX_INTEGER_DIGITS {
        return Err(MoneyError::TooLarge { input: clip(text) });
    }

    // At most 12 + 2 digits, so the arithmetic below cannot overflow an i64.
    let mut fen: i64 = 0;
    for digit in significant.bytes().chain(fraction.bytes()) {
        fen = fen * 10 + i64::from(digit - b'0');
    }
    for _ in fraction.len()..2 {
        fen *= 10;
    }
    Ok(if negative { -fen } else { fen })
}

fn is_ascii_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `1,409` and `12,345,678` but not `1,2345`, `,123` or `1,23`: a misplaced
/// comma usually means a mistyped amount, so it is refused rather than ignored.
pub(crate) fn is_grouped_by_three(text: &str) -> bool {
    let mut groups = text.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && is_ascii_digits(g));
    first_ok && groups.all(|g| g.len() == 3 && is_ascii_digits(g))
}

/// Converts an already-rounded `Decimal` to whole 分, refusing sub-分 digits
/// and values outside the [`Money`] range.
fn exact_fen(amount: Decimal) -> Result<i64, MoneyError> {
    let truncated = amount.trunc_with_scale(2);
    if truncated != amount {
        return Err(MoneyError::TooManyDecimals {
            input: clip(&amount.to_string()),
        });
    }
    if truncated.abs() > Money::MAX.0 {
        return Err(MoneyError::TooLarge {
            input: clip(&amount.to_string()),
        });
    }
    let mut scaled = truncated;
    scaled.rescale(2);
    // In range and at scale 2, the mantissa is the amount in 分 (< 10^14).
    i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::TooLarge {
        input: clip(&amount.to_string()),
    })
}

// ---------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------

/// An amount in CNY yuan, always a whole number of 分.
///
/// The value is kept at exactly two decimals so it prints as `80.00`, as
/// finance expects on a document, and within ±999,999,999,999.99 so every
/// amount can also be written in 人民币大写. Arithmetic that could leave that
/// range is checked rather than silently rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    /// Zero yuan, printed `0.00`.
    pub const ZERO: Money = Money(dec!(0.00));
    /// The largest amount: 999,999,999,999.99 yuan.
    pub const MAX: Money = Money(dec!(999999999999.99));
    /// The smallest (most negative) amount: −999,999,999,999.99 yuan.
    pub const MIN: Money = Money(dec!(-999999999999.99));

    /// Builds a Money from a whole number of 分 already known to be in range.
    fn from_fen_unchecked(fen: i64) -> Money {
        debug_assert!(fen.abs() <= MAX_FEN);
        Money(Decimal::new(fen, 2))
    }

    /// Makes a Money from whole 分, e.g. as stored in an integer database column.
    pub fn from_fen(fen: i64) -> Result<Money, MoneyError> {
        if fen.unsigned_abs() > MAX_FEN.unsigned_abs() {
            return Err(MoneyError::TooLarge {
                input: Decimal::new(fen, 2).to_string(),
            });
        }
        Ok(Money::from_fen_unchecked(fen))
    }

    /// The amount in whole 分, exact; for integer storage and exact arithmetic.
    pub fn to_fen(self) -> i64 {
        // The invariant (scale 2, |value| ≤ MAX) makes the mantissa the 分
        // count and keeps it well inside i64.
        i64::try_from(self.0.mantissa()).unwrap_or_default()
    }

    /// Rounds a computed amount (a price times a quantity, a share of a total)
    /// to the 分, half away from zero.
    ///
    /// Fails only when the rounded amount is outside the Money range; that
    /// usually means a quantity or price typo and must not be clamped.
    pub fn from_decimal_rounded(value: Decimal) -> Result<Money, MoneyError> {
        exact_fen(round_half_away(value, 2)).map(Money::from_fen_unchecked)
    }

    /// Reads an amount written by a person: `1409.5`, `1409.50`, `-3`,
    /// `1,409.50`. At most two decimals, because a third would be a fraction of
    /// a 分 that no document can show.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        parse_fen(text).map(Money::from_fen_unchecked)
    }

    /// The amount in yuan, with exactly two decimals.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Whether the amount is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Whether the amount is below zero (a refund or a discount line).
    pub fn is_negative(self) -> bool {
        self.to_fen() < 0
    }

    /// The absolute amount; the range is symmetric so this cannot fail.
    pub fn abs(self) -> Money {
        Money::from_fen_unchecked(self.to_fen().abs())
    }

    /// Adds two amounts; `None` when the total leaves the Money range.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::from_fen(self.to_fen() + other.to_fen()).ok()
    }

    /// Subtracts `other`; `None` when the result leaves the Money range.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Money::from_fen(self.to_fen() - other.to_fen()).ok()
    }

    /// Adds up amounts, reporting the real total when it is out of range
    /// instead of panicking as [`Sum`] must.
    pub fn try_sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        // i128 holds the exact total of any realistic number of items.
        let total = items
            .into_iter()
            .fold(0i128, |acc, m| acc.saturating_add(i128::from(m.to_fen())));
        i64::try_from(total)
            .map_err(|_| MoneyError::TooLarge {
                input: format!("sum of {total} 分"),
            })
            .and_then(Money::from_fen)
    }

    /// Price × quantity, not rounded, so that several factors (quantity,
    /// discount, share) can be applied before the single final rounding.
    ///
    /// Exact whenever the quantity has at most 14 significant digits (any real
    /// quantity); beyond that `Decimal` keeps 28 significant digits, still far
    /// below the 分 for any result within the Money range. Fails only on
    /// `Decimal` overflow, which means an absurd quantity.
    pub fn mul_qty(self, qty: Decimal) -> Result<Decimal, MoneyError> {
        self.0.checked_mul(qty).ok_or_else(|| MoneyError::TooLarge {
            input: clip(&format!("{self} × {qty}")),
        })
    }

    /// Price × quantity rounded to the 分 half away from zero: a line total.
    pub fn mul_qty_rounded(self, qty: Decimal) -> Result<Money, MoneyError> {
        Money::from_decimal_rounded(self.mul_qty(qty)?)
    }

    /// The amount as printed on a document: `¥1,409.50`, `-¥1,409.50`.
    pub fn yuan(&self) -> String {
        yuan_of_fen(i128::from(self.to_fen()))
    }

    /// The amount in 人民币大写. Cannot fail: every Money is in range and has
    /// at most two decimals.
    pub fn to_upper(self, style: &UpperStyle) -> String {
        upper_from_fen(self.to_fen(), style)
    }
}

/// A number of 分 printed as on a document, `¥1,409.50`, `-¥1,409.50`;
/// also a sum that no [`Money`] can hold, for the message refusing it.
pub fn yuan_of_fen(fen: i128) -> String {
    let abs = fen.unsigned_abs();
    let integer = (abs / 100).to_string();
    let mut grouped = String::with_capacity(integer.len() * 4 / 3 + 1);
    for (i, digit) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}

impl Default for Money {
    /// Zero at scale 2, so a defaulted amount still prints `0.00`.
    fn default() -> Money {
        Money::ZERO
    }
}

impl fmt::Display for Money {
    /// Plain `1409.50`: no currency sign or separators, so the text can be read
    /// back by [`Money::parse`] and by spreadsheets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Money, MoneyError> {
        Money::parse(text)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;

    /// Exact conversion: refuses sub-分 digits instead of rounding them, for
    /// values that are supposed to be amounts already.
    fn try_from(value: Decimal) -> Result<Money, MoneyError> {
        exact_fen(value).map(Money::from_fen_unchecked)
    }
}

impl Neg for Money {
    type Output = Money;

    fn neg(self) -> Money {
        Money::from_fen_unchecked(-self.to_fen())
    }
}

/// `+` for totals already known to fit, such as any total of a month's
/// orders once [`crate::batch::AmountGuard`] has passed them. Amounts from
/// input that may not fit go through [`Money::checked_add`] or
/// [`Money::try_sum`] instead: a total is never clamped or dropped.
impl Add for Money {
    type Output = Money;

    /// # Panics
    ///
    /// When the result leaves ±999,999,999,999.99 yuan.
    fn add(self, other: Money) -> Money {
        match self.checked_add(other) {
            Some(total) => total,
            None => panic!(
                "{} + {} leaves the range of Money (use Money::checked_add to handle this)",
                self.0, other.0
            ),
        }
    }
}

impl AddAssign for Money {
    /// # Panics
    ///
    /// As `+`.
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl Sum for Money {
    /// # Panics
    ///
    /// When the total leaves ±999,999,999,999.99 yuan. Use [`Money::try_sum`]
    /// where the items come from user input and that is conceivable; the
    /// totals of a month's orders are checked once, where they are read
    /// ([`crate::batch::AmountGuard`]), and add up safely after that.
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        match Money::try_sum(iter) {
            Ok(total) => total,
            Err(err) => panic!("{err} (use Money::try_sum to handle this)"),
        }
    }
}

impl<'a> Sum<&'a Money> for Money {
    /// # Panics
    ///
    /// As the by-value `Sum`.
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

impl Serialize for Money {
    /// As the decimal string `"1409.50"`, so no reader turns it into a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Asks for the scalar's text (`deserialize_str`), which YAML gives for a
    /// plain `1409.50` as well as for `"1409.50"`, so the digits written are
    /// the digits read. A JSON number arrives as a float and is refused.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        deserializer.deserialize_str(MoneyVisitor)
    }
}

struct MoneyVisitor;

impl de::Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "an amount in yuan with at most two decimals, such as 1409.50 \
             (in JSON write it as a string: \"1409.50\")",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Money, E> {
        Money::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Money, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Money, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Money, E> {
        Err(E::custom(format!(
            "the amount {value} arrived as a binary floating-point number, which cannot \
             hold every 分 exactly; write it as a string such as \"1409.50\""
        )))
    }
}

impl JsonSchema for Money {
    fn schema_name() -> Cow<'static, str> {
        "Money".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Money").into()
    }

    /// Output is always a string with two decimals. Input may also be a plain
    /// YAML number (the deserializer reads its text), so the input schema
    /// allows numbers too; the pattern constrains the string form.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        if generator.contract().is_deserialize() {
            json_schema!({
                "type": ["string", "number"],
                "pattern": r"^-?(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?$",
                "description": "An amount in CNY yuan with at most two decimals (分 is the smallest unit), e.g. \"1409.50\". Commas are allowed only as thousands separators (\"1,409.50\"). Must be less than 1,000,000,000,000 (一万亿).",
                "examples": ["1409.50", "80", "3.5"]
            })
        } else {
            json_schema!({
                "type": "string",
                "pattern": r"^-?\d+\.\d{2}$",
                "description": "An amount in CNY yuan with exactly two decimals, e.g. \"1409.50\".",
                "examples": ["1409.50"]
            })
        }
    }
}

// ---------------------------------------------------------------------------
// Rate
// ---------------------------------------------------------------------------

/// The most decimals a rate may have as a fraction: a percentage with ten
/// decimals is already more precise than any real tax rate, and the bound
/// keeps the exact integer tax split inside `i128`.
const MAX_RATE_SCALE: u32 = 12;

const RATE_HINT: &str = "write a percentage such as 6% or 8.5%, or a fraction such as 0.06";

/// A rate as a fraction (0.06 is 6%), between 0% and 100%.
///
/// Rates are written as percentages by people (`6%`) and as fractions by
/// systems (`0.06`); both are accepted, but a bare number of 1 or more is
/// refused because `6` would silently mean 600%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(Decimal);

impl Rate {
    /// 0%.
    pub const ZERO: Rate = Rate(Decimal::ZERO);

    /// Reads `6%`, `8.5%` or `0.06`.
    pub fn parse(text: &str) -> Result<Rate, MoneyError> {
        let invalid = |reason| MoneyError::InvalidRate {
            input: clip(text),
            reason,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(invalid("the rate is empty; write a percentage such as 6%"));
        }
        let (number, percent) = match trimmed.strip_suffix('%') {
            Some(number) => (number.trim_end(), true),
            None => (trimmed, false),
        };
        if number.starts_with('-') {
            return Err(invalid("a rate cannot be negative"));
        }
        let (integer, fraction) = number.split_once('.').unwrap_or((number, ""));
        let fraction_ok = !number.contains('.') || is_ascii_digits(fraction);
        if !is_ascii_digits(integer) || !fraction_ok {
            return Err(invalid(RATE_HINT));
        }

        let digits = format!("{integer}{fraction}");
        let significant = digits.trim_start_matches('0');
        let scale = u32::try_from(fraction.len()).unwrap_or(u32::MAX);
        let scale = if percent {
            scale.saturating_add(2)
        } else {
            scale
        };
        if significant.len() > 28 || scale > 28 {
            return Err(invalid(
                "too many digits; a percentage needs at most ten decimals",
            ));
        }
        let mantissa: i128 = significant.parse().unwrap_or(0);
        let value = Decimal::try_from_i128_with_scale(mantissa, scale)
            .map_err(|_| invalid("too many digits; a percentage needs at most ten decimals"))?;
        if !percent && value >= Decimal::ONE {
            return Err(invalid(
                "a bare number of 1 or more is ambiguous (6 could mean 6% or 600%); \
                 write it with a percent sign, e.g. 6%, or as a fraction, e.g. 0.06",
            ));
        }
        Rate::from_fraction(value).map_err(|err| match err {
            MoneyError::InvalidRate { reason, .. } => invalid(reason),
            other => other,
        })
    }

    /// Makes a rate from a fraction (0.06 for 6%).
    pub fn from_fraction(fraction: Decimal) -> Result<Rate, MoneyError> {
        let invalid = |reason| MoneyError::InvalidRate {
            input: clip(&fraction.to_string()),
            reason,
        };
        if fraction.is_sign_negative() && !fraction.is_zero() {
            return Err(invalid("a rate cannot be negative"));
        }
        if fraction > Decimal::ONE {
            return Err(invalid("above 100%; a rate lies between 0% and 100%"));
        }
        let normalized = fraction.normalize();
        if normalized.scale() > MAX_RATE_SCALE {
            return Err(invalid(
                "too many digits; a percentage needs at most ten decimals",
            ));
        }
        let mut positive = normalized;
        positive.set_sign_positive(true);
        Ok(Rate(positive))
    }

    /// The rate as a fraction: 0.06 for 6%.
    pub fn fraction(self) -> Decimal {
        self.0
    }

    /// The rate in percent, without trailing zeros: 6 for 6%, 8.5 for 8.5%.
    pub fn percent(self) -> Decimal {
        // fraction ≤ 1 with scale ≤ 12: the product cannot overflow.
        (self.0 * Decimal::ONE_HUNDRED).normalize()
    }

    /// The rate as the exact ratio `numerator / 10^scale`, for integer tax maths.
    fn ratio(self) -> (i128, i128) {
        let scale = self.0.scale().min(MAX_RATE_SCALE);
        (self.0.mantissa(), 10i128.pow(scale))
    }
}

impl fmt::Display for Rate {
    /// `6%`, `8.5%`: how the rate is printed on documents and serialized.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent())
    }
}

impl FromStr for Rate {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Rate, MoneyError> {
        Rate::parse(text)
    }
}

impl Serialize for Rate {
    /// As the percent string `"6%"`, the form people write in rule files.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    /// Reads the scalar's text, so `rate: 0.06` in YAML is read as written.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rate, D::Error> {
        deserializer.deserialize_str(RateVisitor)
    }
}

struct RateVisitor;

impl de::Visitor<'_> for RateVisitor {
    type Value = Rate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a rate such as \"6%\", \"8.5%\" or 0.06")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Rate, E> {
        Rate::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Rate, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Rate, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Rate, E> {
        Err(E::custom(format!(
            "the rate {value} arrived as a binary floating-point number; \
             write it as a string such as \"6%\""
        )))
    }
}

impl JsonSchema for Rate {
    fn schema_name() -> Cow<'static, str> {
        "Rate".into()
    }

    fn schema_id() -> Cow<'static, str> {
        concat!(module_path!(), "::Rate").into()
    }

    /// Output is always a percent string; input may also be a YAML number below
    /// 1 (a fraction), which is why numbers are bounded by `exclusiveMaximum`.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        if generator.contract().is_deserialize() {
            json_schema!({
                "type": ["string", "number"],
                "pattern": r"^\d+(\.\d+)?%?$",
                "minimum": 0,
                "exclusiveMaximum": 1,
                "description": "A rate between 0% and 100%: a percentage such as \"6%\" or \"8.5%\", or a fraction below 1 such as 0.06.",
                "examples": ["6%", "8.5%", "0.06"]
            })
        } else {
            json_schema!({
                "type": "string",
                "pattern": r"^\d+(\.\d+)?%$",
                "description": "A rate as a percentage, e.g. \"6%\".",
                "examples": ["6%"]
            })
        }
    }
}

// ---------------------------------------------------------------------------
// Tax
// ---------------------------------------------------------------------------

/// Splits a tax-inclusive amount (价税合计) into net (不含税金额) and tax (税额).
///
/// The net is rounded and the tax is the remainder, so the two always add back
/// to the gross exactly; rounding both separately could leave a 分 unexplained
/// on the invoice. Computed on whole 分 in integers, so it is exact for every
/// rate.
pub fn split_inclusive(gross: Money, rate: Rate) -> (Money, Money) {
    let (numerator, denominator) = rate.ratio();
    let gross_fen = i128::from(gross.to_fen());
    let net_fen = div_round_half_away(gross_fen * denominator, denominator + numerator);
    // |net| ≤ |gross| because the rate is not negative, and tax = gross − net
    // has the same sign and a smaller size: both stay in range.
    let net = Money::from_fen_unchecked(i64::try_from(net_fen).unwrap_or_default());
    let tax = Money::from_fen_unchecked(i64::try_from(gross_fen - net_fen).unwrap_or_default());
    (net, tax)
}

/// The tax on a tax-exclusive amount: `net × rate`, rounded half away from zero.
///
/// Cannot overflow: a rate is at most 100%, so the tax is no larger than the net.
pub fn tax_exclusive(net: Money, rate: Rate) -> Money {
    let (numerator, denominator) = rate.ratio();
    let tax_fen = div_round_half_away(i128::from(net.to_fen()) * numerator, denominator);
    Money::from_fen_unchecked(i64::try_from(tax_fen).unwrap_or_default())
}

// ---------------------------------------------------------------------------
// 人民币大写
// ---------------------------------------------------------------------------

/// The spellings the PBoC rules leave open.
///
/// The rules are 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》;
/// everything they make mandatory (壹拾, one 零 per run of zeros, 零 after 元
/// when only 分 follows, 整 after 元, no 整 after 分) is always applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UpperStyle {
    /// Write 零 after 元 when the 元 digit is 0, the 角 digit is not, and the
    /// amount has whole yuan. The PBoC rule on zeros (万位或元位是“0”…但千位、
    /// 角位不是“0”时，可以只写一个零字，也可以不写“零”字) allows both:
    /// ¥1,680.32 is 壹仟陆佰捌拾元零叁角贰分 (true, the default) or
    /// 壹仟陆佰捌拾元叁角贰分 (false); ¥100.10 is 壹佰元零壹角整 or 壹佰元壹角整.
    pub zero_after_yuan_before_jiao: bool,
    /// Write 零 after 万 (or 亿) when the 万位 (or 亿位) digit is 0 and the next
    /// lower digit (千位, or 千万位) is not. The same PBoC rule allows both:
    /// ¥107,000.53 is 壹拾万柒仟元零伍角叁分 (false, the default) or
    /// 壹拾万零柒仟元零伍角叁分 (true). A 零 that stands for zeros *below* 万 or
    /// 亿 (¥10,005.20 → 壹万零伍元贰角整) is mandatory and not affected.
    pub zero_after_wan: bool,
    /// Write 整 after an amount that ends in 角 (伍角整 rather than 伍角). The
    /// PBoC rule on 整 (在“角”之后可以不写“整”字) makes it optional; 整 after 元
    /// is mandatory and 整 after 分 is forbidden, whatever this says.
    pub zheng_after_jiao: bool,
}

impl Default for UpperStyle {
    /// The spelling most banks' own examples use: 元零叁角, 壹拾万柒仟, 伍角整.
    fn default() -> UpperStyle {
        UpperStyle {
            zero_after_yuan_before_jiao: true,
            zero_after_wan: false,
            zheng_after_jiao: true,
        }
    }
}

const UPPER_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const UPPER_SMALL_UNITS: [&str; 4] = ["", "拾", "佰", "仟"];

/// Writes `amount` in 人民币大写 (without the 人民币 prefix, which belongs to
/// the document template).
///
/// Refuses amounts with non-zero digits below the 分 and amounts of 一万亿
/// or more, rather than rounding or truncating what will be a signed figure.
pub fn to_upper(amount: Decimal, style: &UpperStyle) -> Result<String, MoneyError> {
    exact_fen(amount).map(|fen| upper_from_fen(fen, style))
}

/// Reads the amount for `feebook upper`: the same grammar as [`Money::parse`]
/// (`1409.5`, `1,409.50`, `-3`), with the same errors.
pub fn parse_upper_input(text: &str) -> Result<Decimal, MoneyError> {
    parse_fen(text).map(|fen| Decimal::new(fen, 2))
}

/// The 大写 text for a whole number of 分 within the Money range.
fn upper_from_fen(fen: i64, style: &UpperStyle) -> String {
    if fen == 0 {
        return "零元整".to_owned();
    }
    let mut out = String::new();
    if fen < 0 {
        out.push('负');
    }
    let fen = fen.unsigned_abs();
    let yuan = fen / 100;
    let jiao = (fen / 10 % 10) as usize;
    let fen_digit = (fen % 10) as usize;

    // Amounts under one yuan have no 元 part at all (伍角整, 叁角伍分).
    if yuan > 0 {
        push_upper_integer(&mut out, yuan, style);
        out.push('元');
    }
    match (jiao, fen_digit) {
        // fen != 0 here, so this is a whole-yuan amount: 整 after 元 is mandatory.
        (0, 0) => out.push('整'),
        (0, f) => {
            // 角位 0 and 分位 not: 零 after 元 is mandatory (¥16,409.02).
            if yuan > 0 {
                out.push('零');
            }
            out.push(UPPER_DIGITS[f]);
            out.push('分');
        }
        (j, f) => {
            if yuan > 0 && yuan.is_multiple_of(10) && style.zero_after_yuan_before_jiao {
                out.push('零');
            }
            out.push(UPPER_DIGITS[j]);
            out.push('角');
            if f > 0 {
                out.push(UPPER_DIGITS[f]);
                out.push('分');
            } else if style.zheng_after_jiao {
                out.push('整');
            }
        }
    }
    out
}

/// Writes a positive whole number of yuan (below 一万亿) in 大写, without 元.
///
/// Walks the digits from the top. A zero only marks that a 零 is owed; the 零
/// is written when the next non-zero digit comes, so a run of zeros yields one
/// 零 and trailing zeros yield none. A 万 or 亿 unit absorbs the zeros just
/// before it (壹仟万, not 壹仟零万); whether its own zero digit still owes a 零
/// to the next digit is the one optional case, `zero_after_wan`.
fn push_upper_integer(out: &mut String, yuan: u64, style: &UpperStyle) {
    let mut digits = [0usize; 12];
    let mut rest = yuan;
    let mut len = 0;
    while rest > 0 && len < digits.len() {
        digits[len] = (rest % 10) as usize;
        rest /= 10;
        len += 1;
    }

    let mut owes_zero = false;
    for position in (0..len).rev() {
        let digit = digits[position];
        if digit == 0 {
            owes_zero = true;
        } else {
            if owes_zero {
                out.push('零');
                owes_zero = false;
            }
            out.push(UPPER_DIGITS[digit]);
            out.push_str(UPPER_SMALL_UNITS[position % 4]);
        }
        if position == 4 || position == 8 {
            let section = &digits[position..(position + 4).min(len)];
            if section.iter().any(|&d| d != 0) {
                out.push(if position == 8 { '亿' } else { '万' });
                owes_zero = style.zero_after_wan && digit == 0;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, MapDeserializer, StrDeserializer};

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn upper(text: &str) -> String {
        to_upper(d(text), &UpperStyle::default()).unwrap()
    }

    fn style(yuan_zero: bool, wan_zero: bool, zheng: bool) -> UpperStyle {
        UpperStyle {
            zero_after_yuan_before_jiao: yuan_zero,
            zero_after_wan: wan_zero,
            zheng_after_jiao: zheng,
        }
    }

    // Each expected string below was worked out by hand from the PBoC rules,
    // digit by digit, not copied from the function's output.
    const GOLDEN_DEFAULT: &[(&str, &str)] = &[
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("0.01", "壹分"),
        ("0.05", "伍分"),
        ("0.10", "壹角整"),
        ("0.35", "叁角伍分"),
        ("0.50", "伍角整"),
        ("0.99", "玖角玖分"),
        ("1.00", "壹元整"),
        ("1.01", "壹元零壹分"),
        ("1.10", "壹元壹角整"),
        ("10", "壹拾元整"),
        ("10.5", "壹拾元零伍角整"),
        ("11", "壹拾壹元整"),
        ("15", "壹拾伍元整"),
        ("20", "贰拾元整"),
        ("100.10", "壹佰元零壹角整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("1000", "壹仟元整"),
        ("1001", "壹仟零壹元整"),
        ("1010.01", "壹仟零壹拾元零壹分"),
        ("1100", "壹仟壹佰元整"),
        ("1409.50", "壹仟肆佰零玖元伍角整"),
        ("1600.32", "壹仟陆佰元零叁角贰分"),
        ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("10000", "壹万元整"),
        ("10005.20", "壹万零伍元贰角整"),
        ("10010", "壹万零壹拾元整"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("20000.07", "贰万元零柒分"),
        ("100000", "壹拾万元整"),
        ("100000.01", "壹拾万元零壹分"),
        ("100001", "壹拾万零壹元整"),
        ("100100", "壹拾万零壹佰元整"),
        ("101000", "壹拾万壹仟元整"),
        ("107000.53", "壹拾万柒仟元零伍角叁分"),
        ("110000", "壹拾壹万元整"),
        ("1000000", "壹佰万元整"),
        ("1007000", "壹佰万柒仟元整"),
        ("10000001", "壹仟万零壹元整"),
        ("10010000", "壹仟零壹万元整"),
        ("30000000.00", "叁仟万元整"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("200000000.50", "贰亿元零伍角整"),
        ("1000000000", "壹拾亿元整"),
        ("1000007000", "壹拾亿零柒仟元整"),
        ("1000100000", "壹拾亿零壹拾万元整"),
        ("1070000000", "壹拾亿柒仟万元整"),
        ("1010101010.10", "壹拾亿壹仟零壹拾万壹仟零壹拾元零壹角整"),
        (
            "12345678901.23",
            "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分",
        ),
        (
            "999999999999.99",
            "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
        ),
        ("-15", "负壹拾伍元整"),
        ("-0.05", "负伍分"),
        ("-1409.50", "负壹仟肆佰零玖元伍角整"),
        ("-100010000", "负壹亿零壹万元整"),
        (
            "-999999999999.99",
            "负玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
        ),
        ("1.500", "壹元伍角整"),
        ("-0.00", "零元整"),
    ];

    #[test]
    fn golden_upper_default_style() {
        assert!(GOLDEN_DEFAULT.len() >= 45);
        for (amount, expected) in GOLDEN_DEFAULT {
            assert_eq!(upper(amount), *expected, "amount {amount}");
        }
    }

    #[test]
    fn golden_upper_style_variants() {
        // (amount, zero_after_yuan_before_jiao, zero_after_wan, zheng_after_jiao, expected)
        let cases: &[(&str, bool, bool, bool, &str)] = &[
            ("1680.32", false, false, true, "壹仟陆佰捌拾元叁角贰分"),
            ("100.10", false, false, true, "壹佰元壹角整"),
            ("100.10", true, false, false, "壹佰元零壹角"),
            ("100.10", false, false, false, "壹佰元壹角"),
            // PBoC's own pair of spellings for ¥107,000.53:
            ("107000.53", true, false, true, "壹拾万柒仟元零伍角叁分"),
            ("107000.53", false, true, true, "壹拾万零柒仟元伍角叁分"),
            ("107000.53", true, true, true, "壹拾万零柒仟元零伍角叁分"),
            ("107000.53", false, false, true, "壹拾万柒仟元伍角叁分"),
            ("101000", true, true, true, "壹拾万零壹仟元整"),
            ("1007000", true, true, true, "壹佰万零柒仟元整"),
            ("1070000000", true, true, true, "壹拾亿零柒仟万元整"),
            (
                "1010101010.10",
                true,
                true,
                true,
                "壹拾亿零壹仟零壹拾万零壹仟零壹拾元零壹角整",
            ),
            (
                "1010101010.10",
                false,
                false,
                true,
                "壹拾亿壹仟零壹拾万壹仟零壹拾元壹角整",
            ),
            // Mandatory zeros do not change with the style:
            ("1000007000", true, true, true, "壹拾亿零柒仟元整"),
            ("1000007000", false, false, true, "壹拾亿零柒仟元整"),
            ("100010000", true, true, true, "壹亿零壹万元整"),
            ("100100", false, true, true, "壹拾万零壹佰元整"),
            ("10005.20", false, true, false, "壹万零伍元贰角"),
            ("16409.02", false, false, true, "壹万陆仟肆佰零玖元零贰分"),
            ("6007.14", false, true, false, "陆仟零柒元壹角肆分"),
            // 整 after 角 is optional, after 元 mandatory, after 分 forbidden:
            ("0.50", true, false, false, "伍角"),
            ("1409.50", true, false, false, "壹仟肆佰零玖元伍角"),
            ("10", true, false, false, "壹拾元整"),
            ("0", true, false, false, "零元整"),
            ("0.35", true, false, false, "叁角伍分"),
            // No 零 before 角 when there are no whole yuan:
            ("0.30", true, true, true, "叁角整"),
        ];
        for (amount, yuan_zero, wan_zero, zheng, expected) in cases {
            let got = to_upper(d(amount), &style(*yuan_zero, *wan_zero, *zheng)).unwrap();
            assert_eq!(
                got, *expected,
                "amount {amount} zero_after_yuan_before_jiao={yuan_zero} \
                 zero_after_wan={wan_zero} zheng_after_jiao={zheng}"
            );
        }
    }

    #[test]
    fn upper_refuses_what_it_cannot_write() {
        let default = UpperStyle::default();
        assert!(matches!(
            to_upper(dec!(1000000000000), &default),
            Err(MoneyError::TooLarge { .. })
        ));
        assert!(matches!(
            to_upper(dec!(-1000000000000.00), &default),
            Err(MoneyError::TooLarge { .. })
        ));
        assert!(matches!(
            to_upper(Decimal::MAX, &default),
            Err(MoneyError::TooLarge { .. })
        ));
        let err = to_upper(dec!(1.005), &default).unwrap_err();
        assert!(matches!(err, MoneyError::TooManyDecimals { .. }));
        assert!(
            err.to_string()
                .contains("more than two decimals (分 is the smallest unit)")
        );
        assert!(
            to_upper(dec!(1000000000000), &default)
                .unwrap_err()
                .to_string()
                .contains("too large")
        );
    }

    #[test]
    fn money_to_upper_matches_decimal_form() {
        let m = Money::parse("1,409.50").unwrap();
        assert_eq!(m.to_upper(&UpperStyle::default()), "壹仟肆佰零玖元伍角整");
    }

    #[test]
    fn parse_upper_input_accepts_and_refuses() {
        assert_eq!(parse_upper_input("1409.50").unwrap(), dec!(1409.50));
        assert_eq!(parse_upper_input("1409.5").unwrap(), dec!(1409.5));
        assert_eq!(parse_upper_input("1,409.50").unwrap(), dec!(1409.50));
        assert_eq!(parse_upper_input("-3").unwrap(), dec!(-3));
        for bad in ["abc", "1.005", "1e5", "", "1,2345.00"] {
            assert!(parse_upper_input(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(dec!(2.345), 2), dec!(2.35));
        assert_eq!(round_half_away(dec!(2.355), 2), dec!(2.36));
        assert_eq!(round_half_away(dec!(-2.345), 2), dec!(-2.35));
        assert_eq!(round_half_away(dec!(0.005), 2), dec!(0.01));
        assert_eq!(round_half_away(dec!(2.344), 2), dec!(2.34));
        // What banker's rounding would have done, to show the difference matters.
        assert_eq!(dec!(2.345).round_dp(2), dec!(2.34));
        assert_eq!(dec!(0.005).round_dp(2), dec!(0.00));

        assert_eq!(round(dec!(2.341), 2, RoundingMode::Up), dec!(2.35));
        assert_eq!(round(dec!(-2.341), 2, RoundingMode::Up), dec!(-2.35));
        assert_eq!(round(dec!(2.349), 2, RoundingMode::Down), dec!(2.34));
        assert_eq!(round(dec!(-2.349), 2, RoundingMode::Down), dec!(-2.34));
        assert_eq!(
            round(dec!(2.345), 2, RoundingMode::HalfAwayFromZero),
            dec!(2.35)
        );
        assert_eq!(round_up(dec!(2.3), 0), dec!(3));
        assert_eq!(round_down(dec!(2.9), 0), dec!(2));
    }

    #[test]
    fn money_rounds_half_away_and_keeps_two_decimals() {
        let m = Money::from_decimal_rounded(dec!(2.345)).unwrap();
        assert_eq!(m.to_string(), "2.35");
        assert_eq!(
            Money::from_decimal_rounded(dec!(-2.345))
                .unwrap()
                .to_string(),
            "-2.35"
        );
        assert_eq!(
            Money::from_decimal_rounded(dec!(0.005))
                .unwrap()
                .to_string(),
            "0.01"
        );
        assert_eq!(
            Money::from_decimal_rounded(dec!(80)).unwrap().to_string(),
            "80.00"
        );
        assert_eq!(
            Money::from_decimal_rounded(dec!(-0.004))
                .unwrap()
                .to_string(),
            "0.00"
        );
        assert!(Money::from_decimal_rounded(dec!(1000000000000)).is_err());
        assert!(Money::from_decimal_rounded(Decimal::MAX).is_err());
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::default(), Money::ZERO);
        assert_eq!(Money::MAX.to_string(), "999999999999.99");
        assert_eq!(Money::MIN, -Money::MAX);
    }

    #[test]
    fn money_parse_accepts_the_documented_forms() {
        let cases = [
            ("1409.5", "1409.50"),
            ("1409.50", "1409.50"),
            ("-3", "-3.00"),
            ("1,409.50", "1409.50"),
            ("12,345,678.9", "12345678.90"),
            ("0", "0.00"),
            ("-0", "0.00"),
            ("-0.00", "0.00"),
            (" 80 ", "80.00"),
            ("007", "7.00"),
            ("999,999,999,999.99", "999999999999.99"),
            ("-999999999999.99", "-999999999999.99"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Money::parse(text).unwrap().to_string(),
                expected,
                "{text:?}"
            );
        }
        assert_eq!(
            "1409.50".parse::<Money>().unwrap(),
            Money::parse("1409.5").unwrap()
        );
    }

    #[test]
    fn money_parse_errors_say_what_is_wrong() {
        let expect = |text: &str, phrase: &str| {
            let err = Money::parse(text).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(phrase), "{text:?}: {message}");
        };
        expect("abc", "not a number");
        expect("5000 元", "without 元");
        expect("二百六十元", "in digits");
        expect("５０００", "half-width");
        expect("5000．00", "half-width");
        expect("abc", "e.g. 1409.50");
        expect("1.005", "more than two decimals (分 is the smallest unit)");
        expect("1.500", "more than two decimals");
        expect("1e5", "not a number");
        expect("1e5", "scientific notation");
        expect("", "not a number");
        expect("   ", "the amount is empty");
        expect("1,2345.00", "not a number");
        expect("1,2345.00", "groups of exactly three digits");
        expect("1,23", "groups of exactly three digits");
        expect(",123", "not a number");
        expect("¥80", "without the ¥ sign");
        expect("1000000000000", "too large");
        expect("-1,000,000,000,000.00", "too large");
        expect("99999999999999999999999999999999999", "too large");
        expect("1.", "not a number");
        expect(".5", "not a number");
        expect("+5", "not a number");
        expect("--5", "not a number");
        expect("1.2.3", "not a number");
        expect("１２", "not a number");
        expect("NaN", "not a number");
        assert_eq!(Money::parse("").unwrap_err(), MoneyError::Empty);
        assert!(matches!(
            Money::parse("1.005").unwrap_err(),
            MoneyError::TooManyDecimals { .. }
        ));
        let long = "x".repeat(500);
        assert!(Money::parse(&long).unwrap_err().to_string().len() < 300);
    }

    #[test]
    fn money_prints_yuan_with_separators() {
        let yuan = |text: &str| Money::parse(text).unwrap().yuan();
        assert_eq!(yuan("1409.5"), "¥1,409.50");
        assert_eq!(yuan("-1409.5"), "-¥1,409.50");
        assert_eq!(yuan("0"), "¥0.00");
        assert_eq!(yuan("0.05"), "¥0.05");
        assert_eq!(yuan("-0.05"), "-¥0.05");
        assert_eq!(yuan("999"), "¥999.00");
        assert_eq!(yuan("1000"), "¥1,000.00");
        assert_eq!(yuan("123456789012.34"), "¥123,456,789,012.34");
        // A sum beyond Money, as the message refusing it prints it.
        assert_eq!(yuan_of_fen(-100_000_000_000_000), "-¥1,000,000,000,000.00");
    }

    #[test]
    fn money_arithmetic_is_checked_and_exact() {
        let a = Money::parse("0.10").unwrap();
        let b = Money::parse("0.20").unwrap();
        assert_eq!(a.checked_add(b).unwrap().to_string(), "0.30");
        assert_eq!(a.checked_sub(b).unwrap().to_string(), "-0.10");
        assert_eq!(Money::MAX.checked_add(Money::parse("0.01").unwrap()), None);
        assert_eq!(Money::MIN.checked_sub(Money::parse("0.01").unwrap()), None);
        assert_eq!((-Money::ZERO).to_string(), "0.00");
        assert_eq!((-a).to_string(), "-0.10");

        let items = [a, b, Money::parse("1409.5").unwrap()];
        let total: Money = items.iter().sum();
        assert_eq!(total.to_string(), "1409.80");
        assert_eq!(items.into_iter().sum::<Money>(), total);
        assert_eq!(Money::try_sum(items).unwrap(), total);
        assert_eq!(Money::try_sum([]).unwrap().to_string(), "0.00");
        let err = Money::try_sum([Money::MAX, Money::MAX]).unwrap_err();
        assert!(err.to_string().contains("too large"), "{err}");

        let price = Money::parse("33.33").unwrap();
        assert_eq!(price.mul_qty(dec!(1.5)).unwrap(), dec!(49.995));
        assert_eq!(
            price.mul_qty_rounded(dec!(1.5)).unwrap().to_string(),
            "50.00"
        );
        assert!(Money::MAX.mul_qty(Decimal::MAX).is_err());
        assert!(Money::MAX.mul_qty_rounded(dec!(2)).is_err());

        assert!(Money::parse("-1").unwrap() < Money::ZERO);
        assert!(Money::parse("2").unwrap() > Money::parse("1.99").unwrap());
        assert_eq!(Money::parse("-5").unwrap().abs().to_string(), "5.00");
        assert_eq!(Money::from_fen(140950).unwrap().to_string(), "1409.50");
        assert_eq!(Money::parse("1409.50").unwrap().to_fen(), 140950);
        assert!(Money::from_fen(i64::MIN).is_err());
        assert_eq!(Money::try_from(dec!(1.5)).unwrap().to_string(), "1.50");
        assert!(Money::try_from(dec!(1.005)).is_err());
    }

    #[test]
    fn rate_parses_and_prints_percentages() {
        let cases = [
            ("6%", "0.06", "6%"),
            ("0.06", "0.06", "6%"),
            ("8.5%", "0.085", "8.5%"),
            ("13%", "0.13", "13%"),
            ("6.00%", "0.06", "6%"),
            ("0%", "0", "0%"),
            ("0", "0", "0%"),
            ("100%", "1", "100%"),
            ("0.5", "0.5", "50%"),
            (" 9 % ", "0.09", "9%"),
            ("0.0001%", "0.000001", "0.0001%"),
        ];
        for (text, fraction, shown) in cases {
            let rate = Rate::parse(text).unwrap();
            assert_eq!(rate.fraction(), d(fraction), "{text:?}");
            assert_eq!(rate.to_string(), shown, "{text:?}");
        }
        for bad in [
            "",
            "abc",
            "-6%",
            "6",
            "1",
            "1.0",
            "101%",
            "6%%",
            "%",
            "1e-2",
            "0.1234567890123%",
        ] {
            let err = Rate::parse(bad).unwrap_err();
            assert!(matches!(err, MoneyError::InvalidRate { .. }), "{bad:?}");
        }
        assert!(Rate::parse("6").unwrap_err().to_string().contains("6%"));
        assert!(Rate::from_fraction(dec!(-0.01)).is_err());
        assert!(Rate::from_fraction(dec!(1.01)).is_err());
        assert_eq!(Rate::from_fraction(dec!(0.0600)).unwrap().to_string(), "6%");
    }

    #[test]
    fn tax_split_examples() {
        let six = Rate::parse("6%").unwrap();
        let money = |text: &str| Money::parse(text).unwrap();

        // 106.00 / 1.06 = 100 exactly.
        assert_eq!(
            split_inclusive(money("106"), six),
            (money("100"), money("6"))
        );
        // 100 / 1.06 = 94.339… → 94.34; tax 5.66.
        assert_eq!(
            split_inclusive(money("100"), six),
            (money("94.34"), money("5.66"))
        );
        // 0.53 / 1.06 = 0.5 exactly; 0.01 / 1.06 = 0.00943… → 0.01, tax 0.
        assert_eq!(
            split_inclusive(money("0.53"), six),
            (money("0.50"), money("0.03"))
        );
        assert_eq!(
            split_inclusive(money("0.01"), six),
            (money("0.01"), money("0"))
        );
        // A refund splits symmetrically.
        assert_eq!(
            split_inclusive(money("-100"), six),
            (money("-94.34"), money("-5.66"))
        );
        assert_eq!(
            split_inclusive(money("100"), Rate::ZERO),
            (money("100"), money("0"))
        );

        // 94.25 × 6% = 5.655 → 5.66.
        assert_eq!(tax_exclusive(money("94.25"), six), money("5.66"));
        // 10.75 × 6% = 0.645 → 0.65, where banker's rounding would give 0.64.
        assert_eq!(tax_exclusive(money("10.75"), six), money("0.65"));
        assert_eq!(tax_exclusive(money("-10.75"), six), money("-0.65"));
        assert_eq!(
            tax_exclusive(money("100"), Rate::parse("8.5%").unwrap()),
            money("8.50")
        );
    }

    // ----- serde, without any format crate: serde's own value deserializers
    // stand in for a YAML plain scalar (deserialize_str → visit_str).

    /// Captures what a Serialize impl writes, refusing anything but a string.
    struct StrCapture;

    #[derive(Debug)]
    struct CaptureError(String);

    impl fmt::Display for CaptureError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for CaptureError {}

    impl serde::ser::Error for CaptureError {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            CaptureError(msg.to_string())
        }
    }

    macro_rules! refuse {
        ($($name:ident($($ty:ty),*)),* $(,)?) => {
            $(fn $name(self, $(_: $ty),*) -> Result<String, CaptureError> {
                Err(CaptureError("not a string".into()))
            })*
        };
    }

    type Never = serde::ser::Impossible<String, CaptureError>;

    impl Serializer for StrCapture {
        type Ok = String;
        type Error = CaptureError;
        type SerializeSeq = Never;
        type SerializeTuple = Never;
        type SerializeTupleStruct = Never;
        type SerializeTupleVariant = Never;
        type SerializeMap = Never;
        type SerializeStruct = Never;
        type SerializeStructVariant = Never;

        fn serialize_str(self, v: &str) -> Result<String, CaptureError> {
            Ok(v.to_owned())
        }

        refuse!(
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_char(char),
            serialize_bytes(&[u8]),
            serialize_none(),
            serialize_unit(),
            serialize_unit_struct(&'static str),
            serialize_unit_variant(&'static str, u32, &'static str),
        );

        fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<String, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<String, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_tuple(self, _: usize) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Never, CaptureError> {
            Err(CaptureError("not a string".into()))
        }
    }

    fn money_from_text(text: &str) -> Result<Money, ValueError> {
        Money::deserialize(StrDeserializer::<ValueError>::new(text))
    }

    #[test]
    fn money_serde_round_trip() {
        let m = Money::parse("1409.5").unwrap();
        assert_eq!(m.serialize(StrCapture).unwrap(), "1409.50");
        assert_eq!(Money::ZERO.serialize(StrCapture).unwrap(), "0.00");
        assert_eq!(money_from_text("1409.50").unwrap(), m);
        assert_eq!(money_from_text("1,409.5").unwrap(), m);
        let int: Result<Money, ValueError> = Money::deserialize(80u64.into_deserializer());
        assert_eq!(int.unwrap().to_string(), "80.00");
        let neg: Result<Money, ValueError> = Money::deserialize((-3i64).into_deserializer());
        assert_eq!(neg.unwrap().to_string(), "-3.00");

        let err = money_from_text("1.005").unwrap_err().to_string();
        assert!(err.contains("more than two decimals"), "{err}");
        assert!(money_from_text("1e5").is_err());
        let float: Result<Money, ValueError> = Money::deserialize(1409.5f64.into_deserializer());
        assert!(float.unwrap_err().to_string().contains("floating-point"));
    }

    #[test]
    fn rate_serde_round_trip() {
        let rate = Rate::parse("8.5%").unwrap();
        assert_eq!(rate.serialize(StrCapture).unwrap(), "8.5%");
        let read = |text: &str| Rate::deserialize(StrDeserializer::<ValueError>::new(text));
        assert_eq!(read("8.5%").unwrap(), rate);
        assert_eq!(read("0.085").unwrap(), rate);
        assert!(read("6").is_err());
        let zero: Result<Rate, ValueError> = Rate::deserialize(0u64.into_deserializer());
        assert_eq!(zero.unwrap(), Rate::ZERO);
        let six: Result<Rate, ValueError> = Rate::deserialize(6u64.into_deserializer());
        assert!(six.unwrap_err().to_string().contains("ambiguous"));
    }

    #[test]
    fn upper_style_serde_defaults_and_unknown_fields() {
        let read = |pairs: Vec<(&'static str, bool)>| {
            UpperStyle::deserialize(MapDeserializer::<_, ValueError>::new(pairs.into_iter()))
        };
        assert_eq!(read(vec![]).unwrap(), UpperStyle::default());
        let custom = read(vec![("zero_after_wan", true)]).unwrap();
        assert_eq!(custom, style(true, true, true));
        let err = read(vec![("zero_after_wan_typo", true)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");

        let mode = |text: &'static str| {
            RoundingMode::deserialize(StrDeserializer::<ValueError>::new(text))
        };
        assert_eq!(
            mode("half_away_from_zero").unwrap(),
            RoundingMode::HalfAwayFromZero
        );
        assert_eq!(mode("up").unwrap(), RoundingMode::Up);
        assert_eq!(mode("down").unwrap(), RoundingMode::Down);
        assert!(mode("half_even").is_err());
    }

    #[test]
    fn json_schemas_describe_strings_with_patterns() {
        let money = schemars::SchemaGenerator::default().into_root_schema_for::<Money>();
        assert!(money.get("pattern").is_some());
        let output = schemars::generate::SchemaSettings::default()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<Money>();
        assert_eq!(output.get("type").and_then(|t| t.as_str()), Some("string"));
        assert_eq!(
            output.get("pattern").and_then(|p| p.as_str()),
            Some(r"^-?\d+\.\d{2}$")
        );
        let rate = schemars::SchemaGenerator::default().into_root_schema_for::<Rate>();
        assert!(rate.get("pattern").is_some());

        let style_schema =
            schemars::SchemaGenerator::default().into_root_schema_for::<UpperStyle>();
        let text = format!("{:?}", style_schema);
        assert!(text.contains("additionalProperties"), "{text}");
        for field in [
            "zero_after_yuan_before_jiao",
            "zero_after_wan",
            "zheng_after_jiao",
        ] {
            assert!(text.contains(field), "{field} missing from schema");
        }
        assert!(text.contains("PBoC"), "field docs should reach the schema");
    }

    // ----- property tests

    /// Reads 大写 back into 分, checking its structure on the way: every digit
    /// is followed by a unit, units descend, 零 never doubles, starts, ends or
    /// precedes a unit, 分 right after 元 needs its 零, and 整 ends exactly the
    /// amounts ending in 元 or 角.
    fn read_upper(text: &str) -> Option<i64> {
        if text == "零元整" {
            return Some(0);
        }
        let (negative, body) = match text.strip_prefix('负') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut big_total: i64 = 0; // the 亿 and 万 parts, already multiplied
        let mut section: i64 = 0;
        let mut last_small = 4u32; // 1 拾, 2 佰, 3 仟; 4 = none yet in this section
        let mut last_big = u32::MAX;
        let mut digit: Option<i64> = None;
        let mut after_zero = false;
        let mut digit_after_zero = false;
        let (mut yuan, mut jiao, mut fen) = (0i64, 0i64, 0i64);
        let mut stage = 0; // 0 integer, 1 after 元, 2 after 角, 3 after 分, 4 after 整
        for c in body.chars() {
            if stage >= 3 {
                return None; // nothing may follow 分 or 整
            }
            if let Some(value) = UPPER_DIGITS.iter().position(|&u| u == c) {
                if digit.is_some() || (value == 0 && after_zero) {
                    return None;
                }
                if value == 0 {
                    if stage == 0 && big_total == 0 && section == 0 {
                        return None; // a leading 零
                    }
                    after_zero = true;
                } else {
                    digit = Some(value as i64);
                    digit_after_zero = after_zero;
                    after_zero = false;
                }
                continue;
            }
            if after_zero {
                return None; // 零 must be followed by a digit, never by a unit
            }
            match c {
                '拾' | '佰' | '仟' => {
                    let small = match c {
                        '拾' => 1,
                        '佰' => 2,
                        _ => 3,
                    };
                    if stage != 0 || small >= last_small {
                        return None;
                    }
                    last_small = small;
                    section += digit.take()? * 10i64.pow(small);
                }
                '万' | '亿' => {
                    let power = if c == '亿' { 8 } else { 4 };
                    if stage != 0 || power >= last_big {
                        return None;
                    }
                    last_big = power;
                    let part = section + digit.take().unwrap_or(0);
                    if part == 0 {
                        return None;
                    }
                    big_total += part * 10i64.pow(power);
                    section = 0;
                    last_small = 4;
                }
                '元' => {
                    if stage != 0 {
                        return None;
                    }
                    yuan = big_total + section + digit.take().unwrap_or(0);
                    if yuan == 0 {
                        return None;
                    }
                    stage = 1;
                }
                '角' => {
                    if stage > 1 || (stage == 0 && (big_total != 0 || section != 0)) {
                        return None;
                    }
                    jiao = digit.take()?;
                    stage = 2;
                }
                '分' => {
                    if stage == 0 && (big_total != 0 || section != 0) {
                        return None;
                    }
                    if stage == 1 && !digit_after_zero {
                        return None; // 角位 0 with whole yuan: 元 must be followed by 零
                    }
                    fen = digit.take()?;
                    stage = 3;
                }
                '整' => {
                    if stage != 1 && stage != 2 {
                        return None;
                    }
                    stage = 4;
                }
                _ => return None,
            }
        }
        // A bare digit, a trailing 零, or a whole-yuan amount without 整 is wrong.
        if digit.is_some() || after_zero || stage == 0 || stage == 1 {
            return None;
        }
        let total = yuan * 100 + jiao * 10 + fen;
        Some(if negative { -total } else { total })
    }

    /// A second, differently built writer for whole yuan, used as an oracle:
    /// the textbook approach that reads each four-digit section on its own and
    /// then decides the 零 between sections.
    fn reference_integer(yuan: u64, style: &UpperStyle) -> String {
        fn section_text(value: u64) -> String {
            let digits = [value / 1000, value / 100 % 10, value / 10 % 10, value % 10];
            let units = ["仟", "佰", "拾", ""];
            let mut out = String::new();
            let mut zero_pending = false;
            for (d, unit) in digits.iter().zip(units) {
                if *d == 0 {
                    zero_pending = !out.is_empty();
                } else {
                    if zero_pending {
                        out.push('零');
                        zero_pending = false;
                    }
                    out.push(UPPER_DIGITS[*d as usize]);
                    out.push_str(unit);
                }
            }
            out
        }
        let sections = [
            (yuan / 100_000_000, "亿"),
            (yuan / 10_000 % 10_000, "万"),
            (yuan % 10_000, ""),
        ];
        let mut out = String::new();
        let mut previous: Option<u64> = None;
        let mut skipped_zero_section = false;
        for (value, unit) in sections {
            if value == 0 {
                skipped_zero_section |= previous.is_some();
                continue;
            }
            if let Some(previous) = previous {
                let starts_with_zero = value < 1000;
                let optional = style.zero_after_wan && previous % 10 == 0;
                if skipped_zero_section || starts_with_zero || optional {
                    out.push('零');
                }
            }
            out.push_str(&section_text(value));
            out.push_str(unit);
            previous = Some(value);
            skipped_zero_section = false;
        }
        out
    }

    fn all_styles() -> Vec<UpperStyle> {
        (0..8)
            .map(|bits| style(bits & 1 != 0, bits & 2 != 0, bits & 4 != 0))
            .collect()
    }

    /// Amounts in 分 with many zero digits, where the 零 rules bite.
    fn zero_heavy_fen() -> impl Strategy<Value = i64> {
        (
            prop::collection::vec(prop_oneof![3 => Just(0i64), 2 => 1i64..=9], 1..=14),
            any::<bool>(),
        )
            .prop_map(|(digits, negative)| {
                let fen = digits.iter().fold(0i64, |acc, d| acc * 10 + d);
                if negative { -fen } else { fen }
            })
    }

    fn any_fen() -> impl Strategy<Value = i64> {
        prop_oneof![zero_heavy_fen(), -MAX_FEN..=MAX_FEN, -100_000i64..=100_000]
    }

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<bool>(),
            0u32..=28,
        )
            .prop_map(|(lo, mid, hi, negative, scale)| {
                Decimal::from_parts(lo, mid, hi, negative, scale)
            })
    }

    /// Proptest settings that write no regression files: a failure prints its
    /// minimal input, and the test run must not leave files in the work tree.
    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    const UPPER_ALPHABET: &str = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负";

    #[test]
    fn to_upper_never_panics() {
        proptest!(config(2000), |(amount in any_decimal())| {
            for style in all_styles() {
                if let Ok(text) = to_upper(amount, &style) {
                    prop_assert!(text.chars().all(|c| UPPER_ALPHABET.contains(c)));
                    prop_assert!(amount.abs() <= Money::MAX.amount());
                }
            }
        });
    }

    #[test]
    fn to_upper_reads_back_exactly() {
        proptest!(config(3000), |(fen in any_fen())| {
            let amount = Decimal::new(fen, 2);
            for style in all_styles() {
                let text = to_upper(amount, &style).unwrap();
                prop_assert!(text.chars().all(|c| UPPER_ALPHABET.contains(c)), "{}", text);
                prop_assert_eq!(read_upper(&text), Some(fen), "{} → {} with {:?}", amount, text, style);
                let ends_in_zheng = fen % 100 == 0 || (fen % 10 == 0 && style.zheng_after_jiao);
                prop_assert_eq!(text.ends_with('整'), ends_in_zheng, "{}", text);
                prop_assert_eq!(text.contains('元'), fen.abs() >= 100 || fen == 0, "{}", text);
                prop_assert_eq!(text.starts_with('负'), fen < 0, "{}", text);
            }
            // The two 零 options only ever add or drop 零.
            for zheng in [false, true] {
                let without_zero =
                    |yuan_zero, wan_zero| to_upper(amount, &style(yuan_zero, wan_zero, zheng)).unwrap().replace('零', "");
                prop_assert_eq!(without_zero(true, true), without_zero(false, false));
            }
        });
    }

    #[test]
    fn integer_part_matches_reference_writer() {
        let yuan = prop_oneof![
            zero_heavy_fen().prop_map(|f| f.unsigned_abs() / 100),
            0u64..=999_999_999_999,
        ];
        proptest!(config(3000), |(yuan in yuan)| {
            prop_assume!(yuan > 0);
            for style in all_styles() {
                let text = to_upper(Decimal::from(yuan), &style).unwrap();
                prop_assert_eq!(text, format!("{}元整", reference_integer(yuan, &style)), "{}", yuan);
            }
        });
    }

    #[test]
    fn money_parse_never_panics() {
        proptest!(config(2000), |(text in any::<String>())| {
            let _ = Money::parse(&text);
            let _ = Rate::parse(&text);
            let _ = parse_upper_input(&text);
        });
        proptest!(config(4000), |(text in "[-+0-9,.eE% ¥]{0,24}")| {
            if let Ok(m) = Money::parse(&text) {
                prop_assert_eq!(m.amount().scale(), 2);
                prop_assert!(m.abs() <= Money::MAX);
            }
            if let Ok(rate) = Rate::parse(&text) {
                prop_assert!(rate.fraction() >= Decimal::ZERO && rate.fraction() <= Decimal::ONE);
            }
        });
    }

    #[test]
    fn money_text_round_trips() {
        proptest!(config(2000), |(fen in any_fen())| {
            let m = Money::from_fen(fen).unwrap();
            prop_assert_eq!(m.amount().scale(), 2);
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
            prop_assert_eq!(Money::parse(&m.yuan().replace('¥', "")).unwrap(), m);
            prop_assert_eq!(m.to_fen(), fen);
        });
    }

    #[test]
    fn split_inclusive_adds_back() {
        let rates = (0i64..=10_000, 2u32..=6)
            .prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
            .prop_filter("at most 100%", |f| *f <= Decimal::ONE);
        proptest!(config(3000), |(fen in any_fen(), fraction in rates)| {
            let rate = Rate::from_fraction(fraction).unwrap();
            let gross = Money::from_fen(fen).unwrap();
            let (net, tax) = split_inclusive(gross, rate);
            prop_assert_eq!(net.checked_add(tax), Some(gross));
            prop_assert_eq!(net.amount().scale(), 2);
            prop_assert_eq!(tax.amount().scale(), 2);
            // Agrees with the textbook formula computed in Decimal.
            let expected = round_half_away(gross.amount() / (Decimal::ONE + fraction), 2);
            prop_assert_eq!(net.amount(), expected);
            let tax_ex = tax_exclusive(gross, rate);
            prop_assert_eq!(tax_ex.amount(), round_half_away(gross.amount() * fraction, 2));
        });
    }

    #[test]
    fn decimal_conversions_never_panic() {
        proptest!(config(2000), |(value in any_decimal())| {
            if let Ok(m) = Money::from_decimal_rounded(value) {
                prop_assert_eq!(m.amount().scale(), 2);
                prop_assert_eq!(m.amount(), round_half_away(value, 2));
            }
            if let Ok(m) = Money::try_from(value) {
                prop_assert_eq!(m.amount(), value);
            }
            if let Ok(rate) = Rate::from_fraction(value) {
                prop_assert_eq!(rate.fraction(), value);
                prop_assert_eq!(Rate::parse(&rate.to_string()).unwrap(), rate);
            }
        });
    }
}
