//! Command definitions and dispatch.

mod check;
mod common;
mod price;
mod quote;
mod schema;
mod upper;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

/// Today's date, for defaults only: nothing rendered reads the clock.
fn today() -> NaiveDate {
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
    },
    /// Print an amount in 人民币大写 (e.g. 1409.50 → 壹仟肆佰零玖元伍角整).
    Upper {
        /// The amount in yuan, at most two decimals.
        #[arg(allow_hyphen_values = true)]
        amount: String,
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
    /// Price a temporary job (临时性特约服务) and explain the breakdown.
    Quote {
        /// The job file (YAML).
        job: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        #[command(flatten)]
        rules: RulesArgs,
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
        Command::Check { rules, format } => check::run(&rules, format),
        Command::Schema { out } => schema::run(&out),
        Command::Upper { amount } => upper::run(&amount),
        Command::Price {
            item,
            qty,
            date,
            set,
            format,
            rules,
        } => price::run(&rules, &item, &qty, date, &set, format, today()),
        Command::Quote { job, format, rules } => quote::run(&rules, &job, format),
    };
    ExitCode::from(code)
}
