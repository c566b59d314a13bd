//! The compiled form of an expression and its evaluator.
//!
//! The checker lowers the syntax tree into a flat array of [`Op`]s whose
//! operands are indices into the same array (children before parents), plus
//! pools for constant `in` lists and variadic arguments. Evaluation is a
//! recursive walk over that array: no allocation, no hashing, no name
//! lookups, and failures are a small `Copy` [`Fault`] until they leave the
//! evaluator.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::error::{EvalError, Span};
use super::rounding::FnRounding;
use super::value::{Env, Value};

/// The run-time kind of an op's result (its static type, with all numeric
/// types as `Num`). Each op's kind is recorded so the evaluator can call the
/// typed path for it without inspecting values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Num,
    Bool,
    Text,
    Date,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Num => "a number",
            Kind::Bool => "true/false",
            Kind::Text => "text",
            Kind::Date => "a date",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    /// date + days
    DateAddDays,
    /// days + date
    DaysAddDate,
    /// date − days
    DateSubDays,
    /// date − date, in days
    DateDiff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FoldFn {
    Min,
    Max,
    Sum,
}

/// One compiled operation. `u32` operands index [`Code::ops`]; `start`/`len`
/// index [`Code::pool`] (constant `in` lists) or [`Code::args`] (variadic
/// calls). Operand kinds are found in [`Code::kinds`].
#[derive(Clone, Debug)]
pub(super) enum Op {
    Const(Value),
    Var(u32),
    /// An earlier line of a program.
    Local(u32),
    /// A column of the current row inside `sum(table, ...)`.
    Column(u32),
    Neg(u32),
    Not(u32),
    IsNull {
        arg: u32,
        negated: bool,
    },
    Arith {
        kind: Arith,
        lhs: u32,
        rhs: u32,
    },
    Cmp {
        op: Cmp,
        lhs: u32,
        rhs: u32,
    },
    In {
        arg: u32,
        negated: bool,
        start: u32,
        len: u32,
    },
    And(u32, u32),
    Or(u32, u32),
    If {
        cond: u32,
        then: u32,
        els: u32,
    },
    Round {
        arg: u32,
        dp: u32,
        mode: FnRounding,
    },
    Abs(u32),
    Fold {
        f: FoldFn,
        start: u32,
        len: u32,
    },
    TableSum {
        table: u32,
        body: u32,
    },
    DaysBetween(u32, u32),
    NextWorkday(u32),
    IsWorkday(u32),
    WorkdaysBetween(u32, u32),
}

#[derive(Clone, Debug, Default)]
pub(super) struct Code {
    pub ops: Vec<Op>,
    /// Result kind of each op.
    pub kinds: Vec<Kind>,
    /// Source span of each op, for error messages.
    pub spans: Vec<Span>,
    pub pool: Vec<Value>,
    pub args: Vec<u32>,
    pub root: u32,
}

/// Lengths of the [`Code`] arrays at some point, to roll back to after
/// constant folding replaced a subtree by its value.
#[derive(Clone, Copy)]
pub(super) struct Mark {
    ops: usize,
    pool: usize,
    args: usize,
}

/// What went wrong, without allocating; turned into an [`EvalError`] at the
/// boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FaultKind {
    /// Not an error: a `Null` operand, travelling up through `?` to the
    /// nearest operator that gives nulls a meaning (`and`, `or`, `== none`)
    /// or to the top, where it becomes [`Value::Null`]. Using the error path
    /// keeps the typed evaluators returning plain `Decimal`/`bool`.
    Null,
    Overflow,
    DivByZero,
    MissingInput,
    WrongKind(Kind),
    MissingTable,
    MissingColumn,
    NoCalendar,
    NoWorkday,
    CalendarRange,
    DateOutOfRange,
    FractionalDays,
    /// A program line evaluated on its own (outside `Program::eval`).
    LineNotAvailable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fault {
    pub op: u32,
    pub kind: FaultKind,
}

impl FaultKind {
    pub fn message(self) -> String {
        match self {
            FaultKind::Null => "a value is missing".into(),
            FaultKind::Overflow => "the result is too large to represent".into(),
            FaultKind::DivByZero => "division by zero".into(),
            FaultKind::MissingInput => "no value was supplied for this input".into(),
            FaultKind::WrongKind(k) => {
                format!(
                    "this input should be {}, but a different kind of value was supplied",
                    k.name()
                )
            }
            FaultKind::MissingTable => "no rows were supplied for this table".into(),
            FaultKind::MissingColumn => "a row of this table is missing this column".into(),
            FaultKind::NoCalendar => {
                "a working-day calendar is needed but none is configured".into()
            }
            FaultKind::NoWorkday => "the calendar has no working day after this date".into(),
            FaultKind::CalendarRange => {
                "the date range is too long for working-day counting".into()
            }
            FaultKind::DateOutOfRange => "the resulting date is out of range".into(),
            FaultKind::FractionalDays => "dates can only be moved by a whole number of days".into(),
            FaultKind::LineNotAvailable => {
                "this refers to another formula line; evaluate the whole program".into()
            }
        }
    }
}

/// Everything one evaluation reads: the caller's environment plus the
/// values of earlier program lines and, inside `sum(table, ...)`, the current row.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'e> {
    pub env: Env<'e>,
    pub locals: &'e [Value],
    pub row: &'e [Value],
}

type R<T> = Result<T, Fault>;

/// Turns the `Null` sentinel into `None`, passing real errors on.
fn nullable<T>(r: R<T>) -> R<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Fault {
            kind: FaultKind::Null,
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn slot(slice: &[Value], slot: u32, missing: FaultKind) -> Result<&Value, FaultKind> {
    slice.get(slot as usize).ok_or(missing)
}

// The evaluators below are split by result kind so that the hot numeric
// path moves plain `Decimal`s instead of `Value`s (which carry an `Arc`).
// Each op is only ever evaluated through the evaluator for its kind (the
// checker guarantees it); a mismatch is reported, not assumed away.
impl Code {
    pub fn push(&mut self, op: Op, span: Span, kind: Kind) -> u32 {
        self.ops.push(op);
        self.kinds.push(kind);
        self.spans.push(span);
        (self.ops.len() - 1) as u32
    }

    pub fn mark(&self) -> Mark {
        Mark {
            ops: self.ops.len(),
            pool: self.pool.len(),
            args: self.args.len(),
        }
    }

    pub fn rollback(&mut self, m: Mark) {
        self.ops.truncate(m.ops);
        self.kinds.truncate(m.ops);
        self.spans.truncate(m.ops);
        self.pool.truncate(m.pool);
        self.args.truncate(m.args);
    }

    pub fn constant(&self, id: u32) -> Option<&Value> {
        match &self.ops[id as usize] {
            Op::Const(v) => Some(v),
            _ => None,
        }
    }

    #[cold]
    #[inline(never)]
    pub fn error(&self, f: Fault) -> EvalError {
        EvalError {
            span: self.spans[f.op as usize],
            message: f.kind.message(),
        }
    }

    fn args(&self, start: u32, len: u32) -> &[u32] {
        &self.args[start as usize..(start + len) as usize]
    }

    /// The kind-appropriate "wrong kind" fault for op `id`, or the null
    /// sentinel when the op is a `none` constant.
    fn mismatch(&self, id: u32, want: Kind) -> Fault {
        let kind = match &self.ops[id as usize] {
            Op::Const(Value::Null) => FaultKind::Null,
            _ => FaultKind::WrongKind(want),
        };
        Fault { op: id, kind }
    }

    /// Evaluates op `id` to a [`Value`] (nulls included). Recursion depth is
    /// bounded by the parser's `MAX_DEPTH`, since ops mirror the syntax tree.
    #[inline]
    pub fn eval(&self, id: u32, cx: &Ctx<'_>) -> Result<Value, Fault> {
        let r = match self.kinds[id as usize] {
            Kind::Num => self.num(id, cx).map(Value::Num),
            Kind::Bool => self.boolean(id, cx).map(Value::Bool),
            Kind::Date => self.date(id, cx).map(Value::Date),
            Kind::Text => self.text_value(id, cx),
        };
        match r {
            Err(Fault {
                kind: FaultKind::Null,
                ..
            }) => Ok(Value::Null),
            r => r,
        }
    }

    /// Whether op `id` evaluates to something other than null.
    fn present(&self, id: u32, cx: &Ctx<'_>) -> R<bool> {
        match self.kinds[id as usize] {
            Kind::Num => nullable(self.num(id, cx)).map(|v| v.is_some()),
            Kind::Bool => nullable(self.boolean(id, cx)).map(|v| v.is_some()),
            Kind::Date => nullable(self.date(id, cx)).map(|v| v.is_some()),
            Kind::Text => nullable(self.text(id, cx)).map(|v| v.is_some()),
        }
    }

    /// [`num`](Self::num) with the two commonest operands (an input and a
    /// constant) handled inline, saving a call per leaf in arithmetic.
    #[inline(always)]
    fn num_operand(&self, id: u32, cx: &Ctx<'_>) -> R<Decimal> {
        match &self.ops[id as usize] {
            Op::Var(s) => match cx.env.vars.get(*s as usize) {
                Some(Value::Num(d)) => Ok(*d),
                _ => self.num(id, cx),
            },
            Op::Const(Value::Num(d)) => Ok(*d),
            _ => self.num(id, cx),
        }
    }

    fn num(&self, id: u32, cx: &Ctx<'_>) -> R<Decimal> {
        let fault = |kind| Fault { op: id, kind };
        let load = |v: &Value| match v {
            Value::Num(d) => Ok(*d),
            Value::Null => Err(fault(FaultKind::Null)),
            _ => Err(fault(FaultKind::WrongKind(Kind::Num))),
        };
        match &self.ops[id as usize] {
            Op::Const(Value::Num(d)) => Ok(*d),
            Op::Var(s) => load(slot(cx.env.vars, *s, FaultKind::MissingInput).map_err(fault)?),
            Op::Local(s) => load(slot(cx.locals, *s, FaultKind::LineNotAvailable).map_err(fault)?),
            Op::Column(s) => load(slot(cx.row, *s, FaultKind::MissingColumn).map_err(fault)?),
            Op::Neg(a) => Ok(-self.num(*a, cx)?),
            Op::Arith { kind, lhs, rhs } => {
                let overflow = || fault(FaultKind::Overflow);
                match kind {
                    Arith::Add => self
                        .num_operand(*lhs, cx)?
                        .checked_add(self.num_operand(*rhs, cx)?)
                        .ok_or_else(overflow),
                    Arith::Sub => self
                        .num_operand(*lhs, cx)?
                        .checked_sub(self.num_operand(*rhs, cx)?)
                        .ok_or_else(overflow),
                    Arith::Mul => self
                        .num_operand(*lhs, cx)?
                        .checked_mul(self.num_operand(*rhs, cx)?)
                        .ok_or_else(overflow),
                    Arith::Div => {
                        let a = self.num_operand(*lhs, cx)?;
                        let b = self.num_operand(*rhs, cx)?;
                        if b.is_zero() {
                            return Err(fault(FaultKind::DivByZero));
                        }
                        a.checked_div(b).ok_or_else(overflow)
                    }
                    Arith::DateDiff => {
                        let a = self.date(*lhs, cx)?;
                        let b = self.date(*rhs, cx)?;
                        Ok(a.signed_duration_since(b).num_days().into())
                    }
                    _ => Err(fault(FaultKind::WrongKind(Kind::Num))),
                }
            }
            Op::If { cond, then, els } => {
                if self.boolean(*cond, cx)? {
                    self.num(*then, cx)
                } else {
                    self.num(*els, cx)
                }
            }
            Op::Round { arg, dp, mode } => Ok(mode.apply(self.num(*arg, cx)?, *dp)),
            Op::Abs(a) => Ok(self.num(*a, cx)?.abs()),
            Op::Fold { f, start, len } => {
                let mut acc: Option<Decimal> = None;
                for &a in self.args(*start, *len) {
                    let v = self.num(a, cx)?;
                    acc = Some(match (acc, f) {
                        (None, _) => v,
                        (Some(x), FoldFn::Sum) => {
                            x.checked_add(v).ok_or(fault(FaultKind::Overflow))?
                        }
                        (Some(x), FoldFn::Min) => x.min(v),
                        (Some(x), FoldFn::Max) => x.max(v),
                    });
                }
                // The checker requires at least one argument.
                acc.ok_or(fault(FaultKind::WrongKind(Kind::Num)))
            }
            Op::TableSum { table, body } => {
                let table = cx
                    .env
                    .tables
                    .get(*table as usize)
                    .ok_or(fault(FaultKind::MissingTable))?;
                let mut total = Decimal::ZERO;
                for row in &table.rows {
                    let inner = Ctx { row, ..*cx };
                    total = total
                        .checked_add(self.num(*body, &inner)?)
                        .ok_or(fault(FaultKind::Overflow))?;
                }
                Ok(total)
            }
            Op::DaysBetween(a, b) => {
                let (a, b) = (self.date(*a, cx)?, self.date(*b, cx)?);
                Ok(b.signed_duration_since(a).num_days().into())
            }
            Op::WorkdaysBetween(a, b) => {
                let (a, b) = (self.date(*a, cx)?, self.date(*b, cx)?);
                let cal = cx.env.calendar.ok_or(fault(FaultKind::NoCalendar))?;
                let n = cal
                    .workdays_between(a, b)
                    .ok_or(fault(FaultKind::CalendarRange))?;
                Ok(n.into())
            }
            _ => Err(self.mismatch(id, Kind::Num)),
        }
    }

    fn boolean(&self, id: u32, cx: &Ctx<'_>) -> R<bool> {
        let fault = |kind| Fault { op: id, kind };
        let load = |v: &Value| match v {
            Value::Bool(b) => Ok(*b),
            Value::Null => Err(fault(FaultKind::Null)),
            _ => Err(fault(FaultKind::WrongKind(Kind::Bool))),
        };
        match &self.ops[id as usize] {
            Op::Const(Value::Bool(b)) => Ok(*b),
            Op::Var(s) => load(slot(cx.env.vars, *s, FaultKind::MissingInput).map_err(fault)?),
            Op::Local(s) => load(slot(cx.locals, *s, FaultKind::LineNotAvailable).map_err(fault)?),
            Op::Column(s) => load(slot(cx.row, *s, FaultKind::MissingColumn).map_err(fault)?),
            Op::Not(a) => Ok(!self.boolean(*a, cx)?),
            Op::IsNull { arg, negated } => Ok(self.present(*arg, cx)? == *negated),
            Op::Cmp { op, lhs, rhs } => {
                use std::cmp::Ordering;
                let ord: Ordering = match self.kinds[*lhs as usize] {
                    Kind::Num => self
                        .num_operand(*lhs, cx)?
                        .cmp(&self.num_operand(*rhs, cx)?),
                    Kind::Date => self.date(*lhs, cx)?.cmp(&self.date(*rhs, cx)?),
                    Kind::Text => self.text(*lhs, cx)?.cmp(self.text(*rhs, cx)?),
                    Kind::Bool => self.boolean(*lhs, cx)?.cmp(&self.boolean(*rhs, cx)?),
                };
                Ok(match op {
                    Cmp::Eq => ord.is_eq(),
                    Cmp::Ne => ord.is_ne(),
                    Cmp::Lt => ord.is_lt(),
                    Cmp::Le => ord.is_le(),
                    Cmp::Gt => ord.is_gt(),
                    Cmp::Ge => ord.is_ge(),
                })
            }
            Op::In {
                arg,
                negated,
                start,
                len,
            } => {
                let list = &self.pool[*start as usize..(*start + *len) as usize];
                let found = match self.kinds[*arg as usize] {
                    Kind::Num => {
                        let x = self.num(*arg, cx)?;
                        list.iter().any(|v| v.as_num() == Some(x))
                    }
                    Kind::Date => {
                        let x = self.date(*arg, cx)?;
                        list.iter().any(|v| v.as_date() == Some(x))
                    }
                    Kind::Text => {
                        let x = self.text(*arg, cx)?;
                        list.iter().any(|v| v.as_text() == Some(x))
                    }
                    Kind::Bool => {
                        let x = self.boolean(*arg, cx)?;
                        list.iter().any(|v| v.as_bool() == Some(x))
                    }
                };
                Ok(found != *negated)
            }
            // Kleene logic: a decided operand wins over an undecided one.
            Op::And(l, r) => {
                let a = nullable(self.boolean(*l, cx))?;
                if a == Some(false) {
                    return Ok(false);
                }
                match (a, nullable(self.boolean(*r, cx))?) {
                    (_, Some(false)) => Ok(false),
                    (Some(true), Some(true)) => Ok(true),
                    _ => Err(fault(FaultKind::Null)),
                }
            }
            Op::Or(l, r) => {
                let a = nullable(self.boolean(*l, cx))?;
                if a == Some(true) {
                    return Ok(true);
                }
                match (a, nullable(self.boolean(*r, cx))?) {
                    (_, Some(true)) => Ok(true),
                    (Some(false), Some(false)) => Ok(false),
                    _ => Err(fault(FaultKind::Null)),
                }
            }
            Op::If { cond, then, els } => {
                if self.boolean(*cond, cx)? {
                    self.boolean(*then, cx)
                } else {
                    self.boolean(*els, cx)
                }
            }
            Op::IsWorkday(a) => {
                let d = self.date(*a, cx)?;
                let cal = cx.env.calendar.ok_or(fault(FaultKind::NoCalendar))?;
                Ok(cal.is_workday(d))
            }
            _ => Err(self.mismatch(id, Kind::Bool)),
        }
    }

    fn date(&self, id: u32, cx: &Ctx<'_>) -> R<NaiveDate> {
        let fault = |kind| Fault { op: id, kind };
        let load = |v: &Value| match v {
            Value::Date(d) => Ok(*d),
            Value::Null => Err(fault(FaultKind::Null)),
            _ => Err(fault(FaultKind::WrongKind(Kind::Date))),
        };
        match &self.ops[id as usize] {
            Op::Const(Value::Date(d)) => Ok(*d),
            Op::Var(s) => load(slot(cx.env.vars, *s, FaultKind::MissingInput).map_err(fault)?),
            Op::Local(s) => load(slot(cx.locals, *s, FaultKind::LineNotAvailable).map_err(fault)?),
            Op::Column(s) => load(slot(cx.row, *s, FaultKind::MissingColumn).map_err(fault)?),
            Op::Arith { kind, lhs, rhs } => {
                let (d, n, negate) = match kind {
                    Arith::DateAddDays => (self.date(*lhs, cx)?, self.num(*rhs, cx)?, false),
                    Arith::DaysAddDate => (self.date(*rhs, cx)?, self.num(*lhs, cx)?, false),
                    Arith::DateSubDays => (self.date(*lhs, cx)?, self.num(*rhs, cx)?, true),
                    _ => return Err(fault(FaultKind::WrongKind(Kind::Date))),
                };
                add_days(d, n, negate).map_err(fault)
            }
            Op::If { cond, then, els } => {
                if self.boolean(*cond, cx)? {
                    self.date(*then, cx)
                } else {
                    self.date(*els, cx)
                }
            }
            Op::Fold { f, start, len } => {
                let mut acc: Option<NaiveDate> = None;
                for &a in self.args(*start, *len) {
                    let v = self.date(a, cx)?;
                    acc = Some(match (acc, f) {
                        (None, _) => v,
                        (Some(x), FoldFn::Max) => x.max(v),
                        (Some(x), _) => x.min(v),
                    });
                }
                acc.ok_or(fault(FaultKind::WrongKind(Kind::Date)))
            }
            Op::NextWorkday(a) => {
                let d = self.date(*a, cx)?;
                let cal = cx.env.calendar.ok_or(fault(FaultKind::NoCalendar))?;
                cal.next_workday(d).ok_or(fault(FaultKind::NoWorkday))
            }
            _ => Err(self.mismatch(id, Kind::Date)),
        }
    }

    /// Text, borrowed from the code or the environment (for comparisons).
    fn text<'a>(&'a self, id: u32, cx: &Ctx<'a>) -> R<&'a str> {
        let fault = |kind| Fault { op: id, kind };
        let load = |v: &'a Value| match v {
            Value::Text(t) => Ok(&**t),
            Value::Null => Err(fault(FaultKind::Null)),
            _ => Err(fault(FaultKind::WrongKind(Kind::Text))),
        };
        match &self.ops[id as usize] {
            Op::Const(Value::Text(t)) => Ok(t),
            Op::Var(s) => load(slot(cx.env.vars, *s, FaultKind::MissingInput).map_err(fault)?),
            Op::Local(s) => load(slot(cx.locals, *s, FaultKind::LineNotAvailable).map_err(fault)?),
            Op::Column(s) => load(slot(cx.row, *s, FaultKind::MissingColumn).map_err(fault)?),
            Op::If { cond, then, els } => {
                if self.boolean(*cond, cx)? {
                    self.text(*then, cx)
                } else {
                    self.text(*els, cx)
                }
            }
            _ => Err(self.mismatch(id, Kind::Text)),
        }
    }

    /// Text as an owned value (sharing the `Arc`, so still no allocation).
    fn text_value(&self, id: u32, cx: &Ctx<'_>) -> R<Value> {
        let fault = |kind| Fault { op: id, kind };
        let load = |v: &Value| match v {
            Value::Text(_) => Ok(v.clone()),
            Value::Null => Err(fault(FaultKind::Null)),
            _ => Err(fault(FaultKind::WrongKind(Kind::Text))),
        };
        match &self.ops[id as usize] {
            Op::Const(v @ Value::Text(_)) => Ok(v.clone()),
            Op::Var(s) => load(slot(cx.env.vars, *s, FaultKind::MissingInput).map_err(fault)?),
            Op::Local(s) => load(slot(cx.locals, *s, FaultKind::LineNotAvailable).map_err(fault)?),
            Op::Column(s) => load(slot(cx.row, *s, FaultKind::MissingColumn).map_err(fault)?),
            Op::If { cond, then, els } => {
                if self.boolean(*cond, cx)? {
                    self.text_value(*then, cx)
                } else {
                    self.text_value(*els, cx)
                }
            }
            _ => Err(self.mismatch(id, Kind::Text)),
        }
    }
}

fn add_days(d: NaiveDate, n: Decimal, negate: bool) -> Result<NaiveDate, FaultKind> {
    if !n.is_integer() {
        return Err(FaultKind::FractionalDays);
    }
    let n = n.to_i64().ok_or(FaultKind::DateOutOfRange)?;
    let n = if negate {
        n.checked_neg().ok_or(FaultKind::DateOutOfRange)?
    } else {
        n
    };
    let days = Days::new(n.unsigned_abs());
    let moved = if n >= 0 {
        d.checked_add_days(days)
    } else {
        d.checked_sub_days(days)
    };
    moved.ok_or(FaultKind::DateOutOfRange)
}
