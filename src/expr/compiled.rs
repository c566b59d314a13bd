//! [`compile`] and the compiled [`Expr`].

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::ast::{Node, NodeKind, Style, print_with};
use super::check::{Checked, check};
use super::error::{EvalError, ExprError};
use super::eval::Ctx;
use super::parser::parse;
use super::types::{NameKind, NameUse, Scope, Type};
use super::value::{Env, Value};

/// A parsed and type-checked expression, ready to evaluate any number of
/// times. Cheap to evaluate, `Send + Sync`, and self-describing: its type,
/// the names it uses and its source are all available without running it.
#[derive(Clone)]
pub struct Expr {
    src: Arc<str>,
    ast: Node,
    checked: Checked,
}

/// Parses and checks `src` against `scope`. On failure returns every
/// problem found: a syntax error alone (parsing stops at the first), or all
/// name and type errors at once.
pub fn compile(src: &str, scope: &Scope) -> Result<Expr, Vec<ExprError>> {
    let ast = parse(src).map_err(|e| vec![e])?;
    let checked = check(&ast, scope)?;
    Ok(Expr::from_parts(src, ast, checked))
}

impl Expr {
    pub(super) fn from_parts(src: &str, ast: Node, checked: Checked) -> Expr {
        Expr {
            src: src.into(),
            ast,
            checked,
        }
    }

    /// The static type of the result. A formula consisting only of literals
    /// (`5000`) has type [`Type::Number`]; the caller decides what that means
    /// (a fee formula would accept it as money).
    pub fn ty(&self) -> Type {
        self.checked.ty
    }

    /// Whether the result may be [`Value::Null`] (it reads an optional input
    /// that is not tested with `!= none` on the way). A fee formula should
    /// not be nullable; a policy condition may be ("cannot be decided").
    pub fn nullable(&self) -> bool {
        self.checked.nullable
    }

    /// Every name used, in source order, with its span and what it resolved
    /// to: inputs, tables, columns (inside `sum(table, ...)`) and other
    /// program lines. Function names are not included.
    pub fn names(&self) -> &[NameUse] {
        &self.checked.names
    }

    /// Whether evaluation needs [`Env::calendar`].
    pub fn uses_calendar(&self) -> bool {
        self.checked.uses_calendar
    }

    pub fn source(&self) -> &str {
        &self.src
    }

    pub fn ast(&self) -> &Node {
        &self.ast
    }

    /// The expression as people read it in a breakdown: `staff × hours × rate`.
    pub fn pretty(&self) -> String {
        self.ast.print(Style::Pretty)
    }

    /// Evaluates the expression. Allocates nothing on success; overflow,
    /// division by a run-time zero, missing inputs and the like are errors,
    /// never panics.
    pub fn eval(&self, env: &Env<'_>) -> Result<Value, EvalError> {
        self.eval_with(env, &[])
    }

    pub(super) fn eval_with(&self, env: &Env<'_>, locals: &[Value]) -> Result<Value, EvalError> {
        let cx = Ctx {
            env: *env,
            locals,
            row: &[],
        };
        let code = &self.checked.code;
        code.eval(code.root, &cx).map_err(|f| code.error(f))
    }

    /// The expression with the current value of every name (and the total of
    /// every `sum(table, ...)`) written in its place: `2 × 3 × 45.00`.
    /// Rates are shown as percentages.
    pub fn explain(&self, env: &Env<'_>) -> String {
        self.substituted(env, &[])
    }

    /// Each call of a calendar function, as written, with its value for
    /// `env`: `next_workday(completed_on) = 2027-01-31`. What a reader of a
    /// breached policy cannot see in the record's own fields.
    pub fn calendar_values(&self, env: &Env<'_>) -> Vec<String> {
        let cx = Ctx {
            env: *env,
            locals: &[],
            row: &[],
        };
        self.checked
            .calendar_calls
            .iter()
            .filter_map(|&(span, id)| {
                let call = self.src.get(span.start as usize..span.end as usize)?;
                let value = self.checked.code.eval(id, &cx).ok()?;
                (!value.is_null()).then(|| format!("{call} = {}", show_value(&value, None)))
            })
            .collect()
    }

    pub(super) fn substituted(&self, env: &Env<'_>, locals: &[Value]) -> String {
        let cx = Ctx {
            env: *env,
            locals,
            row: &[],
        };
        let names = &self.checked.names;
        let subst = |n: &Node| -> Option<String> {
            match &n.kind {
                NodeKind::Name(_) => {
                    let u = names.iter().find(|u| u.span == n.span)?;
                    let (v, ty) = match u.kind {
                        NameKind::Var { slot, ty } => (env.vars.get(slot as usize), ty),
                        NameKind::Line { index, ty } => (locals.get(index as usize), ty),
                        NameKind::Table { .. } | NameKind::Column { .. } => return None,
                    };
                    Some(v.map_or_else(|| "?".to_string(), |v| show_value(v, Some(ty))))
                }
                NodeKind::Call { .. } => {
                    let &(_, id) = self.checked.table_sums.iter().find(|(s, _)| *s == n.span)?;
                    Some(match self.checked.code.eval(id, &cx) {
                        Ok(v) => show_value(&v, None),
                        Err(_) => "?".to_string(),
                    })
                }
                _ => None,
            }
        };
        print_with(&self.ast, Style::Pretty, &subst)
    }
}

/// Formats a value for an explanation; rates read as percentages (`6%`).
pub(super) fn show_value(v: &Value, ty: Option<Type>) -> String {
    if let (Value::Num(d), Some(Type::Rate)) = (v, ty)
        && let Some(p) = d.checked_mul(Decimal::ONE_HUNDRED)
    {
        return format!("{}%", p.normalize());
    }
    v.to_string()
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr")
            .field("src", &self.src)
            .field("ty", &self.checked.ty)
            .field("nullable", &self.checked.nullable)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.src)
    }
}
