//! OAuth client credentials. The secret (and every access token) is a [`Secret`]: its
//! `Debug` and `Display` print `[redacted]`, and [`redact`] scrubs error texts.

use std::fmt;

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A client-credentials OAuth client.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Environment variable names, CX as Code's first.
pub const ENV_CLIENT_ID: [&str; 2] = ["GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYS_CLIENT_ID"];
pub const ENV_CLIENT_SECRET: [&str; 2] =
    ["GENESYSCLOUD_OAUTHCLIENT_SECRET", "GENESYS_CLIENT_SECRET"];
pub const ENV_REGION: &str = "GENESYSCLOUD_REGION";

fn first_env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

impl Credentials {
    /// Reads the credentials from the environment.
    pub fn from_env() -> Result<Self, String> {
        let client_id = first_env(&ENV_CLIENT_ID).ok_or_else(|| {
            "no OAuth client id: set GENESYSCLOUD_OAUTHCLIENT_ID (or GENESYS_CLIENT_ID)".to_owned()
        })?;
        let secret = first_env(&ENV_CLIENT_SECRET).ok_or_else(|| {
            "no OAuth client secret: set GENESYSCLOUD_OAUTHCLIENT_SECRET (or GENESYS_CLIENT_SECRET)"
                .to_owned()
        })?;
        Ok(Self {
            client_id,
            client_secret: Secret::new(secret),
        })
    }

    /// The region named in the environment, if any.
    pub fn region_from_env() -> Option<String> {
        first_env(&[ENV_REGION])
    }
}

/// Replaces every occurrence of each secret (at least 4 characters) in `text`.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if s.0.len() >= 4 {
            out = out.replace(&s.0, "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials {
            client_id: "id".into(),
            client_secret: Secret::new("canary-42-secret"),
        };
        let shown = format!("{c:?} {}", c.client_secret);
        assert!(!shown.contains("canary"), "{shown}");
        assert_eq!(
            redact("x canary-42-secret y", &[&c.client_secret]),
            "x [redacted] y"
        );
    }
}
