//! The `feebook` command line: a thin layer over the library. It parses
//! arguments, reads and writes files, prints, and picks the exit code:
//! 0 when all is well, 1 when rules or inputs have problems, 2 for usage
//! or I/O errors.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
