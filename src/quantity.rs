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

    /// Reads `2`, `1.5`, `0.125` (no exponent, no thousands separators).
    pub fn parse(text: &str) -> Result<Qty, String> {
        let t = text.trim();
        let ok = !t.is_empty()
            && t.strip_prefix('-').unwrap_or(t).split_once('.').map_or(
                t.strip_prefix('-')
                    .unwrap_or(t)
                    .chars()
                    .all(|c| c.is_ascii_digit()),
                |(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.chars().all(|c| c.is_ascii_digit())
                        && b.chars().all(|c| c.is_ascii_digit())
                },
            );
        if !ok {
            return Err(format!(
                "`{t}` is not a number; write digits such as 2 or 1.5"
            ));
        }
        // Exact or refused: `from_str` would round a 29th significant digit
        // away without a word.
        Decimal::from_str_exact(t)
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
        for bad in ["", "1e5", "1.", ".5", "1,000", "abc", "--1"] {
            assert!(Qty::parse(bad).is_err(), "{bad}");
        }
        let q: Qty = serde_saphyr::from_str("0.1").unwrap();
        assert_eq!(q.0.to_string(), "0.1");
    }
}
