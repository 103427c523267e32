//! The command line, exactly as outside scripts call it: global options, then `serve`, `demo`,
//! `council …` or `register …`. Only the shape lives here; the commands run in `commands`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Guildhall: registers, platforms and services for local government, in one binary.
#[derive(Debug, Parser)]
#[command(name = "guildhall", version, about)]
pub struct Cli {
    /// Database to use: sqlite://PATH or postgres://… [default: sqlite://data/guildhall.sqlite]
    #[arg(long, global = true, env = "GUILDHALL_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// A TOML configuration file (default: ./guildhall.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Start a seeded demo council ("Exampleshire") on sqlite://data/demo.sqlite and serve it.
    Demo(ServeArgs),
    /// Manage councils (tenants).
    #[command(subcommand)]
    Council(CouncilCommand),
    /// Manage registers: import, export, verify, prove.
    #[command(subcommand)]
    Register(RegisterCommand),
}

/// Where to listen; unset options fall back to configuration.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one [default: 8080]
    #[arg(long, short)]
    pub port: Option<u16>,
    /// Address to bind [default: 127.0.0.1]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<IpAddr>,
}

/// `guildhall council …`.
#[derive(Debug, Subcommand)]
pub enum CouncilCommand {
    /// Create a council.
    Create {
        /// Its slug for URLs: lower-case letters, digits and hyphens.
        slug: String,
        /// Its name as citizens know it.
        name: String,
    },
    /// List councils, one per line: slug, then name.
    List,
}

/// Which register a command is about: national unless `--council` is given.
#[derive(Debug, Clone, Args)]
pub struct RegisterRef {
    /// The register's name.
    pub name: String,
    /// The council that owns it (default: a national register).
    #[arg(long, value_name = "SLUG")]
    pub council: Option<String>,
}

/// `guildhall register …`.
#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// Import an RSF file (creating the register when new); prints the new root hash.
    Import {
        /// The RSF file.
        file: PathBuf,
        /// Register name (default: the name in the file's system `name` entry).
        #[arg(long, value_name = "NAME")]
        register: Option<String>,
        /// The council that owns it (default: a national register).
        #[arg(long, value_name = "SLUG")]
        council: Option<String>,
    },
    /// Write a register as RSF to stdout.
    Export {
        /// The register (and its council).
        #[command(flatten)]
        register: RegisterRef,
        /// Only the user entries after this one.
        #[arg(long, default_value_t = 0, value_name = "N")]
        from: u64,
    },
    /// List registers, one per line: name, entries, records, open or private.
    List {
        /// The council whose registers to list (default: national registers).
        #[arg(long, value_name = "SLUG")]
        council: Option<String>,
    },
    /// Check a stored register (or an RSF file) end to end; exit 1 if it was altered.
    Verify {
        /// The register's name.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        name: Option<String>,
        /// The council that owns it (default: a national register).
        #[arg(long, value_name = "SLUG", conflicts_with = "file")]
        council: Option<String>,
        /// Verify an RSF file instead of a stored register.
        #[arg(long, value_name = "FILE.rsf")]
        file: Option<PathBuf>,
    },
    /// Print the root, an inclusion proof (--entry) or a consistency proof (--from) as JSON.
    Proof {
        /// The register (and its council).
        #[command(flatten)]
        register: RegisterRef,
        /// Prove entry N is in the tree.
        #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"])]
        entry: Option<u64>,
        /// Tree size for the inclusion proof (default: the current size).
        #[arg(long, value_name = "M", requires = "entry")]
        size: Option<u64>,
        /// Prove the tree of size M is a prefix of a later one.
        #[arg(long, value_name = "M")]
        from: Option<u64>,
        /// The later size for the consistency proof (default: the current size).
        #[arg(long, value_name = "N", requires = "from")]
        to: Option<u64>,
    },
    /// Create an empty register.
    Create {
        /// The register (and its council).
        #[command(flatten)]
        register: RegisterRef,
        /// Readable only with a key.
        #[arg(long)]
        private: bool,
    },
    /// Issue a custodian API key for a register; the secret is printed once.
    Key {
        /// The register (and its council).
        #[command(flatten)]
        register: RegisterRef,
        /// A label to recognise the key by.
        #[arg(long, default_value = "cli", value_name = "L")]
        label: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn verify_takes_a_name_or_a_file_but_not_both() {
        assert!(Cli::try_parse_from(["guildhall", "register", "verify", "country"]).is_ok());
        assert!(Cli::try_parse_from(["guildhall", "register", "verify", "--file", "x.rsf"]).is_ok());
        assert!(Cli::try_parse_from(["guildhall", "register", "verify"]).is_err());
        assert!(Cli::try_parse_from(["guildhall", "register", "verify", "c", "--file", "x.rsf"]).is_err());
    }
}
