//! `feebook upper AMOUNT`: 人民币大写 of an amount, as on the counter's
//! 数字大小写对照表, spelt as the documents spell it (the rules'
//! `documents.upper_style`: where 零 and 整 go is a house choice).

use super::common::load_rules;
use super::{OK, RulesArgs, USAGE};
use feebook::money::{parse_upper_input, to_upper};

/// An amount that does not read (`abc`, `1.005`, past ¥999,999,999,999.99)
/// is a bad command-line value: a usage error, as `price --qty abc` is.
pub fn run(rules: &RulesArgs, amount: &str) -> u8 {
    let value = match parse_upper_input(amount) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let (rules, _) = match load_rules(rules) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match to_upper(value, &rules.documents.upper_style) {
        Ok(s) => {
            super::out(&format!("{s}\n"));
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}
