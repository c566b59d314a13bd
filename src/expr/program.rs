//! Multi-line formulas: named lines that refer to inputs and to each other,
//! evaluated in dependency order with per-line rounding.
//!
//! ```text
//! labour   = staff * hours * rate            (round 2)
//! subtotal = labour + sum(materials, quantity * unit_price)
//! tax      = subtotal * 6%                   (round 2)
//! total    = subtotal + tax
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use super::ast::{Node, NodeKind};
use super::check::check;
use super::compiled::{Expr, show_value};
use super::error::{EvalError, ExprError, Span};
use super::lexer::is_identifier;
use super::parser::parse;
use super::rounding::{MAX_ROUND_DIGITS, apply_line};
use super::types::{Binding, Scope, TableDef, Type};
use super::value::{Env, Value};
use crate::money::RoundingMode;

/// One line of a formula as written in the rule file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpec<'a> {
    pub name: &'a str,
    pub src: &'a str,
    /// Rounding applied to the line's result before later lines see it.
    pub round: Option<(u32, RoundingMode)>,
    /// The type the line must have. Optional because it is normally
    /// inferred, but a line made only of literals (`base = 5000`) would
    /// otherwise be an untyped number; declaring it money makes later lines
    /// (`base * staff`) type as money.
    pub ty: Option<Type>,
}

impl<'a> LineSpec<'a> {
    pub fn new(name: &'a str, src: &'a str) -> Self {
        LineSpec {
            name,
            src,
            round: None,
            ty: None,
        }
    }

    pub fn rounded(mut self, dp: u32, mode: RoundingMode) -> Self {
        self.round = Some((dp, mode));
        self
    }

    pub fn typed(mut self, ty: Type) -> Self {
        self.ty = Some(ty);
        self
    }
}

/// A compiled line of a [`Program`].
#[derive(Clone, Debug)]
pub struct Line {
    name: Arc<str>,
    expr: Expr,
    ty: Type,
    round: Option<(u32, RoundingMode)>,
    deps: Vec<usize>,
}

impl Line {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The declared type, or else the inferred one.
    pub fn ty(&self) -> Type {
        self.ty
    }

    pub fn round(&self) -> Option<(u32, RoundingMode)> {
        self.round
    }

    /// Indices of the lines this line refers to, ascending.
    pub fn deps(&self) -> &[usize] {
        &self.deps
    }
}

/// A checked multi-line formula.
#[derive(Clone, Debug)]
pub struct Program {
    lines: Vec<Line>,
    order: Vec<usize>,
}

/// A program-level error not about any text in the line's expression
/// (duplicate or invalid line name) carries this empty span; the loader
/// should point at the line's key instead.
pub const NO_SPAN: Span = Span { start: 0, end: 0 };

/// Compiles the lines of a formula. Errors carry the index of the line they
/// belong to and are sorted by it; every line is checked, so all problems
/// are reported together.
pub fn compile_program(
    inputs: &Scope,
    specs: &[LineSpec<'_>],
) -> Result<Program, Vec<(usize, ExprError)>> {
    let mut errors: Vec<(usize, ExprError)> = Vec::new();
    let mut scope = inputs.clone();
    let mut by_name: HashMap<&str, usize> = HashMap::new();

    for (i, l) in specs.iter().enumerate() {
        let problem = if !is_identifier(l.name) {
            Some((
                "expr-bad-line-name",
                format!("`{}` cannot be used as a line name", l.name),
            ))
        } else if let Some(&j) = by_name.get(l.name) {
            Some((
                "expr-duplicate-line",
                format!(
                    "line `{}` is defined twice (lines {} and {})",
                    l.name,
                    j + 1,
                    i + 1
                ),
            ))
        } else if inputs.contains(l.name) {
            Some((
                "expr-line-shadows-input",
                format!("line `{}` has the same name as an input", l.name),
            ))
        } else {
            None
        };
        let visible = problem.is_none();
        if let Some((code, msg)) = problem {
            errors.push((i, ExprError::new(NO_SPAN, code, msg)));
        } else {
            by_name.insert(l.name, i);
        }
        scope.push_local(l.name.into(), visible);
        if let Some((dp, _)) = l.round
            && dp > MAX_ROUND_DIGITS
        {
            let msg = format!(
                "line `{}` rounds to {dp} places; at most {MAX_ROUND_DIGITS} are allowed",
                l.name
            );
            errors.push((i, ExprError::new(NO_SPAN, "expr-bad-digits", msg)));
        }
    }

    let asts: Vec<Option<Node>> = specs
        .iter()
        .enumerate()
        .map(|(i, l)| parse(l.src).map_err(|e| errors.push((i, e))).ok())
        .collect();

    // Dependency edges: line -> (referenced line, span of the first reference).
    let edges: Vec<Vec<(usize, Span)>> = asts
        .iter()
        .map(|ast| {
            let mut refs = Vec::new();
            if let Some(ast) = ast {
                line_refs(ast, &scope, None, &mut refs);
            }
            let mut out: Vec<(usize, Span)> = Vec::new();
            for (name, span) in refs {
                if let Some(&j) = by_name.get(&*name)
                    && !out.iter().any(|&(k, _)| k == j)
                {
                    out.push((j, span));
                }
            }
            out
        })
        .collect();

    for (i, l) in specs.iter().enumerate() {
        if let Some(cycle) = shortest_cycle(i, &edges) {
            let path: Vec<&str> = cycle.iter().map(|&k| specs[k].name).collect();
            let span = edges[i]
                .iter()
                .find(|&&(k, _)| k == cycle[1])
                .map_or(NO_SPAN, |&(_, s)| s);
            let err = ExprError::new(
                span,
                "expr-cycle",
                format!("`{}` depends on itself: {}", l.name, path.join(" → ")),
            )
            .with_hint("a line cannot use its own result, directly or through other lines");
            errors.push((i, err));
        }
    }

    // Kahn's algorithm, always taking the earliest declared ready line, so
    // the order is deterministic and follows the rule file where possible.
    // Lines on or behind a cycle never become ready; they are still checked
    // afterwards (in declaration order) so their other errors are reported.
    let n = specs.len();
    let mut waiting: Vec<usize> = edges.iter().map(Vec::len).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        for &(j, _) in e {
            users[j].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &u in &users[i] {
            waiting[u] -= 1;
            if waiting[u] == 0 {
                ready.push(Reverse(u));
            }
        }
    }
    let stuck: Vec<usize> = (0..n).filter(|i| !order.contains(i)).collect();

    let mut compiled: Vec<Option<(Expr, Type)>> = vec![None; n];
    for &i in order.iter().chain(&stuck) {
        let Some(ast) = &asts[i] else { continue };
        let spec = &specs[i];
        match check(ast, &scope) {
            Ok(checked) => {
                let inferred = checked.ty;
                let ty = match spec.ty {
                    None => inferred,
                    Some(d) if d == inferred || (inferred == Type::Number && d.is_numeric()) => d,
                    Some(d) => {
                        let msg = format!(
                            "line `{}` should give {} but its formula gives {}",
                            spec.name,
                            d.with_article(),
                            inferred.with_article()
                        );
                        let mut e = ExprError::new(ast.span, "expr-line-type", msg);
                        if d == Type::Money && matches!(inferred, Type::Quantity | Type::Number) {
                            e = e.with_hint(
                                "multiply by a money input or rate, e.g. `hours * hourly_rate`, or declare the input it uses with `type: money`",
                            );
                        }
                        errors.push((i, e));
                        continue;
                    }
                };
                if spec.round.is_some() && !ty.is_numeric() {
                    let msg = format!(
                        "line `{}` gives {} and cannot be rounded",
                        spec.name,
                        ty.with_article()
                    );
                    errors.push((i, ExprError::new(ast.span, "expr-bad-round", msg)));
                    continue;
                }
                scope.set_local_type(i as u32, ty, checked.nullable);
                compiled[i] = Some((Expr::from_parts(spec.src, ast.clone(), checked), ty));
            }
            Err(errs) => errors.extend(errs.into_iter().map(|e| (i, e))),
        }
    }

    if !errors.is_empty() {
        errors.sort_by_key(|(i, _)| *i);
        return Err(errors);
    }
    let lines = specs
        .iter()
        .zip(compiled)
        .zip(edges)
        .map(|((spec, c), e)| {
            let (expr, ty) = c.expect("every line compiled when there are no errors");
            let mut deps: Vec<usize> = e.into_iter().map(|(j, _)| j).collect();
            deps.sort_unstable();
            Line {
                name: spec.name.into(),
                expr,
                ty,
                round: spec.round,
                deps,
            }
        })
        .collect();
    Ok(Program { lines, order })
}

/// Names referred to at the top level of `n` (not columns inside
/// `sum(table, ...)`), mirroring how the checker resolves names.
fn line_refs(n: &Node, scope: &Scope, table: Option<&TableDef>, out: &mut Vec<(Arc<str>, Span)>) {
    match &n.kind {
        NodeKind::Name(x) => {
            if table.is_none_or(|t| t.column(x).is_none()) {
                out.push((x.clone(), n.span));
            }
        }
        NodeKind::Call { func, args, .. } if &**func == "sum" => {
            let inner = match args.first().map(|a| &a.kind) {
                Some(NodeKind::Name(t)) if table.is_none_or(|d| d.column(t).is_none()) => {
                    match scope.lookup(t) {
                        Some(Binding::Table(slot)) => Some(&scope.tables()[slot as usize]),
                        _ => None,
                    }
                }
                _ => None,
            };
            match inner {
                Some(def) => args[1..]
                    .iter()
                    .for_each(|a| line_refs(a, scope, Some(def), out)),
                None => args.iter().for_each(|a| line_refs(a, scope, table, out)),
            }
        }
        _ => n.children(|c| line_refs(c, scope, table, out)),
    }
}

/// The shortest dependency path from `start` back to itself, as
/// `[start, ..., start]`, if `start` is on a cycle.
fn shortest_cycle(start: usize, edges: &[Vec<(usize, Span)>]) -> Option<Vec<usize>> {
    let mut prev: Vec<Option<usize>> = vec![None; edges.len()];
    let mut queue = VecDeque::new();
    for &(j, _) in &edges[start] {
        if j == start {
            return Some(vec![start, start]);
        }
        if prev[j].is_none() {
            prev[j] = Some(start);
            queue.push_back(j);
        }
    }
    while let Some(k) = queue.pop_front() {
        for &(j, _) in &edges[k] {
            if j == start {
                // Walk back from `k` to `start`, then read it forwards.
                let mut path = vec![k];
                let mut at = k;
                while let Some(p) = prev[at] {
                    path.push(p);
                    if p == start {
                        break;
                    }
                    at = p;
                }
                path.reverse();
                path.push(start);
                return Some(path);
            }
            if prev[j].is_none() && j != start {
                prev[j] = Some(k);
                queue.push_back(j);
            }
        }
    }
    None
}

impl Program {
    /// Lines in declaration order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Line indices in evaluation order (every line after the lines it uses).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    pub fn line_index(&self, name: &str) -> Option<usize> {
        self.lines.iter().position(|l| &*l.name == name)
    }

    /// Evaluates every line; returns one value per line in declaration
    /// order, each rounded as its [`LineSpec`] asked. An error carries the
    /// index of the failing line.
    pub fn eval(&self, env: &Env<'_>) -> Result<Vec<Value>, (usize, EvalError)> {
        let mut values = vec![Value::Null; self.lines.len()];
        self.eval_into(env, &mut values)?;
        Ok(values)
    }

    /// Like [`eval`](Self::eval), reusing `values` (resized to the number of
    /// lines) so repeated quoting does not allocate.
    pub fn eval_into(
        &self,
        env: &Env<'_>,
        values: &mut Vec<Value>,
    ) -> Result<(), (usize, EvalError)> {
        values.clear();
        values.resize(self.lines.len(), Value::Null);
        for &i in &self.order {
            let line = &self.lines[i];
            let v = line.expr.eval_with(env, values).map_err(|e| (i, e))?;
            values[i] = match (v, line.round) {
                (Value::Num(d), Some((dp, mode))) => Value::Num(apply_line(mode, d, dp)),
                (v, _) => v,
            };
        }
        Ok(())
    }

    /// One explanation per line, in declaration order, from the `values`
    /// returned by [`eval`](Self::eval):
    /// `labour = staff × hours × rate = 2 × 3 × 45.00 = 270.00`.
    /// When rounding changed the result the unrounded value is shown too
    /// (`= 74.0736 ≈ 74.07`); steps identical to the previous one are left out.
    pub fn explain(&self, env: &Env<'_>, values: &[Value]) -> Vec<String> {
        (0..self.lines.len())
            .map(|i| self.explain_line(i, env, values))
            .collect()
    }

    pub fn explain_line(&self, i: usize, env: &Env<'_>, values: &[Value]) -> String {
        let line = &self.lines[i];
        let mut steps = vec![line.expr.pretty(), line.expr.substituted(env, values)];
        let shown = values
            .get(i)
            .map_or_else(|| "?".to_string(), |v| show_value(v, Some(line.ty)));
        // The unrounded value is worth showing only when rounding changed
        // it: 90.000 and 90.00 are the same number.
        let raw = line
            .expr
            .eval_with(env, values)
            .ok()
            .filter(|v| match (v, values.get(i)) {
                (Value::Num(a), Some(Value::Num(b))) => a != b,
                _ => false,
            });
        let mut out = format!("{} = ", line.name);
        if let Some(raw) = raw.map(|v| show_value(&v, Some(line.ty)))
            && line.round.is_some()
        {
            steps.push(raw);
            steps.dedup();
            out.push_str(&steps.join(" = "));
            out.push_str(" ≈ ");
            out.push_str(&shown);
            return out;
        }
        steps.push(shown);
        steps.dedup();
        out.push_str(&steps.join(" = "));
        out
    }
}
