//! Rounding for the `round`/`ceil`/`floor` functions and for program lines.
//!
//! Program lines round with [`crate::money::RoundingMode`] (the mode rule
//! files name: half away from zero, up = away from zero, down = toward
//! zero), so there is one meaning of "up" in feebook. The functions `ceil`
//! and `floor` keep their mathematical meaning (toward ±∞), which is
//! [`FnRounding`].

use rust_decimal::{Decimal, RoundingStrategy};

/// How the rounding functions round.
///
/// Chinese invoicing rounds half away from zero (四舍五入), which is *not*
/// `Decimal::round_dp` (banker's rounding); this enum exists so no code path
/// can pick the wrong one by accident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FnRounding {
    /// 四舍五入: 2.345 → 2.35, −2.345 → −2.35.
    HalfAwayFromZero,
    /// Towards +∞, like `ceil`: 2.341 → 2.35, −2.349 → −2.34.
    Up,
    /// Towards −∞, like `floor`: 2.349 → 2.34, −2.341 → −2.35.
    Down,
}

/// Largest number of decimal places accepted by `round`/`ceil`/`floor`
/// and by program line rounding.
pub const MAX_ROUND_DIGITS: u32 = 10;

impl FnRounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            FnRounding::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            FnRounding::Up => RoundingStrategy::ToPositiveInfinity,
            FnRounding::Down => RoundingStrategy::ToNegativeInfinity,
        }
    }

    /// Rounds `d` to `dp` places and pads it to exactly `dp` places, so money
    /// rounded to cents always prints as `270.00`, not `270`.
    pub fn apply(self, d: Decimal, dp: u32) -> Decimal {
        let mut r = d.round_dp_with_strategy(dp, self.strategy());
        if r.scale() < dp {
            // Never fails: rescale lowers the target scale if it cannot fit.
            r.rescale(dp);
        }
        r
    }
}

/// Rounds a program line's value the way its rule says, padded to `dp`
/// places like [`FnRounding::apply`].
pub fn apply_line(mode: crate::money::RoundingMode, d: Decimal, dp: u32) -> Decimal {
    let mut r = crate::money::round(d, dp, mode);
    if r.scale() < dp {
        r.rescale(dp);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn half_away_from_zero_is_not_bankers() {
        let h = FnRounding::HalfAwayFromZero;
        assert_eq!(h.apply(dec!(2.345), 2), dec!(2.35));
        assert_eq!(h.apply(dec!(-2.345), 2), dec!(-2.35));
        assert_eq!(h.apply(dec!(2.5), 0), dec!(3));
        assert_eq!(h.apply(dec!(0.125), 2), dec!(0.13));
        assert_eq!(h.apply(dec!(270), 2).to_string(), "270.00");
        assert_eq!(FnRounding::Up.apply(dec!(2.341), 2), dec!(2.35));
        assert_eq!(FnRounding::Up.apply(dec!(-2.349), 2), dec!(-2.34));
        assert_eq!(FnRounding::Down.apply(dec!(2.349), 2), dec!(2.34));
        assert_eq!(FnRounding::Down.apply(dec!(-2.341), 2), dec!(-2.35));
        assert_eq!(h.apply(Decimal::MAX, 10), Decimal::MAX);
    }
}
