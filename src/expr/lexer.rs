//! Turns expression text into tokens with byte spans.
//!
//! The lexer stops at the first bad character: the parser has no error
//! recovery either, and one precise message is more useful to an
//! administrator than a cascade.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::error::{ExprError, Span};

/// Longest expression accepted, in bytes. Rule expressions are a line or
/// two; the cap keeps spans in `u32` and bounds the work done on hostile input.
pub const MAX_SOURCE_LEN: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    And,
    Or,
    Not,
    In,
    If,
    Then,
    Else,
    True,
    False,
    None,
}

impl Keyword {
    fn from_ident(s: &str) -> Option<Keyword> {
        Some(match s {
            "and" => Keyword::And,
            "or" => Keyword::Or,
            "not" => Keyword::Not,
            "in" => Keyword::In,
            "if" => Keyword::If,
            "then" => Keyword::Then,
            "else" => Keyword::Else,
            "true" => Keyword::True,
            "false" => Keyword::False,
            "none" => Keyword::None,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::And => "and",
            Keyword::Or => "or",
            Keyword::Not => "not",
            Keyword::In => "in",
            Keyword::If => "if",
            Keyword::Then => "then",
            Keyword::Else => "else",
            Keyword::True => "true",
            Keyword::False => "false",
            Keyword::None => "none",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok<'s> {
    /// A number literal; `percent` literals have already been divided by 100.
    Num {
        value: Decimal,
        percent: bool,
    },
    Str(Arc<str>),
    Ident(&'s str),
    Kw(Keyword),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

impl fmt::Display for Tok<'_> {
    /// How a token is named in "expected ..., found ..." messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Num { .. } => f.write_str("a number"),
            Tok::Str(_) => f.write_str("a text literal"),
            Tok::Ident(s) => write!(f, "the name `{s}`"),
            Tok::Kw(k) => write!(f, "`{}`", k.as_str()),
            Tok::Eof => f.write_str("the end of the expression"),
            other => write!(f, "`{}`", other.symbol()),
        }
    }
}

impl Tok<'_> {
    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            _ => "?",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token<'s> {
    pub tok: Tok<'s>,
    pub span: Span,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `s` can be written as a name in an expression (and so can be
/// declared as an input, table, column or program line).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if is_ident_start(c))
        && chars.all(is_ident_continue)
        && Keyword::from_ident(s).is_none()
}

/// Splits `src` into tokens, ending with `Tok::Eof`.
pub fn tokenize(src: &str) -> Result<Vec<Token<'_>>, ExprError> {
    if src.len() > MAX_SOURCE_LEN {
        return Err(ExprError::new(
            Span::new(0, 0),
            "expr-too-long",
            format!(
                "the expression is {} bytes long; at most {MAX_SOURCE_LEN} are allowed",
                src.len()
            ),
        ));
    }
    let mut lexer = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    tokens: Vec<Token<'s>>,
}

fn span(start: usize, end: usize) -> Span {
    // MAX_SOURCE_LEN keeps both far below u32::MAX.
    Span::new(start as u32, end as u32)
}

impl<'s> Lexer<'s> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn push(&mut self, tok: Tok<'s>, start: usize) {
        self.tokens.push(Token {
            tok,
            span: span(start, self.pos),
        });
    }

    fn run(&mut self) -> Result<(), ExprError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            if c.is_ascii_digit() {
                self.number()?;
                continue;
            }
            if is_ident_start(c) {
                while let Some(c) = self.peek().filter(|&c| is_ident_continue(c)) {
                    self.pos += c.len_utf8();
                }
                let text = &self.src[start..self.pos];
                let tok = Keyword::from_ident(text).map_or(Tok::Ident(text), Tok::Kw);
                self.push(tok, start);
                continue;
            }
            if c == '\'' || c == '"' {
                self.string(c)?;
                continue;
            }
            let two = self.peek2();
            let (tok, len) = match (c, two) {
                ('=', Some('=')) => (Tok::EqEq, 2),
                ('!', Some('=')) => (Tok::NotEq, 2),
                ('<', Some('=')) => (Tok::Le, 2),
                ('>', Some('=')) => (Tok::Ge, 2),
                ('<', _) => (Tok::Lt, 1),
                ('>', _) => (Tok::Gt, 1),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                ('[', _) => (Tok::LBracket, 1),
                (']', _) => (Tok::RBracket, 1),
                (',', _) => (Tok::Comma, 1),
                ('+', _) => (Tok::Plus, 1),
                ('-', _) => (Tok::Minus, 1),
                ('*', _) => (Tok::Star, 1),
                ('/', _) => (Tok::Slash, 1),
                _ => return Err(self.bad_char(c, two)),
            };
            self.pos += len;
            self.push(tok, start);
        }
        self.tokens.push(Token {
            tok: Tok::Eof,
            span: span(self.pos, self.pos),
        });
        Ok(())
    }

    /// `123`, `1.50`, `6%`, `8.5%`. The value is parsed from the literal text
    /// so that `0.1` is exactly one tenth.
    fn number(&mut self) -> Result<(), ExprError> {
        let start = self.pos;
        let digits = |l: &mut Self| {
            while l.peek().is_some_and(|c| c.is_ascii_digit()) {
                l.pos += 1;
            }
        };
        digits(self);
        if self.peek() == Some('.') {
            if !self.peek2().is_some_and(|c| c.is_ascii_digit()) {
                return Err(ExprError::new(
                    span(start, self.pos + 1),
                    "expr-invalid-number",
                    "a decimal point must be followed by digits",
                )
                .with_hint(format!(
                    "write `{}` or `{}.0`",
                    &self.src[start..self.pos],
                    &self.src[start..self.pos]
                )));
            }
            self.pos += 1;
            digits(self);
        }
        let text = &self.src[start..self.pos];
        let percent = self.peek() == Some('%');
        if percent {
            self.pos += 1;
        }
        if let Some(c) = self.peek().filter(|&c| is_ident_continue(c) || c == '.') {
            let end = self.pos + c.len_utf8();
            // `60元`: money written as on a price list. Amounts in a
            // formula are plain numbers, in yuan.
            if matches!(c, '元' | '块' | '圆') {
                let written = &self.src[start..self.pos];
                return Err(ExprError::new(
                    span(start, end),
                    "expr-invalid-number",
                    format!("`{written}{c}`: amounts in a formula are written without `{c}`"),
                )
                .with_hint(format!(
                    "write the number alone, `{written}`: amounts are in yuan (e.g. `total > 5000`)"
                )));
            }
            return Err(ExprError::new(
                span(start, end),
                "expr-invalid-number",
                format!("a number cannot be directly followed by `{c}`"),
            )
            .with_hint("put an operator between them, e.g. `2 * hours`"));
        }
        let out_of_range = || {
            ExprError::new(
                span(start, self.pos),
                "expr-number-out-of-range",
                format!("the number `{text}` is too large or has too many decimal places"),
            )
        };
        let mut value = Decimal::from_str_exact(text).map_err(|_| out_of_range())?;
        if percent {
            value = Decimal::try_from_i128_with_scale(value.mantissa(), value.scale() + 2)
                .map_err(|_| out_of_range())?;
        }
        self.push(Tok::Num { value, percent }, start);
        Ok(())
    }

    fn string(&mut self, quote: char) -> Result<(), ExprError> {
        let start = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ExprError::new(
                    span(start, self.pos),
                    "expr-unterminated-string",
                    "this text is missing its closing quote",
                )
                .with_hint(format!("end it with {quote}")));
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            match c {
                '\\' => match self.peek() {
                    Some(e @ ('\\' | '\'' | '"')) => {
                        self.pos += 1;
                        text.push(e);
                    }
                    other => {
                        let end = self.pos + other.map_or(0, char::len_utf8);
                        return Err(ExprError::new(
                            span(at, end),
                            "expr-invalid-escape",
                            "unknown escape sequence in text",
                        )
                        .with_hint(r#"only \\, \' and \" are escapes; write \\ for a backslash"#));
                    }
                },
                c if c == quote => break,
                c => text.push(c),
            }
        }
        self.push(Tok::Str(text.into()), start);
        Ok(())
    }

    fn bad_char(&self, c: char, next: Option<char>) -> ExprError {
        let at = span(self.pos, self.pos + c.len_utf8());
        let err = ExprError::new(
            at,
            "expr-unexpected-char",
            format!("unexpected character `{c}`"),
        );
        let hint = match (c, next) {
            ('=', Some('>')) => Some("write `>=` for 'at least'".to_string()),
            ('=', Some('<')) => Some("write `<=` for 'at most'".to_string()),
            ('=', _) => Some("use `==` to compare".to_string()),
            ('≥', _) => Some("write `>=`".to_string()),
            ('≤', _) => Some("write `<=`".to_string()),
            ('≠', _) => Some("write `!=`".to_string()),
            ('!', _) => Some("use `not` for negation, `!=` for 'not equal'".to_string()),
            ('&', _) => Some("use `and`".to_string()),
            ('|', _) => Some("use `or`".to_string()),
            ('%', _) => {
                Some("a percent sign belongs directly after a number, as in `6%`".to_string())
            }
            ('¥' | '￥', _) => {
                let digits: String = self.src[self.pos + c.len_utf8()..]
                    .chars()
                    .take_while(|d| d.is_ascii_digit() || *d == '.')
                    .collect();
                let example = if digits.is_empty() { "5000" } else { &digits };
                Some(format!(
                    "write the amount without `{c}`, as `{example}`: amounts in a formula are in yuan"
                ))
            }
            ('×', _) => Some("use `*` to multiply".to_string()),
            ('÷', _) => Some("use `/` to divide".to_string()),
            ('‘' | '’' | '“' | '”', _) => {
                Some("use ASCII quotes ' or \" around text".to_string())
            }
            ('【', _) => Some("use `[`".to_string()),
            ('】', _) => Some("use `]`".to_string()),
            ('、', _) => Some("use `,`".to_string()),
            ('。', _) => Some("use `.` for a decimal point".to_string()),
            _ => fullwidth_to_ascii(c)
                .map(|a| format!("this is a full-width character; use `{a}` instead")),
        };
        match hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }
}

/// Chinese input methods produce full-width punctuation and digits
/// (`（`, `，`, `５`) that look right but are different characters.
fn fullwidth_to_ascii(c: char) -> Option<char> {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn toks(src: &str) -> Vec<Tok<'_>> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_and_percent() {
        assert_eq!(
            toks("6% 8.5% 5000 1.50"),
            vec![
                Tok::Num {
                    value: dec!(0.06),
                    percent: true
                },
                Tok::Num {
                    value: dec!(0.085),
                    percent: true
                },
                Tok::Num {
                    value: dec!(5000),
                    percent: false
                },
                Tok::Num {
                    value: dec!(1.50),
                    percent: false
                },
                Tok::Eof
            ]
        );
    }

    #[test]
    fn chinese_identifiers_have_byte_spans() {
        let t = tokenize("税率 * 人数").unwrap();
        assert_eq!(t[0].tok, Tok::Ident("税率"));
        assert_eq!(t[0].span, Span::new(0, 6));
        assert_eq!(t[1].span, Span::new(7, 8));
        assert_eq!(t[2].span, Span::new(9, 15));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#"'a\'b' "c\"d\\""#)[..2],
            [Tok::Str("a'b".into()), Tok::Str("c\"d\\".into())]
        );
        let e = tokenize(r"'a\nb'").unwrap_err();
        assert_eq!((e.code, e.span), ("expr-invalid-escape", Span::new(2, 4)));
        let e = tokenize("x == '上海").unwrap_err();
        assert_eq!(
            (e.code, e.span),
            ("expr-unterminated-string", Span::new(5, 12))
        );
    }

    #[test]
    fn helpful_character_errors() {
        let e = tokenize("a = 1").unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        assert!(e.hint.unwrap().contains("=="));
        // Reversed comparisons and mathematical signs.
        for (src, hint) in [
            ("a => 1", ">="),
            ("a =< 1", "<="),
            ("a ≥ 1", ">="),
            ("a ≠ 1", "!="),
        ] {
            let e = tokenize(src).unwrap_err();
            assert!(
                e.hint.as_deref().is_some_and(|h| h.contains(hint)),
                "{src}: {e:?}"
            );
        }
        let e = tokenize("max（a, b)").unwrap_err();
        assert_eq!(e.span, Span::new(3, 6));
        assert!(e.hint.unwrap().contains("`(`"));
        let e = tokenize("2人").unwrap_err();
        assert_eq!((e.code, e.span), ("expr-invalid-number", Span::new(0, 4)));
        assert_eq!(tokenize("5 %").unwrap_err().code, "expr-unexpected-char");
        assert_eq!(tokenize("1.").unwrap_err().code, "expr-invalid-number");
        assert_eq!(
            tokenize("99999999999999999999999999999999")
                .unwrap_err()
                .code,
            "expr-number-out-of-range"
        );
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("税率"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("and"));
        assert!(!is_identifier("unit price"));
        assert!(!is_identifier(""));
    }
}
