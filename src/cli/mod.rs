//! Command definitions and dispatch.

// std's `eprintln!` and `eprint!` panic when standard error is closed
// (`feebook bill … 2>&1 | head -1`): a run would stop wherever it next
// wrote a warning, between writing its files and recording them. These
// shadow them for the whole CLI (defined before its modules, so in scope in
// each): a message that cannot be shown is dropped, and the exit code
// still tells how the run ended.
macro_rules! eprintln {
    () => {
        $crate::cli::to_stderr("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::to_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::cli::to_stderr(&format!($($arg)*))
    };
}

mod approve;
mod bill;
mod check;
mod common;
mod documents;
mod journal_cmds;
mod police;
mod price;
mod render;
mod schema;
mod upper;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use feebook::documents::Format;

/// Document output formats on the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocFormat {
    Pdf,
    Html,
    Md,
    Json,
}

impl From<DocFormat> for Format {
    fn from(f: DocFormat) -> Format {
        match f {
            DocFormat::Pdf => Format::Pdf,
            DocFormat::Html => Format::Html,
            DocFormat::Md => Format::Md,
            DocFormat::Json => Format::Json,
        }
    }
}

fn parse_encoding(s: &str) -> Result<feebook::tabular::Encoding, String> {
    s.parse()
}

/// A document's format: `--format`, else as `-o` names it, else PDF.
fn doc_format(given: Option<DocFormat>, render: &render::RenderArgs) -> Result<Format, u8> {
    render::pick_format(
        given.map(Format::from),
        render.out.as_deref(),
        &render::DOC_FORMATS,
        Format::Pdf,
    )
}

/// A quote's format, as [`doc_format`], with `.txt` for the explained breakdown.
fn quote_format(
    given: Option<documents::QuoteFormat>,
    render: &render::RenderArgs,
) -> Result<documents::QuoteFormat, u8> {
    use documents::QuoteFormat as Q;
    render::pick_format(
        given,
        render.out.as_deref(),
        &[
            (Q::Pdf, "pdf"),
            (Q::Html, "html"),
            (Q::Md, "md"),
            (Q::Json, "json"),
            (Q::Text, "txt"),
        ],
        Q::Pdf,
    )
}

/// Today's date, for defaults only: nothing rendered reads the clock.
pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

#[derive(Parser, Debug)]
#[command(
    name = "feebook",
    version,
    about = "Rules and documents for paid on-demand services (特约服务)",
    long_about = "feebook validates service rules written as YAML, prices jobs exactly, \
                  checks approvals and policies, and renders the documents: service notices, \
                  quote sheets, work orders, billing notices, receipts and registers."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by commands that read rules.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesArgs {
    /// Folder of rule files (*.yaml). Default: ./rules when it exists, else
    /// the sample rules embedded in feebook.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// Options of commands that read work orders: where the temporary jobs
/// they may carry out are.
#[derive(clap::Args, Debug, Clone)]
pub struct JobsArgs {
    /// Folder of job files (临时性特约服务) that work orders may carry out
    /// (`job:` in YAML, a 确认单号 column), e.g. samples/jobs. An order of
    /// a job is priced at the job's approved total.
    #[arg(long, value_name = "DIR")]
    pub jobs: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the rule files and report every problem with file:line:column.
    Check {
        #[command(flatten)]
        rules: RulesArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Fonts the documents are rendered with besides the embedded ones
        /// (as `--font-dir` of the rendering commands): a character of the
        /// rules that no font has is a warning.
        #[arg(long, value_name = "DIR")]
        font_dir: Option<PathBuf>,
    },
    /// Print an amount in 人民币大写 (e.g. 1409.50 → 壹仟肆佰零玖元伍角整).
    /// Spelt as the documents spell it: the rules' `documents.upper_style`.
    Upper {
        /// The amount in yuan, at most two decimals.
        #[arg(allow_hyphen_values = true)]
        amount: String,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Price a catalogue item: quantity × unit price, minimum charge, tax.
    Price {
        /// Item id, e.g. indoor-cleaning.
        item: String,
        /// Quantity in the item's unit.
        #[arg(long, allow_hyphen_values = true)]
        qty: String,
        /// Service date (YYYY-MM-DD); the price list and tax in force that
        /// day apply. Default: today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// A formula input, NAME=VALUE (repeatable), for items priced by a
        /// formula, e.g. --set monthly_rent=3000.
        #[arg(long, value_name = "NAME=VALUE")]
        set: Vec<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Price a temporary job (临时性特约服务) and render its quote sheet
    /// (特约维修价格确认单); `--format text` explains the breakdown.
    Quote {
        /// The job file (YAML).
        job: PathBuf,
        /// Output format [default: pdf, or the one `-o` names: quote.html, quote.txt]
        #[arg(long, value_enum)]
        format: Option<documents::QuoteFormat>,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Render the service notice (特约服务项目及收费标准公告) of the
    /// catalogue in force; refused while the catalogue is not approved.
    Notice {
        /// Date whose price list is announced. Default: today.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Address the notice as a letter delivered to a room (送到客户房间).
        #[arg(long, value_name = "ADDRESSEE")]
        to: Option<String>,
        /// Render even when the catalogue is not approved, marked 未经审批.
        #[arg(long)]
        draft: bool,
        /// Output format [default: pdf, or the one `-o` names: x.html, x.md, x.json]
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Issue a work order (特约服务/维修单) in its copies, numbered by the journal.
    Order {
        /// The work order (YAML).
        order: PathBuf,
        /// Output format [default: pdf, or the one `-o` names: x.html, x.md, x.json]
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
        /// Render a specimen marked 样张 without taking a number.
        #[arg(long)]
        preview: bool,
        /// Issue it although the journal holds a work order just like it
        /// (a second order of the same work, the same day).
        #[arg(long)]
        again: bool,
        #[command(flatten)]
        jobs: JobsArgs,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        journal: render::JournalArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Issue a receipt (收款收据) in its copies, stamped 现金收讫 or 已交费.
    Receipt {
        /// The payment (YAML).
        payment: PathBuf,
        /// Output format [default: pdf, or the one `-o` names: x.html, x.md, x.json]
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
        /// Render a specimen marked 样张 without taking a number.
        #[arg(long)]
        preview: bool,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        journal: render::JournalArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Render the month's register (特约服务/维修登记表) from work orders.
    Register {
        /// Work-order files: CSV, XLSX or YAML.
        #[arg(required = true)]
        orders: Vec<PathBuf>,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Encoding of CSV files (default: detected).
        #[arg(long, value_parser = parse_encoding)]
        encoding: Option<feebook::tabular::Encoding>,
        /// Output format [default: pdf, or the one `-o` names: x.html, x.md, x.json]
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
        #[command(flatten)]
        jobs: JobsArgs,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Monthly billing: one billing notice (收费通知单) per customer from the
    /// month's 月结 and 长期协议 work orders, the notices bound for printing,
    /// the register and a summary.
    Bill {
        /// Work-order files: CSV (UTF-8 or GBK), XLSX or YAML.
        #[arg(required = true)]
        orders: Vec<PathBuf>,
        /// The month billed, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Date of the notices, not before the last order billed. Default: the first day of the next month.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Bill the valid rows and write the rejected ones, with reasons,
        /// to rejected-YYYY-MM.csv.
        #[arg(long)]
        skip_invalid: bool,
        /// Render only shard K of N (customers split by a stable hash of
        /// their name and address); `/N` takes K from JOB_COMPLETION_INDEX.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Notices per print volume (billing-notices-YYYY-MM-vNN.pdf).
        #[arg(long, value_name = "N", default_value_t = 500,
              value_parser = clap::value_parser!(u32).range(1..))]
        volume: u32,
        /// Encoding of CSV files (default: detected).
        #[arg(long, value_parser = parse_encoding)]
        encoding: Option<feebook::tabular::Encoding>,
        #[arg(long, value_enum, default_value_t = DocFormat::Pdf)]
        format: DocFormat,
        #[command(flatten)]
        jobs: JobsArgs,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        journal: render::JournalArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Show a temporary job's approval chain: who signed, who is next.
    Status {
        job: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Record a sign-off in a job file, after checking it is that role's turn.
    Approve {
        job: PathBuf,
        /// Role id, e.g. dept_head, branch_manager.
        #[arg(long)]
        role: String,
        /// Name of the person signing.
        #[arg(long)]
        name: String,
        /// For per-department steps: the department signed for.
        #[arg(long)]
        department: Option<String>,
        /// Record a rejection (不同意), which ends the chain.
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        comment: Option<String>,
        /// Date of the signature. Default: today.
        #[arg(long)]
        date: Option<NaiveDate>,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Check records (work orders, payments, job files) against the policies.
    Police {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_parser = parse_encoding)]
        encoding: Option<feebook::tabular::Encoding>,
        /// Check payments against this journal too, as `receipt` would
        /// (default: output/journal.sqlite when it exists).
        #[arg(long, value_name = "PATH")]
        journal: Option<PathBuf>,
        #[command(flatten)]
        jobs: JobsArgs,
        #[command(flatten)]
        rules: RulesArgs,
    },
    /// Render an issued document again from the journal, byte for byte.
    Reissue {
        number: String,
        /// Format (default: the one it was issued in).
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        journal: render::JournalArgs,
    },
    /// Void an issued document (作废): kept in the journal, rendered stamped 作废.
    Void {
        number: String,
        #[arg(long)]
        reason: String,
        /// Date of the void. Default: today.
        #[arg(long)]
        date: Option<NaiveDate>,
        #[command(flatten)]
        render: render::RenderArgs,
        #[command(flatten)]
        journal: render::JournalArgs,
    },
    /// List the numbers issued: first and last per series, totals, gaps.
    Journal {
        /// Only the documents dated in this month (YYYY-MM). A month's
        /// billing notices are dated in the next: November's are listed
        /// under --month of December.
        #[arg(long)]
        month: Option<String>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        #[command(flatten)]
        journal: render::JournalArgs,
    },
    /// Write the JSON Schemas of the rule and input files.
    Schema {
        /// Folder to write the schemas to.
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        out: PathBuf,
    },
}

/// Writes to stdout. A closed pipe (`feebook … | head`) ends the command
/// quietly instead of panicking, as command-line tools do.
pub fn out(text: &str) {
    use std::io::Write;
    if let Some(held) = HELD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_mut()
    {
        held.push_str(text);
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(USAGE as i32);
    }
}

/// Writes to standard error, as the CLI's `eprintln!` does: a closed or
/// failing standard error loses the message, never the run.
pub fn to_stderr(text: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// What [`out`] keeps back while a command holds its output.
static HELD: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Keeps what [`out`] writes until [`release_output`]: for a command that
/// must finish its files whatever becomes of its standard output (`bill`
/// piped into `head`, which closes the pipe after a line, must not stop
/// between recording its notices and writing the month's register).
pub fn hold_output() {
    *HELD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(String::new());
}

/// Writes what was held since [`hold_output`], and stops holding.
pub fn release_output() {
    let held = HELD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(text) = held {
        out(&text);
    }
}

/// Exit codes.
pub const OK: u8 = 0;
pub const PROBLEMS: u8 = 1;
pub const USAGE: u8 = 2;

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check {
            rules,
            format,
            font_dir,
        } => check::run(&rules, font_dir.as_deref(), format),
        Command::Schema { out } => schema::run(&out),
        Command::Upper { amount, rules } => upper::run(&rules, &amount),
        Command::Price {
            item,
            qty,
            date,
            set,
            format,
            rules,
        } => price::run(&rules, &item, &qty, date, &set, format, today()),
        Command::Quote {
            job,
            format,
            render,
            rules,
        } => match quote_format(format, &render) {
            Ok(format) => documents::quote(&rules, &render, &job, format),
            Err(code) => code,
        },
        Command::Notice {
            date,
            to,
            draft,
            format,
            render,
            rules,
        } => match doc_format(format, &render) {
            Ok(format) => documents::notice(
                &rules,
                &render,
                documents::NoticeOpts {
                    date: date.unwrap_or_else(today),
                    to,
                    draft,
                    format,
                },
            ),
            Err(code) => code,
        },
        Command::Order {
            order,
            format,
            preview,
            again,
            jobs,
            render,
            journal,
            rules,
        } => match doc_format(format, &render) {
            Ok(format) => documents::order(
                &rules,
                &render,
                &journal,
                &jobs,
                &order,
                documents::IssueOpts {
                    format,
                    preview,
                    again,
                },
            ),
            Err(code) => code,
        },
        Command::Receipt {
            payment,
            format,
            preview,
            render,
            journal,
            rules,
        } => match doc_format(format, &render) {
            Ok(format) => documents::receipt(
                &rules,
                &render,
                &journal,
                &payment,
                documents::IssueOpts {
                    format,
                    preview,
                    again: false,
                },
            ),
            Err(code) => code,
        },
        Command::Register {
            orders,
            month,
            encoding,
            format,
            jobs,
            render,
            rules,
        } => match doc_format(format, &render) {
            Ok(format) => {
                documents::register(&rules, &render, &jobs, &orders, &month, format, encoding)
            }
            Err(code) => code,
        },
        Command::Bill {
            orders,
            month,
            date,
            skip_invalid,
            shard,
            volume,
            encoding,
            format,
            jobs,
            render,
            journal,
            rules,
        } => bill::run(
            &rules,
            &render,
            &journal,
            &orders,
            bill::BillOpts {
                jobs: jobs.jobs,
                month,
                format: format.into(),
                date,
                skip_invalid,
                shard,
                volume: volume as usize,
                encoding,
            },
        ),
        Command::Status { job, format, rules } => approve::status(&rules, &job, format),
        Command::Approve {
            job,
            role,
            name,
            department,
            reject,
            comment,
            date,
            rules,
        } => approve::approve(
            &rules,
            &job,
            approve::ApproveOpts {
                role: &role,
                name: &name,
                department: department.as_deref(),
                reject,
                comment: comment.as_deref(),
                date: date.unwrap_or_else(today),
            },
        ),
        Command::Police {
            files,
            encoding,
            journal,
            jobs,
            rules,
        } => police::run(&rules, &jobs, &files, encoding, journal.as_deref()),
        Command::Reissue {
            number,
            format,
            render,
            journal,
        } => journal_cmds::reissue(&render, &journal, &number, format.map(Into::into)),
        Command::Void {
            number,
            reason,
            date,
            render,
            journal,
        } => journal_cmds::void(
            &render,
            &journal,
            &number,
            &reason,
            date.unwrap_or_else(today),
        ),
        Command::Journal {
            month,
            format,
            journal,
        } => journal_cmds::list(&journal, month.as_deref(), format),
    };
    ExitCode::from(code)
}
