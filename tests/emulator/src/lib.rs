//! An in-memory emulator of the Genesys Cloud Platform API subset flowguard
//! talks to: OAuth client credentials, Architect flows (locks, versions,
//! asynchronous checkin/publish), Archy import and export jobs, and routing
//! queues. Behaviour follows `shared/genesys/API.md`; see the crate README for
//! what is emulated, what is inferred and the fault syntax.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use genesys_emulator::{Emulator, EmulatorConfig, FaultPlan, seed};
//! let emu = Emulator::start(EmulatorConfig::default()).await?;
//! println!("{}", emu.base_url());
//! emu.set_faults(FaultPlan { burst_429: 2, ..FaultPlan::default() });
//! assert_eq!(emu.published_version(seed::FLOW_MAIN_IVR_ID).as_deref(), Some("2.0"));
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod archy;
mod auth;
mod clock;
pub mod config;
pub mod control;
pub mod deps;
mod errors;
pub mod faults;
mod flows;
mod ids;
mod jobs;
mod operations;
mod paging;
pub mod platform;
mod queues;
mod rate_limit;
pub mod seed;
mod server;
mod store;

pub use auth::ALL_PERMISSIONS;
pub use config::{
    ClientConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_NAME, DEFAULT_CLIENT_SECRET, EmulatorConfig,
    OTHER_CLIENT_ID, OTHER_CLIENT_NAME, Seed,
};
pub use control::{ControlError, EmulatorControl, RequestRecord, VersionInfo};
pub use deps::DependencyCheck;
pub use faults::{FaultPlan, Interference, InterferenceAction};
pub use jobs::UPLOAD_HEADERS;
pub use platform::Platform;
pub use server::{Emulator, RunningEmulator, StartError};
