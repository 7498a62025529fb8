//! Query strings and the page-number paging envelope of API.md §2.3.

use serde_json::{Value, json};

use crate::errors::ApiError;

/// A parsed query string; array parameters are repeated keys
/// (`collectionFormat: multi`, API.md §2.2).
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `key`, if any (empty values count as absent).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`; a single comma-separated value is split too, since
    /// some clients send arrays that way.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A boolean parameter; anything but `true`/`false` is a 400.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_value(key, v, "true, false")),
        }
    }

    /// The pairs other than the paging ones, for building page URIs.
    fn filters(&self) -> impl Iterator<Item = &(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| k != "pageSize" && k != "pageNumber")
    }
}

/// Which page was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page_size: u32,
    pub page_number: u32,
}

/// The largest `pageSize` accepted (TF lists flows and queues with 500).
pub const MAX_PAGE_SIZE: u32 = 500;

impl PageRequest {
    /// Reads `pageSize` (default 25) and `pageNumber` (default 1, 1-based).
    pub fn from_query(q: &Query) -> Result<Self, ApiError> {
        let page_size = parse_positive(q, "pageSize", 25)?;
        let page_number = parse_positive(q, "pageNumber", 1)?;
        if page_size > MAX_PAGE_SIZE {
            return Err(ApiError::bad_request(format!(
                "The page size must be between 1 and {MAX_PAGE_SIZE}."
            )));
        }
        Ok(Self {
            page_size,
            page_number,
        })
    }
}

fn parse_positive(q: &Query, key: &str, default: u32) -> Result<u32, ApiError> {
    match q.get(key) {
        None => Ok(default),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(ApiError::invalid_value(key, v, "integers greater than 0")),
        },
    }
}

/// Builds `{entities, pageSize, pageNumber, total, firstUri, selfUri,
/// previousUri?, nextUri?, lastUri, pageCount}` for one page of `all`.
/// URIs are relative and keep the request's other query parameters.
pub fn envelope(path: &str, q: &Query, page: PageRequest, all: Vec<Value>) -> Value {
    let total = all.len() as u64;
    let size = u64::from(page.page_size);
    let page_count = total.div_ceil(size);
    let start = usize::try_from(u64::from(page.page_number - 1) * size).unwrap_or(usize::MAX);
    let entities: Vec<Value> = all
        .into_iter()
        .skip(start)
        .take(page.page_size as usize)
        .collect();
    let uri = |n: u64| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.append_pair("pageSize", &page.page_size.to_string());
        ser.append_pair("pageNumber", &n.to_string());
        for (k, v) in q.filters() {
            ser.append_pair(k, v);
        }
        format!("{path}?{}", ser.finish())
    };
    let current = u64::from(page.page_number);
    // An empty result still reports page 1 as first and last page.
    let last = page_count.max(1);
    let mut body = json!({
        "entities": entities,
        "pageSize": page.page_size,
        "pageNumber": page.page_number,
        "total": total,
        "firstUri": uri(1),
        "selfUri": uri(current),
        "lastUri": uri(last),
        "pageCount": page_count,
    });
    if current > 1 && current <= last + 1 {
        body["previousUri"] = json!(uri(current - 1));
    }
    if current < page_count {
        body["nextUri"] = json!(uri(current + 1));
    }
    body
}

/// Case-insensitive match with `*` as "any run of characters". Without a `*`
/// the whole name must match.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Classic greedy glob with backtracking to the last star.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("Main*", "Main IVR"));
        assert!(wildcard_match("*ivr", "Main IVR"));
        assert!(wildcard_match("*ai*", "Main IVR"));
        assert!(wildcard_match("main ivr", "Main IVR"));
        assert!(!wildcard_match("Main", "Main IVR"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*b", "ac"));
    }

    #[test]
    fn envelope_pages() {
        let q = Query::parse(Some("name=a*&pageSize=2&pageNumber=2"));
        let page = PageRequest::from_query(&q).unwrap_or_else(|e| panic!("{e:?}"));
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let body = envelope("/api/v2/x", &q, page, items);
        assert_eq!(body["entities"], json!([2, 3]));
        assert_eq!(body["pageCount"], 3);
        assert_eq!(body["total"], 5);
        assert_eq!(body["nextUri"], "/api/v2/x?pageSize=2&pageNumber=3&name=a*");
        assert_eq!(
            body["previousUri"],
            "/api/v2/x?pageSize=2&pageNumber=1&name=a*"
        );
        assert_eq!(body["lastUri"], "/api/v2/x?pageSize=2&pageNumber=3&name=a*");
    }

    #[test]
    fn rejects_bad_paging() {
        assert!(PageRequest::from_query(&Query::parse(Some("pageSize=0"))).is_err());
        assert!(PageRequest::from_query(&Query::parse(Some("pageNumber=x"))).is_err());
        assert!(PageRequest::from_query(&Query::parse(Some("pageSize=501"))).is_err());
    }
}
