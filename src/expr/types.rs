//! Static types and the [`Scope`] an expression is checked against.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::Span;
use super::lexer::is_identifier;

/// The static type of an expression or input.
///
/// All numeric types share one run-time representation (`Decimal`); the type
/// exists so that "money + headcount" is rejected when the rule file is
/// loaded, not discovered on a customer's quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    /// An amount of money (yuan).
    Money,
    /// A ratio such as a tax rate; `6%` literals are rates.
    Rate,
    /// A count or measure: people, hours, square metres, days.
    Quantity,
    Date,
    Text,
    Bool,
    /// An untyped numeric literal (`5000`, `1.5`); it takes on the type of
    /// whatever numeric operand it meets.
    Number,
}

impl Type {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Type::Money | Type::Rate | Type::Quantity | Type::Number
        )
    }

    /// The name with an article, for messages such as
    /// "cannot add money and a quantity".
    pub fn with_article(self) -> &'static str {
        match self {
            Type::Money => "money",
            Type::Rate => "a rate",
            Type::Quantity => "a quantity",
            Type::Date => "a date",
            Type::Text => "text",
            Type::Bool => "a true/false value",
            Type::Number => "a number",
        }
    }

    /// Default number of decimal places for `round`/`ceil`/`floor` without an
    /// explicit digit count: cents for money and for bare numbers (which in
    /// fee formulas are amounts: `round(2.345)` is 2.35), whole units for
    /// quantities and rates.
    pub fn default_round_digits(self) -> u32 {
        match self {
            Type::Money | Type::Number => 2,
            _ => 0,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Money => "money",
            Type::Rate => "rate",
            Type::Quantity => "quantity",
            Type::Date => "date",
            Type::Text => "text",
            Type::Bool => "bool",
            Type::Number => "number",
        })
    }
}

/// A scalar input: `slot` is its index in [`Env::vars`](super::Env::vars).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarDef {
    pub name: Arc<str>,
    pub ty: Type,
    /// Optional inputs may be `Value::Null` at run time ("not filled in").
    pub optional: bool,
}

/// A column of a table input; its slot is its position in each row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: Arc<str>,
    pub ty: Type,
    pub optional: bool,
}

impl Column {
    pub fn new(name: &str, ty: Type) -> Self {
        Column {
            name: name.into(),
            ty,
            optional: false,
        }
    }

    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
}

/// A table input (e.g. a materials list): its slot is its index in
/// [`Env::tables`](super::Env::tables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDef {
    pub name: Arc<str>,
    pub columns: Vec<Column>,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<(u32, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| &*c.name == name)
            .map(|(i, c)| (i as u32, c))
    }
}

/// A result computed earlier in a [`Program`](super::Program), visible to
/// later lines. `ty == None` marks a line that failed to compile, so that
/// uses of it are skipped silently instead of producing follow-on errors.
#[derive(Clone, Debug)]
pub(super) struct LocalDef {
    pub ty: Option<Type>,
    pub nullable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Binding {
    Var(u32),
    Table(u32),
    Local(u32),
}

/// Why a name could not be added to a [`Scope`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeError {
    /// The name is already used by another input or table.
    Duplicate(Arc<str>),
    /// The name cannot be written in an expression (empty, starts with a
    /// digit, contains spaces or punctuation, or is a keyword).
    InvalidName(Arc<str>),
    /// A table declares the same column twice.
    DuplicateColumn { table: Arc<str>, column: Arc<str> },
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeError::Duplicate(n) => write!(f, "the name `{n}` is declared twice"),
            ScopeError::InvalidName(n) => write!(
                f,
                "`{n}` cannot be used as a name in formulas: names are letters (Chinese allowed), digits and `_`, \
                 must not start with a digit and must not be a keyword"
            ),
            ScopeError::DuplicateColumn { table, column } => {
                write!(f, "table `{table}` declares column `{column}` twice")
            }
        }
    }
}

impl std::error::Error for ScopeError {}

/// The names an expression may refer to, with their types.
///
/// Built once per rule set by the loader; checking an expression only reads
/// it. Slots are assigned in insertion order and index the run-time
/// [`Env`](super::Env) arrays, so values are looked up by position, not by name.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    vars: Vec<VarDef>,
    tables: Vec<TableDef>,
    locals: Vec<LocalDef>,
    index: HashMap<Arc<str>, Binding>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a scalar input and returns its slot in `Env::vars`.
    pub fn add_var(&mut self, name: &str, ty: Type, optional: bool) -> Result<u32, ScopeError> {
        let name = self.claim(name)?;
        let slot = self.vars.len() as u32;
        self.vars.push(VarDef {
            name: name.clone(),
            ty,
            optional,
        });
        self.index.insert(name, Binding::Var(slot));
        Ok(slot)
    }

    /// Declares a table input and returns its slot in `Env::tables`.
    /// Column names are local to the table (they may repeat scalar names;
    /// inside `sum(table, ...)` the column wins).
    pub fn add_table(&mut self, name: &str, columns: &[Column]) -> Result<u32, ScopeError> {
        for (i, c) in columns.iter().enumerate() {
            if !is_identifier(&c.name) {
                return Err(ScopeError::InvalidName(c.name.clone()));
            }
            if columns[..i].iter().any(|d| d.name == c.name) {
                return Err(ScopeError::DuplicateColumn {
                    table: name.into(),
                    column: c.name.clone(),
                });
            }
        }
        let name = self.claim(name)?;
        let slot = self.tables.len() as u32;
        self.tables.push(TableDef {
            name: name.clone(),
            columns: columns.to_vec(),
        });
        self.index.insert(name, Binding::Table(slot));
        Ok(slot)
    }

    pub fn vars(&self) -> &[VarDef] {
        &self.vars
    }

    pub fn tables(&self) -> &[TableDef] {
        &self.tables
    }

    pub fn var(&self, name: &str) -> Option<(u32, &VarDef)> {
        match self.index.get(name) {
            Some(&Binding::Var(s)) => Some((s, &self.vars[s as usize])),
            _ => None,
        }
    }

    pub fn table(&self, name: &str) -> Option<(u32, &TableDef)> {
        match self.index.get(name) {
            Some(&Binding::Table(s)) => Some((s, &self.tables[s as usize])),
            _ => None,
        }
    }

    /// Whether `name` is an input or table of this scope.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    fn claim(&self, name: &str) -> Result<Arc<str>, ScopeError> {
        if !is_identifier(name) {
            return Err(ScopeError::InvalidName(name.into()));
        }
        if self.index.contains_key(name) {
            return Err(ScopeError::Duplicate(name.into()));
        }
        Ok(name.into())
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Binding> {
        self.index.get(name).copied()
    }

    pub(super) fn local(&self, index: u32) -> &LocalDef {
        &self.locals[index as usize]
    }

    /// Adds a program line as the next local slot (so slot = line index).
    /// Lines whose name is unusable or taken get a slot but no name, so
    /// they cannot be referred to.
    pub(super) fn push_local(&mut self, name: Arc<str>, visible: bool) -> u32 {
        let slot = self.locals.len() as u32;
        self.locals.push(LocalDef {
            ty: None,
            nullable: false,
        });
        if visible {
            self.index.insert(name, Binding::Local(slot));
        }
        slot
    }

    pub(super) fn set_local_type(&mut self, index: u32, ty: Type, nullable: bool) {
        let l = &mut self.locals[index as usize];
        l.ty = Some(ty);
        l.nullable = nullable;
    }

    /// Every name an expression could mean at top level, for "did you mean".
    pub(super) fn all_names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(|k| &**k)
    }
}

/// How a name used in an expression was resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A scalar input in slot `slot` of `Env::vars`.
    Var { slot: u32, ty: Type },
    /// A table input (only as the first argument of `sum`).
    Table { slot: u32 },
    /// A column of the table being summed over.
    Column { table: u32, column: u32, ty: Type },
    /// Another line of the same [`Program`](super::Program).
    Line { index: u32, ty: Type },
}

/// One use of a name in an expression, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameUse {
    pub name: Arc<str>,
    pub span: Span,
    pub kind: NameKind,
}
