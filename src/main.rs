//! The `feebook` command line: a thin layer over the library. It parses
//! arguments, reads and writes files, prints, and picks the exit code:
//! 0 when all is well, 1 when rules or inputs have problems, 2 for usage
//! or I/O errors.

mod cli;

use std::process::ExitCode;

use feebook::par::RENDER_STACK;

fn main() -> ExitCode {
    limit_malloc_arenas();
    // Typst's own worker threads (it lays out and writes PDFs with rayon).
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(RENDER_STACK)
        .build_global();
    // The main thread renders single documents: give it the same stack.
    match std::thread::Builder::new()
        .name("feebook".into())
        .stack_size(RENDER_STACK)
        .spawn(cli::run)
    {
        Ok(handle) => handle.join().unwrap_or(ExitCode::from(2)),
        Err(_) => cli::run(),
    }
}

/// glibc gives every thread that allocates its own arena and rarely hands
/// freed memory back: with Typst's and our rendering threads a month's run
/// peaked a third higher than the memory it actually used. Two arenas are
/// as fast here and keep the peak close to the live memory.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
