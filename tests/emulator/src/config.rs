//! Start-up configuration of an emulator instance.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use crate::auth::ALL_PERMISSIONS;
use crate::faults::FaultPlan;
use crate::platform::Platform;

/// Client id of the OAuth client that exists when no client is configured.
pub const DEFAULT_CLIENT_ID: &str = "6f1c2a9e-3b7d-4e58-9a41-0c5d8e7f2b10";
/// Secret of the default OAuth client.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";
/// Display name of the default OAuth client.
pub const DEFAULT_CLIENT_NAME: &str = "flowguard emulator client";
/// `DEFAULT_CLIENT_ID:DEFAULT_CLIENT_SECRET`, as `--client` takes it.
pub const DEFAULT_CLIENT_SPEC: &str = "6f1c2a9e-3b7d-4e58-9a41-0c5d8e7f2b10:emulator-secret";

/// Id of the built-in "other" OAuth client used by interference faults
/// (taking a lock, publishing a version). It cannot log in unless it is also
/// configured as a client.
pub const OTHER_CLIENT_ID: &str = "0b8e5f2d-9c41-4a7e-8d13-6e2f1a0c9b77";
/// Display name of the built-in "other" client.
pub const OTHER_CLIENT_NAME: &str = "Another OAuth Client";

/// An OAuth client (client-credentials grant) and the permissions its roles
/// give it (API.md §1.5: client-credentials tokens carry role permissions, not
/// scopes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub id: String,
    pub secret: String,
    pub name: String,
    /// Permission strings such as `architect:flow:view`; a segment `*` matches
    /// anything (`architect:flow:*`).
    pub permissions: Vec<String>,
}

impl ClientConfig {
    /// A client holding every permission the emulated endpoints check.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            name: format!("client {id}"),
            id,
            secret: secret.into(),
            permissions: ALL_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Replaces the permission set.
    pub fn with_permissions<I, S>(mut self, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permissions = permissions.into_iter().map(Into::into).collect();
        self
    }

    /// The default client (see [`DEFAULT_CLIENT_ID`]).
    pub fn default_client() -> Self {
        Self::new(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).with_name(DEFAULT_CLIENT_NAME)
    }
}

/// Parses `ID:SECRET` or `ID:SECRET:perm1,perm2` (permissions contain colons,
/// so everything after the second colon is the comma-separated list).
impl FromStr for ClientConfig {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, ':');
        let id = parts.next().unwrap_or_default();
        let secret = parts
            .next()
            .ok_or_else(|| format!("client `{s}` must be ID:SECRET[:PERMISSION,...]"))?;
        if id.is_empty() || secret.is_empty() {
            return Err(format!("client `{s}` has an empty id or secret"));
        }
        let mut client = Self::new(id, secret);
        if id == DEFAULT_CLIENT_ID {
            client.name = DEFAULT_CLIENT_NAME.to_owned();
        }
        match parts.next() {
            None => Ok(client),
            Some(perms) => Ok(client.with_permissions(
                perms
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            )),
        }
    }
}

/// Which data the emulator starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// The org of [`crate::seed`]: inbound flows (one with a routing loop),
    /// an in-queue flow and routing queues in the Home division.
    #[default]
    Default,
    /// No flows and no queues (the Home division still exists).
    Empty,
}

impl FromStr for Seed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "default" => Ok(Self::Default),
            "empty" => Ok(Self::Empty),
            other => Err(format!(
                "unknown seed `{other}` (expected default or empty)"
            )),
        }
    }
}

/// Everything an emulator instance is started with.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Must be a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The OAuth clients that can log in. Empty means "the default client".
    pub clients: Vec<ClientConfig>,
    pub seed: Seed,
    /// Requests per minute per access token (API.md §4.3 default: 300).
    pub rate_limit_per_minute: u32,
    /// `expires_in` of issued tokens (real default: 24 h).
    pub token_lifetime: Duration,
    /// How long asynchronous work (checkin, publish, import/export jobs) stays
    /// running before it completes.
    pub operation_delay: Duration,
    /// Faults active from the start; can be replaced at run time.
    pub faults: FaultPlan,
    /// Platform behaviours (202 publish, stale operations, re-serialised
    /// configurations, ...); [`Platform::strict`] turns them all on.
    pub platform: Platform,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            clients: Vec::new(),
            seed: Seed::Default,
            rate_limit_per_minute: 300,
            token_lifetime: Duration::from_secs(86_400),
            operation_delay: Duration::from_millis(500),
            faults: FaultPlan::default(),
            platform: Platform::default(),
        }
    }
}

impl EmulatorConfig {
    /// The strict profile: every [`Platform`] option on.
    pub fn strict() -> Self {
        Self {
            platform: Platform::strict(),
            ..Self::default()
        }
    }
}

impl EmulatorConfig {
    /// The configured clients, or the default client when none is configured.
    pub fn effective_clients(&self) -> Vec<ClientConfig> {
        if self.clients.is_empty() {
            vec![ClientConfig::default_client()]
        } else {
            self.clients.clone()
        }
    }
}

/// Parses `N/min` (or a bare `N`) as a per-minute request limit.
pub fn parse_rate_limit(s: &str) -> Result<u32, String> {
    let n = s.strip_suffix("/min").unwrap_or(s).trim();
    match n.parse::<u32>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!("rate limit `{s}` must look like 300/min")),
    }
}

/// Parses a duration such as `500ms`, `2s`, `5m`, `1h` (bare numbers are ms).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("duration `{s}` must look like 50ms, 2s, 5m or 1h"))?;
    match unit {
        "" | "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" | "min" => Ok(Duration::from_secs(n.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(n.saturating_mul(3600))),
        _ => Err(format!("duration `{s}` has an unknown unit (ms, s, m, h)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clients() {
        let c: ClientConfig = "abc:def".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.id, "abc");
        assert_eq!(c.secret, "def");
        assert_eq!(c.permissions.len(), ALL_PERMISSIONS.len());
        let c: ClientConfig = "abc:def:architect:flow:view,routing:queue:view"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.permissions,
            vec!["architect:flow:view", "routing:queue:view"]
        );
        assert!("abc".parse::<ClientConfig>().is_err());
        assert!(":x".parse::<ClientConfig>().is_err());
    }

    #[test]
    fn default_spec_matches_the_constants() {
        assert_eq!(
            DEFAULT_CLIENT_SPEC,
            format!("{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}")
        );
        let c: ClientConfig = DEFAULT_CLIENT_SPEC
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c, ClientConfig::default_client());
    }

    #[test]
    fn parses_rates_and_durations() {
        assert_eq!(parse_rate_limit("300/min"), Ok(300));
        assert_eq!(parse_rate_limit("5"), Ok(5));
        assert!(parse_rate_limit("0/min").is_err());
        assert_eq!(parse_duration("50ms"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("2x").is_err());
    }
}
