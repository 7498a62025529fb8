//! The 18 Genesys Cloud regions (API.md §1.2) and the API/login base URLs.

/// `(AWS region key, domain)`: the API host is `api.<domain>`, the login host `login.<domain>`.
pub const REGIONS: &[(&str, &str)] = &[
    ("us_east_1", "mypurecloud.com"),
    ("us_east_2", "use2.us-gov-pure.cloud"),
    ("us_west_2", "usw2.pure.cloud"),
    ("ca_central_1", "cac1.pure.cloud"),
    ("sa_east_1", "sae1.pure.cloud"),
    ("mx_central_1", "mxc1.pure.cloud"),
    ("eu_west_1", "mypurecloud.ie"),
    ("eu_west_2", "euw2.pure.cloud"),
    ("eu_central_1", "mypurecloud.de"),
    ("eu_central_2", "euc2.pure.cloud"),
    ("eusc_de_east_1", "edee1.eusc-pure.cloud"),
    ("me_central_1", "mec1.pure.cloud"),
    ("ap_south_1", "aps1.pure.cloud"),
    ("ap_southeast_1", "apse1.pure.cloud"),
    ("ap_southeast_2", "mypurecloud.com.au"),
    ("ap_northeast_1", "mypurecloud.jp"),
    ("ap_northeast_2", "apne2.pure.cloud"),
    ("ap_northeast_3", "apne3.pure.cloud"),
];

/// Where the API and the token endpoint live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// `https://api.mypurecloud.com` (no trailing slash).
    pub api_base: String,
    /// `https://login.mypurecloud.com` (no trailing slash).
    pub login_base: String,
}

/// The domain of a region given as `us_east_1`, `us-east-1` or the domain itself.
pub fn domain_of(region: &str) -> Option<&'static str> {
    let key = region.trim().to_ascii_lowercase().replace('-', "_");
    REGIONS
        .iter()
        .find(|(k, d)| *k == key || d.eq_ignore_ascii_case(region.trim()))
        .map(|(_, d)| *d)
}

impl Endpoints {
    /// The endpoints of a named region.
    pub fn for_region(region: &str) -> Result<Self, String> {
        let domain = domain_of(region).ok_or_else(|| {
            let names: Vec<&str> = REGIONS.iter().map(|(k, _)| *k).collect();
            format!(
                "unknown region `{region}` (expected one of: {})",
                names.join(", ")
            )
        })?;
        Ok(Self {
            api_base: format!("https://api.{domain}"),
            login_base: format!("https://login.{domain}"),
        })
    }

    /// Endpoints for an explicit API base URL (e.g. the emulator). The login host is
    /// derived like the SDKs do (`//api.` → `//login.`); any other host serves both.
    /// HTTPS is required except for loopback hosts.
    pub fn from_api_base(url: &str, login: Option<&str>) -> Result<Self, String> {
        let api_base = url.trim_end_matches('/').to_owned();
        check_scheme(&api_base)?;
        let login_base = match login {
            Some(l) => {
                let l = l.trim_end_matches('/').to_owned();
                check_scheme(&l)?;
                l
            }
            None => {
                if let Some(rest) = api_base.strip_prefix("https://api.") {
                    format!("https://login.{rest}")
                } else {
                    api_base.clone()
                }
            }
        };
        Ok(Self {
            api_base,
            login_base,
        })
    }
}

/// The host of an `http(s)://host[:port]/...` URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next();
    }
    Some(authority.split(':').next().unwrap_or(authority))
}

/// Whether a host name is a loopback address.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// HTTPS everywhere, plain HTTP only to loopback (the emulator).
pub fn check_scheme(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let host = host_of(url).filter(|h| !h.is_empty());
    match host {
        None => Err(format!("`{url}` is not an http(s) URL")),
        Some(_) if lower.starts_with("https://") => Ok(()),
        Some(h) if lower.starts_with("http://") && is_loopback_host(h) => Ok(()),
        Some(_) if lower.starts_with("http://") => Err(format!(
            "refusing plain HTTP to `{url}`: HTTPS is required except for loopback addresses"
        )),
        Some(_) => Err(format!("`{url}` is not an http(s) URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_regions_resolve() {
        assert_eq!(REGIONS.len(), 18);
        for (k, d) in REGIONS {
            let e = Endpoints::for_region(k).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(e.api_base, format!("https://api.{d}"));
            assert_eq!(e.login_base, format!("https://login.{d}"));
            assert!(Endpoints::for_region(&k.replace('_', "-")).is_ok());
        }
        assert!(Endpoints::for_region("mars_1").is_err());
        assert!(Endpoints::for_region("mypurecloud.ie").is_ok());
    }

    #[test]
    fn https_required_except_loopback() {
        assert!(check_scheme("https://api.mypurecloud.com").is_ok());
        assert!(check_scheme("http://127.0.0.1:8080").is_ok());
        assert!(check_scheme("http://localhost:1/x").is_ok());
        assert!(check_scheme("http://[::1]:9/").is_ok());
        assert!(check_scheme("http://api.mypurecloud.com").is_err());
        assert!(check_scheme("http://127.0.0.1.evil.com").is_err());
        assert!(check_scheme("ftp://x").is_err());
        let e = Endpoints::from_api_base("https://api.mypurecloud.de/", None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.login_base, "https://login.mypurecloud.de");
    }
}
