//! Issuing numbered documents through the journal.
//!
//! The journal's content hash of an entry is the SHA-256 of its snapshot's
//! document data ([`data_hash`]): what was printed, independent of template
//! and font versions. Rendering is deterministic, so the same data renders
//! to the same bytes with the same templates.
//!
//! The number, the rendered bytes and the journal entry come together in
//! one transaction: the next number of the series is taken, the document is
//! rendered with it, the entry (content hash and a snapshot of the
//! document's data) is recorded, and only then is the transaction
//! committed. A render that fails rolls back and consumes no number; a
//! process killed before the commit leaves no trace. The caller writes the
//! file after the commit; if that fails, `feebook reissue` renders it
//! again from the snapshot, byte for byte.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::documents::{Format, Kind};
use crate::journal::{DocKind, Issuing, Journal, JournalError, NewEntry, sha256_hex};
use crate::money::Money;
use crate::numbering::Pattern;
use crate::rules::Rules;

/// What the journal keeps to render a document again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub kind: Kind,
    pub format: Format,
    /// The document's data, exactly as the template received it.
    pub data: serde_json::Value,
}

/// An issued document.
pub struct Issued {
    pub number: String,
    pub bytes: Vec<u8>,
}

/// The journal kind of a document kind, for those that are numbered.
pub fn journal_kind(kind: Kind) -> Option<DocKind> {
    match kind {
        Kind::Receipt => Some(DocKind::Receipt),
        Kind::BillingNotice => Some(DocKind::BillingNotice),
        Kind::WorkOrder => Some(DocKind::WorkOrder),
        _ => None,
    }
}

/// The numbering pattern the rules give a document kind.
pub fn pattern(rules: &Rules, kind: Kind) -> Result<Pattern, Diagnostic> {
    let (settings, key) = match kind {
        Kind::Receipt => (&rules.documents.receipt, "receipt"),
        Kind::BillingNotice => (&rules.documents.billing_notice, "billing_notice"),
        Kind::WorkOrder => (&rules.documents.work_order, "work_order"),
        _ => (&None, kind.name()),
    };
    let text = settings.as_ref().and_then(|s| s.numbering.as_ref()).ok_or_else(|| {
        Diagnostic::error("no-numbering", format!("the rules give no numbering pattern for {}", kind.name()))
            .hint(format!("add `documents: {{{key}: {{numbering: \"SJ{{year}}-{{seq:06}}\"}}}}` to a rule file"))
    })?;
    Pattern::parse(&text.value).map_err(|e| Diagnostic::error("invalid-numbering", e.message))
}

/// Why a numbered document cannot carry `date`, if it cannot: before 2000
/// or more than a year after `today` is a typo (2062 for 2026, 0999), not a
/// date anyone receives money or does work on. Dates ahead of today within
/// the year are allowed: a form can be prepared for the day it is used.
pub fn date_problem(date: NaiveDate, today: NaiveDate) -> Option<String> {
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1)?;
    let latest = today.checked_add_days(chrono::Days::new(366))?;
    if date < earliest {
        Some(format!("the date {date} is before 2000"))
    } else if date > latest {
        Some(format!(
            "the date {date} is more than a year after today ({today})"
        ))
    } else {
        None
    }
}

pub fn journal_error(e: JournalError) -> Vec<Diagnostic> {
    vec![Diagnostic::error("journal", e.to_string())]
}

/// Issues one document: checks it against the journal (`check`, for what
/// earlier documents forbid), takes the next number, renders with it,
/// records it. `render` gets the number and returns the bytes and the
/// document data.
#[allow(clippy::too_many_arguments)]
pub fn issue(
    journal: &mut Journal,
    kind: Kind,
    format: Format,
    pattern: &Pattern,
    date: NaiveDate,
    party: &str,
    amount: Option<Money>,
    check: impl FnOnce(&Issuing<'_>) -> Result<(), Vec<Diagnostic>>,
    render: impl FnOnce(&str) -> Result<(Vec<u8>, serde_json::Value), Vec<Diagnostic>>,
) -> Result<Issued, Vec<Diagnostic>> {
    let Some(doc_kind) = journal_kind(kind) else {
        return Err(vec![Diagnostic::error(
            "internal",
            format!("{} documents are not numbered by the journal", kind.name()),
        )]);
    };
    let mut tx = journal.begin().map_err(journal_error)?;
    // Checked under the journal's write lock, so that what it saw still
    // holds when the entry is recorded.
    check(&tx)?;
    let series = pattern.series(date);
    let seq = tx.next_seq(&series).map_err(journal_error)?;
    let number = pattern.number(date, seq);
    // The number may already name something else: a work order numbered by
    // hand in the same series and billed from a spreadsheet. One number
    // names one document, so the series cannot go on here.
    if let Some(e) = tx
        .referring(&number)
        .map_err(journal_error)?
        .into_iter()
        .next()
    {
        return Err(vec![
            Diagnostic::error(
                "number-taken",
                format!(
                    "the next number of the series, {number}, is already used: {} {} ({}, {}) names an order {number}",
                    match e.kind {
                        crate::journal::DocKind::BillingNotice => "billing notice",
                        crate::journal::DocKind::Receipt => "receipt",
                        crate::journal::DocKind::WorkOrder => "work order",
                    },
                    e.number,
                    e.party,
                    e.date
                ),
            )
            .hint(format!(
                "orders of this series were numbered outside feebook (paper forms); give `documents: {}: numbering:` a series of its own in the rules (another prefix), so that its numbers never meet the hand-numbered forms",
                kind.name()
            )),
        ]);
    }
    // Dropping `tx` on an error rolls back: no number is consumed.
    let (bytes, data) = render(&number)?;
    let content_hash = data_hash(&data);
    let snapshot = serde_json::to_string(&Snapshot { kind, format, data })
        .map_err(|e| vec![Diagnostic::error("internal", e.to_string())])?;
    tx.record(&NewEntry {
        kind: doc_kind,
        series,
        seq,
        number: number.clone(),
        date,
        party: party.to_string(),
        amount: amount.map(|m| m.amount()),
        content_hash,
        snapshot,
    })
    .map_err(journal_error)?;
    tx.commit().map_err(journal_error)?;
    Ok(Issued { number, bytes })
}

/// The content hash the journal records: SHA-256 of the document data's
/// JSON (serde_json writes object keys in a fixed order).
pub fn data_hash(data: &serde_json::Value) -> String {
    sha256_hex(serde_json::to_string(data).unwrap_or_default().as_bytes())
}

/// Marks a document's data void: 作废 across every copy, the reason in the
/// header (every template prints it), the receipt's stamp replaced.
/// Snapshots recorded before the header had `void_reason` gain it here.
pub fn mark_void(data: &mut serde_json::Value, reason: &str) {
    if let Some(h) = data.get_mut("header").and_then(|h| h.as_object_mut()) {
        h.insert("mark".into(), "作废".into());
        h.insert("void_reason".into(), reason.into());
    }
    if let Some(obj) = data.as_object_mut() {
        if obj.contains_key("voided") {
            obj.insert("voided".into(), true.into());
        }
        if obj.contains_key("stamp") {
            obj.insert("stamp".into(), "作废".into());
        }
        if obj.contains_key("void_reason") {
            obj.insert("void_reason".into(), reason.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_document_date_is_from_2000_to_a_year_ahead() {
        let today = d(2026, 11, 28);
        assert_eq!(date_problem(d(2026, 12, 8), today), None);
        assert_eq!(date_problem(d(2000, 1, 1), today), None);
        assert_eq!(date_problem(d(2027, 11, 29), today), None);
        assert!(
            date_problem(d(1999, 12, 31), today)
                .unwrap()
                .contains("before 2000")
        );
        assert!(date_problem(d(999, 11, 24), today).is_some());
        assert!(
            date_problem(d(2027, 11, 30), today)
                .unwrap()
                .contains("more than a year")
        );
        assert!(date_problem(d(9999, 12, 31), today).is_some());
        // No overflow at the calendar's end.
        assert_eq!(date_problem(NaiveDate::MAX, NaiveDate::MAX), None);
    }
}
