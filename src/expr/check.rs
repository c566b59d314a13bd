//! Type checking and lowering of a syntax tree into [`Code`].
//!
//! One pass does both: each node is checked, its op emitted, and — when all
//! of its operands are constants — evaluated on the spot and replaced by its
//! value (so `date('2026-01-01')` and `1 + 6%` cost nothing at run time and
//! `x / (1 - 1)` is caught here). Errors are collected rather than returned
//! early, so an administrator sees every mistake in a formula at once; a
//! failed sub-expression is "poisoned" (`None`) and its parents stay silent
//! about it to avoid follow-on noise.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;

use super::ast::{BinOp, Node, NodeKind, UnOp};
use super::error::{ExprError, Span};
use super::eval::{Arith, Cmp, Code, Ctx, FaultKind, FoldFn, Kind, Mark, Op};
use super::rounding::{FnRounding, MAX_ROUND_DIGITS};
use super::suggest::did_you_mean;
use super::types::{Binding, NameKind, NameUse, Scope, TableDef, Type};
use super::value::{Env, Value};

/// Names of the built-in functions, for "did you mean" on unknown calls.
pub(super) const FUNCTIONS: &[&str] = &[
    "round",
    "ceil",
    "floor",
    "min",
    "max",
    "abs",
    "sum",
    "date",
    "days_between",
    "next_workday",
    "is_workday",
    "workdays_between",
];

/// The result of checking a whole expression.
#[derive(Clone, Debug)]
pub(super) struct Checked {
    pub code: Code,
    pub ty: Type,
    pub nullable: bool,
    pub names: Vec<NameUse>,
    pub uses_calendar: bool,
    /// `sum(table, ...)` calls: the span of the call and its op, so an
    /// explanation can show the total instead of the per-row formula.
    pub table_sums: Vec<(Span, u32)>,
    /// Calls of the calendar's functions (`next_workday(completed_on)`),
    /// so that a policy breached can show the day it counted.
    pub calendar_calls: Vec<(Span, u32)>,
}

/// Static type of a checked sub-expression: a real type, or the `none`
/// literal, which only has a type once it meets one (`if c then none else x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    T(Type),
    NoneLit,
}

#[derive(Clone, Copy, Debug)]
struct Typed {
    ty: Ty,
    /// May be `Null` at run time.
    nullable: bool,
    id: u32,
    /// Free of inputs and calendar calls, so it can be folded.
    konst: bool,
}

/// A value known not to be `none` in the current branch (after `x != none`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Var(u32),
    Local(u32),
    Column(u32),
}

pub(super) fn check(ast: &Node, scope: &Scope) -> Result<Checked, Vec<ExprError>> {
    let mut c = Checker {
        scope,
        errors: Vec::new(),
        code: Code::default(),
        names: Vec::new(),
        table: None,
        narrowed: Vec::new(),
        uses_calendar: false,
        table_sums: Vec::new(),
        calendar_calls: Vec::new(),
    };
    let root = c.expr(ast);
    let ty = match root.map(|t| t.ty) {
        Some(Ty::T(t)) => Some(t),
        Some(Ty::NoneLit) => {
            c.err(
                ast.span,
                "expr-always-none",
                "this expression is always `none`",
            );
            None
        }
        None => None,
    };
    match (root, ty) {
        (Some(root), Some(ty)) if c.errors.is_empty() => {
            c.code.root = root.id;
            Ok(Checked {
                code: c.code,
                ty,
                nullable: root.nullable,
                names: c.names,
                uses_calendar: c.uses_calendar,
                table_sums: c.table_sums,
                calendar_calls: c.calendar_calls,
            })
        }
        // With no errors, the expression used a program line that itself
        // failed to compile; the caller reports that line instead.
        _ => Err(c.errors),
    }
}

struct Checker<'a> {
    scope: &'a Scope,
    errors: Vec<ExprError>,
    code: Code,
    names: Vec<NameUse>,
    /// The table whose columns are in scope (inside `sum(table, ...)`).
    table: Option<(u32, &'a TableDef)>,
    narrowed: Vec<Key>,
    uses_calendar: bool,
    table_sums: Vec<(Span, u32)>,
    calendar_calls: Vec<(Span, u32)>,
}

/// The type a bare number literal takes when it meets a typed operand.
fn unify_numeric(a: Type, b: Type) -> Option<Type> {
    match (a, b) {
        _ if a == b && a.is_numeric() => Some(a),
        (Type::Number, t) | (t, Type::Number) if t.is_numeric() => Some(t),
        _ => None,
    }
}

fn unify(a: Type, b: Type) -> Option<Type> {
    if a == b { Some(a) } else { unify_numeric(a, b) }
}

fn kind_of(t: Type) -> Kind {
    match t {
        Type::Money | Type::Rate | Type::Quantity | Type::Number => Kind::Num,
        Type::Date => Kind::Date,
        Type::Text => Kind::Text,
        Type::Bool => Kind::Bool,
    }
}

/// `none` literals are evaluated by whichever typed path meets them, and
/// every path treats a null constant alike.
fn ty_kind(t: Ty) -> Kind {
    match t {
        Ty::T(t) => kind_of(t),
        Ty::NoneLit => Kind::Num,
    }
}

fn is_days(t: Type) -> bool {
    matches!(t, Type::Quantity | Type::Number)
}

/// Result type and op for `l op r` with `op` one of `+ - * /`, or the
/// message and hint explaining why the combination makes no sense.
fn arith_type(
    op: BinOp,
    l: Type,
    r: Type,
) -> Result<(Type, Arith), (String, Option<&'static str>)> {
    use Type::*;
    let (a, b) = (l.with_article(), r.with_article());
    let ok = match op {
        BinOp::Add => match (l, r) {
            (Date, t) if is_days(t) => Some((Date, Arith::DateAddDays)),
            (t, Date) if is_days(t) => Some((Date, Arith::DaysAddDate)),
            _ => unify_numeric(l, r).map(|t| (t, Arith::Add)),
        },
        BinOp::Sub => match (l, r) {
            (Date, Date) => Some((Quantity, Arith::DateDiff)),
            (Date, t) if is_days(t) => Some((Date, Arith::DateSubDays)),
            _ => unify_numeric(l, r).map(|t| (t, Arith::Sub)),
        },
        BinOp::Mul => match (l, r) {
            (Money, Quantity | Rate | Number) | (Quantity | Rate | Number, Money) => {
                Some((Money, Arith::Mul))
            }
            (Quantity, Quantity | Rate) | (Rate, Quantity) => Some((Quantity, Arith::Mul)),
            (Rate, Rate) => Some((Rate, Arith::Mul)),
            (Number, t) | (t, Number) if t.is_numeric() => Some((t, Arith::Mul)),
            _ => None,
        },
        BinOp::Div => {
            // A bare number divided by something behaves like that thing
            // divided by itself: 1000 / amount is a rate.
            let l2 = if l == Number && r.is_numeric() { r } else { l };
            match (l2, r) {
                (Money, Quantity | Rate | Number) => Some((Money, Arith::Div)),
                (Money, Money) => Some((Rate, Arith::Div)),
                (Quantity, Quantity) => Some((Quantity, Arith::Div)),
                (Rate, Rate) => Some((Rate, Arith::Div)),
                (t, Number) if t.is_numeric() => Some((t, Arith::Div)),
                _ => None,
            }
        }
        _ => None,
    };
    ok.ok_or_else(|| {
        let msg = match op {
            BinOp::Add => format!("cannot add {a} and {b}"),
            BinOp::Sub => format!("cannot subtract {b} from {a}"),
            BinOp::Mul => format!("cannot multiply {a} by {b}"),
            _ => format!("cannot divide {a} by {b}"),
        };
        let hint = match (op, l, r) {
            (BinOp::Add | BinOp::Sub, Money, Quantity) | (BinOp::Add | BinOp::Sub, Quantity, Money) => {
                Some("to price a quantity, multiply it by a unit price: `hours * hourly_rate`")
            }
            (BinOp::Add | BinOp::Sub, Money, Rate) | (BinOp::Add | BinOp::Sub, Rate, Money) => {
                Some("to add a percentage of an amount, write `amount * (1 + rate)`")
            }
            (BinOp::Add, Date, Date) => Some("dates cannot be added; `b - a` gives the days between them"),
            (BinOp::Mul, Money, Money) => {
                Some("multiply money by a quantity or a rate; dividing two amounts (`a / b`) gives a rate")
            }
            (BinOp::Div, Quantity | Rate, Money) => Some("divide the money by the quantity instead: `amount / count`"),
            _ => None,
        };
        (msg, hint)
    })
}

impl<'a> Checker<'a> {
    fn err(&mut self, span: Span, code: &'static str, msg: impl Into<String>) {
        self.errors.push(ExprError::new(span, code, msg));
    }

    fn err_hint(
        &mut self,
        span: Span,
        code: &'static str,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.errors
            .push(ExprError::new(span, code, msg).with_hint(hint));
    }

    fn is_narrowed(&self, k: Key) -> bool {
        self.narrowed.contains(&k)
    }

    /// Emits `op`; if every operand was constant and the op is pure, replaces
    /// the whole subtree (everything emitted since `mark`) by its value.
    fn emit(
        &mut self,
        mark: Mark,
        op: Op,
        span: Span,
        ty: Ty,
        nullable: bool,
        konst: bool,
    ) -> Option<Typed> {
        let id = self.code.push(op, span, ty_kind(ty));
        if !konst {
            return Some(Typed {
                ty,
                nullable,
                id,
                konst,
            });
        }
        let cx = Ctx {
            env: Env::default(),
            locals: &[],
            row: &[],
        };
        match self.code.eval(id, &cx) {
            Ok(v) => {
                self.code.rollback(mark);
                let nullable = v.is_null();
                let id = self.code.push(Op::Const(v), span, ty_kind(ty));
                Some(Typed {
                    ty,
                    nullable,
                    id,
                    konst: true,
                })
            }
            Err(f) => {
                let span = self.code.spans[f.op as usize];
                let code = match f.kind {
                    FaultKind::DivByZero => "expr-div-by-zero",
                    FaultKind::Overflow => "expr-overflow",
                    _ => "expr-constant-error",
                };
                self.err(
                    span,
                    code,
                    format!("{} (in a calculation on constants)", f.kind.message()),
                );
                None
            }
        }
    }

    fn constant(&mut self, v: Value, span: Span, ty: Ty) -> Option<Typed> {
        let nullable = v.is_null();
        let id = self.code.push(Op::Const(v), span, ty_kind(ty));
        Some(Typed {
            ty,
            nullable,
            id,
            konst: true,
        })
    }

    fn expr(&mut self, n: &Node) -> Option<Typed> {
        let mark = self.code.mark();
        let span = n.span;
        match &n.kind {
            NodeKind::Num { value, percent } => {
                let ty = if *percent { Type::Rate } else { Type::Number };
                self.constant(Value::Num(*value), span, Ty::T(ty))
            }
            NodeKind::Str(s) => self.constant(Value::Text(s.clone()), span, Ty::T(Type::Text)),
            NodeKind::Bool(b) => self.constant(Value::Bool(*b), span, Ty::T(Type::Bool)),
            NodeKind::None => self.constant(Value::Null, span, Ty::NoneLit),
            NodeKind::Name(name) => self.name(name, span),
            NodeKind::Unary { op, operand } => {
                let a = self.expr(operand)?;
                let Ty::T(t) = a.ty else {
                    self.none_misuse(operand.span);
                    return None;
                };
                let (op, ok) = match op {
                    UnOp::Neg => (Op::Neg(a.id), t.is_numeric()),
                    UnOp::Not => (Op::Not(a.id), t == Type::Bool),
                };
                if !ok {
                    let msg = match op {
                        Op::Neg(_) => format!("cannot negate {}", t.with_article()),
                        _ => format!("`not` needs a true/false value, not {}", t.with_article()),
                    };
                    self.err(span, "expr-type-mismatch", msg);
                    return None;
                }
                self.emit(mark, op, span, Ty::T(t), a.nullable, a.konst)
            }
            NodeKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => {
                let l = self.condition(lhs, "`and`/`or`");
                // The right side is only evaluated when the left did not
                // decide, so it may rely on what the left side established.
                let saved = self.narrowed.len();
                self.facts(lhs, *op == BinOp::And);
                let r = self.condition(rhs, "`and`/`or`");
                self.narrowed.truncate(saved);
                let (l, r) = (l?, r?);
                let op = if *op == BinOp::And {
                    Op::And(l.id, r.id)
                } else {
                    Op::Or(l.id, r.id)
                };
                self.emit(
                    mark,
                    op,
                    span,
                    Ty::T(Type::Bool),
                    l.nullable || r.nullable,
                    l.konst && r.konst,
                )
            }
            NodeKind::Binary { op, lhs, rhs } if op.is_comparison() => {
                self.comparison(mark, *op, lhs, rhs, span)
            }
            NodeKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                let (l, r) = (l?, r?);
                let (Ty::T(lt), Ty::T(rt)) = (l.ty, r.ty) else {
                    self.none_misuse(if l.ty == Ty::NoneLit {
                        lhs.span
                    } else {
                        rhs.span
                    });
                    return None;
                };
                let (ty, kind) = match arith_type(*op, lt, rt) {
                    Ok(x) => x,
                    Err((msg, hint)) => {
                        self.errors.push(match hint {
                            Some(h) => ExprError::new(span, "expr-type-mismatch", msg).with_hint(h),
                            None => ExprError::new(span, "expr-type-mismatch", msg),
                        });
                        return None;
                    }
                };
                if kind == Arith::Div
                    && self
                        .code
                        .constant(r.id)
                        .and_then(Value::as_num)
                        .is_some_and(|d| d.is_zero())
                {
                    self.err(rhs.span, "expr-div-by-zero", "division by zero");
                    return None;
                }
                let op = Op::Arith {
                    kind,
                    lhs: l.id,
                    rhs: r.id,
                };
                self.emit(
                    mark,
                    op,
                    span,
                    Ty::T(ty),
                    l.nullable || r.nullable,
                    l.konst && r.konst,
                )
            }
            NodeKind::In { negated, lhs, list } => self.in_list(mark, *negated, lhs, list, span),
            NodeKind::If { cond, then, els } => {
                let c = self.condition(cond, "`if`");
                let saved = self.narrowed.len();
                self.facts(cond, true);
                let t = self.expr(then);
                self.narrowed.truncate(saved);
                self.facts(cond, false);
                let e = self.expr(els);
                self.narrowed.truncate(saved);
                let (c, t, e) = (c?, t?, e?);
                let ty = match (t.ty, e.ty) {
                    (Ty::T(a), Ty::T(b)) => match unify(a, b) {
                        Some(u) => Ty::T(u),
                        None => {
                            self.err_hint(
                                span,
                                "expr-branch-mismatch",
                                format!(
                                    "the branches of this `if` give {} and {}",
                                    a.with_article(),
                                    b.with_article()
                                ),
                                "both `then` and `else` must give the same kind of value",
                            );
                            return None;
                        }
                    },
                    (Ty::T(a), Ty::NoneLit) | (Ty::NoneLit, Ty::T(a)) => Ty::T(a),
                    (Ty::NoneLit, Ty::NoneLit) => Ty::NoneLit,
                };
                let nullable = c.nullable || t.nullable || e.nullable;
                let op = Op::If {
                    cond: c.id,
                    then: t.id,
                    els: e.id,
                };
                self.emit(mark, op, span, ty, nullable, c.konst && t.konst && e.konst)
            }
            NodeKind::Call {
                func,
                func_span,
                args,
            } => self.call(mark, func, *func_span, args, span),
        }
    }

    fn none_misuse(&mut self, span: Span) {
        self.err_hint(
            span,
            "expr-none-misuse",
            "`none` can only be compared with `==` or `!=`, or be a branch of `if`",
            "test an optional value with `x == none` / `x != none`",
        );
    }

    /// Checks a sub-expression that must be true/false.
    fn condition(&mut self, n: &Node, what: &str) -> Option<Typed> {
        let t = self.expr(n)?;
        match t.ty {
            Ty::T(Type::Bool) => Some(t),
            Ty::T(other) => {
                self.err_hint(
                    n.span,
                    "expr-not-bool",
                    format!(
                        "{what} needs a true/false condition, but this is {}",
                        other.with_article()
                    ),
                    "write a comparison, e.g. `staff > 2`",
                );
                None
            }
            Ty::NoneLit => {
                self.none_misuse(n.span);
                None
            }
        }
    }

    /// Records the names known to be non-`none` when `n` evaluates to `when`.
    fn facts(&mut self, n: &Node, when: bool) {
        match &n.kind {
            NodeKind::Binary {
                op: op @ (BinOp::Eq | BinOp::Ne),
                lhs,
                rhs,
            } if (*op == BinOp::Ne) == when => {
                let name = match (&lhs.kind, &rhs.kind) {
                    (NodeKind::Name(x), NodeKind::None) | (NodeKind::None, NodeKind::Name(x)) => x,
                    _ => return,
                };
                if let Some(k) = self.key(name) {
                    self.narrowed.push(k);
                }
            }
            NodeKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } if when => {
                self.facts(lhs, true);
                self.facts(rhs, true);
            }
            NodeKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } if !when => {
                self.facts(lhs, false);
                self.facts(rhs, false);
            }
            NodeKind::Unary {
                op: UnOp::Not,
                operand,
            } => self.facts(operand, !when),
            _ => {}
        }
    }

    fn key(&self, name: &str) -> Option<Key> {
        if let Some((_, t)) = self.table
            && let Some((col, _)) = t.column(name)
        {
            return Some(Key::Column(col));
        }
        match self.scope.lookup(name)? {
            Binding::Var(s) => Some(Key::Var(s)),
            Binding::Local(s) => Some(Key::Local(s)),
            Binding::Table(_) => None,
        }
    }

    fn name(&mut self, name: &Arc<str>, span: Span) -> Option<Typed> {
        let use_ = |kind| NameUse {
            name: name.clone(),
            span,
            kind,
        };
        if let Some((table, t)) = self.table
            && let Some((slot, col)) = t.column(name)
        {
            let nullable = col.optional && !self.is_narrowed(Key::Column(slot));
            self.names.push(use_(NameKind::Column {
                table,
                column: slot,
                ty: col.ty,
            }));
            let id = self.code.push(Op::Column(slot), span, kind_of(col.ty));
            return Some(Typed {
                ty: Ty::T(col.ty),
                nullable,
                id,
                konst: false,
            });
        }
        match self.scope.lookup(name) {
            Some(Binding::Var(slot)) => {
                let v = &self.scope.vars()[slot as usize];
                let nullable = v.optional && !self.is_narrowed(Key::Var(slot));
                self.names.push(use_(NameKind::Var { slot, ty: v.ty }));
                let id = self.code.push(Op::Var(slot), span, kind_of(v.ty));
                Some(Typed {
                    ty: Ty::T(v.ty),
                    nullable,
                    id,
                    konst: false,
                })
            }
            Some(Binding::Local(slot)) => {
                let l = self.scope.local(slot);
                // A line that failed to compile has no type; its own errors
                // are reported already.
                let ty = l.ty?;
                let nullable = l.nullable && !self.is_narrowed(Key::Local(slot));
                self.names.push(use_(NameKind::Line { index: slot, ty }));
                let id = self.code.push(Op::Local(slot), span, kind_of(ty));
                Some(Typed {
                    ty: Ty::T(ty),
                    nullable,
                    id,
                    konst: false,
                })
            }
            Some(Binding::Table(slot)) => {
                self.names.push(use_(NameKind::Table { slot }));
                self.err_hint(
                    span,
                    "expr-table-as-value",
                    format!("`{name}` is a table, not a single value"),
                    format!("add up its rows with `sum({name}, <value per row>)`"),
                );
                None
            }
            None => {
                self.unknown_name(name, span);
                None
            }
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        let mut candidates: Vec<&str> = self.scope.all_names().collect();
        if let Some((_, t)) = self.table {
            candidates.extend(t.columns.iter().map(|c| &*c.name));
        }
        let owner = self
            .scope
            .tables()
            .iter()
            .find(|t| t.column(name).is_some());
        let hint = if let Some(t) = owner {
            Some(format!(
                "`{name}` is a column of table `{0}`; use it inside `sum({0}, ...)`",
                t.name
            ))
        } else if FUNCTIONS.contains(&name) {
            Some(format!(
                "`{name}` is a function; call it like `{name}(...)`"
            ))
        } else {
            // No name close to it: say which there are (`amount` in a
            // condition on quotes, whose field is `total`).
            let mut names = candidates.clone();
            names.sort_unstable();
            names.dedup();
            did_you_mean(name, candidates).or_else(|| {
                (!names.is_empty() && names.len() <= 40)
                    .then(|| format!("names you can use here: {}", names.join(", ")))
            })
        };
        let err = ExprError::new(span, "expr-unknown-name", format!("unknown name `{name}`"));
        self.errors.push(match hint {
            Some(h) => err.with_hint(h),
            None => err,
        });
    }

    fn comparison(
        &mut self,
        mark: Mark,
        op: BinOp,
        lhs: &Node,
        rhs: &Node,
        span: Span,
    ) -> Option<Typed> {
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        let (l, r) = (l?, r?);
        let cmp = match op {
            BinOp::Eq => Cmp::Eq,
            BinOp::Ne => Cmp::Ne,
            BinOp::Lt => Cmp::Lt,
            BinOp::Le => Cmp::Le,
            BinOp::Gt => Cmp::Gt,
            _ => Cmp::Ge,
        };
        let bool_ty = Ty::T(Type::Bool);
        let (lt, rt) = match (l.ty, r.ty) {
            (Ty::NoneLit, _) | (_, Ty::NoneLit) => {
                if !matches!(cmp, Cmp::Eq | Cmp::Ne) {
                    self.err_hint(
                        span,
                        "expr-type-mismatch",
                        format!("`none` cannot be compared with `{}`", op.symbol()),
                        "only `== none` and `!= none` test for a missing value",
                    );
                    return None;
                }
                // `x == none` is a presence test, never itself undecided.
                let arg = if l.ty == Ty::NoneLit { r.id } else { l.id };
                let op = Op::IsNull {
                    arg,
                    negated: cmp == Cmp::Ne,
                };
                return self.emit(mark, op, span, bool_ty, false, l.konst && r.konst);
            }
            (Ty::T(a), Ty::T(b)) => (a, b),
        };
        // `margin >= 3` means 300%: a rate compared with a bare number other
        // than 0 is almost always a percentage without its `%`.
        for (ty, other) in [(lt, rhs), (rt, lhs)] {
            if ty == Type::Rate
                && let NodeKind::Num {
                    value,
                    percent: false,
                } = &other.kind
                && !value.is_zero()
            {
                // The literal may be as large as a Decimal holds: × 100
                // can overflow.
                let percent = value
                    .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
                    .map_or_else(|| format!("{value} × 100"), |p| p.normalize().to_string());
                self.err_hint(
                    other.span,
                    "expr-type-mismatch",
                    format!("a rate compared with the bare number {value}, which is {percent}%"),
                    format!(
                        "write it with `%`: `{percent}%` is what this says, `{value}%` is {value} percent"
                    ),
                );
                return None;
            }
        }
        let ordered = !matches!(cmp, Cmp::Eq | Cmp::Ne);
        let ok = match unify(lt, rt) {
            Some(Type::Text | Type::Bool) if ordered => {
                self.err_hint(
                    span,
                    "expr-type-mismatch",
                    format!(
                        "{} can only be compared with `==` and `!=`",
                        lt.with_article()
                    ),
                    "to test several values, use `x in [...]`",
                );
                return None;
            }
            Some(_) => true,
            None => false,
        };
        if !ok {
            self.err(
                span,
                "expr-type-mismatch",
                format!(
                    "cannot compare {} with {}",
                    lt.with_article(),
                    rt.with_article()
                ),
            );
            return None;
        }
        let op = Op::Cmp {
            op: cmp,
            lhs: l.id,
            rhs: r.id,
        };
        self.emit(
            mark,
            op,
            span,
            bool_ty,
            l.nullable || r.nullable,
            l.konst && r.konst,
        )
    }

    fn in_list(
        &mut self,
        mark: Mark,
        negated: bool,
        lhs: &Node,
        list: &[Node],
        span: Span,
    ) -> Option<Typed> {
        let l = self.expr(lhs);
        let elem_mark = self.code.mark();
        let mut values = Vec::with_capacity(list.len());
        let mut failed = false;
        for item in list {
            let Some(t) = self.expr(item) else {
                failed = true;
                continue;
            };
            let Some(v) = self.code.constant(t.id).cloned().filter(|_| t.konst) else {
                self.err_hint(
                    item.span,
                    "expr-not-constant",
                    "the values after `in` must be literals",
                    "compare with `==` to test against an input",
                );
                failed = true;
                continue;
            };
            values.push((v, t.ty, item.span));
        }
        if list.is_empty() {
            self.err(
                span,
                "expr-empty-list",
                "the list after `in` is empty, so the test is always the same",
            );
            failed = true;
        }
        let l = l?;
        let Ty::T(lt) = l.ty else {
            self.none_misuse(lhs.span);
            return None;
        };
        for (v, ty, item_span) in &values {
            match ty {
                Ty::T(t) if unify(lt, *t).is_some() => {}
                Ty::T(t) => {
                    self.err(
                        *item_span,
                        "expr-type-mismatch",
                        format!(
                            "this list item is {} but the value tested is {}",
                            t.with_article(),
                            lt.with_article()
                        ),
                    );
                    failed = true;
                }
                Ty::NoneLit => {
                    self.none_misuse(*item_span);
                    failed = true;
                }
            }
            debug_assert!(!v.is_null() || *ty == Ty::NoneLit);
        }
        if failed {
            return None;
        }
        // The list items were folded to constants; keep only their values.
        self.code.rollback(elem_mark);
        let start = self.code.pool.len() as u32;
        self.code.pool.extend(values.into_iter().map(|(v, _, _)| v));
        let op = Op::In {
            arg: l.id,
            negated,
            start,
            len: list.len() as u32,
        };
        self.emit(mark, op, span, Ty::T(Type::Bool), l.nullable, l.konst)
    }

    fn arity(&mut self, func: &str, span: Span, got: usize, want: &str) {
        self.err(
            span,
            "expr-arity",
            format!("`{func}` takes {want}, but {got} were given"),
        );
    }

    /// Checks call arguments, requiring each to be one of `allowed` types.
    fn args(
        &mut self,
        func: &str,
        args: &[Node],
        allowed: &dyn Fn(Type) -> bool,
        want: &str,
    ) -> Option<Vec<Typed>> {
        let mut out = Vec::with_capacity(args.len());
        let mut ok = true;
        for a in args {
            match self.expr(a) {
                Some(t) => match t.ty {
                    Ty::T(ty) if allowed(ty) => out.push(t),
                    Ty::T(ty) => {
                        self.err(
                            a.span,
                            "expr-bad-argument",
                            format!("`{func}` needs {want}, but this is {}", ty.with_article()),
                        );
                        ok = false;
                    }
                    Ty::NoneLit => {
                        self.none_misuse(a.span);
                        ok = false;
                    }
                },
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// The common type of all arguments (numbers unify with typed numbers).
    fn common_type(&mut self, func: &str, args: &[Typed], nodes: &[Node]) -> Option<Type> {
        let mut acc: Option<Type> = None;
        for (t, n) in args.iter().zip(nodes) {
            let Ty::T(ty) = t.ty else { return None };
            acc = match acc {
                None => Some(ty),
                Some(a) => match unify(a, ty) {
                    Some(u) => Some(u),
                    None => {
                        self.err_hint(
                            n.span,
                            "expr-bad-argument",
                            format!(
                                "`{func}` mixes {} and {}",
                                a.with_article(),
                                ty.with_article()
                            ),
                            format!("all arguments of `{func}` must be the same kind of value"),
                        );
                        return None;
                    }
                },
            };
        }
        acc
    }

    fn call(
        &mut self,
        mark: Mark,
        func: &str,
        func_span: Span,
        args: &[Node],
        span: Span,
    ) -> Option<Typed> {
        let numeric = |t: Type| t.is_numeric();
        let date = |t: Type| t == Type::Date;
        let n = args.len();
        match func {
            "round" | "ceil" | "floor" => {
                if !(1..=2).contains(&n) {
                    self.arity(func, span, n, "1 or 2 arguments (value, digits)");
                    return None;
                }
                let x = self.args(func, &args[..1], &numeric, "a number");
                let digits = match args.get(1) {
                    Some(d) => self.digits(d),
                    None => Some(None),
                };
                let (x, digits) = (x?.pop()?, digits?);
                let Ty::T(ty) = x.ty else { return None };
                let dp = digits.unwrap_or(ty.default_round_digits());
                let mode = match func {
                    "round" => FnRounding::HalfAwayFromZero,
                    "ceil" => FnRounding::Up,
                    _ => FnRounding::Down,
                };
                self.emit(
                    mark,
                    Op::Round {
                        arg: x.id,
                        dp,
                        mode,
                    },
                    span,
                    x.ty,
                    x.nullable,
                    x.konst,
                )
            }
            "abs" => {
                if n != 1 {
                    self.arity(func, span, n, "1 argument");
                    return None;
                }
                let x = self.args(func, args, &numeric, "a number")?.pop()?;
                self.emit(mark, Op::Abs(x.id), span, x.ty, x.nullable, x.konst)
            }
            "sum" if self.is_table_arg(args) => self.table_sum(args, span),
            "min" | "max" | "sum" => {
                if n == 0 {
                    self.arity(func, span, n, "at least 1 argument");
                    return None;
                }
                let allowed: &dyn Fn(Type) -> bool = if func == "sum" {
                    &numeric
                } else {
                    &|t: Type| t.is_numeric() || t == Type::Date
                };
                let want = if func == "sum" {
                    "numbers"
                } else {
                    "numbers or dates"
                };
                let xs = self.args(func, args, allowed, want)?;
                let ty = self.common_type(func, &xs, args)?;
                let start = self.code.args.len() as u32;
                self.code.args.extend(xs.iter().map(|x| x.id));
                let f = match func {
                    "min" => FoldFn::Min,
                    "max" => FoldFn::Max,
                    _ => FoldFn::Sum,
                };
                let op = Op::Fold {
                    f,
                    start,
                    len: n as u32,
                };
                let nullable = xs.iter().any(|x| x.nullable);
                let konst = xs.iter().all(|x| x.konst);
                self.emit(mark, op, span, Ty::T(ty), nullable, konst)
            }
            "date" => {
                let [arg] = args else {
                    self.arity(func, span, n, "1 argument, a text like '2026-01-01'");
                    return None;
                };
                let NodeKind::Str(s) = &arg.kind else {
                    self.err_hint(
                        arg.span,
                        "expr-bad-date",
                        "`date` needs a text literal",
                        "write the date in quotes: `date('2026-01-01')`",
                    );
                    return None;
                };
                match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => self.constant(Value::Date(d), span, Ty::T(Type::Date)),
                    Err(_) => {
                        self.err_hint(
                            arg.span,
                            "expr-bad-date",
                            format!("`{s}` is not a valid date"),
                            "write dates as YYYY-MM-DD, e.g. '2026-01-31'",
                        );
                        None
                    }
                }
            }
            "days_between" | "workdays_between" => {
                if n != 2 {
                    self.arity(func, span, n, "2 arguments (from, to)");
                    return None;
                }
                let xs = self.args(func, args, &date, "dates")?;
                let (a, b) = (xs[0], xs[1]);
                let calendar = func == "workdays_between";
                let op = if calendar {
                    Op::WorkdaysBetween(a.id, b.id)
                } else {
                    Op::DaysBetween(a.id, b.id)
                };
                self.uses_calendar |= calendar;
                let konst = !calendar && a.konst && b.konst;
                self.emit(
                    mark,
                    op,
                    span,
                    Ty::T(Type::Quantity),
                    a.nullable || b.nullable,
                    konst,
                )
            }
            "next_workday" | "is_workday" => {
                if n != 1 {
                    self.arity(func, span, n, "1 argument, a date");
                    return None;
                }
                let d = self.args(func, args, &date, "a date")?.pop()?;
                self.uses_calendar = true;
                let (op, ty) = if func == "next_workday" {
                    (Op::NextWorkday(d.id), Type::Date)
                } else {
                    (Op::IsWorkday(d.id), Type::Bool)
                };
                let t = self.emit(mark, op, span, Ty::T(ty), d.nullable, false)?;
                self.calendar_calls.push((span, t.id));
                Some(t)
            }
            _ => {
                let hint = if self.scope.lookup(func).is_some() {
                    Some(format!(
                        "`{func}` is a value, not a function; to multiply write `{func} * (...)`"
                    ))
                } else {
                    did_you_mean(func, FUNCTIONS.iter().copied())
                };
                let err = ExprError::new(
                    func_span,
                    "expr-unknown-function",
                    format!("unknown function `{func}`"),
                );
                self.errors.push(match hint {
                    Some(h) => err.with_hint(h),
                    None => err.with_hint(format!("the functions are {}", FUNCTIONS.join(", "))),
                });
                None
            }
        }
    }

    /// `digits` of `round`/`ceil`/`floor`: an integer literal 0..=10.
    fn digits(&mut self, d: &Node) -> Option<Option<u32>> {
        if let NodeKind::Num {
            value,
            percent: false,
        } = &d.kind
            && value.is_integer()
            && let Some(dp) = value.to_u32().filter(|&dp| dp <= MAX_ROUND_DIGITS)
        {
            return Some(Some(dp));
        }
        self.err(
            d.span,
            "expr-bad-digits",
            format!("the number of decimal places must be a whole number from 0 to {MAX_ROUND_DIGITS}, written as a literal"),
        );
        None
    }

    /// Whether this is the table form `sum(TABLE, expr)`: the first argument
    /// is a bare name bound to a table (and not shadowed by a column).
    fn is_table_arg(&self, args: &[Node]) -> bool {
        let Some(NodeKind::Name(name)) = args.first().map(|a| &a.kind) else {
            return false;
        };
        let shadowed = self.table.is_some_and(|(_, t)| t.column(name).is_some());
        !shadowed && matches!(self.scope.lookup(name), Some(Binding::Table(_)))
    }

    fn table_sum(&mut self, args: &[Node], span: Span) -> Option<Typed> {
        let NodeKind::Name(name) = &args[0].kind else {
            return None;
        };
        let (slot, def) = self.scope.table(name)?;
        self.names.push(NameUse {
            name: name.clone(),
            span: args[0].span,
            kind: NameKind::Table { slot },
        });
        if args.len() != 2 {
            self.err_hint(
                span,
                "expr-arity",
                format!("`sum` over the table `{name}` needs the value to add up for each row"),
                format!("e.g. `sum({name}, quantity * unit_price)`"),
            );
            return None;
        }
        if let Some((_, outer)) = self.table {
            self.err(
                span,
                "expr-nested-sum",
                format!(
                    "`sum` over `{name}` cannot be nested inside `sum` over `{}`",
                    outer.name
                ),
            );
            return None;
        }
        self.table = Some((slot, def));
        let body = self.expr(&args[1]);
        self.table = None;
        let body = body?;
        let ty = match body.ty {
            Ty::T(t) if t.is_numeric() => t,
            Ty::T(t) => {
                self.err(
                    args[1].span,
                    "expr-bad-argument",
                    format!("`sum` adds up numbers, but this is {}", t.with_article()),
                );
                return None;
            }
            Ty::NoneLit => {
                self.none_misuse(args[1].span);
                return None;
            }
        };
        let id = self.code.push(
            Op::TableSum {
                table: slot,
                body: body.id,
            },
            span,
            Kind::Num,
        );
        self.table_sums.push((span, id));
        Some(Typed {
            ty: Ty::T(ty),
            nullable: body.nullable,
            id,
            konst: false,
        })
    }
}
