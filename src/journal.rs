//! The issued-document journal: the only state feebook keeps.
//!
//! Every receipt (收款收据), billing notice (收费通知单) and work order
//! (特约服务/维修单) that feebook numbers is recorded here, in an embedded
//! SQLite file (by default `output/journal.sqlite`, chosen by the caller).
//! The journal guarantees that the numbers of each *series* (a numbering
//! pattern with the date filled in, e.g. `SJ2026-#`) run 1, 2, 3, … without
//! gaps and are never reused, even when several feebook processes issue at
//! the same time, and it keeps the exact inputs of each document (the
//! *snapshot*) and the hash of its bytes so that `feebook reissue` can render
//! a byte-identical copy.
//!
//! # How numbers stay gapless
//!
//! Issuing happens inside one SQLite write transaction opened with
//! `BEGIN IMMEDIATE` ([`Journal::begin`]): it takes the database's single
//! write lock up front, so no other process can read the same "next number"
//! and write it too. Inside it the caller asks for [`Issuing::next_seq`],
//! renders the document in memory with that number, [`Issuing::record`]s
//! it and [`Issuing::commit`]s; only then does it write the file. If
//! rendering fails, or the process dies before the commit, SQLite rolls the
//! transaction back and the number was never taken: no gap, no duplicate.
//! Other writers wait for the lock (up to a generous busy timeout) instead
//! of failing.
//!
//! ```no_run
//! # use feebook::journal::*;
//! # fn render(_: &str) -> Result<Vec<u8>, String> { Ok(vec![]) }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut journal = Journal::open(std::path::Path::new("output/journal.sqlite"))?;
//! let mut issuing = journal.begin()?;
//! let seq = issuing.next_seq("SJ2026-#")?;
//! let number = format!("SJ2026-{seq:06}");
//! let snapshot = r#"{"payer":"华庭大厦 1201 室"}"#.to_string();
//! let bytes = render(&number)?; // on error `issuing` is dropped: nothing consumed
//! issuing.record(&NewEntry {
//!     kind: DocKind::Receipt,
//!     series: "SJ2026-#".into(),
//!     seq,
//!     number: number.clone(),
//!     date: "2026-03-05".parse()?,
//!     party: "华庭大厦 1201 室".into(),
//!     amount: Some("120.50".parse()?),
//!     content_hash: sha256_hex(&bytes),
//!     snapshot,
//! })?;
//! issuing.commit()?;
//! // Only now write `bytes` to the output folder.
//! # Ok(()) }
//! ```
//!
//! # What the file protects against
//!
//! Entries are never deleted or changed; voiding (作废) only adds the void's
//! reason and date. Triggers in the schema refuse deletes and edits made with
//! raw SQL, a per-series counter remembers the highest number ever issued,
//! and [`Journal::summary`] reports any missing number, so a journal edited
//! behind feebook's back shows the hole instead of silently reusing it.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
    params_from_iter,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long an operation waits for another process's write transaction
/// before giving up. Issuers hold the lock briefly (a receipt while it
/// renders, a month's billing only while it records its notices: 0.13 s
/// for 803), so a minute means something is stuck.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The schema version this feebook writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// `PRAGMA application_id` of a feebook journal ("FEEB"). It tells a feebook
/// journal from any other SQLite database, so that pointing `--journal` at
/// someone else's database is refused instead of adding tables to it.
const APPLICATION_ID: i32 = 0x4645_4542;

/// Schema migrations: `MIGRATIONS[v]` brings a journal from version `v` to
/// `v + 1` (version 0 is an empty file). They run in order inside one write
/// transaction, so a journal is never left half-migrated. Append, never edit.
const MIGRATIONS: &[&str] = &[SCHEMA_V1, SCHEMA_V2];

/// The version whose migration is followed by [`backfill_refs`]: the
/// references of the entries recorded before it are read from their
/// snapshots by the same code that reads a new entry's.
const REFS_SINCE: i64 = 2;

const SCHEMA_V1: &str = r#"
-- One row per issued document. Rows are never deleted: voiding fills the
-- void_* columns. `id` is the issue order; AUTOINCREMENT so that an id is
-- never handed out twice even if a row were removed behind our back.
CREATE TABLE entry (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    series       TEXT    NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    number       TEXT    NOT NULL UNIQUE,
    date         TEXT    NOT NULL,          -- document date, YYYY-MM-DD
    party        TEXT    NOT NULL,          -- customer / payer
    amount       TEXT,                      -- exact decimal text, e.g. '120.50'
    content_hash TEXT    NOT NULL,          -- sha256 hex
    snapshot     TEXT    NOT NULL,          -- JSON inputs to re-render, verbatim
    recorded_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    void_reason  TEXT,
    void_date    TEXT,                      -- YYYY-MM-DD
    voided_at    TEXT,                      -- UTC time the void was recorded
    UNIQUE (series, seq),
    CHECK ((void_reason IS NULL) = (void_date IS NULL)),
    CHECK ((void_reason IS NULL) = (voided_at IS NULL))
) STRICT;

CREATE INDEX entry_by_date ON entry (date);

-- The highest sequence number ever issued in each series, and the kind of
-- document the series numbers. Numbers continue from here, so even deleting
-- the last entry of a series cannot make its number be issued again, and
-- `summary` checks 1..=last_seq for holes.
CREATE TABLE series (
    series   TEXT    PRIMARY KEY,
    kind     TEXT    NOT NULL,
    last_seq INTEGER NOT NULL CHECK (last_seq >= 1)
) STRICT;

CREATE TRIGGER entry_never_deleted BEFORE DELETE ON entry
BEGIN
    SELECT RAISE(ABORT, 'feebook journal entries are never deleted; void them instead');
END;

CREATE TRIGGER entry_only_voided BEFORE UPDATE ON entry
WHEN OLD.void_reason IS NOT NULL
    OR NEW.id IS NOT OLD.id
    OR NEW.kind IS NOT OLD.kind
    OR NEW.series IS NOT OLD.series
    OR NEW.seq IS NOT OLD.seq
    OR NEW.number IS NOT OLD.number
    OR NEW.date IS NOT OLD.date
    OR NEW.party IS NOT OLD.party
    OR NEW.amount IS NOT OLD.amount
    OR NEW.content_hash IS NOT OLD.content_hash
    OR NEW.snapshot IS NOT OLD.snapshot
    OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN
    SELECT RAISE(ABORT, 'feebook journal entries are immutable; only voiding an unvoided entry is allowed');
END;

CREATE TRIGGER series_never_deleted BEFORE DELETE ON series
BEGIN
    SELECT RAISE(ABORT, 'feebook journal series are never deleted');
END;

CREATE TRIGGER series_only_grows BEFORE UPDATE ON series
WHEN NEW.series IS NOT OLD.series OR NEW.kind IS NOT OLD.kind OR NEW.last_seq < OLD.last_seq
BEGIN
    SELECT RAISE(ABORT, 'feebook journal series counters only grow');
END;
"#;

const SCHEMA_V2: &str = r#"
-- What each entry refers to (see `refs_of`): a billing notice its work
-- orders, a receipt its references and its billing notice. Looking up who
-- already billed or paid a number is then an index lookup instead of a
-- scan of every snapshot, however many years the journal holds.
CREATE TABLE entry_ref (
    ref   TEXT    NOT NULL,
    entry INTEGER NOT NULL REFERENCES entry (id),
    PRIMARY KEY (ref, entry)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER entry_ref_never_deleted BEFORE DELETE ON entry_ref
BEGIN
    SELECT RAISE(ABORT, 'feebook journal references are never deleted');
END;

CREATE TRIGGER entry_ref_never_updated BEFORE UPDATE ON entry_ref
BEGIN
    SELECT RAISE(ABORT, 'feebook journal references are immutable');
END;
"#;

/// The columns of `entry`, in the order [`RawEntry::from_row`] reads them.
const ENTRY_COLUMNS: &str = "id, kind, series, seq, number, date, party, amount, content_hash, \
     snapshot, recorded_at, void_reason, void_date, voided_at";

// ---------------------------------------------------------------------------
// Public data types
// ---------------------------------------------------------------------------

/// The kind of an issued document. Stored as its [`DocKind::as_str`] text;
/// adding a kind needs no schema change (but older feebooks cannot read
/// entries of the new kind, so bump [`SCHEMA_VERSION`] when adding one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 收款收据.
    Receipt,
    /// 收费通知单.
    BillingNotice,
    /// 特约服务/维修单.
    WorkOrder,
}

impl DocKind {
    pub const ALL: [DocKind; 3] = [DocKind::Receipt, DocKind::BillingNotice, DocKind::WorkOrder];

    /// The stored name: `receipt`, `billing_notice` or `work_order`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Receipt => "receipt",
            DocKind::BillingNotice => "billing_notice",
            DocKind::WorkOrder => "work_order",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocKind {
    type Err = String;

    fn from_str(s: &str) -> Result<DocKind, String> {
        DocKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown document kind `{s}` (expected receipt, billing_notice or work_order)"
                )
            })
    }
}

/// Reading a journal's entries by number and by what refers to them: a
/// [`Journal`] as it stands, or an [`Issuing`] transaction as it sees it
/// (what a receipt is checked against under the write lock; `police`
/// checks against the journal as it stands, without issuing).
pub trait Lookup {
    /// The entry with this number.
    fn find(&self, number: &str) -> Result<Option<Entry>, JournalError>;
    /// The documents, not voided, that refer to `reference`, oldest first.
    fn referring(&self, reference: &str) -> Result<Vec<Entry>, JournalError>;
}

impl Lookup for Journal {
    fn find(&self, number: &str) -> Result<Option<Entry>, JournalError> {
        Journal::find(self, number)
    }
    fn referring(&self, reference: &str) -> Result<Vec<Entry>, JournalError> {
        Journal::referring(self, reference)
    }
}

impl Lookup for Issuing<'_> {
    fn find(&self, number: &str) -> Result<Option<Entry>, JournalError> {
        Issuing::find(self, number)
    }
    fn referring(&self, reference: &str) -> Result<Vec<Entry>, JournalError> {
        Issuing::referring(self, reference)
    }
}

/// A document about to be recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEntry {
    pub kind: DocKind,
    /// The numbering pattern with the date filled in. As
    /// `numbering::Pattern::series` writes it, `#` marks where the sequence
    /// number goes (`SJ2026-#`); a series without `#` is a prefix (`SJ2026-`)
    /// and the number is the prefix followed by the sequence digits.
    pub series: String,
    /// The sequence number within the series, from [`Issuing::next_seq`].
    pub seq: u64,
    /// The full document number, e.g. `SJ2026-000123`. It must be the series
    /// with the sequence number (zero padding allowed) in place of `#`.
    pub number: String,
    /// The document's date; [`Journal::list`] and [`Journal::summary`] select
    /// months by it.
    pub date: NaiveDate,
    /// The customer or payer.
    pub party: String,
    /// The amount, if the document has one (a work order may not).
    pub amount: Option<Decimal>,
    /// SHA-256 (lowercase hex, see [`sha256_hex`]) of the rendered bytes or
    /// of the canonical data.
    pub content_hash: String,
    /// JSON text of the exact inputs needed to re-render the document
    /// byte-identically. Stored and returned verbatim.
    pub snapshot: String,
}

/// A recorded document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Issue order: strictly increasing in the order entries were recorded.
    pub id: i64,
    pub kind: DocKind,
    pub series: String,
    pub seq: u64,
    pub number: String,
    pub date: NaiveDate,
    pub party: String,
    pub amount: Option<Decimal>,
    pub content_hash: String,
    pub snapshot: String,
    /// UTC time the entry was recorded, `YYYY-MM-DDTHH:MM:SS.sssZ`.
    pub recorded_at: String,
    /// Set once the document has been voided (作废).
    pub voided: Option<Void>,
}

impl Entry {
    pub fn is_void(&self) -> bool {
        self.voided.is_some()
    }
}

/// Why and when a document was voided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Void {
    pub reason: String,
    /// The void's date, as the user gave it.
    pub date: NaiveDate,
    /// UTC time the void was recorded, `YYYY-MM-DDTHH:MM:SS.sssZ`.
    pub recorded_at: String,
}

/// One series of a [`Journal::summary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesSummary {
    pub series: String,
    pub kind: DocKind,
    /// The lowest and highest numbers of the series in the selection.
    pub first: String,
    pub first_seq: u64,
    pub last: String,
    pub last_seq: u64,
    /// Entries of the series in the selection, voided ones included.
    pub count: u64,
    /// Of which voided.
    pub voided: u64,
    /// Sum of the amounts of the non-void entries in the selection.
    pub total: Decimal,
    /// Sequence numbers missing from the series, as inclusive ranges. They
    /// are checked over the whole series (every month), from 1 to the highest
    /// number ever issued, because a number missing anywhere means the file
    /// was edited behind feebook's back. Empty in a healthy journal.
    pub gaps: Vec<RangeInclusive<u64>>,
}

impl SeriesSummary {
    /// How many sequence numbers are missing.
    pub fn missing(&self) -> u64 {
        self.gaps.iter().map(|g| g.end() - g.start() + 1).sum()
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A journal error: what went wrong ([`ErrorKind`]) and with which journal
/// file. Its `Display` says what, where, and what to do.
#[derive(Debug)]
pub struct JournalError {
    path: PathBuf,
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Journal::open_existing`] was given a path where no file exists.
    Missing,
    /// The journal's folder could not be created.
    CreateFolder(std::io::Error),
    /// SQLite could not open the file (a folder, no permission, …).
    CannotOpen(rusqlite::Error),
    /// The file is not an SQLite database, or is damaged.
    NotADatabase(rusqlite::Error),
    /// The file is an SQLite database of another program.
    OtherApplication { application_id: i32 },
    /// The journal was written by a newer feebook.
    NewerSchema { version: i64 },
    /// Another process held the write lock for longer than the busy timeout.
    Locked { waited: Duration },
    /// The file or its folder is read-only.
    ReadOnly,
    /// The disk is full.
    DiskFull,
    /// No entry has this number.
    NoSuchNumber { number: String },
    /// The entry was already voided.
    AlreadyVoided { number: String, void: Void },
    /// An entry with this number already exists.
    NumberTaken { number: String },
    /// [`Issuing::record`] was given a sequence number other than the next.
    SeqNotNext {
        series: String,
        expected: u64,
        got: u64,
    },
    /// The series already numbers another kind of document.
    KindMismatch {
        series: String,
        existing: DocKind,
        given: DocKind,
    },
    /// A request was invalid: `subject` names what, `problem` says why.
    Invalid { subject: String, problem: String },
    /// The file holds data feebook did not write.
    Corrupt { detail: String },
    /// Any other SQLite failure.
    Sqlite(rusqlite::Error),
}

impl JournalError {
    fn new(path: &Path, kind: ErrorKind) -> JournalError {
        JournalError {
            path: path.to_path_buf(),
            kind,
        }
    }

    /// Classifies a SQLite error: the cases a user can act on get their own
    /// kind, the rest stay [`ErrorKind::Sqlite`].
    fn sqlite(path: &Path, timeout: Duration, e: rusqlite::Error) -> JournalError {
        use rusqlite::ErrorCode as C;
        let kind = match e.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => ErrorKind::Locked { waited: timeout },
            Some(C::NotADatabase | C::DatabaseCorrupt) => ErrorKind::NotADatabase(e),
            Some(C::CannotOpen) => ErrorKind::CannotOpen(e),
            Some(C::ReadOnly) => ErrorKind::ReadOnly,
            Some(C::DiskFull) => ErrorKind::DiskFull,
            _ => ErrorKind::Sqlite(e),
        };
        JournalError::new(path, kind)
    }

    fn corrupt(path: &Path, detail: impl Into<String>) -> JournalError {
        JournalError::new(
            path,
            ErrorKind::Corrupt {
                detail: detail.into(),
            },
        )
    }

    fn invalid(
        path: &Path,
        subject: impl Into<String>,
        problem: impl Into<String>,
    ) -> JournalError {
        JournalError::new(
            path,
            ErrorKind::Invalid {
                subject: subject.into(),
                problem: problem.into(),
            },
        )
    }

    /// The journal file the error is about, as the caller named it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

/// Writes a duration the way a person reads it: `60 s`, `0.2 s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "journal {}: ", self.path.display())?;
        match &self.kind {
            ErrorKind::Missing => write!(
                f,
                "does not exist; check the path (nothing has been issued with this journal)"
            ),
            ErrorKind::CreateFolder(e) => {
                write!(
                    f,
                    "cannot create its folder ({e}); check the path and the permissions"
                )
            }
            ErrorKind::CannotOpen(e) => write!(
                f,
                "cannot be opened ({e}); check that the path names a file you may read and write"
            ),
            ErrorKind::NotADatabase(e) => write!(
                f,
                "is not a feebook journal (not an SQLite database, or damaged: {e}); \
                 restore it from a backup and keep the damaged file for inspection"
            ),
            ErrorKind::OtherApplication { application_id } => write!(
                f,
                "is not a feebook journal (an SQLite database of another program, \
                 application_id {application_id:#x}); give the path of the feebook journal"
            ),
            ErrorKind::NewerSchema { version } => write!(
                f,
                "is not a feebook journal this feebook can read (newer schema version {version}, \
                 this feebook reads up to {SCHEMA_VERSION}); upgrade feebook"
            ),
            ErrorKind::Locked { waited } => write!(
                f,
                "is locked by another process for more than {}; wait for the other feebook \
                 command to finish (or stop it) and try again",
                seconds(*waited)
            ),
            ErrorKind::ReadOnly => write!(
                f,
                "cannot be written (the file or its folder is read-only); check the permissions"
            ),
            ErrorKind::DiskFull => {
                write!(
                    f,
                    "the disk is full; free some space and try again (nothing was recorded)"
                )
            }
            ErrorKind::NoSuchNumber { number } => {
                write!(f, "number {number} does not exist (see `feebook journal`)")
            }
            ErrorKind::AlreadyVoided { number, void } => write!(
                f,
                "number {number} was already voided on {} ({}); a document is voided only once",
                void.date, void.reason
            ),
            ErrorKind::NumberTaken { number } => write!(
                f,
                "number {number} is already recorded; numbers are never reused (see `feebook journal`)"
            ),
            ErrorKind::SeqNotNext {
                series,
                expected,
                got,
            } => write!(
                f,
                "series {series}: sequence number {got} is not the next one ({expected}); \
                 take numbers from `next_seq` in the same transaction"
            ),
            ErrorKind::KindMismatch {
                series,
                existing,
                given,
            } => write!(
                f,
                "series {series} numbers {existing} documents, not {given}; \
                 give each kind of document its own numbering pattern"
            ),
            ErrorKind::Invalid { subject, problem } => write!(f, "{subject}: {problem}"),
            ErrorKind::Corrupt { detail } => write!(
                f,
                "holds data feebook did not write ({detail}); restore it from a backup"
            ),
            ErrorKind::Sqlite(e) => write!(f, "SQLite error: {e}"),
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::CreateFolder(e) => Some(e),
            ErrorKind::CannotOpen(e) | ErrorKind::NotADatabase(e) | ErrorKind::Sqlite(e) => Some(e),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------

/// The issued-document journal. One per process (or thread); SQLite's locks
/// keep several of them on the same file consistent.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    timeout: Duration,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the journal at `path`, creating its folder, the file and the
    /// schema if they are missing, and migrating an older schema.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| JournalError::new(path, ErrorKind::CreateFolder(e)))?;
        }
        Journal::open_flags(path, OpenFlags::SQLITE_OPEN_CREATE)
    }

    /// Opens an existing journal; a missing file is an error instead of a
    /// new empty journal. For commands that only read (`feebook journal`,
    /// `feebook reissue`), where a mistyped path should not look like an
    /// empty journal.
    pub fn open_existing(path: &Path) -> Result<Journal, JournalError> {
        if !path.exists() {
            return Err(JournalError::new(path, ErrorKind::Missing));
        }
        Journal::open_flags(path, OpenFlags::empty())
    }

    fn open_flags(path: &Path, create: OpenFlags) -> Result<Journal, JournalError> {
        let timeout = DEFAULT_BUSY_TIMEOUT;
        // No SQLITE_OPEN_URI: a path is a path, never `file:…?mode=…`.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | create;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| JournalError::sqlite(path, timeout, e))?;
        let journal = Journal {
            conn,
            path: path.to_path_buf(),
            timeout,
        };
        journal
            .conn
            .busy_timeout(timeout)
            .map_err(|e| journal.err(e))?;
        // A power cut right after a commit must not lose the entry: the
        // document file is written after the commit, and a lost entry would
        // let its number be issued again. WAL's default NORMAL could lose it.
        journal
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| journal.err(e))?;
        journal.check_and_migrate()?;
        Ok(journal)
    }

    /// Changes how long later operations wait for another process's write
    /// transaction before failing with [`ErrorKind::Locked`].
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), JournalError> {
        self.conn.busy_timeout(timeout).map_err(|e| self.err(e))?;
        self.timeout = timeout;
        Ok(())
    }

    /// The journal file, as the caller named it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> JournalError {
        JournalError::sqlite(&self.path, self.timeout, e)
    }

    /// Refuses files that are not feebook journals or are too new, switches
    /// to WAL, and creates or migrates the schema. Opening a current journal
    /// takes no write lock, so reading is never blocked by an issuing process.
    fn check_and_migrate(&self) -> Result<(), JournalError> {
        // The first read of the header: a file that is not SQLite fails here.
        let state = self.schema_state(&self.conn)?;
        if state == (APPLICATION_ID, SCHEMA_VERSION) {
            return self.ensure_wal();
        }
        self.ensure_wal()?;
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        // Read again under the write lock: another process may have created
        // or migrated the schema while we waited for the lock.
        let (_, version) = self.schema_state(&tx)?;
        for (from, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(migration).map_err(|e| self.err(e))?;
            if from as i64 + 1 == REFS_SINCE {
                backfill_refs(&tx, &self.path, self.timeout)?;
            }
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| self.err(e))?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// `(application_id, user_version)` if the file is a feebook journal
    /// this feebook can read, or an empty database (`(0, 0)`); an error
    /// otherwise.
    fn schema_state(&self, conn: &Connection) -> Result<(i32, i64), JournalError> {
        // One statement, so the three values come from one snapshot: read
        // one by one, a journal being created by another process right now
        // could look like (0, 0, some tables), i.e. like a foreign database.
        let (app, version, objects): (i32, i64, i64) = conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id), \
                        (SELECT user_version FROM pragma_user_version), \
                        (SELECT count(*) FROM sqlite_schema)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.err(e))?;
        if app == APPLICATION_ID {
            if version > SCHEMA_VERSION {
                return Err(JournalError::new(
                    &self.path,
                    ErrorKind::NewerSchema { version },
                ));
            }
            if version < 0 {
                return Err(JournalError::corrupt(
                    &self.path,
                    format!("schema version {version}"),
                ));
            }
            return Ok((app, version));
        }
        if app == 0 && version == 0 && objects == 0 {
            Ok((0, 0))
        } else {
            Err(JournalError::new(
                &self.path,
                ErrorKind::OtherApplication {
                    application_id: app,
                },
            ))
        }
    }

    /// WAL lets readers (`feebook journal`) work while a process issues. The
    /// mode is stored in the file, so this only writes once per journal.
    fn ensure_wal(&self) -> Result<(), JournalError> {
        let mode: String = self
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        // Switching needs a moment alone with the file. When several
        // processes create the journal at once this can fail with BUSY
        // despite the busy timeout, so retry until the timeout ourselves.
        let start = Instant::now();
        loop {
            match self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            {
                // A file system without shared memory keeps another mode;
                // numbering stays correct (BEGIN IMMEDIATE works in every
                // mode), only readers then wait for writers.
                Ok(_) => return Ok(()),
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) && start.elapsed() < self.timeout =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(self.err(e)),
            }
        }
    }

    // -----------------------------------------------------------------------
    // Issuing and voiding
    // -----------------------------------------------------------------------

    /// Starts an issuing transaction (`BEGIN IMMEDIATE`): waits, up to the
    /// busy timeout, until no other process is issuing, then holds the write
    /// lock until the [`Issuing`] is committed or dropped.
    pub fn begin(&mut self) -> Result<Issuing<'_>, JournalError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| JournalError::sqlite(&self.path, self.timeout, e))?;
        Ok(Issuing {
            tx,
            path: &self.path,
            timeout: self.timeout,
        })
    }

    /// Marks an entry void (作废) in a transaction of its own and returns it.
    /// The entry is kept; voiding twice, voiding an unknown number, a blank
    /// reason and a void dated before the document are errors.
    pub fn void(
        &mut self,
        number: &str,
        reason: &str,
        date: NaiveDate,
    ) -> Result<Entry, JournalError> {
        let mut issuing = self.begin()?;
        let entry = issuing.void(number, reason, date)?;
        issuing.commit()?;
        Ok(entry)
    }

    // -----------------------------------------------------------------------
    // Reading
    // -----------------------------------------------------------------------

    /// The entry with this number, if any.
    pub fn find(&self, number: &str) -> Result<Option<Entry>, JournalError> {
        find_in(&self.conn, &self.path, self.timeout, number)
    }

    /// The sequence number the next entry of `series` would take, as the
    /// journal stands (another process may take it first: an issuer that
    /// renders before it takes the lock checks again in its transaction).
    pub fn next_seq(&self, series: &str) -> Result<u64, JournalError> {
        next_seq_in(&self.conn, &self.path, self.timeout, series)
    }

    /// The documents, not voided, that refer to `reference`: see
    /// [`Issuing::referring`].
    pub fn referring(&self, reference: &str) -> Result<Vec<Entry>, JournalError> {
        referring_in(&self.conn, &self.path, self.timeout, reference)
    }

    /// Entries, all or those dated in one month (`(year, month)`), ordered by
    /// series, then sequence number.
    pub fn list(&self, month: Option<(i32, u32)>) -> Result<Vec<Entry>, JournalError> {
        let (filter, bounds) = self.month_filter(month)?;
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entry {filter} ORDER BY series, seq");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(&bounds), RawEntry::from_row)
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map_err(|e| self.err(e))?.into_entry(&self.path))
            .collect()
    }

    /// Per series in the selection (all entries, or those dated in one
    /// month): its kind, first and last number, count, voided count, total
    /// of the non-void amounts, and the missing sequence numbers. Ordered by
    /// series.
    pub fn summary(&self, month: Option<(i32, u32)>) -> Result<Vec<SeriesSummary>, JournalError> {
        let (filter, bounds) = self.month_filter(month)?;
        // One read transaction, so that the selection and the gap check see
        // the same state even while another process issues.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let mut out: Vec<SeriesSummary> = Vec::new();
        {
            let sql = format!(
                "SELECT series, kind, seq, number, amount, void_reason IS NOT NULL FROM entry \
                 {filter} ORDER BY series, seq"
            );
            let mut stmt = tx.prepare(&sql).map_err(|e| self.err(e))?;
            let mut rows = stmt
                .query(params_from_iter(&bounds))
                .map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let series: String = row.get(0).map_err(|e| self.err(e))?;
                let kind: String = row.get(1).map_err(|e| self.err(e))?;
                let seq: i64 = row.get(2).map_err(|e| self.err(e))?;
                let number: String = row.get(3).map_err(|e| self.err(e))?;
                let amount: Option<String> = row.get(4).map_err(|e| self.err(e))?;
                let void: bool = row.get(5).map_err(|e| self.err(e))?;
                let kind = parse_kind(&self.path, &number, &kind)?;
                let seq = parse_seq(&self.path, &number, seq)?;
                let amount = parse_amount(&self.path, &number, amount)?;

                let index = match out.last() {
                    Some(s) if s.series == series => out.len() - 1,
                    _ => {
                        out.push(SeriesSummary {
                            series,
                            kind,
                            first: number.clone(),
                            first_seq: seq,
                            last: number.clone(),
                            last_seq: seq,
                            count: 0,
                            voided: 0,
                            total: Decimal::ZERO,
                            gaps: Vec::new(),
                        });
                        out.len() - 1
                    }
                };
                let summary = &mut out[index];
                summary.last = number;
                summary.last_seq = seq;
                summary.count += 1;
                if void {
                    summary.voided += 1;
                } else if let Some(a) = amount {
                    summary.total = summary.total.checked_add(a).ok_or_else(|| {
                        JournalError::corrupt(
                            &self.path,
                            format!("the total of series {} overflows", summary.series),
                        )
                    })?;
                }
            }
        }
        for s in &mut out {
            s.gaps = gaps_in(&tx, &self.path, self.timeout, &s.series)?;
        }
        Ok(out)
    }

    /// The `WHERE` clause selecting a month's entries (`[first day, first
    /// day of the next month)` on the date text) and its two parameters; no
    /// clause without a month, so that a row with a damaged date is still
    /// listed (and reported) rather than silently left out.
    fn month_filter(
        &self,
        month: Option<(i32, u32)>,
    ) -> Result<(&'static str, Vec<String>), JournalError> {
        let Some((year, m)) = month else {
            return Ok(("", Vec::new()));
        };
        let from =
            NaiveDate::from_ymd_opt(year, m, 1).filter(|d| (1000..=9999).contains(&d.year()));
        let Some(from) = from else {
            return Err(JournalError::invalid(
                &self.path,
                format!("month {year}-{m:02}"),
                "is not a month (the year must have four digits, the month be 1 to 12)",
            ));
        };
        let to = if m == 12 {
            format!("{:04}-01-01", year + 1)
        } else {
            format!("{year:04}-{:02}-01", m + 1)
        };
        Ok(("WHERE date >= ?1 AND date < ?2", vec![date_text(from), to]))
    }
}

// ---------------------------------------------------------------------------
// The issuing transaction
// ---------------------------------------------------------------------------

/// An issuing transaction: holds the journal's write lock. Dropping it
/// without [`Issuing::commit`] rolls everything back, so no number is
/// consumed.
pub struct Issuing<'a> {
    tx: Transaction<'a>,
    path: &'a Path,
    timeout: Duration,
}

impl fmt::Debug for Issuing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuing")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Issuing<'_> {
    fn err(&self, e: rusqlite::Error) -> JournalError {
        JournalError::sqlite(self.path, self.timeout, e)
    }

    /// The next free sequence number of `series`, counting entries recorded
    /// earlier in this transaction. For a batch, take this once and record
    /// `seq`, `seq + 1`, … in order.
    pub fn next_seq(&self, series: &str) -> Result<u64, JournalError> {
        next_seq_in(&self.tx, self.path, self.timeout, series)
    }

    /// The documents, not voided, that refer to `reference` (see
    /// [`refs_of`]: a work order's number, a billing notice's), oldest
    /// first, as this transaction sees them.
    pub fn referring(&self, reference: &str) -> Result<Vec<Entry>, JournalError> {
        referring_in(&self.tx, self.path, self.timeout, reference)
    }

    /// Records an entry. Its `seq` must be exactly [`Issuing::next_seq`] of
    /// its series and its number must be the series with that sequence
    /// number; the entry is checked (non-blank party, hash, JSON snapshot)
    /// before anything is written.
    pub fn record(&mut self, entry: &NewEntry) -> Result<(), JournalError> {
        check_entry(self.path, entry)?;
        let existing_kind: Option<String> = self
            .tx
            .query_row(
                "SELECT kind FROM series WHERE series = ?1",
                [&entry.series],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(existing) = existing_kind {
            let existing = parse_kind(self.path, &entry.series, &existing)?;
            if existing != entry.kind {
                return Err(JournalError::new(
                    self.path,
                    ErrorKind::KindMismatch {
                        series: entry.series.clone(),
                        existing,
                        given: entry.kind,
                    },
                ));
            }
        }
        let expected = self.next_seq(&entry.series)?;
        if entry.seq != expected {
            return Err(JournalError::new(
                self.path,
                ErrorKind::SeqNotNext {
                    series: entry.series.clone(),
                    expected,
                    got: entry.seq,
                },
            ));
        }
        // Checked separately for a clear message; UNIQUE(number) would catch
        // it anyway.
        let taken: bool = self
            .tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM entry WHERE number = ?1)",
                [&entry.number],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if taken {
            return Err(JournalError::new(
                self.path,
                ErrorKind::NumberTaken {
                    number: entry.number.clone(),
                },
            ));
        }
        // `check_entry` bounded seq by i64::MAX.
        let seq = entry.seq as i64;
        // The entry and its series counter are written together or not at
        // all, so after any error the transaction is as before this call
        // and the caller may still commit what it recorded earlier.
        let (path, timeout) = (self.path, self.timeout);
        let err = |e| JournalError::sqlite(path, timeout, e);
        let savepoint = self.tx.savepoint().map_err(err)?;
        savepoint
            .execute(
                "INSERT INTO entry (kind, series, seq, number, date, party, amount, content_hash, snapshot) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    entry.kind.as_str(),
                    entry.series,
                    seq,
                    entry.number,
                    date_text(entry.date),
                    entry.party,
                    entry.amount.map(|a| a.to_string()),
                    entry.content_hash,
                    entry.snapshot,
                ],
            )
            .map_err(err)?;
        // `check_entry` saw that the snapshot is JSON.
        if let Ok(snapshot) = serde_json::from_str::<serde_json::Value>(&entry.snapshot) {
            let id = savepoint.last_insert_rowid();
            insert_refs(&savepoint, id, entry.kind, &snapshot).map_err(err)?;
        }
        savepoint
            .execute(
                "INSERT INTO series (series, kind, last_seq) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (series) DO UPDATE SET last_seq = excluded.last_seq",
                params![entry.series, entry.kind.as_str(), seq],
            )
            .map_err(err)?;
        savepoint.commit().map_err(err)
    }

    /// The entry with this number, as this transaction sees it.
    pub fn find(&self, number: &str) -> Result<Option<Entry>, JournalError> {
        find_in(&self.tx, self.path, self.timeout, number)
    }

    /// Marks an entry void within this transaction, e.g. to void a document
    /// and issue its replacement atomically (作废重开). See [`Journal::void`].
    pub fn void(
        &mut self,
        number: &str,
        reason: &str,
        date: NaiveDate,
    ) -> Result<Entry, JournalError> {
        let Some(entry) = self.find(number)? else {
            return Err(JournalError::new(
                self.path,
                ErrorKind::NoSuchNumber {
                    number: number.to_string(),
                },
            ));
        };
        if let Some(void) = entry.voided {
            return Err(JournalError::new(
                self.path,
                ErrorKind::AlreadyVoided {
                    number: number.to_string(),
                    void,
                },
            ));
        }
        let subject = || format!("voiding {number}");
        if reason.trim().is_empty() {
            return Err(JournalError::invalid(
                self.path,
                subject(),
                "give the reason for voiding",
            ));
        }
        if date < entry.date {
            return Err(JournalError::invalid(
                self.path,
                subject(),
                format!(
                    "the void's date {date} is before the document's date {}",
                    entry.date
                ),
            ));
        }
        let changed = self
            .tx
            .execute(
                "UPDATE entry SET void_reason = ?1, void_date = ?2, \
                 voided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 WHERE id = ?3 AND void_reason IS NULL",
                params![reason, date_text(date), entry.id],
            )
            .map_err(|e| self.err(e))?;
        if changed != 1 {
            return Err(JournalError::corrupt(
                self.path,
                format!("entry {number} could not be voided"),
            ));
        }
        self.find(number)?
            .ok_or_else(|| JournalError::corrupt(self.path, format!("entry {number} vanished")))
    }

    /// Commits: the recorded numbers are now taken for good. Write the
    /// documents' files only after this returns `Ok`.
    pub fn commit(self) -> Result<(), JournalError> {
        let (path, timeout) = (self.path, self.timeout);
        self.tx
            .commit()
            .map_err(|e| JournalError::sqlite(path, timeout, e))
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// SHA-256 of `bytes` as 64 lowercase hex digits, the form
/// [`NewEntry::content_hash`] takes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Dates are stored as `YYYY-MM-DD` text, which sorts like the dates and
/// lets a month be selected with a range on the index.
fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Checks what can be checked without the database, so that a caller's
/// mistake is reported before it costs a number.
fn check_entry(path: &Path, e: &NewEntry) -> Result<(), JournalError> {
    let subject = || {
        if e.number.is_empty() {
            "new entry".to_string()
        } else {
            format!("entry {}", e.number)
        }
    };
    let fail = |problem: String| Err(JournalError::invalid(path, subject(), problem));
    let clean = |s: &str| !s.is_empty() && s.trim() == s && !s.chars().any(char::is_control);
    if !clean(&e.series) {
        return fail(format!(
            "the series {:?} must be non-empty text without control characters or surrounding spaces",
            e.series
        ));
    }
    if e.series.matches('#').count() > 1 {
        return fail(format!("the series {:?} has more than one `#`", e.series));
    }
    if !clean(&e.number) {
        return fail(format!(
            "the number {:?} must be non-empty text without control characters or surrounding spaces",
            e.number
        ));
    }
    if e.seq == 0 || e.seq > i64::MAX as u64 {
        return fail(format!("sequence number {} is out of range", e.seq));
    }
    if !number_matches(&e.series, e.seq, &e.number) {
        return fail(format!(
            "the number does not match series {} and sequence number {}",
            e.series, e.seq
        ));
    }
    // Four-digit years keep the date text sortable (see `date_text`).
    if !(1000..=9999).contains(&e.date.year()) {
        return fail(format!("the date {} is out of range", e.date));
    }
    if e.party.trim().is_empty() {
        return fail("the customer/payer is blank".into());
    }
    if e.content_hash.len() != 64
        || !e
            .content_hash
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return fail(format!(
            "the content hash {:?} is not a SHA-256 in lowercase hex (use `sha256_hex`)",
            e.content_hash
        ));
    }
    if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&e.snapshot) {
        return fail(format!("the snapshot is not JSON ({err})"));
    }
    Ok(())
}

/// Whether `number` is `series` with the sequence number `seq` (in decimal,
/// zero padding allowed) in place of `#`, or appended if there is no `#`.
fn number_matches(series: &str, seq: u64, number: &str) -> bool {
    let (prefix, suffix) = series.split_once('#').unwrap_or((series, ""));
    let Some(digits) = number
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
    else {
        return false;
    };
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u64>() == Ok(seq)
}

fn find_in(
    conn: &Connection,
    path: &Path,
    timeout: Duration,
    number: &str,
) -> Result<Option<Entry>, JournalError> {
    let err = |e| JournalError::sqlite(path, timeout, e);
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM entry WHERE number = ?1");
    let raw = conn
        .query_row(&sql, [number], RawEntry::from_row)
        .optional()
        .map_err(err)?;
    raw.map(|r| r.into_entry(path)).transpose()
}

/// The highest sequence number ever issued in `series`, by its counter.
fn series_counter(conn: &Connection, series: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT last_seq FROM series WHERE series = ?1",
        [series],
        |r| r.get(0),
    )
    .optional()
}

fn next_seq_in(
    conn: &Connection,
    path: &Path,
    timeout: Duration,
    series: &str,
) -> Result<u64, JournalError> {
    let err = |e| JournalError::sqlite(path, timeout, e);
    // The series counter and the entries agree unless the file was
    // edited by hand; continuing after the larger of the two means a
    // number is never issued twice even then.
    let counter = series_counter(conn, series).map_err(err)?;
    let max: Option<i64> = conn
        .query_row(
            "SELECT max(seq) FROM entry WHERE series = ?1",
            [series],
            |r| r.get(0),
        )
        .map_err(err)?;
    let last = counter.unwrap_or(0).max(max.unwrap_or(0));
    let last = u64::try_from(last)
        .map_err(|_| JournalError::corrupt(path, format!("series {series} ends at {last}")))?;
    Ok(last + 1)
}

fn referring_in(
    conn: &Connection,
    path: &Path,
    timeout: Duration,
    reference: &str,
) -> Result<Vec<Entry>, JournalError> {
    let err = |e| JournalError::sqlite(path, timeout, e);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM entry \
         WHERE id IN (SELECT entry FROM entry_ref WHERE ref = ?1) AND void_reason IS NULL \
         ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let rows = stmt
        .query_map([reference.trim()], RawEntry::from_row)
        .map_err(err)?;
    rows.map(|r| r.map_err(err)?.into_entry(path)).collect()
}

/// The numbers a document refers to, read from its snapshot
/// (`{"kind", "format", "data"}`): a billing notice's work orders
/// (`data.lines[].number`) and the temporary jobs they carried out
/// (`data.lines[].job`), a work order's job (`data.job`), a receipt's references (`data.lines[].reference`)
/// and the billing notice it pays (`data.billing_notice`). Trimmed, blank
/// ones left out, each once.
pub fn refs_of(kind: DocKind, snapshot: &serde_json::Value) -> Vec<String> {
    let data = &snapshot["data"];
    let lines = data["lines"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let line_field =
        |field: &str| -> Vec<&str> { lines.iter().filter_map(|l| l[field].as_str()).collect() };
    let texts: Vec<&str> = match kind {
        DocKind::BillingNotice => {
            let mut t = line_field("number");
            t.extend(line_field("job"));
            t
        }
        DocKind::Receipt => {
            let mut t = line_field("reference");
            t.extend(data["billing_notice"].as_str());
            t
        }
        DocKind::WorkOrder => data["job"].as_str().into_iter().collect(),
    };
    let mut refs: Vec<String> = texts
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    refs.sort();
    refs.dedup();
    refs
}

fn insert_refs(
    conn: &Connection,
    id: i64,
    kind: DocKind,
    snapshot: &serde_json::Value,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached("INSERT INTO entry_ref (ref, entry) VALUES (?1, ?2)")?;
    for r in refs_of(kind, snapshot) {
        stmt.execute(params![r, id])?;
    }
    Ok(())
}

/// Fills `entry_ref` for the entries recorded before it existed. Run once,
/// inside the migration's transaction.
fn backfill_refs(conn: &Connection, path: &Path, timeout: Duration) -> Result<(), JournalError> {
    let err = |e| JournalError::sqlite(path, timeout, e);
    let mut stmt = conn
        .prepare("SELECT id, kind, snapshot FROM entry WHERE kind IN ('billing_notice', 'receipt')")
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(err)?;
    for row in rows {
        let (id, kind, snapshot) = row.map_err(err)?;
        let kind = kind
            .parse::<DocKind>()
            .map_err(|e| JournalError::corrupt(path, format!("entry {id}: {e}")))?;
        // A snapshot that is not JSON cannot be reissued either; it refers
        // to nothing rather than stopping every later use of the journal.
        if let Ok(snapshot) = serde_json::from_str::<serde_json::Value>(&snapshot) {
            insert_refs(conn, id, kind, &snapshot).map_err(err)?;
        }
    }
    Ok(())
}

/// The missing sequence numbers of a series, from 1 to the highest number
/// ever issued (the counter, or the highest entry if that is larger).
fn gaps_in(
    conn: &Connection,
    path: &Path,
    timeout: Duration,
    series: &str,
) -> Result<Vec<RangeInclusive<u64>>, JournalError> {
    let err = |e| JournalError::sqlite(path, timeout, e);
    let counter = series_counter(conn, series).map_err(err)?;
    let mut stmt = conn
        .prepare("SELECT seq FROM entry WHERE series = ?1 ORDER BY seq")
        .map_err(err)?;
    let mut rows = stmt.query([series]).map_err(err)?;
    let mut gaps = Vec::new();
    let mut expected: u64 = 1;
    while let Some(row) = rows.next().map_err(err)? {
        let seq = parse_seq(path, series, row.get(0).map_err(err)?)?;
        if seq > expected {
            gaps.push(expected..=seq - 1);
        }
        expected = expected.max(seq + 1);
    }
    // Entries at the end of the series that were removed.
    if let Some(last) = counter.and_then(|c| u64::try_from(c).ok())
        && last >= expected
    {
        gaps.push(expected..=last);
    }
    Ok(gaps)
}

fn parse_kind(path: &Path, what: &str, text: &str) -> Result<DocKind, JournalError> {
    text.parse()
        .map_err(|e| JournalError::corrupt(path, format!("{what}: {e}")))
}

fn parse_seq(path: &Path, what: &str, seq: i64) -> Result<u64, JournalError> {
    u64::try_from(seq)
        .ok()
        .filter(|&s| s >= 1)
        .ok_or_else(|| JournalError::corrupt(path, format!("{what}: sequence number {seq}")))
}

fn parse_amount(
    path: &Path,
    what: &str,
    text: Option<String>,
) -> Result<Option<Decimal>, JournalError> {
    text.map(|t| {
        Decimal::from_str(&t)
            .map_err(|_| JournalError::corrupt(path, format!("{what}: amount {t:?}")))
    })
    .transpose()
}

fn parse_date(path: &Path, what: &str, text: &str) -> Result<NaiveDate, JournalError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| JournalError::corrupt(path, format!("{what}: date {text:?}")))
}

/// A row of `entry` as SQLite holds it, before the text is parsed: parsing
/// errors need the journal path, which a rusqlite row closure cannot give.
struct RawEntry {
    id: i64,
    kind: String,
    series: String,
    seq: i64,
    number: String,
    date: String,
    party: String,
    amount: Option<String>,
    content_hash: String,
    snapshot: String,
    recorded_at: String,
    void_reason: Option<String>,
    void_date: Option<String>,
    voided_at: Option<String>,
}

impl RawEntry {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
        Ok(RawEntry {
            id: r.get(0)?,
            kind: r.get(1)?,
            series: r.get(2)?,
            seq: r.get(3)?,
            number: r.get(4)?,
            date: r.get(5)?,
            party: r.get(6)?,
            amount: r.get(7)?,
            content_hash: r.get(8)?,
            snapshot: r.get(9)?,
            recorded_at: r.get(10)?,
            void_reason: r.get(11)?,
            void_date: r.get(12)?,
            voided_at: r.get(13)?,
        })
    }

    fn into_entry(self, path: &Path) -> Result<Entry, JournalError> {
        let n = &self.number;
        let voided = match (self.void_reason, self.void_date, self.voided_at) {
            (None, None, None) => None,
            (Some(reason), Some(date), Some(recorded_at)) => Some(Void {
                reason,
                date: parse_date(path, n, &date)?,
                recorded_at,
            }),
            _ => return Err(JournalError::corrupt(path, format!("{n}: incomplete void"))),
        };
        Ok(Entry {
            id: self.id,
            kind: parse_kind(path, n, &self.kind)?,
            seq: parse_seq(path, n, self.seq)?,
            date: parse_date(path, n, &self.date)?,
            amount: parse_amount(path, n, self.amount)?,
            series: self.series,
            number: self.number,
            party: self.party,
            content_hash: self.content_hash,
            snapshot: self.snapshot,
            recorded_at: self.recorded_at,
            voided,
        })
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh folder under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "feebook-journal-{name}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }

        fn journal(&self) -> PathBuf {
            self.0.join("output").join("journal.sqlite")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn receipt(seq: u64, day: &str, amount: &str) -> NewEntry {
        let snapshot = format!(r#"{{"payer":"华庭大厦 1201 室","seq":{seq},"amount":"{amount}"}}"#);
        NewEntry {
            kind: DocKind::Receipt,
            series: "SJ2026-#".into(),
            seq,
            number: format!("SJ2026-{seq:06}"),
            date: date(day),
            party: "华庭大厦 1201 室".into(),
            amount: Some(amount.parse().unwrap()),
            content_hash: sha256_hex(snapshot.as_bytes()),
            snapshot,
        }
    }

    /// Issues one receipt in its own transaction, as a CLI call would.
    fn issue(j: &mut Journal, day: &str, amount: &str) -> u64 {
        let mut tx = j.begin().unwrap();
        let seq = tx.next_seq("SJ2026-#").unwrap();
        tx.record(&receipt(seq, day, amount)).unwrap();
        tx.commit().unwrap();
        seq
    }

    fn seqs(j: &Journal) -> Vec<u64> {
        j.list(None).unwrap().iter().map(|e| e.seq).collect()
    }

    /// An entry whose snapshot is `{"kind", "format", "data"}` as documents
    /// write it.
    fn document(kind: DocKind, series: &str, seq: u64, data: serde_json::Value) -> NewEntry {
        let snapshot = serde_json::json!({"kind": "x", "format": "pdf", "data": data}).to_string();
        NewEntry {
            kind,
            series: format!("{series}#"),
            seq,
            number: format!("{series}{seq:04}"),
            date: date("2026-12-01"),
            party: "张文博".into(),
            amount: Some("361.50".parse().unwrap()),
            content_hash: sha256_hex(snapshot.as_bytes()),
            snapshot,
        }
    }

    fn numbers(entries: Vec<Entry>) -> Vec<String> {
        entries.into_iter().map(|e| e.number).collect()
    }

    #[test]
    fn documents_are_found_by_what_they_refer_to() {
        let t = TempDir::new("refs");
        let mut j = Journal::open(&t.journal()).unwrap();
        let mut tx = j.begin().unwrap();
        let notice = serde_json::json!({"lines": [
            {"number": "WX202611-00139"}, {"number": " WX202611-00198 "}, {"amount": "1"}
        ]});
        tx.record(&document(DocKind::BillingNotice, "TZ-", 1, notice))
            .unwrap();
        let receipt = serde_json::json!({"billing_notice": "TZ-0001", "lines": [
            {"reference": "WX202611-00139"}, {"reference": ""}, {"reference": "WX202611-00139"}
        ]});
        tx.record(&document(DocKind::Receipt, "SJ-", 1, receipt))
            .unwrap();
        assert_eq!(
            numbers(tx.referring("WX202611-00139").unwrap()),
            ["TZ-0001", "SJ-0001"]
        );
        tx.commit().unwrap();
        assert_eq!(numbers(j.referring("WX202611-00198").unwrap()), ["TZ-0001"]);
        assert_eq!(numbers(j.referring(" TZ-0001").unwrap()), ["SJ-0001"]);
        // Exact: a number that another begins with, or a blank, is not it.
        assert!(j.referring("WX202611-0013").unwrap().is_empty());
        assert!(j.referring("").unwrap().is_empty());
        j.void("SJ-0001", "开错", date("2026-12-02")).unwrap();
        assert_eq!(numbers(j.referring("WX202611-00139").unwrap()), ["TZ-0001"]);
        let e = j
            .conn
            .execute("DELETE FROM entry_ref", [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("never deleted"), "{e}");
    }

    #[test]
    fn a_version_1_journal_gets_the_references_of_its_entries() {
        let t = TempDir::new("v1");
        let path = t.journal();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let insert = |e: &NewEntry| {
                conn.execute(
                    "INSERT INTO entry (kind, series, seq, number, date, party, amount, content_hash, snapshot) \
                     VALUES (?1, ?2, ?3, ?4, '2026-12-01', ?5, ?6, ?7, ?8)",
                    params![e.kind.as_str(), e.series, e.seq as i64, e.number, e.party,
                            e.amount.map(|a| a.to_string()), e.content_hash, e.snapshot],
                )
                .unwrap();
            };
            insert(&document(
                DocKind::BillingNotice,
                "TZ-",
                1,
                serde_json::json!({"lines": [{"number": "WX-1"}, {"number": "WX-2"}]}),
            ));
            insert(&document(
                DocKind::Receipt,
                "SJ-",
                1,
                serde_json::json!({"billing_notice": "TZ-0001", "lines": [{"reference": "WX-1"}]}),
            ));
            let mut broken = document(DocKind::Receipt, "SJ-", 2, serde_json::json!({}));
            broken.snapshot = "not json".into();
            insert(&broken);
        }
        let j = Journal::open(&path).unwrap();
        let version: i64 = j
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(
            numbers(j.referring("WX-1").unwrap()),
            ["TZ-0001", "SJ-0001"]
        );
        assert_eq!(numbers(j.referring("WX-2").unwrap()), ["TZ-0001"]);
        assert_eq!(numbers(j.referring("TZ-0001").unwrap()), ["SJ-0001"]);
        let refs: i64 = j
            .conn
            .query_row("SELECT count(*) FROM entry_ref", [], |r| r.get(0))
            .unwrap();
        assert_eq!(refs, 4);
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn open_creates_folder_file_and_schema() {
        let t = TempDir::new("open");
        let path = t.journal();
        let j = Journal::open(&path).unwrap();
        assert!(path.is_file());
        let version: i64 = j
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let mode: String = j
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(j);
        // Reopening a current journal changes nothing.
        let j = Journal::open(&path).unwrap();
        assert!(j.list(None).unwrap().is_empty());
    }

    #[test]
    fn open_existing_does_not_create() {
        let t = TempDir::new("existing");
        let path = t.journal();
        let e = Journal::open_existing(&path).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Missing));
        assert!(e.to_string().contains("does not exist"), "{e}");
        assert!(!path.exists());
        Journal::open(&path).unwrap();
        Journal::open_existing(&path).unwrap();
    }

    #[test]
    fn issue_and_find_round_trip_verbatim() {
        let t = TempDir::new("roundtrip");
        let mut j = Journal::open(&t.journal()).unwrap();
        let entry = receipt(1, "2026-03-05", "120.50");
        let mut tx = j.begin().unwrap();
        assert_eq!(tx.next_seq("SJ2026-#").unwrap(), 1);
        tx.record(&entry).unwrap();
        tx.commit().unwrap();

        let found = j.find("SJ2026-000001").unwrap().unwrap();
        assert_eq!(found.kind, DocKind::Receipt);
        assert_eq!(found.number, entry.number);
        assert_eq!(found.party, "华庭大厦 1201 室");
        assert_eq!(found.date, date("2026-03-05"));
        // The scale survives: 120.50, not 120.5.
        assert_eq!(found.amount.unwrap().to_string(), "120.50");
        assert_eq!(found.snapshot, entry.snapshot);
        assert_eq!(found.content_hash, entry.content_hash);
        assert!(found.voided.is_none());
        assert!(found.recorded_at.ends_with('Z'));
        assert!(j.find("SJ2026-000002").unwrap().is_none());
    }

    #[test]
    fn batch_takes_consecutive_numbers_and_next_seq_sees_them() {
        let t = TempDir::new("batch");
        let mut j = Journal::open(&t.journal()).unwrap();
        issue(&mut j, "2026-01-10", "1");
        let mut tx = j.begin().unwrap();
        let first = tx.next_seq("SJ2026-#").unwrap();
        assert_eq!(first, 2);
        for seq in first..first + 10 {
            tx.record(&receipt(seq, "2026-02-01", "10.00")).unwrap();
            assert_eq!(tx.next_seq("SJ2026-#").unwrap(), seq + 1);
        }
        // Another series counts on its own.
        assert_eq!(tx.next_seq("TZ202602-#").unwrap(), 1);
        tx.commit().unwrap();
        assert_eq!(seqs(&j), (1..=11).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_without_commit_consumes_nothing() {
        let t = TempDir::new("drop");
        let mut j = Journal::open(&t.journal()).unwrap();
        issue(&mut j, "2026-01-10", "1");
        {
            let mut tx = j.begin().unwrap();
            for seq in 2..=5 {
                tx.record(&receipt(seq, "2026-01-11", "1")).unwrap();
            }
            // Rendering failed: the transaction is dropped.
        }
        assert_eq!(seqs(&j), vec![1]);
        assert_eq!(issue(&mut j, "2026-01-12", "1"), 2);
        // A failed record inside a transaction leaves the others usable.
        let mut tx = j.begin().unwrap();
        assert!(tx.record(&receipt(9, "2026-01-12", "1")).is_err());
        tx.record(&receipt(3, "2026-01-12", "1")).unwrap();
        tx.commit().unwrap();
        assert_eq!(seqs(&j), vec![1, 2, 3]);
    }

    #[test]
    fn record_refuses_bad_entries() {
        let t = TempDir::new("refuse");
        let mut j = Journal::open(&t.journal()).unwrap();
        issue(&mut j, "2026-01-10", "1");
        let mut tx = j.begin().unwrap();

        let e = tx.record(&receipt(3, "2026-01-10", "1")).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::SeqNotNext {
                    expected: 2,
                    got: 3,
                    ..
                }
            ),
            "{e}"
        );
        let e = tx.record(&receipt(1, "2026-01-10", "1")).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::SeqNotNext {
                    expected: 2,
                    got: 1,
                    ..
                }
            ),
            "{e}"
        );

        let mut wrong_number = receipt(2, "2026-01-10", "1");
        wrong_number.number = "SJ2026-000003".into();
        let e = tx.record(&wrong_number).unwrap_err();
        assert!(
            e.to_string().contains("does not match series SJ2026-#"),
            "{e}"
        );

        // The same number under another series spelling is still one number.
        let mut dup = receipt(1, "2026-01-10", "1");
        dup.series = "SJ2026-".into();
        let e = tx.record(&dup).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NumberTaken { .. }), "{e}");

        let mut other_kind = receipt(2, "2026-01-10", "1");
        other_kind.kind = DocKind::WorkOrder;
        let e = tx.record(&other_kind).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::KindMismatch { .. }), "{e}");

        for (field, change) in [
            (
                "hash",
                Box::new(|e: &mut NewEntry| e.content_hash = "ABC".into())
                    as Box<dyn Fn(&mut NewEntry)>,
            ),
            (
                "snapshot",
                Box::new(|e: &mut NewEntry| e.snapshot = "{not json".into()),
            ),
            ("party", Box::new(|e: &mut NewEntry| e.party = "  ".into())),
            (
                "date",
                Box::new(|e: &mut NewEntry| e.date = date("0999-12-31")),
            ),
            (
                "series",
                Box::new(|e: &mut NewEntry| e.series = "SJ#-#".into()),
            ),
        ] {
            let mut bad = receipt(2, "2026-01-10", "1");
            change(&mut bad);
            let e = tx.record(&bad).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Invalid { .. }),
                "{field}: {e}"
            );
        }
        // None of the refusals consumed the number.
        assert_eq!(tx.next_seq("SJ2026-#").unwrap(), 2);
        tx.record(&receipt(2, "2026-01-10", "1")).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn number_matching() {
        assert!(number_matches("SJ2026-#", 123, "SJ2026-000123"));
        assert!(number_matches("SJ2026-", 123, "SJ2026-000123"));
        assert!(number_matches("TZ202603-#号", 7, "TZ202603-0007号"));
        assert!(number_matches("#", 1_000_000, "1000000"));
        assert!(!number_matches("SJ2026-#", 123, "SJ2026-000124"));
        assert!(!number_matches("SJ2026-#", 123, "SJ2026-"));
        assert!(!number_matches("SJ2026-#", 123, "SJ2025-000123"));
        assert!(!number_matches("TZ202603-#号", 7, "TZ202603-0007"));
        assert!(!number_matches("SJ2026-#", 12, "SJ2026-+12"));
    }

    #[test]
    fn void_marks_and_keeps_the_entry() {
        let t = TempDir::new("void");
        let path = t.journal();
        let mut j = Journal::open(&path).unwrap();
        issue(&mut j, "2026-03-05", "120.50");
        issue(&mut j, "2026-03-06", "80.00");

        let voided = j
            .void("SJ2026-000001", "金额开错", date("2026-03-07"))
            .unwrap();
        let void = voided.voided.clone().unwrap();
        assert_eq!(
            (void.reason.as_str(), void.date),
            ("金额开错", date("2026-03-07"))
        );
        assert_eq!(j.find("SJ2026-000001").unwrap().unwrap(), voided);
        assert_eq!(j.list(None).unwrap().len(), 2);

        let e = j
            .void("SJ2026-000001", "again", date("2026-03-08"))
            .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::AlreadyVoided { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("SJ2026-000001 was already voided on 2026-03-07 (金额开错)"),
            "{e}"
        );

        let e = j
            .void("SJ2026-000999", "x", date("2026-03-08"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "journal {}: number SJ2026-000999 does not exist (see `feebook journal`)",
                path.display()
            )
        );

        let e = j
            .void("SJ2026-000002", " ", date("2026-03-08"))
            .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Invalid { .. }), "{e}");
        let e = j
            .void("SJ2026-000002", "typo", date("2026-03-01"))
            .unwrap_err();
        assert!(e.to_string().contains("before the document's date"), "{e}");
        assert!(j.find("SJ2026-000002").unwrap().unwrap().voided.is_none());

        // Void and reissue atomically; the voided number is not reused.
        let mut tx = j.begin().unwrap();
        tx.void("SJ2026-000002", "重开", date("2026-03-08"))
            .unwrap();
        let seq = tx.next_seq("SJ2026-#").unwrap();
        assert_eq!(seq, 3);
        tx.record(&receipt(seq, "2026-03-08", "85.00")).unwrap();
        tx.commit().unwrap();
        let s = &j.summary(None).unwrap()[0];
        assert_eq!(
            (s.count, s.voided, s.total),
            (3, 2, "85.00".parse().unwrap())
        );
    }

    #[test]
    fn raw_sql_cannot_delete_or_edit_entries() {
        let t = TempDir::new("triggers");
        let mut j = Journal::open(&t.journal()).unwrap();
        issue(&mut j, "2026-03-05", "1");
        for sql in [
            "DELETE FROM entry",
            "UPDATE entry SET amount = '1000'",
            "UPDATE series SET last_seq = 0",
            "DELETE FROM series",
        ] {
            assert!(j.conn.execute(sql, []).is_err(), "{sql}");
        }
        j.void("SJ2026-000001", "x", date("2026-03-05")).unwrap();
        assert!(
            j.conn
                .execute(
                    "UPDATE entry SET void_reason = NULL, void_date = NULL, voided_at = NULL",
                    []
                )
                .is_err()
        );
    }

    #[test]
    fn list_and_summary_by_month() {
        let t = TempDir::new("months");
        let mut j = Journal::open(&t.journal()).unwrap();
        issue(&mut j, "2026-01-31", "100.00");
        issue(&mut j, "2026-02-01", "20.10");
        issue(&mut j, "2026-02-28", "30.20");
        issue(&mut j, "2026-03-01", "5");
        let mut tx = j.begin().unwrap();
        for seq in 1..=3 {
            let snapshot = "{}".to_string();
            tx.record(&NewEntry {
                kind: DocKind::WorkOrder,
                series: "WX202602-#".into(),
                seq,
                number: format!("WX202602-{seq:04}"),
                date: date("2026-02-15"),
                party: "1-2-301".into(),
                amount: None,
                content_hash: sha256_hex(snapshot.as_bytes()),
                snapshot,
            })
            .unwrap();
        }
        tx.commit().unwrap();
        j.void("SJ2026-000003", "作废", date("2026-02-28")).unwrap();

        let feb = j.list(Some((2026, 2))).unwrap();
        let numbers: Vec<&str> = feb.iter().map(|e| e.number.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "SJ2026-000002",
                "SJ2026-000003",
                "WX202602-0001",
                "WX202602-0002",
                "WX202602-0003"
            ]
        );
        assert_eq!(j.list(Some((2026, 12))).unwrap().len(), 0);
        assert_eq!(j.list(None).unwrap().len(), 7);

        let summary = j.summary(Some((2026, 2))).unwrap();
        assert_eq!(summary.len(), 2);
        let sj = &summary[0];
        assert_eq!(
            (sj.series.as_str(), sj.kind),
            ("SJ2026-#", DocKind::Receipt)
        );
        assert_eq!(
            (sj.first.as_str(), sj.last.as_str()),
            ("SJ2026-000002", "SJ2026-000003")
        );
        assert_eq!(
            (sj.first_seq, sj.last_seq, sj.count, sj.voided),
            (2, 3, 2, 1)
        );
        assert_eq!(sj.total, "20.10".parse().unwrap());
        assert!(sj.gaps.is_empty());
        let wx = &summary[1];
        assert_eq!(
            (wx.kind, wx.count, wx.total),
            (DocKind::WorkOrder, 3, Decimal::ZERO)
        );

        let all = j.summary(None).unwrap();
        assert_eq!(all[0].total, "125.10".parse().unwrap()); // 100 + 20.10 + 5; 30.20 is void
        assert_eq!((all[0].first_seq, all[0].last_seq), (1, 4));

        let e = j.list(Some((2026, 13))).unwrap_err();
        assert!(e.to_string().contains("month 2026-13"), "{e}");
    }

    #[test]
    fn summary_shows_the_gap_of_a_tampered_journal() {
        let t = TempDir::new("tamper");
        let path = t.journal();
        let mut j = Journal::open(&path).unwrap();
        for _ in 0..8 {
            issue(&mut j, "2026-04-10", "1");
        }
        assert!(j.summary(None).unwrap()[0].gaps.is_empty());
        // Someone removes entries behind feebook's back.
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(
            "DROP TRIGGER entry_never_deleted;
             DELETE FROM entry WHERE seq IN (3, 4, 8);",
        )
        .unwrap();
        drop(raw);
        let s = &j.summary(Some((2026, 4))).unwrap()[0];
        assert_eq!(s.gaps, vec![3..=4, 8..=8]);
        assert_eq!(s.missing(), 3);
        assert_eq!(s.count, 5);
        // The removed last number is not issued again.
        assert_eq!(issue(&mut j, "2026-04-11", "1"), 9);
    }

    #[test]
    fn a_failed_record_leaves_nothing_half_written() {
        let t = TempDir::new("atomic");
        let path = t.journal();
        let mut j = Journal::open(&path).unwrap();
        issue(&mut j, "2026-03-05", "1");
        // Make the second half of recording (the series counter) fail.
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TRIGGER boom BEFORE UPDATE ON series BEGIN SELECT RAISE(ABORT, 'boom'); END;",
            )
            .unwrap();
        let mut tx = j.begin().unwrap();
        let e = tx.record(&receipt(2, "2026-03-06", "1")).unwrap_err();
        assert!(e.to_string().contains("boom"), "{e}");
        assert!(tx.find("SJ2026-000002").unwrap().is_none());
        assert_eq!(tx.next_seq("SJ2026-#").unwrap(), 2);
        tx.commit().unwrap();
        assert_eq!(seqs(&j), vec![1]);
    }

    #[test]
    fn damaged_rows_are_reported_not_hidden() {
        let t = TempDir::new("damaged");
        let path = t.journal();
        let mut j = Journal::open(&path).unwrap();
        issue(&mut j, "2026-03-05", "1");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "DROP TRIGGER entry_only_voided;
                 UPDATE entry SET date = 'yesterday', amount = 'lots';",
            )
            .unwrap();
        for e in [
            j.list(None).unwrap_err(),
            j.find("SJ2026-000001").unwrap_err(),
            j.summary(None).unwrap_err(),
        ] {
            assert!(matches!(e.kind(), ErrorKind::Corrupt { .. }), "{e}");
            assert!(e.to_string().contains("SJ2026-000001"), "{e}");
            assert!(e.to_string().contains("restore it from a backup"), "{e}");
        }
    }

    #[test]
    fn eight_threads_issue_200_consecutive_numbers() {
        let t = TempDir::new("threads");
        let path = t.journal();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    // Each thread is a separate "process": its own open,
                    // racing to create the same fresh journal.
                    let mut j = Journal::open(&path).unwrap();
                    (0..25)
                        .map(|_| issue(&mut j, "2026-05-01", "1.00"))
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        let mut taken: Vec<u64> = threads
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        taken.sort_unstable();
        assert_eq!(taken, (1..=200).collect::<Vec<_>>());
        let j = Journal::open(&path).unwrap();
        assert_eq!(seqs(&j), (1..=200).collect::<Vec<_>>());
        let s = &j.summary(None).unwrap()[0];
        assert_eq!(
            (s.count, s.total, s.gaps.len()),
            (200, "200.00".parse().unwrap(), 0)
        );
    }

    #[test]
    fn a_second_writer_waits_then_reports_the_lock() {
        let t = TempDir::new("lock");
        let path = t.journal();
        let mut a = Journal::open(&path).unwrap();
        let mut b = Journal::open(&path).unwrap();
        b.set_busy_timeout(Duration::from_millis(200)).unwrap();
        let tx = a.begin().unwrap();
        let start = Instant::now();
        let e = b.begin().unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(150));
        assert!(matches!(e.kind(), ErrorKind::Locked { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("is locked by another process for more than 0.2 s"),
            "{e}"
        );
        // Readers are not blocked by the writer (WAL), nor is opening.
        assert!(b.list(None).unwrap().is_empty());
        Journal::open(&path).unwrap();
        drop(tx);
        b.begin().unwrap();
    }

    #[test]
    fn foreign_files_are_refused_clearly() {
        let t = TempDir::new("foreign");
        std::fs::create_dir_all(&t.0).unwrap();

        let junk = t.0.join("junk.sqlite");
        std::fs::write(
            &junk,
            "这不是数据库 — definitely not SQLite, just some text that is long enough".repeat(20),
        )
        .unwrap();
        let e = Journal::open(&junk).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NotADatabase(_)), "{e}");
        assert!(e.to_string().contains("is not a feebook journal"), "{e}");

        let other = t.0.join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let e = Journal::open(&other).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::OtherApplication { .. }),
            "{e}"
        );

        let newer = t.0.join("newer.sqlite");
        drop(Journal::open(&newer).unwrap());
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 7)
            .unwrap();
        let e = Journal::open(&newer).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "journal {}: is not a feebook journal this feebook can read (newer schema version 7, \
                 this feebook reads up to {SCHEMA_VERSION}); upgrade feebook",
                newer.display()
            )
        );

        // An empty file (e.g. `touch`ed) becomes a journal.
        let empty = t.0.join("empty.sqlite");
        std::fs::write(&empty, "").unwrap();
        Journal::open(&empty).unwrap();

        // A folder where the file should be.
        let e = Journal::open(&t.0).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("journal {}: ", t.0.display())),
            "{e}"
        );
    }
}
