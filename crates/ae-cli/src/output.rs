//! Writing long outputs to stdout without panicking when the reader goes away
//! (`ae latent ... | head`): a closed pipe ends the output quietly.

use std::io::{ErrorKind, Write};

/// Prints each line; a broken pipe stops printing and is not an error.
pub fn print_lines(lines: impl IntoIterator<Item = String>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        match writeln!(out, "{line}") {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    match out.flush() {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
