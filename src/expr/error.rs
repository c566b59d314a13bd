//! Source positions and the two error types: compile-time [`ExprError`]
//! (syntax, names, types) and run-time [`EvalError`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into the expression text.
///
/// Byte offsets (not character counts) because that is what Rust string
/// slicing, `miette` labels and YAML position arithmetic all use; a span that
/// starts after `人数` starts at byte 6, not 2.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text this span covers, or `""` when the span does not fit `src`
    /// (for instance an error about a program line rather than its text).
    pub fn slice(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A compile-time problem with an expression: syntax, unknown names, types.
///
/// `code` is stable (`expr::unknown_name`, ...) so tests, the rules loader and
/// documentation can refer to a kind of mistake without matching on the
/// English message; the message and hint are written for the administrator
/// who typed the formula.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExprError {
    pub span: Span,
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

impl ExprError {
    pub fn new(span: Span, code: &'static str, message: impl Into<String>) -> Self {
        ExprError {
            span,
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.code, self.span, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExprError {}

/// A problem found while evaluating a compiled expression: overflow, division
/// by a run-time zero, a missing input or calendar, a date out of range.
///
/// Type errors cannot happen here for inputs of the declared kinds; an input of
/// the wrong kind (the caller's bug) is reported as an `EvalError` too, never a
/// panic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvalError {
    pub span: Span,
    pub message: String,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.span, self.message)
    }
}

impl std::error::Error for EvalError {}
