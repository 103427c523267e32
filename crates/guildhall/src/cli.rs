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
    /// Import postcodes, areas, addresses or streets into the registers behind the look-ups.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate synthetic data at national scale, deterministically.
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Manage the notifications platform (GOV.UK Notify's API): services, API keys, templates.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Manage the payments platform (GOV.UK Pay's API): API keys.
    #[command(subcommand)]
    Pay(PayCommand),
    /// Work with service definitions (the low-code services' YAML files).
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Manage report-a-problem bodies and their categories from data files.
    #[command(subcommand)]
    Bodies(crate::commands::bodies::BodiesCommand),
}

/// `guildhall service …`.
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Check a service definition file: prints `FILE:LINE:COLUMN: message` for every error on
    /// stderr and exits 1 when there are any; prints the service's name and exits 0 when none.
    Check {
        /// The YAML definition file.
        file: PathBuf,
    },
}

/// `guildhall pay …`.
#[derive(Debug, Subcommand)]
pub enum PayCommand {
    /// API keys of a council.
    #[command(subcommand)]
    Key(PayKeyCommand),
}

/// `guildhall pay key …`.
#[derive(Debug, Subcommand)]
pub enum PayKeyCommand {
    /// Create an API key for a council; prints the key (`api_test_…` or `api_live_…`) alone on
    /// its last line. It is shown only once: only its hash is stored.
    Create {
        /// The council whose payments the key takes.
        #[arg(long, value_name = "SLUG")]
        council: String,
        /// test takes payments through the sandbox card provider; live through the live one.
        #[arg(long = "type", value_name = "test|live")]
        key_type: String,
        /// The key's name.
        name: String,
    },
}

/// `guildhall notify …`: each `create` prints the new id or key alone on its last line, for
/// scripts (`KEY=$(guildhall notify key create … | tail -n1)`).
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Notify services: each belongs to one council and has its own keys and templates.
    #[command(subcommand)]
    Service(NotifyServiceCommand),
    /// API keys of a service.
    #[command(subcommand)]
    Key(NotifyKeyCommand),
    /// Templates of a service.
    #[command(subcommand)]
    Template(NotifyTemplateCommand),
}

/// `guildhall notify service …`.
#[derive(Debug, Subcommand)]
pub enum NotifyServiceCommand {
    /// Create a service for a council; prints its id.
    Create {
        /// The council that owns the service.
        #[arg(long, value_name = "SLUG")]
        council: String,
        /// The service's name (the email sender name is made from it).
        name: String,
    },
}

/// `guildhall notify key …`.
#[derive(Debug, Subcommand)]
pub enum NotifyKeyCommand {
    /// Create an API key; prints the key (`{name}-{service id}-{secret}`), which is shown only once.
    Create {
        /// The service's id.
        #[arg(long, value_name = "ID")]
        service: String,
        /// live sends to anyone; team only to the team; test never delivers.
        #[arg(long = "type", value_name = "live|team|test")]
        key_type: String,
        /// The key's name.
        name: String,
    },
    /// Revoke an API key at once: requests signed with it are refused from then on.
    Revoke {
        /// The whole key as `key create` printed it.
        key: String,
    },
}

/// `guildhall notify template …`.
#[derive(Debug, Subcommand)]
pub enum NotifyTemplateCommand {
    /// Create a template; prints its id.
    Create {
        /// The service's id.
        #[arg(long, value_name = "ID")]
        service: String,
        /// What the template sends.
        #[arg(long = "type", value_name = "email|sms|letter")]
        template_type: String,
        /// The template's name.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The subject (email) or heading (letter); text messages have none.
        #[arg(long, value_name = "TEXT")]
        subject: Option<String>,
        /// The file holding the body, with ((placeholders)).
        #[arg(long, value_name = "FILE")]
        body_file: PathBuf,
    },
}

/// `guildhall import …`: each prints rows read, imported and rejected (with line numbers).
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// OS Code-Point Open CSV (gzipped or not) into the national `postcode` register.
    Postcodes {
        /// The CSV file (`.gz` or plain).
        file: PathBuf,
    },
    /// GeoJSON boundaries into the national `area` register.
    Areas {
        /// The GeoJSON file (`.gz` or plain): a FeatureCollection of Polygons and MultiPolygons.
        file: PathBuf,
        /// The MapIt area type code of every feature (CTY, DIS, UTA, MTD, LBO, CPC, DIW, UTW, …).
        #[arg(long = "type", value_name = "CODE")]
        type_code: String,
        /// The coordinate reference system of the file: 4326 (lon/lat) or 27700 (British National Grid).
        #[arg(long, default_value_t = 4326, value_name = "EPSG")]
        crs: u32,
        /// The feature property holding the area's code (GSS).
        #[arg(long, default_value = "code", value_name = "NAME")]
        code_property: String,
        /// The feature property holding the area's name.
        #[arg(long, default_value = "name", value_name = "NAME")]
        name_property: String,
        /// The feature property holding the parent area's code, if any.
        #[arg(long, value_name = "NAME")]
        parent_property: Option<String>,
        /// The boundary generation these areas belong to.
        #[arg(long, default_value_t = 1, value_name = "N")]
        generation: u32,
    },
    /// Addresses CSV into the national `address` register.
    Addresses {
        /// The CSV file (`.gz` or plain).
        file: PathBuf,
        /// The file's column shape.
        #[arg(long, value_enum, default_value_t = AddressFormat::Addressbase)]
        format: AddressFormat,
    },
    /// Streets CSV (OS Open USRN / Open Names shape) into the national `street` register.
    Streets {
        /// The CSV file (`.gz` or plain).
        file: PathBuf,
    },
}

/// The column shapes `import addresses` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AddressFormat {
    /// OS AddressBase Plus columns (what `generate addresses` writes).
    Addressbase,
    /// Iceland's national address register (Staðfangaskrá).
    Iceland,
}

/// `guildhall generate …`.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Synthetic GB addresses in AddressBase Plus CSV shape, anchored on real postcodes.
    Addresses {
        /// How many addresses.
        #[arg(long, value_name = "N")]
        count: u64,
        /// The seed: the same seed and count give the same bytes.
        #[arg(long, default_value_t = 1, value_name = "S")]
        seed: u64,
        /// Where to write the CSV (default: stdout).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The Code-Point Open CSV whose real postcodes and points anchor the addresses.
        #[arg(long, value_name = "FILE", default_value = "../shared/data/gb-postcodes-codepoint-open-2025-05.csv.gz")]
        postcodes: PathBuf,
    },
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

    #[test]
    fn import_and_generate_take_the_shapes_outside_scripts_use() {
        for line in [
            &["guildhall", "import", "postcodes", "cp.csv.gz"][..],
            &["guildhall", "import", "areas", "a.geojson", "--type", "UTA", "--crs", "27700"],
            &["guildhall", "import", "areas", "a.geojson", "--type", "DIW"],
            &["guildhall", "import", "addresses", "a.csv"],
            &["guildhall", "import", "addresses", "a.csv", "--format", "iceland"],
            &["guildhall", "import", "addresses", "a.csv", "--format", "addressbase"],
            &["guildhall", "generate", "addresses", "--count", "1000", "--seed", "7"],
        ] {
            assert!(Cli::try_parse_from(line).is_ok(), "{line:?}");
        }
        assert!(Cli::try_parse_from(["guildhall", "import", "areas", "a.geojson"]).is_err(), "--type is required");
        assert!(Cli::try_parse_from(["guildhall", "import", "addresses", "a.csv", "--format", "x"]).is_err());
    }
}
