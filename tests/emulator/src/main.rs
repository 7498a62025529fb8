//! `genesys-emulator`: serves the emulator until SIGINT/SIGTERM. The first
//! stdout line is the base URL (login and API).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use genesys_emulator::config::{DEFAULT_CLIENT_SPEC, parse_duration, parse_rate_limit};
use genesys_emulator::{ClientConfig, Emulator, EmulatorConfig, FaultPlan, Platform, Seed};

/// In-memory Genesys Cloud Platform API emulator (OAuth, Architect flows,
/// flow jobs, routing queues). Loopback only.
#[derive(Debug, Parser)]
#[command(name = "genesys-emulator", version)]
struct Args {
    /// Address to listen on (loopback only; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// OAuth client `ID:SECRET`, optionally `ID:SECRET:perm1,perm2` to limit
    /// its permissions (default: all). Repeat for several clients; giving any
    /// replaces the default client.
    #[arg(long = "client", value_name = "ID:SECRET", default_value = DEFAULT_CLIENT_SPEC)]
    clients: Vec<ClientConfig>,

    /// Initial data: `default` (flows and queues) or `empty`.
    #[arg(long, default_value = "default")]
    seed: Seed,

    /// Requests per minute per access token.
    #[arg(long, value_name = "N/min", default_value = "300/min", value_parser = parse_rate_limit)]
    rate_limit: u32,

    /// Faults, e.g. `seed=42,429=0.1,5xx=0.05,latency=50ms,drop=0.02` (see README).
    #[arg(long, value_name = "SPEC")]
    faults: Option<FaultPlan>,

    /// Lifetime of issued access tokens (`expires_in`), e.g. 24h, 90s.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    token_lifetime: Duration,

    /// How long checkin/publish operations and jobs run before completing.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    operation_delay: Duration,

    /// Platform behaviours: `strict` (all), or a list of `publish-202`,
    /// `stale-operations`, `reserialize`, `import-anonymous`,
    /// `publish-keeps-lock`, `relative-download`, `deps=published|exist|off`
    /// (see README).
    #[arg(long, value_name = "SPEC", value_parser = Platform::parse)]
    platform: Option<Platform>,

    /// Shorthand for `--platform strict`.
    #[arg(long)]
    strict: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let config = EmulatorConfig {
        listen: args.listen,
        clients: args.clients,
        seed: args.seed,
        rate_limit_per_minute: args.rate_limit,
        token_lifetime: args.token_lifetime,
        operation_delay: args.operation_delay,
        faults: args.faults.unwrap_or_default(),
        platform: if args.strict {
            Platform::strict()
        } else {
            args.platform.unwrap_or_default()
        },
    };
    let emulator = match Emulator::start(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("genesys-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let signals = install_signals();
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{}", emulator.base_url())
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    wait_for_signal(signals).await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Signal streams, installed before the base URL is printed so that a
/// supervisor reacting to that line cannot signal us too early.
#[cfg(unix)]
struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
fn install_signals() -> Signals {
    use tokio::signal::unix::{SignalKind, signal};
    Signals {
        term: signal(SignalKind::terminate()).ok(),
        int: signal(SignalKind::interrupt()).ok(),
    }
}

#[cfg(unix)]
async fn wait_for_signal(mut signals: Signals) {
    async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    tokio::select! {
        () = recv(&mut signals.term) => {}
        () = recv(&mut signals.int) => {}
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
fn install_signals() -> Signals {
    Signals
}

#[cfg(not(unix))]
async fn wait_for_signal(_signals: Signals) {
    let _ = tokio::signal::ctrl_c().await;
}
