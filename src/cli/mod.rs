//! Command definitions and dispatch.

mod check;
mod schema;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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
    /// Write the JSON Schemas of the rule and input files.
    Schema {
        /// Folder to write the schemas to.
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        out: PathBuf,
    },
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
    };
    ExitCode::from(code)
}
