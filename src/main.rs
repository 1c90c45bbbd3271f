//! The `dockopt` binary: parses flags and calls the library.

mod cli;

use std::process::ExitCode;

/// mimalloc: a third of `check`'s time was glibc malloc/free. Built as v2
/// without the huge-page madvise (the `no_thp` feature): zeroing 2 MiB
/// pages cost more per start than a one-file run saves. Figures: README.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
