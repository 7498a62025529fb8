//! The Genesys Cloud Platform API client: regions, credentials, the token cache, a
//! transport that retries what is safe to retry, and typed calls (API.md).

pub mod api;
pub mod auth;
pub mod credentials;
pub mod export;
pub mod model;
pub mod region;
pub mod retry;
pub mod transport;

pub use api::Client;
pub use credentials::{Credentials, Secret};
pub use region::Endpoints;
pub use transport::{ApiError, Clock, ErrorKind, RetryPolicy, SystemClock, Transport};
