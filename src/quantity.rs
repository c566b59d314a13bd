//! Quantities (staff, hours, square metres) read exactly from their text.
//!
//! A plain `Decimal` field goes through a binary float in every YAML
//! reader (`0.1` would arrive as 0.1000000000000000055…); `Qty` asks for
//! the scalar's text instead, as `Money` does.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Qty(pub Decimal);

impl Qty {
    pub fn value(self) -> Decimal {
        self.0
    }

    /// Reads `2`, `1.5`, `0.125`, and `1,200` as Excel's `#,##0` writes it
    /// (commas between groups of three digits only). No exponent.
    pub fn parse(text: &str) -> Result<Qty, String> {
        let t = text.trim();
        let body = t.strip_prefix('-').unwrap_or(t);
        let (int, frac) = match body.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (body, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let int_ok = if int.contains(',') {
            crate::money::is_grouped_by_three(int)
        } else {
            digits(int)
        };
        if !int_ok || !frac.is_none_or(digits) {
            let why = if t.contains(|c: char| ('０'..='９').contains(&c) || c == '．') {
                "write the digits in half-width (半角) characters, e.g. 12, not １２"
            } else if t.contains([
                '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千', '万',
                '零', '半',
            ]) {
                "write it in digits, e.g. 85 or 1.5, not in Chinese numerals"
            } else if t.starts_with(|c: char| c.is_ascii_digit())
                && t.contains(|c: char| !c.is_ascii_digit() && !".,-".contains(c))
            {
                "write the number alone, without its unit (the unit is the item's)"
            } else {
                "write digits such as 2 or 1.5"
            };
            return Err(format!("`{t}` is not a number; {why}"));
        }
        let plain = t.replace(',', "");
        // Exact or refused: `from_str` would round a 29th significant digit
        // away without a word.
        Decimal::from_str_exact(&plain)
            .map(Qty)
            .map_err(|_| format!("`{t}` is too large or has too many digits (at most 28)"))
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Qty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Qty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Qty, D::Error> {
        d.deserialize_str(QtyVisitor)
    }
}

struct QtyVisitor;

impl de::Visitor<'_> for QtyVisitor {
    type Value = Qty;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number such as 2 or 1.5")
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Qty, E> {
        Qty::parse(text).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Qty, E> {
        Ok(Qty(Decimal::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Qty, E> {
        Ok(Qty(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Qty, E> {
        Err(E::custom(format!(
            "the number {v} arrived as a binary floating-point number; write it as a string such as \"1.5\""
        )))
    }
}

impl JsonSchema for Qty {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["number", "string"],
            "pattern": r"^-?\d+(\.\d+)?$",
            "description": "A number, read exactly from its digits, e.g. 2 or 1.5.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exactly() {
        assert_eq!(Qty::parse("0.1").unwrap().0.to_string(), "0.1");
        assert_eq!(Qty::parse("2").unwrap().0, Decimal::from(2));
        assert_eq!(Qty::parse("1,200").unwrap().0, Decimal::from(1200));
        assert_eq!(Qty::parse("12,345.5").unwrap().0, Decimal::new(123455, 1));
        for bad in [
            "",
            "1e5",
            "1.",
            ".5",
            "1,00",
            "10,00,000",
            "abc",
            "--1",
            ",100",
        ] {
            assert!(Qty::parse(bad).is_err(), "{bad}");
        }
        let why = |t: &str| Qty::parse(t).unwrap_err();
        assert!(why("１２").contains("half-width"), "{}", why("１２"));
        assert!(why("八十五").contains("Chinese numerals"));
        assert!(why("85平方米").contains("without its unit"));
        let q: Qty = serde_saphyr::from_str("0.1").unwrap();
        assert_eq!(q.0.to_string(), "0.1");
    }
}
