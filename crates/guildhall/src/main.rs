//! The `guildhall` executable: parses the command line and hands over to the library, which
//! maps any failure to a one-line message on stderr and an exit code.

fn main() -> std::process::ExitCode {
    guildhall::run(<guildhall::cli::Cli as clap::Parser>::parse())
}
