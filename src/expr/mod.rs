//! The expression language of rule files: fee formulas, policy conditions
//! and approval escalation conditions are all written in it.
//!
//! ```text
//! staff * hours * rate + sum(materials, quantity * unit_price)
//! round(subtotal * 6%, 2)
//! district in ['朝阳', '海淀'] and 人数 > 3
//! if urgent then base * 150% else base
//! deposit != none and deposit > 1000
//! ```
//!
//! Expressions are compiled once, when rules are loaded ([`compile`],
//! [`compile_program`]): parsing, name resolution and type checking happen
//! then, so a mistake is reported to the administrator with a byte span, a
//! stable code and usually a hint, before any quote is produced.
//! Evaluation ([`Expr::eval`]) is then a cheap, allocation-free walk that
//! cannot panic.
//!
//! # Grammar
//!
//! ```text
//! expr     := 'if' expr 'then' expr 'else' expr      -- lowest; else-branch extends right
//!           | or
//! or       := and ('or' and)*
//! and      := not ('and' not)*
//! not      := 'not' not | cmp
//! cmp      := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum        -- non-associative:
//!                 | ('in' | 'not' 'in') '[' list ']')?        -- `a < b < c` is an error
//! sum      := product (('+'|'-') product)*
//! product  := unary (('*'|'/') unary)*
//! unary    := '-' unary | atom
//! atom     := NUMBER | NUMBER '%' | STRING | 'true' | 'false' | 'none'
//!           | NAME | NAME '(' list ')' | '(' expr ')'
//! list     := (expr (',' expr)* ','?)?
//! ```
//!
//! `if` and `not` may only start an operand where a whole expression (or,
//! for `not`, a condition) is expected; elsewhere they need parentheses:
//! `1 + (if a then 2 else 3)`, `a == (not b)`.
//!
//! Lexical rules: numbers are ASCII digits with an optional fraction,
//! parsed exactly as `Decimal` (`6%` and `8.5%` are the rates 0.06 and
//! 0.085); names are Unicode letters, digits (not first) and `_`; text is
//! in `'...'` or `"..."` with `\\`, `\'`, `\"` escapes. Keywords:
//! `and or not in if then else true false none`. Spans are byte offsets.
//! Nesting deeper than [`MAX_DEPTH`] levels and sources over
//! [`MAX_SOURCE_LEN`] bytes are rejected.
//!
//! # Types
//!
//! [`Type::Money`], [`Type::Rate`], [`Type::Quantity`], [`Type::Date`],
//! [`Type::Text`], [`Type::Bool`], and [`Type::Number`] for bare literals,
//! which take the type of the numeric operand they meet.
//!
//! | expression | result |
//! |---|---|
//! | `T + T`, `T - T` (T numeric; Number unifies) | T |
//! | `Date ± Quantity`, `Quantity + Date` | Date |
//! | `Date - Date` | Quantity (days) |
//! | `Money × (Quantity \| Rate \| Number)`, either order | Money |
//! | `Quantity × Quantity`, `Quantity × Rate` | Quantity |
//! | `Rate × Rate` | Rate |
//! | `Number × T` | T |
//! | `Money ÷ (Quantity \| Rate \| Number)` | Money |
//! | `Money ÷ Money` | Rate |
//! | `Quantity ÷ Quantity`, `Rate ÷ Rate`, `T ÷ Number` | same |
//! | `Number ÷ T` | as `T ÷ T` |
//! | `== !=` | same type (or Number with numeric), or anything with `none` |
//! | `< <= > >=` | numeric with numeric of the same type, Date with Date |
//! | `x in [...]` | list of constants of x's type |
//! | `and or not` | Bool |
//! | `if c then a else b` | c Bool; a and b unify (`none` takes the other's type) |
//!
//! Functions: `round(x[, digits])` (half away from zero), `ceil`, `floor`
//! (digits: integer literal 0–10; default 2 for money and bare numbers,
//! 0 for quantities and rates); `min(a, ...)`, `max(a, ...)` (numbers or
//! dates); `abs(x)`; `sum(a, ...)`; `sum(TABLE, expr)` (expr per row, with
//! the table's columns in scope; an empty table sums to 0);
//! `date('YYYY-MM-DD')` (a constant, checked when compiled);
//! `days_between(a, b)` = `b - a` in days; with a [`Calendar`]:
//! `next_workday(d)` (first working day after d), `is_workday(d)`,
//! `workdays_between(a, b)` (working days in `[a, b)`).
//!
//! # Missing values
//!
//! Optional inputs may be [`Value::Null`]. Arithmetic, functions and
//! comparisons with a null operand give null, except `x == none` /
//! `x != none`; `and`/`or` follow three-valued logic (`false and null` is
//! false, `true or null` is true); `if null then ...` is null. A null
//! condition means "cannot be decided". [`Expr::nullable`] says statically
//! whether a result can be null; `if x != none then ... else ...` and
//! `x != none and ...` count as handling `x`.
//!
//! # Error codes
//!
//! Syntax: `expr::empty`, `expr::too_long`, `expr::too_deep`,
//! `expr::unexpected_char`, `expr::unexpected_token`, `expr::unexpected_end`,
//! `expr::unterminated_string`, `expr::invalid_escape`,
//! `expr::invalid_number`, `expr::number_out_of_range`,
//! `expr::chained_comparison`, `expr::needs_parens`.
//! Checking: `expr::unknown_name`, `expr::unknown_function`,
//! `expr::type_mismatch`, `expr::not_bool`, `expr::branch_mismatch`,
//! `expr::bad_argument`, `expr::arity`, `expr::bad_digits`, `expr::bad_date`,
//! `expr::div_by_zero`, `expr::overflow`, `expr::constant_error`, `expr::none_misuse`,
//! `expr::always_none`, `expr::not_constant`, `expr::empty_list`,
//! `expr::table_as_value`, `expr::nested_sum`.
//! Programs: `expr::cycle`, `expr::duplicate_line`, `expr::bad_line_name`,
//! `expr::line_shadows_input`, `expr::line_type`, `expr::bad_round`.

mod ast;
mod check;
mod compiled;
mod error;
mod eval;
mod lexer;
mod parser;
mod program;
mod rounding;
mod suggest;
mod types;
mod value;

#[cfg(test)]
mod tests;

pub use crate::money::RoundingMode;
pub(crate) use ast::for_each_child;
pub use ast::{BinOp, Node, NodeKind, Style, UnOp, prec, print_with};
pub use compiled::{Expr, compile};
pub use error::{EvalError, ExprError, Span};
pub use lexer::{MAX_SOURCE_LEN, is_identifier};
pub use parser::{MAX_DEPTH, parse};
pub use program::{Line, LineSpec, NO_SPAN, Program, compile_program};
pub use rounding::MAX_ROUND_DIGITS;
pub use types::{Column, NameKind, NameUse, Scope, ScopeError, TableDef, Type, VarDef};
pub use value::{CALENDAR_SEARCH_LIMIT_DAYS, Calendar, Env, Table, Value};
