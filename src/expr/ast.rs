//! The syntax tree produced by the parser, and printing it back as text.
//!
//! The tree keeps no parentheses: the printer inserts exactly the ones the
//! precedence rules need, so `parse(print(tree))` gives the same tree back
//! and explanations read cleanly.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::error::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }

    /// Binding power of the operator; see [`prec`].
    pub fn prec(self) -> u8 {
        match self {
            BinOp::Or => prec::OR,
            BinOp::And => prec::AND,
            BinOp::Add | BinOp::Sub => prec::ADD,
            BinOp::Mul | BinOp::Div => prec::MUL,
            _ => prec::CMP,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

/// Precedence levels, lowest first. Shared by the parser (as Pratt binding
/// powers) and the printer (to decide where parentheses are needed), so the
/// two cannot disagree.
pub mod prec {
    /// `if ... then ... else ...`: only where a whole expression is expected.
    pub const IF: u8 = 0;
    pub const OR: u8 = 10;
    pub const AND: u8 = 20;
    /// Prefix `not`; its operand may contain comparisons but not `and`/`or`.
    pub const NOT: u8 = 30;
    /// `== != < <= > >= in`, non-associative.
    pub const CMP: u8 = 40;
    pub const ADD: u8 = 50;
    pub const MUL: u8 = 60;
    /// Prefix `-`.
    pub const NEG: u8 = 70;
    pub const ATOM: u8 = 80;
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A number literal; for `percent` literals (`6%`) `value` is the rate (0.06).
    Num {
        value: Decimal,
        percent: bool,
    },
    Str(Arc<str>),
    Bool(bool),
    None,
    Name(Arc<str>),
    Unary {
        op: UnOp,
        operand: Box<Node>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    /// `lhs in [list]` or `lhs not in [list]`.
    In {
        negated: bool,
        lhs: Box<Node>,
        list: Vec<Node>,
    },
    If {
        cond: Box<Node>,
        then: Box<Node>,
        els: Box<Node>,
    },
    Call {
        func: Arc<str>,
        func_span: Span,
        args: Vec<Node>,
    },
}

/// A syntax tree node with the byte span of the text it was parsed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// Height of the subtree; the parser rejects trees taller than
    /// [`MAX_DEPTH`](super::parser::MAX_DEPTH) so that every recursive pass
    /// (checking, evaluation, printing) has bounded stack use.
    depth: u32,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        let mut depth = 0;
        for_each_child(&kind, |c| depth = depth.max(c.depth));
        Node {
            kind,
            span,
            depth: depth + 1,
        }
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Precedence of this node as an operand; see [`prec`].
    pub fn prec(&self) -> u8 {
        match &self.kind {
            NodeKind::If { .. } => prec::IF,
            NodeKind::Binary { op, .. } => op.prec(),
            NodeKind::In { .. } => prec::CMP,
            NodeKind::Unary { op: UnOp::Not, .. } => prec::NOT,
            NodeKind::Unary { op: UnOp::Neg, .. } => prec::NEG,
            _ => prec::ATOM,
        }
    }

    /// Calls `f` on every direct child, in source order.
    pub fn children(&self, f: impl FnMut(&Node)) {
        for_each_child(&self.kind, f);
    }

    /// Calls `f` on this node and every descendant, in source order.
    pub fn walk(&self, f: &mut impl FnMut(&Node)) {
        f(self);
        self.children(|c| c.walk(f));
    }

    /// Structural equality ignoring spans (a reprinted tree has the same
    /// shape but different offsets).
    pub fn same_shape(&self, other: &Node) -> bool {
        use NodeKind as K;
        let all = |a: &[Node], b: &[Node]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_shape(y))
        };
        match (&self.kind, &other.kind) {
            (
                K::Num {
                    value: a,
                    percent: p,
                },
                K::Num {
                    value: b,
                    percent: q,
                },
            ) => a == b && a.scale() == b.scale() && p == q,
            (K::Str(a), K::Str(b)) => a == b,
            (K::Bool(a), K::Bool(b)) => a == b,
            (K::None, K::None) => true,
            (K::Name(a), K::Name(b)) => a == b,
            (K::Unary { op: o1, operand: a }, K::Unary { op: o2, operand: b }) => {
                o1 == o2 && a.same_shape(b)
            }
            (
                K::Binary {
                    op: o1,
                    lhs: l1,
                    rhs: r1,
                },
                K::Binary {
                    op: o2,
                    lhs: l2,
                    rhs: r2,
                },
            ) => o1 == o2 && l1.same_shape(l2) && r1.same_shape(r2),
            (
                K::In {
                    negated: n1,
                    lhs: l1,
                    list: a,
                },
                K::In {
                    negated: n2,
                    lhs: l2,
                    list: b,
                },
            ) => n1 == n2 && l1.same_shape(l2) && all(a, b),
            (
                K::If {
                    cond: c1,
                    then: t1,
                    els: e1,
                },
                K::If {
                    cond: c2,
                    then: t2,
                    els: e2,
                },
            ) => c1.same_shape(c2) && t1.same_shape(t2) && e1.same_shape(e2),
            (
                K::Call {
                    func: f1, args: a, ..
                },
                K::Call {
                    func: f2, args: b, ..
                },
            ) => f1 == f2 && all(a, b),
            _ => false,
        }
    }

    /// Prints the expression; see [`Style`] and [`print_with`].
    pub fn print(&self, style: Style) -> String {
        print_with(self, style, &|_| None)
    }
}

pub(crate) fn for_each_child(kind: &NodeKind, mut f: impl FnMut(&Node)) {
    match kind {
        NodeKind::Num { .. }
        | NodeKind::Str(_)
        | NodeKind::Bool(_)
        | NodeKind::None
        | NodeKind::Name(_) => {}
        NodeKind::Unary { operand, .. } => f(operand),
        NodeKind::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        NodeKind::In { lhs, list, .. } => {
            f(lhs);
            list.iter().for_each(f);
        }
        NodeKind::If { cond, then, els } => {
            f(cond);
            f(then);
            f(els);
        }
        NodeKind::Call { args, .. } => args.iter().for_each(f),
    }
}

/// How to print operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// The language's own syntax; parses back to the same tree.
    Source,
    /// For people reading a quote breakdown: `×` and `÷` instead of `*` and `/`.
    Pretty,
}

/// Prints `node`, replacing any sub-tree for which `subst` returns text by
/// that text (used to show values in place of names). Replacement text that
/// starts with `-` is parenthesised so `a - -3` reads `a - (-3)`.
pub fn print_with(node: &Node, style: Style, subst: &dyn Fn(&Node) -> Option<String>) -> String {
    let mut out = String::new();
    Printer { style, subst }.node(node, prec::IF, &mut out);
    out
}

struct Printer<'a> {
    style: Style,
    subst: &'a dyn Fn(&Node) -> Option<String>,
}

impl Printer<'_> {
    /// Writes `n` where an operand of at least precedence `min` is required.
    fn node(&self, n: &Node, min: u8, out: &mut String) {
        if let Some(text) = (self.subst)(n) {
            if text.starts_with('-') && min > prec::IF {
                let _ = write!(out, "({text})");
            } else {
                out.push_str(&text);
            }
            return;
        }
        let parens = n.prec() < min;
        if parens {
            out.push('(');
        }
        self.bare(n, out);
        if parens {
            out.push(')');
        }
    }

    fn list(&self, items: &[Node], out: &mut String) {
        for (i, a) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.node(a, prec::IF, out);
        }
    }

    fn bare(&self, n: &Node, out: &mut String) {
        match &n.kind {
            NodeKind::Num { value, percent } => write_number(out, *value, *percent),
            NodeKind::Str(s) => {
                let _ = write!(out, "{}", StrLit(s));
            }
            NodeKind::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            NodeKind::None => out.push_str("none"),
            NodeKind::Name(name) => out.push_str(name),
            NodeKind::Unary {
                op: UnOp::Neg,
                operand,
            } => {
                out.push('-');
                self.node(operand, prec::NEG, out);
            }
            NodeKind::Unary {
                op: UnOp::Not,
                operand,
            } => {
                out.push_str("not ");
                self.node(operand, prec::NOT, out);
            }
            NodeKind::Binary { op, lhs, rhs } => {
                let p = op.prec();
                // Comparisons are non-associative: neither side may be a bare comparison.
                let (lmin, rmin) = if op.is_comparison() {
                    (p + 1, p + 1)
                } else {
                    (p, p + 1)
                };
                self.node(lhs, lmin, out);
                let sym = match (self.style, op) {
                    (Style::Pretty, BinOp::Mul) => "×",
                    (Style::Pretty, BinOp::Div) => "÷",
                    _ => op.symbol(),
                };
                let _ = write!(out, " {sym} ");
                self.node(rhs, rmin, out);
            }
            NodeKind::In { negated, lhs, list } => {
                self.node(lhs, prec::CMP + 1, out);
                out.push_str(if *negated { " not in [" } else { " in [" });
                self.list(list, out);
                out.push(']');
            }
            NodeKind::If { cond, then, els } => {
                out.push_str("if ");
                self.node(cond, prec::IF, out);
                out.push_str(" then ");
                self.node(then, prec::IF, out);
                out.push_str(" else ");
                self.node(els, prec::IF, out);
            }
            NodeKind::Call { func, args, .. } => {
                out.push_str(func);
                out.push('(');
                self.list(args, out);
                out.push(')');
            }
        }
    }
}

/// Writes a number literal as it would be typed: the rate `0.085` of a
/// percent literal prints as `8.5%`.
fn write_number(out: &mut String, value: Decimal, percent: bool) {
    if percent && value.scale() >= 2 {
        let shown = Decimal::from_i128_with_scale(value.mantissa(), value.scale() - 2);
        let _ = write!(out, "{shown}%");
    } else {
        let _ = write!(out, "{value}");
    }
}

/// Displays text as a single-quoted literal with `\\` and `\'` escaped.
pub struct StrLit<'a>(pub &'a str);

impl fmt::Display for StrLit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_string_literal(f, self.0)
    }
}

pub(super) fn write_string_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.print(Style::Source))
    }
}
