//! `feebook upper AMOUNT`: 人民币大写 of an amount, as on the counter's
//! 数字大小写对照表.

use super::{OK, PROBLEMS};
use feebook::money::{UpperStyle, parse_upper_input, to_upper};

pub fn run(amount: &str) -> u8 {
    let value = match parse_upper_input(amount) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    match to_upper(value, &UpperStyle::default()) {
        Ok(s) => {
            super::out(&format!("{s}\n"));
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            PROBLEMS
        }
    }
}
