//! What every org-facing command shares: where the org is, how to print, where state lives.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::OutputFormat;
use crate::audit::AuditLog;
use crate::genesys::api::PollPolicy;
use crate::genesys::{Client, Credentials, Endpoints, RetryPolicy, SystemClock, Transport};
use crate::journal::JournalDir;

/// How to reach the org.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Region by name (`us_east_1`, `eu-west-1`, ...; default: $GENESYSCLOUD_REGION).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// API base URL instead of a region (e.g. the emulator, http://127.0.0.1:PORT).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// Login base URL (default: derived from the API base).
    #[arg(long, value_name = "URL", hide = true)]
    pub login_base: Option<String>,
    /// Log every API call with its correlation id to stderr.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Also trust the CA certificates (PEM) in FILE, e.g. a corporate proxy's
    /// (default: $SSL_CERT_FILE when set). Proxies: $HTTPS_PROXY, $NO_PROXY.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
}

/// The extra trust roots: `--ca-cert FILE`, else `$SSL_CERT_FILE`.
pub fn extra_roots(
    explicit: Option<&std::path::Path>,
) -> Result<Vec<reqwest::Certificate>, String> {
    let (path, from) = match explicit {
        Some(p) => (p.to_path_buf(), "--ca-cert"),
        None => match std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
            Some(p) => (std::path::PathBuf::from(p), "SSL_CERT_FILE"),
            None => return Ok(Vec::new()),
        },
    };
    let bytes =
        std::fs::read(&path).map_err(|e| format!("{from} {}: cannot read: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|e| format!("{from} {}: not PEM certificates: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{from} {}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file",
            path.display()
        ));
    }
    Ok(certs)
}

impl ConnArgs {
    pub fn endpoints(&self) -> Result<Endpoints, String> {
        if let Some(base) = &self.api_base {
            return Endpoints::from_api_base(base, self.login_base.as_deref());
        }
        let region = self
            .region
            .clone()
            .or_else(Credentials::region_from_env)
            .ok_or_else(|| {
                "no org: pass --region REGION or --api-base URL, or set GENESYSCLOUD_REGION"
                    .to_owned()
            })?;
        Endpoints::for_region(&region)
    }

    /// A client for the org, credentials from the environment.
    pub fn client(&self) -> Result<Client, String> {
        let endpoints = self.endpoints()?;
        let creds = Credentials::from_env()?;
        let roots = extra_roots(self.ca_cert.as_deref())?;
        let mut t = Transport::with_roots(
            endpoints,
            creds,
            Arc::new(SystemClock),
            RetryPolicy::from_env(),
            &roots,
        )
        .map_err(|e| e.to_string())?;
        t.verbose = self.verbose;
        Ok(Client::new(t))
    }
}

/// Output and local state.
#[derive(clap::Args, Debug, Clone)]
pub struct StateArgs {
    /// `text` for people, `json` for pipelines (one JSON document on stdout).
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// Directory for the audit log and the journal.
    #[arg(long, value_name = "DIR", default_value = ".flowguard")]
    pub state_dir: PathBuf,
    /// The lockfile.
    #[arg(long, value_name = "FILE", default_value = "flowguard.lock")]
    pub lockfile: PathBuf,
    /// The audit log (default: STATE_DIR/audit.jsonl).
    #[arg(long = "audit-log", value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Send each audit event as a CloudEvent to this webhook.
    #[arg(long, value_name = "URL")]
    pub events_url: Option<String>,
}

impl Default for StateArgs {
    fn default() -> Self {
        Self {
            output: OutputFormat::Text,
            state_dir: PathBuf::from(".flowguard"),
            lockfile: PathBuf::from("flowguard.lock"),
            audit_log: None,
            events_url: None,
        }
    }
}

/// Prints progress on long waits: stderr, only on a terminal, only for text output.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub enabled: bool,
}

impl Progress {
    pub fn new(output: OutputFormat) -> Self {
        Self {
            enabled: output == OutputFormat::Text && std::io::stderr().is_terminal(),
        }
    }
    pub fn off() -> Self {
        Self { enabled: false }
    }
    pub fn tick(&self, what: &str, waited: Duration) {
        if self.enabled {
            eprint!("\r\x1b[2K{what}… {:.1}s", waited.as_secs_f64());
        }
    }
    pub fn done(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Everything a command needs besides the client.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub output: OutputFormat,
    pub lockfile: PathBuf,
    pub audit: AuditLog,
    pub journal: JournalDir,
    pub events_url: Option<String>,
    pub progress: Progress,
    pub poll: PollPolicy,
    /// `{{name}}` placeholder values for the document `deploy` reads (none by default).
    pub vars: std::sync::Arc<crate::vars::Vars>,
}

impl Ctx {
    pub fn new(s: &StateArgs) -> Self {
        Self {
            output: s.output,
            lockfile: s.lockfile.clone(),
            audit: AuditLog::new(
                s.audit_log
                    .clone()
                    .unwrap_or_else(|| s.state_dir.join("audit.jsonl")),
            ),
            journal: JournalDir::new(&s.state_dir),
            events_url: s.events_url.clone(),
            progress: Progress::new(s.output),
            poll: PollPolicy::from_env(),
            vars: Default::default(),
        }
    }
}

/// The operator recorded in audit events: `--operator`, else $USER, else the client id.
pub fn operator(explicit: Option<&str>, client_id: &str) -> String {
    explicit
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| format!("client:{client_id}"))
}
