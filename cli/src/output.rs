//! Writing results to standard output.
//!
//! Invariant: nothing here panics. A reader that goes away early (`pipelab expand x | head -1`)
//! closes the pipe; like Unix tools we then stop writing and exit quietly with success, while
//! any other write error becomes a usage error message (`Err`) for `main` to print.

use std::io::{self, Write};

/// Writes `text` to standard output and flushes it; a closed pipe is not an error.
pub fn emit(text: &str) -> Result<(), String> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the output: {e}"))
        }
        _ => Ok(()),
    }
}

/// [`emit`] followed by a newline.
pub fn emit_line(text: &str) -> Result<(), String> {
    emit(&format!("{text}\n"))
}
