//! The `tend` command line. `main.rs` only calls [`run`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, ConnectionLimits};
use crate::domain::helplines::Helplines;
use crate::store::{self, DatabaseUrl};
use crate::vault::KdfParams;

#[derive(Debug, Parser)]
#[command(
    name = "tend",
    version,
    about = "tend: a self-compassion practice companion for medical students"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the web server (creates the data folder and database on first start).
    Serve(Box<ServeArgs>),
    /// Create or update the database schema, then exit.
    Migrate(DbArgs),
    /// Copy the SQLite database to a new file while tend keeps running
    /// (for PostgreSQL use pg_dump; see docs/operations.md).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The file to write; it must not exist yet.
        out: PathBuf,
    },
    /// Score one set of questionnaire answers and print JSON, e.g. `tend score phq9 0 1 2 0 0 1 0 0 0`.
    Score {
        /// Instrument id, e.g. who5, phq9, scs-sf.
        instrument: String,
        /// Response codes in item order; `-` for an unanswered item.
        #[arg(allow_hyphen_values = true)]
        answers: Vec<String>,
    },
    /// Read your own export (tend-export.json) without any server: prints
    /// every record, grouped by kind, as plain text. Reads `-` as standard input.
    ExportOpen {
        /// The export file, as downloaded from Account → "Everything (JSON)".
        file: PathBuf,
    },
    /// Server administration: roles for peer-support circles.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Look for self-critical language and thinking patterns in text read from standard input.
    Analyze {
        /// Print one JSON object per item.
        #[arg(long)]
        json: bool,
        /// Treat each input line as its own item.
        #[arg(long)]
        lines: bool,
        /// Evaluate against a labelled CSV file instead of reading standard input.
        #[arg(long, value_name = "FILE")]
        eval: Option<PathBuf>,
        /// Use the hand-written rules alone, without the learned layer (for comparison).
        #[arg(long)]
        rules_only: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AdminAction {
    /// Grant a role. Without --circle: `admin` (every circle, all moderation) or
    /// `facilitator` (may start circles). With --circle: `facilitator`,
    /// `moderator` or `member` in that circle (adding the person if needed).
    GrantRole(RoleArgs),
    /// Take a role away (with --circle, a circle role goes back to `member`).
    RevokeRole(RoleArgs),
    /// Programme insight: create a programme or appoint its leads.
    Programme {
        #[command(subcommand)]
        action: ProgrammeAction,
    },
}

#[derive(Debug, Subcommand)]
enum ProgrammeAction {
    /// Create a programme and print the code students join with.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// The programme's name, e.g. "Year 3 Medicine 2026".
        name: String,
        /// Smallest group whose figures are shown (at least 5; default 10).
        #[arg(long)]
        k: Option<i64>,
        /// Resources shown to every member (plain text; links are written out).
        #[arg(long, default_value = "")]
        resources: String,
    },
    /// Appoint a lead, who sees the programme's released figures and nothing of any student.
    Lead {
        #[command(flatten)]
        db: DbArgs,
        /// The programme's name.
        name: String,
        /// The lead's handle (they need an account first).
        handle: String,
    },
}

#[derive(Debug, Args)]
struct RoleArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The person's handle.
    handle: String,
    /// admin, facilitator, moderator or member.
    role: String,
    /// A circle id (from the circle's address, /circles/ID), or `learn` for the Learn replies.
    #[arg(long)]
    circle: Option<String>,
}

#[derive(Args)]
struct DbArgs {
    /// Folder for tend's data (the SQLite database lives here by default).
    #[arg(long, env = "TEND_DATA_DIR", default_value = "./tend-data")]
    data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://USER@HOST/DB`; default: SQLite in the data folder.
    #[arg(long, env = "TEND_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// Without the database password (see [`crate::config::redact_url`]).
impl std::fmt::Debug for DbArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(crate::config::redact_url),
            )
            .finish()
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "TEND_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Mark cookies Secure (set this when tend is served over HTTPS).
    #[arg(long, env = "TEND_SECURE_COOKIES")]
    secure_cookies: bool,
    /// A TOML file of help lines that extends or replaces the built-in lines of
    /// one country, or of everywhere (see docs/operations.md). Repeatable; in
    /// the environment, separate paths with commas.
    #[arg(long, env = "TEND_HELPLINES", value_delimiter = ',')]
    helplines: Vec<PathBuf>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "TEND_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    max_body_bytes: usize,
    /// Sign-in, sign-up and recovery attempts allowed per client per minute.
    #[arg(long, env = "TEND_AUTH_ATTEMPTS_PER_MINUTE", default_value_t = 10)]
    auth_attempts_per_minute: u32,
    /// Argon2id memory cost in KiB (default follows OWASP guidance).
    #[arg(long, env = "TEND_ARGON2_MEMORY_KIB", default_value_t = 19 * 1024, hide = true)]
    argon2_memory_kib: u32,
    /// Most connections served at once; more wait until one closes.
    #[arg(long, env = "TEND_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Seconds a connection may take to send a request's headers, or sit idle between requests.
    #[arg(long, env = "TEND_HEADER_TIMEOUT", default_value_t = 10)]
    header_timeout: u64,
    /// The load balancer's address: for its connections, the client is the
    /// last address in X-Forwarded-For (used for per-address limits).
    #[arg(long, env = "TEND_TRUSTED_PROXY")]
    trusted_proxy: Option<std::net::IpAddr>,
    /// Serve Prometheus metrics at http://ADDR/metrics (off unless given; keep it private).
    #[arg(long, env = "TEND_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Send no Web Push notifications (on by default: only devices whose
    /// people turned push on get any).
    #[arg(long, env = "TEND_NO_WEB_PUSH")]
    no_web_push: bool,
    /// A mailto: or https: address push services may use to reach whoever
    /// runs this server (the VAPID "sub"; Apple's service needs one).
    #[arg(long, env = "TEND_PUSH_CONTACT")]
    push_contact: Option<String>,
    /// Most PostgreSQL connections this process keeps open, 2 to 256
    /// (default: twice the cores, at least 4). Not used with SQLite.
    #[arg(long, env = "TEND_DB_POOL_SIZE", value_name = "N", value_parser = parse_pool_size)]
    db_pool_size: Option<u32>,
    /// Threads that serve requests, 1 to 256 (default: one per core). One
    /// thread per process did not lower CPU per request when several
    /// processes shared the cores (docs/operations.md).
    #[arg(long, env = "TEND_WORKER_THREADS", value_name = "N", value_parser = parse_worker_threads)]
    worker_threads: Option<usize>,
    /// Log format: `text` (default) or `json` (one object per line).
    #[arg(long, env = "TEND_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
    #[command(flatten)]
    mail: MailArgs,
}

/// E-mail to facilitators and leads who give an address (off unless
/// `--smtp-host` is set; see docs/notifications.md).
#[derive(Debug, Args)]
struct MailArgs {
    /// The SMTP server's host name.
    #[arg(long, env = "TEND_SMTP_HOST")]
    smtp_host: Option<String>,
    /// The SMTP server's port.
    #[arg(long, env = "TEND_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    /// The sender, e.g. "tend <tend@school.example>".
    #[arg(long, env = "TEND_SMTP_FROM")]
    smtp_from: Option<String>,
    /// The SMTP user name, if the server asks for one.
    #[arg(long, env = "TEND_SMTP_USER")]
    smtp_user: Option<String>,
    /// The SMTP password (prefer the environment variable).
    #[arg(long, env = "TEND_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// `starttls` (default), `tls`, or `none` (only for a relay on this machine).
    #[arg(long, env = "TEND_SMTP_TLS", default_value = "starttls")]
    smtp_tls: String,
    /// The address people reach tend at, for links in e-mail, e.g. https://tend.school.example.
    #[arg(long, env = "TEND_PUBLIC_URL")]
    public_url: Option<String>,
}

impl MailArgs {
    fn config(&self) -> anyhow::Result<Option<crate::config::MailConfig>> {
        let Some(host) = self.smtp_host.clone().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let tls = crate::config::MailTls::parse(&self.smtp_tls)
            .ok_or_else(|| anyhow::anyhow!("--smtp-tls must be starttls, tls or none"))?;
        let from = self
            .smtp_from
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--smtp-from is needed with --smtp-host"))?;
        let public_url = self
            .public_url
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--public-url is needed with --smtp-host"))?;
        Ok(Some(crate::config::MailConfig {
            host,
            port: self.smtp_port,
            from,
            user: self.smtp_user.clone(),
            password: self.smtp_password.clone(),
            tls,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }))
    }
}

/// `--db-pool-size`: a whole number from [`store::MIN_POOL_SIZE`] to
/// [`store::MAX_POOL_SIZE`].
fn parse_pool_size(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if (store::MIN_POOL_SIZE..=store::MAX_POOL_SIZE).contains(&n) => Ok(n),
        _ => Err(format!(
            "the pool size must be a whole number from {} to {} \
             (one connection may be busy with live updates)",
            store::MIN_POOL_SIZE,
            store::MAX_POOL_SIZE
        )),
    }
}

/// Largest `--worker-threads` accepted.
const MAX_WORKER_THREADS: usize = 256;

/// `--worker-threads`: a whole number from 1 to [`MAX_WORKER_THREADS`].
fn parse_worker_threads(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_WORKER_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "the number of worker threads must be a whole number from 1 to {MAX_WORKER_THREADS}"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let threads = args.worker_threads;
            with_runtime_threads(threads, || serve(*args))
        }
        Command::Migrate(args) => with_runtime(|| migrate(args)),
        Command::Backup { db, out } => with_runtime(|| backup(db, out)),
        Command::Score {
            instrument,
            answers,
        } => score(instrument, answers),
        Command::Analyze {
            json,
            lines,
            eval,
            rules_only,
        } => analyze(tend_detector::cli::AnalyzeArgs {
            json,
            lines,
            eval,
            rules_only,
        }),
        Command::Admin { action } => with_runtime(|| admin(action)),
        Command::ExportOpen { file } => export_open(&file),
    }
}

fn with_runtime<F, Fut>(f: F) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    with_runtime_threads(None, f)
}

/// `threads`: the runtime's worker threads; `None` leaves tokio's default
/// (one per core, or `TOKIO_WORKER_THREADS`).
fn with_runtime_threads<F, Fut>(threads: Option<usize>, f: F) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(n);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tend: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(f()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tend: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEND_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

fn prepare_data_dir(args: &DbArgs) -> anyhow::Result<DatabaseUrl> {
    let url = DatabaseUrl::resolve(args.database_url.as_deref(), &args.data_dir)?;
    if matches!(url, DatabaseUrl::Sqlite(_)) {
        std::fs::create_dir_all(&args.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "could not create the data folder {}: {e}",
                args.data_dir.display()
            )
        })?;
    }
    Ok(url)
}

/// Admin commands change a tend that exists: with no database there is
/// nothing to change, so they say so and create nothing (no folder, no empty
/// database that `tend serve` would later not be pointed at).
fn existing_database(args: &DbArgs) -> anyhow::Result<DatabaseUrl> {
    let url = DatabaseUrl::resolve(args.database_url.as_deref(), &args.data_dir)?;
    if let DatabaseUrl::Sqlite(u) = &url {
        let path = u
            .strip_prefix("sqlite://")
            .or_else(|| u.strip_prefix("sqlite:"))
            .unwrap_or(u);
        let path = path.split('?').next().unwrap_or(path);
        if !path.starts_with(":memory:") && !std::path::Path::new(path).exists() {
            anyhow::bail!(
                "no tend database at {path}, so nothing was changed and nothing was created. \
                 Pass the --data-dir (or --database-url) that `tend serve` uses."
            );
        }
    }
    Ok(url)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let mut files = Vec::new();
    for path in &args.helplines {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("could not read {}: {e}", path.display()))?;
        files.push((path.display().to_string(), text));
    }
    let helplines =
        Helplines::with_operator_files(&files).map_err(|e| anyhow::anyhow!("help lines: {e}"))?;
    let url = prepare_data_dir(&args.db)?;
    let config = Config {
        addr: args.addr,
        data_dir: args.db.data_dir,
        database_url: args.db.database_url,
        db_pool_size: args.db_pool_size.unwrap_or_else(store::default_pool_size),
        secure_cookies: args.secure_cookies,
        max_body_bytes: args.max_body_bytes,
        auth_attempts_per_minute: args.auth_attempts_per_minute,
        helplines,
        kdf: KdfParams {
            memory_kib: args.argon2_memory_kib,
            ..KdfParams::default()
        },
        session_ttl_seconds: 14 * 24 * 3600,
        limits: ConnectionLimits {
            max_connections: args.max_connections,
            header_read_timeout: std::time::Duration::from_secs(args.header_timeout.max(1)),
            trusted_proxy: args.trusted_proxy,
            ..ConnectionLimits::default()
        },
        metrics_addr: args.metrics_addr,
        mail: args.mail.config()?,
        push: crate::service::push::PushConfig {
            disabled: args.no_web_push,
            contact: args.push_contact.filter(|c| !c.is_empty()),
            allow_loopback_http: false,
        },
    };
    let store = store::connect_sized(&url, config.db_pool_size).await?;
    let services = crate::service::Services::new(store, &config);
    let server = crate::web::Server::bind(config, services).await?;
    println!("tend is running at http://{}", server.local_addr());
    server.run_until_shutdown().await?;
    Ok(())
}

async fn migrate(args: DbArgs) -> anyhow::Result<()> {
    let url = prepare_data_dir(&args)?;
    let store = store::connect(&url).await?;
    println!("The {} database is up to date.", store.backend());
    Ok(())
}

async fn backup(args: DbArgs, out: PathBuf) -> anyhow::Result<()> {
    let url = DatabaseUrl::resolve(args.database_url.as_deref(), &args.data_dir)?;
    let DatabaseUrl::Sqlite(url) = url else {
        anyhow::bail!(
            "this is a PostgreSQL database: back it up with pg_dump (see docs/operations.md)"
        );
    };
    let file = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    if !std::path::Path::new(file).exists() {
        anyhow::bail!("there is no database at {file}; nothing was backed up");
    }
    if out.exists() {
        anyhow::bail!("{} already exists; choose a new file name", out.display());
    }
    let store = store::SqliteStore::connect(&url).await?;
    store.backup_to(&out).await?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!("Backed up to {} ({size} bytes).", out.display());
    Ok(())
}

async fn programme_admin(action: ProgrammeAction) -> anyhow::Result<()> {
    let db = match &action {
        ProgrammeAction::Create { db, .. } | ProgrammeAction::Lead { db, .. } => db,
    };
    let url = existing_database(db)?;
    let services = crate::service::Services {
        store: store::connect(&url).await?,
        kdf: KdfParams::default(),
        session_ttl: 0,
        mailer: None,
        push: None,
        read_cache: Default::default(),
    };
    let programmes = services.programmes();
    match action {
        ProgrammeAction::Create {
            name, k, resources, ..
        } => {
            let now = crate::web::now();
            match programmes.create(&name, k, &resources, now).await {
                Ok(p) => println!(
                    "Created programme {} (shows groups of {} or more). Students join with the code {}.",
                    p.name, p.k, p.code
                ),
                Err(crate::service::ServiceError::Invalid(errors)) => {
                    let words: Vec<_> = errors.into_iter().map(|e| e.message).collect();
                    anyhow::bail!("{}", words.join(" "));
                }
                Err(e) => return Err(e.into()),
            }
        }
        ProgrammeAction::Lead { name, handle, .. } => {
            match programmes.appoint_lead(&name, &handle.to_lowercase()).await {
                Ok(()) => println!("{} now leads {name}.", handle.to_lowercase()),
                Err(crate::service::ServiceError::NotFound) => {
                    anyhow::bail!(
                        "no programme called {name}, or no account with the handle {handle}"
                    )
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

async fn admin(action: AdminAction) -> anyhow::Result<()> {
    use crate::domain::circles::{Role, SERVER_ADMIN, SERVER_FACILITATOR};
    let (grant, args) = match action {
        AdminAction::GrantRole(a) => (true, a),
        AdminAction::RevokeRole(a) => (false, a),
        AdminAction::Programme { action } => return programme_admin(action).await,
    };
    let url = existing_database(&args.db)?;
    let store = store::connect(&url).await?;
    let handle = args.handle.trim().to_lowercase();
    let account = store
        .account_by_handle(&handle)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account has the handle {handle}"))?;
    let role = args.role.trim().to_lowercase();
    match args.circle.as_deref() {
        None => {
            if role != SERVER_ADMIN && role != SERVER_FACILITATOR {
                anyhow::bail!("without --circle the role must be admin or facilitator");
            }
            if grant {
                store.grant_server_role(&account.id, &role).await?;
                println!("{handle} is now a server {role}.");
            } else if store.revoke_server_role(&account.id, &role).await? {
                println!("{handle} is no longer a server {role}.");
            } else {
                println!("{handle} was not a server {role}; nothing changed.");
            }
        }
        Some(circle) => {
            let Some(r) = Role::parse(&role) else {
                anyhow::bail!("in a circle the role must be facilitator, moderator or member");
            };
            if store.circle(circle).await?.is_none() {
                anyhow::bail!("there is no circle with the id {circle}");
            }
            let target = if grant { r } else { Role::Member };
            if store.membership(circle, &account.id).await?.is_some() {
                store
                    .set_member_role(circle, &account.id, target.as_str())
                    .await?;
            } else if grant {
                add_to_circle(store.as_ref(), circle, &account.id, target).await?;
            } else {
                println!("{handle} is not in that circle; nothing changed.");
                return Ok(());
            }
            println!("{handle} is now {} in circle {circle}.", target.as_str());
        }
    }
    Ok(())
}

/// Adds someone to a circle under a fresh pseudonym, drawing again on a clash.
async fn add_to_circle(
    store: &dyn store::Store,
    circle: &str,
    account_id: &str,
    role: crate::domain::circles::Role,
) -> anyhow::Result<()> {
    use rand::RngCore;
    for _ in 0..10 {
        let mut r = rand::rngs::OsRng;
        let m = store::MembershipRow {
            id: uuid::Uuid::new_v4().simple().to_string(),
            circle_id: circle.to_owned(),
            account_id: account_id.to_owned(),
            role: role.as_str().to_owned(),
            pseudonym: crate::domain::circles::pseudonym(r.next_u32(), r.next_u32(), r.next_u32()),
            joined_at: crate::web::now(),
            suspended_until: None,
        };
        match store.add_member(&m).await {
            Ok(()) => return Ok(()),
            Err(store::StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    anyhow::bail!("could not find a free pseudonym; try again")
}

fn score(instrument: String, answers: Vec<String>) -> ExitCode {
    let mut words = vec![instrument];
    words.extend(answers);
    match tend_instruments::run_score_command(&words) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("tend score: {message}");
            ExitCode::from(2)
        }
    }
}

fn analyze(args: tend_detector::cli::AnalyzeArgs) -> ExitCode {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    match tend_detector::cli::run_analyze(&args, &mut stdin, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tend analyze: {message}");
            ExitCode::from(2)
        }
    }
}

/// `tend export-open FILE`: the export as readable text. Exports are written
/// opened (plain JSON, not sealed), so no passphrase is needed; the file is
/// as private as the records in it.
fn export_open(file: &std::path::Path) -> ExitCode {
    use std::io::{Read, Write};
    let read = if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(file)
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            eprintln!("tend export-open: could not read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    match crate::domain::transfer::readable(&bytes) {
        Ok(text) => {
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tend export-open: {}", e.message);
            ExitCode::from(2)
        }
    }
}
