//! A Pratt parser from tokens to [`Node`]s.
//!
//! Binding powers come from [`prec`], which the printer uses too. The parser
//! stops at the first error; it never panics and bounds both its own
//! recursion and the height of the tree it builds by [`MAX_DEPTH`].

use super::ast::{BinOp, Node, NodeKind, UnOp, prec};
use super::error::{ExprError, Span};
use super::lexer::{Keyword, Tok, Token, tokenize};

/// Deepest nesting accepted: parentheses, operator chains (`a + b + ...` of
/// n terms is n levels), `if` chains. Far beyond any sensible rule formula,
/// and low enough that checking and evaluation recurse safely on any thread.
pub const MAX_DEPTH: u32 = 64;

/// Parses `src` into a syntax tree.
pub fn parse(src: &str) -> Result<Node, ExprError> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        nesting: 0,
    };
    if p.peek() == &Tok::Eof {
        return Err(ExprError::new(
            p.span(),
            "expr-empty",
            "the expression is empty",
        ));
    }
    let node = p.expr(prec::IF)?;
    if p.peek() != &Tok::Eof {
        let tok = p.peek();
        let err = ExprError::new(
            p.span(),
            "expr-unexpected-token",
            format!("unexpected {tok} after a complete expression"),
        );
        let hint = match tok {
            Tok::RParen => "this `)` has no matching `(`",
            Tok::Kw(Keyword::Then | Keyword::Else) => {
                "`then` and `else` belong to `if ... then ... else ...`"
            }
            _ => "is an operator (such as `+`, `*` or `and`) missing?",
        };
        return Err(err.with_hint(hint));
    }
    Ok(node)
}

struct Parser<'s> {
    tokens: Vec<Token<'s>>,
    pos: usize,
    nesting: u32,
}

/// An infix operator recognised in operator position.
enum Infix {
    Bin(BinOp),
    In { negated: bool },
}

impl<'s> Parser<'s> {
    fn peek(&self) -> &Tok<'s> {
        &self.tokens[self.pos].tok
    }

    fn peek_at(&self, ahead: usize) -> &Tok<'s> {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + ahead).min(last)].tok
    }

    fn span(&self) -> Span {
        self.tokens[self.pos].span
    }

    /// Consumes the current token (never moves past `Eof`).
    fn bump(&mut self) -> Token<'s> {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn expect(
        &mut self,
        want: Tok<'static>,
        what: &str,
        hint: Option<String>,
    ) -> Result<Span, ExprError> {
        if *self.peek() == want {
            return Ok(self.bump().span);
        }
        let code = if *self.peek() == Tok::Eof {
            "expr-unexpected-end"
        } else {
            "expr-unexpected-token"
        };
        let err = ExprError::new(
            self.span(),
            code,
            format!("expected {what}, found {}", self.peek()),
        );
        Err(match hint {
            Some(h) => err.with_hint(h),
            None => err,
        })
    }

    fn too_deep(span: Span) -> ExprError {
        ExprError::new(
            span,
            "expr-too-deep",
            format!(
                "the expression is too deep: more than {MAX_DEPTH} levels of brackets, calls and operators"
            ),
        )
        .with_hint(format!(
            "each operator of a chain counts as a level (`a + b + c` is two); split a long sum over several formula lines (subtotals); at most {MAX_DEPTH} levels"
        ))
    }

    fn node(&self, kind: NodeKind, span: Span) -> Result<Node, ExprError> {
        let n = Node::new(kind, span);
        if n.depth() > MAX_DEPTH {
            return Err(Self::too_deep(span));
        }
        Ok(n)
    }

    /// Parses an expression whose operators all bind at least as tightly as `min`.
    fn expr(&mut self, min: u8) -> Result<Node, ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(Self::too_deep(self.span()));
        }
        let result = self.expr_inner(min);
        self.nesting -= 1;
        result
    }

    fn expr_inner(&mut self, min: u8) -> Result<Node, ExprError> {
        let mut lhs = self.prefix(min)?;
        // Span of the comparison operator just applied at this level, to
        // reject `a < b < c` rather than silently comparing a bool.
        let mut last_cmp: Option<Span> = None;
        loop {
            let (op, power) = match self.peek() {
                Tok::Kw(Keyword::Or) => (Infix::Bin(BinOp::Or), prec::OR),
                Tok::Kw(Keyword::And) => (Infix::Bin(BinOp::And), prec::AND),
                Tok::EqEq => (Infix::Bin(BinOp::Eq), prec::CMP),
                Tok::NotEq => (Infix::Bin(BinOp::Ne), prec::CMP),
                Tok::Lt => (Infix::Bin(BinOp::Lt), prec::CMP),
                Tok::Le => (Infix::Bin(BinOp::Le), prec::CMP),
                Tok::Gt => (Infix::Bin(BinOp::Gt), prec::CMP),
                Tok::Ge => (Infix::Bin(BinOp::Ge), prec::CMP),
                Tok::Kw(Keyword::In) => (Infix::In { negated: false }, prec::CMP),
                Tok::Kw(Keyword::Not) if self.peek_at(1) == &Tok::Kw(Keyword::In) => {
                    (Infix::In { negated: true }, prec::CMP)
                }
                Tok::Kw(Keyword::Not) => {
                    return Err(ExprError::new(self.span(), "expr-unexpected-token", "unexpected `not`")
                        .with_hint("`not` goes before a condition (`not paid`); for lists write `x not in [...]`"));
                }
                Tok::Plus => (Infix::Bin(BinOp::Add), prec::ADD),
                Tok::Minus => (Infix::Bin(BinOp::Sub), prec::ADD),
                Tok::Star => (Infix::Bin(BinOp::Mul), prec::MUL),
                Tok::Slash => (Infix::Bin(BinOp::Div), prec::MUL),
                _ => break,
            };
            if power < min {
                break;
            }
            let op_span = self.span();
            if power == prec::CMP {
                if let Some(first) = last_cmp {
                    let a = first.start;
                    return Err(ExprError::new(
                        op_span,
                        "expr-chained-comparison",
                        "comparisons cannot be chained",
                    )
                    .with_hint(format!(
                        "compare two values at a time and join them with `and`, e.g. `a < b and b < c` \
                         (the first comparison is at byte {a})"
                    )));
                }
                last_cmp = Some(op_span);
            } else {
                last_cmp = None;
            }
            self.bump();
            lhs = match op {
                Infix::Bin(op) => {
                    let rhs = self.expr(power + 1)?;
                    let span = lhs.span.to(rhs.span);
                    self.node(
                        NodeKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span,
                    )?
                }
                Infix::In { negated } => {
                    if negated {
                        self.bump(); // the `in` after `not`
                    }
                    let open = self.expect(
                        Tok::LBracket,
                        "`[` after `in`",
                        Some("write the values as a list: `district in ['朝阳', '海淀']`".into()),
                    )?;
                    let (list, close) = self.comma_list(Tok::RBracket, open, "`]`")?;
                    let span = lhs.span.to(close);
                    self.node(
                        NodeKind::In {
                            negated,
                            lhs: Box::new(lhs),
                            list,
                        },
                        span,
                    )?
                }
            };
        }
        Ok(lhs)
    }

    /// Parses `item, item, ...` up to `close` (a trailing comma is allowed);
    /// returns the items and the span of the closing token.
    fn comma_list(
        &mut self,
        close: Tok<'static>,
        open: Span,
        what: &str,
    ) -> Result<(Vec<Node>, Span), ExprError> {
        let mut items = Vec::new();
        loop {
            if *self.peek() == close {
                break;
            }
            items.push(self.expr(prec::IF)?);
            if *self.peek() == Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        let hint = format!("the opening bracket is at byte {}", open.start);
        let end = self.expect(close, &format!("`,` or {what}"), Some(hint))?;
        Ok((items, end))
    }

    fn prefix(&mut self, min: u8) -> Result<Node, ExprError> {
        let tok = self.bump();
        let start = tok.span;
        match tok.tok {
            Tok::Num { value, percent } => self.node(NodeKind::Num { value, percent }, start),
            Tok::Str(s) => self.node(NodeKind::Str(s), start),
            Tok::Kw(Keyword::True) => self.node(NodeKind::Bool(true), start),
            Tok::Kw(Keyword::False) => self.node(NodeKind::Bool(false), start),
            Tok::Kw(Keyword::None) => self.node(NodeKind::None, start),
            Tok::Ident(name) => {
                if *self.peek() == Tok::LParen {
                    let open = self.bump().span;
                    let (args, close) = self.comma_list(Tok::RParen, open, "`)`")?;
                    let kind = NodeKind::Call {
                        func: name.into(),
                        func_span: start,
                        args,
                    };
                    self.node(kind, start.to(close))
                } else {
                    self.node(NodeKind::Name(name.into()), start)
                }
            }
            Tok::LParen => {
                let mut inner = self.expr(prec::IF)?;
                let close = self.expect(
                    Tok::RParen,
                    "`)`",
                    Some(format!("the `(` at byte {} is not closed", start.start)),
                )?;
                // The parentheses belong to the operand, so an error about
                // `(a + b) * c` underlines the whole operand.
                inner.span = start.to(close);
                Ok(inner)
            }
            Tok::Minus => {
                let operand = self.expr(prec::NEG)?;
                let span = start.to(operand.span);
                self.node(
                    NodeKind::Unary {
                        op: UnOp::Neg,
                        operand: Box::new(operand),
                    },
                    span,
                )
            }
            Tok::Kw(Keyword::Not) => {
                if min > prec::NOT {
                    return Err(ExprError::new(
                        start,
                        "expr-needs-parens",
                        "`not` cannot appear directly here",
                    )
                    .with_hint("put it in parentheses: `(not ...)`"));
                }
                let operand = self.expr(prec::NOT)?;
                let span = start.to(operand.span);
                self.node(
                    NodeKind::Unary {
                        op: UnOp::Not,
                        operand: Box::new(operand),
                    },
                    span,
                )
            }
            Tok::Kw(Keyword::If) => {
                if min > prec::IF {
                    return Err(ExprError::new(
                        start,
                        "expr-needs-parens",
                        "`if` cannot appear directly here",
                    )
                    .with_hint("put the whole `if ... then ... else ...` in parentheses"));
                }
                let cond = self.expr(prec::IF)?;
                self.expect(
                    Tok::Kw(Keyword::Then),
                    "`then`",
                    Some("write `if condition then a else b`".into()),
                )?;
                let then = self.expr(prec::IF)?;
                self.expect(
                    Tok::Kw(Keyword::Else),
                    "`else`",
                    Some("every `if` needs an `else`: `if condition then a else b`".into()),
                )?;
                let els = self.expr(prec::IF)?;
                let span = start.to(els.span);
                self.node(
                    NodeKind::If {
                        cond: Box::new(cond),
                        then: Box::new(then),
                        els: Box::new(els),
                    },
                    span,
                )
            }
            Tok::LBracket => Err(ExprError::new(
                start,
                "expr-unexpected-token",
                "a list `[...]` can only follow `in` or `not in`",
            )),
            Tok::Eof => Err(ExprError::new(
                start,
                "expr-unexpected-end",
                "the expression ends where a value was expected",
            )),
            other => Err(ExprError::new(
                start,
                "expr-unexpected-token",
                format!("expected a value, found {other}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ast::Style;
    use super::*;

    /// Fully parenthesised form, to make grouping visible in assertions.
    fn grouped(src: &str) -> String {
        let node = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        fully(&node)
    }

    fn fully(n: &Node) -> String {
        use NodeKind as K;
        let list = |items: &[Node]| items.iter().map(fully).collect::<Vec<_>>().join(", ");
        match &n.kind {
            K::Binary { op, lhs, rhs } => {
                format!("({} {} {})", fully(lhs), op.symbol(), fully(rhs))
            }
            K::Unary {
                op: UnOp::Neg,
                operand,
            } => format!("(-{})", fully(operand)),
            K::Unary {
                op: UnOp::Not,
                operand,
            } => format!("(not {})", fully(operand)),
            K::If { cond, then, els } => format!(
                "(if {} then {} else {})",
                fully(cond),
                fully(then),
                fully(els)
            ),
            K::In {
                negated,
                lhs,
                list: items,
            } => {
                format!(
                    "({} {}in [{}])",
                    fully(lhs),
                    if *negated { "not " } else { "" },
                    list(items)
                )
            }
            K::Call { func, args, .. } => format!("{func}({})", list(args)),
            _ => n.print(Style::Source),
        }
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(grouped("a + b * c"), "(a + (b * c))");
        assert_eq!(grouped("a - b - c"), "((a - b) - c)");
        assert_eq!(grouped("a / b / c"), "((a / b) / c)");
        assert_eq!(grouped("a * b + c * d"), "((a * b) + (c * d))");
        assert_eq!(grouped("-a * b"), "((-a) * b)");
        assert_eq!(grouped("- -a"), "(-(-a))");
        assert_eq!(grouped("a or b and c"), "(a or (b and c))");
        assert_eq!(grouped("a and b or c"), "((a and b) or c)");
        assert_eq!(grouped("not a and b"), "((not a) and b)");
        assert_eq!(grouped("not a == b"), "(not (a == b))");
        assert_eq!(grouped("not not a"), "(not (not a))");
        assert_eq!(grouped("a + 1 > b * 2"), "((a + 1) > (b * 2))");
        assert_eq!(
            grouped("x not in [1, 2] or y in ['a',]"),
            "((x not in [1, 2]) or (y in ['a']))"
        );
        assert_eq!(grouped("(a + b) * c"), "((a + b) * c)");
        assert_eq!(
            grouped("if a then 1 else if b then 2 else 3 + 4"),
            "(if a then 1 else (if b then 2 else (3 + 4)))"
        );
        assert_eq!(
            grouped("if if a then b else c then 1 else 2"),
            "(if (if a then b else c) then 1 else 2)"
        );
        assert_eq!(
            grouped("max(a, b + 1, round(c))"),
            "max(a, (b + 1), round(c))"
        );
        assert_eq!(grouped("a * 6%"), "(a * 6%)");
    }

    #[test]
    fn chained_comparisons_are_rejected() {
        for (src, at) in [
            ("a < b < c", 6),
            ("a == b == c", 7),
            ("a < b + 1 >= c", 10),
            ("a < b in [1]", 6),
        ] {
            let e = parse(src).unwrap_err();
            assert_eq!(e.code, "expr-chained-comparison", "{src}");
            assert_eq!(e.span.start, at, "{src}");
        }
        assert!(parse("a < b and b < c").is_ok());
        assert!(parse("(a < b) == c").is_ok());
    }

    #[test]
    fn not_and_if_need_parentheses_inside_operators() {
        assert_eq!(parse("a == not b").unwrap_err().code, "expr-needs-parens");
        assert_eq!(
            parse("1 + if a then 1 else 2").unwrap_err().code,
            "expr-needs-parens"
        );
        assert!(parse("1 + (if a then 1 else 2)").is_ok());
        assert!(parse("a and not b").is_ok());
    }

    #[test]
    fn syntax_errors_have_exact_spans() {
        let cases: &[(&str, &str, u32, u32)] = &[
            ("", "expr-empty", 0, 0),
            ("a +", "expr-unexpected-end", 3, 3),
            ("(a + b", "expr-unexpected-end", 6, 6),
            ("a b", "expr-unexpected-token", 2, 3),
            ("a )", "expr-unexpected-token", 2, 3),
            ("人数 人数", "expr-unexpected-token", 7, 13),
            ("税率 * )", "expr-unexpected-token", 9, 10),
            ("if a then b", "expr-unexpected-end", 11, 11),
            ("if a b", "expr-unexpected-token", 5, 6),
            ("x in 1", "expr-unexpected-token", 5, 6),
            ("x in [1 2]", "expr-unexpected-token", 8, 9),
            ("f(a,, b)", "expr-unexpected-token", 4, 5),
            ("a not b", "expr-unexpected-token", 2, 5),
            ("[1]", "expr-unexpected-token", 0, 1),
        ];
        for &(src, code, start, end) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(
                (e.code, e.span),
                (code, Span::new(start, end)),
                "{src}: {e}"
            );
        }
    }

    #[test]
    fn node_spans() {
        let n = parse("(a + b) * 人数").unwrap();
        assert_eq!(n.span, Span::new(0, 16));
        let NodeKind::Binary { lhs, rhs, .. } = &n.kind else {
            panic!()
        };
        assert_eq!(lhs.span, Span::new(0, 7));
        assert_eq!(rhs.span, Span::new(10, 16));
        let n = parse("round(x, 2)").unwrap();
        let NodeKind::Call { func_span, .. } = &n.kind else {
            panic!()
        };
        assert_eq!((n.span, *func_span), (Span::new(0, 11), Span::new(0, 5)));
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}x{}", "(".repeat(60), ")".repeat(60));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}x{}", "(".repeat(200), ")".repeat(200));
        assert_eq!(parse(&deep).unwrap_err().code, "expr-too-deep");
        let long_chain = vec!["a"; 200].join(" + ");
        assert_eq!(parse(&long_chain).unwrap_err().code, "expr-too-deep");
        let negs = format!("{}1", "-".repeat(10_000));
        assert_eq!(parse(&negs).unwrap_err().code, "expr-too-deep");
        let nots = "not ".repeat(1000) + "a";
        assert_eq!(parse(&nots).unwrap_err().code, "expr-too-deep");
        let chain_ok = vec!["a"; 60].join(" + ");
        assert!(parse(&chain_ok).is_ok());
    }
}
