//! The source address of a notification: the TCP peer, or the last hop a
//! trusted reverse proxy wrote into a header.

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use std::net::IpAddr;

/// A header a trusted reverse proxy sets to the client's address
/// (`X-Forwarded-For`, `X-Real-IP`, ...). Only its last hop counts: the one
/// the proxy itself appended.
///
/// ```
/// use actix_web::http::header::HeaderName;
/// use inipay_actix::ProxyHeader;
/// let h = ProxyHeader::new(HeaderName::from_static("x-forwarded-for"));
/// assert_eq!(h.last_hop(["203.0.113.9, 39.115.212.9"]), Some("39.115.212.9".parse().unwrap()));
/// assert_eq!(h.last_hop(["spoofed"]), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyHeader {
    name: HeaderName,
}

impl ProxyHeader {
    /// Trust `name`.
    pub fn new(name: HeaderName) -> ProxyHeader {
        ProxyHeader { name }
    }

    /// The header name.
    pub fn name(&self) -> &HeaderName {
        &self.name
    }

    /// The last address of the last header line, when it parses as an IP
    /// address (an optional `:port` after IPv4 or `[v6]:port` is dropped).
    pub fn last_hop<'a>(&self, lines: impl IntoIterator<Item = &'a str>) -> Option<IpAddr> {
        let last_line = lines.into_iter().last()?;
        let hop = last_line.rsplit(',').next()?.trim();
        parse_hop(hop)
    }

    /// The source address of `req` according to this header.
    pub(crate) fn source_of(&self, req: &HttpRequest) -> Option<IpAddr> {
        let lines: Vec<&str> = req
            .headers()
            .get_all(&self.name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        self.last_hop(lines)
    }
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The notification source: the proxy's header when one is trusted, else the
/// TCP peer.
pub(crate) fn source(req: &HttpRequest, proxy: Option<&ProxyHeader>) -> Option<IpAddr> {
    match proxy {
        Some(p) => p.source_of(req),
        None => req.peer_addr().map(|a| a.ip()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_headers_never_panic(lines in proptest::collection::vec(".*", 0..4)) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let _ = xff().last_hop(refs);
        }

        #[test]
        fn the_last_hop_wins(first in any::<IpAddr>(), last in any::<IpAddr>()) {
            let line = format!("{first}, {last}");
            prop_assert_eq!(xff().last_hop([line.as_str()]), Some(last));
        }
    }

    fn xff() -> ProxyHeader {
        ProxyHeader::new(HeaderName::from_static("x-forwarded-for"))
    }

    #[test]
    fn last_hop_of_last_line() {
        let h = xff();
        assert_eq!(
            h.last_hop(["1.1.1.1", "2.2.2.2, 3.3.3.3"]),
            "3.3.3.3".parse().ok()
        );
        assert_eq!(h.last_hop(["1.1.1.1:8080"]), "1.1.1.1".parse().ok());
        assert_eq!(h.last_hop(["[::1]:8080"]), "::1".parse().ok());
        assert_eq!(h.last_hop(["::1"]), "::1".parse().ok());
        assert_eq!(h.last_hop(["1.1.1.1, "]), None);
        assert_eq!(h.last_hop(Vec::<&str>::new()), None);
        assert_eq!(h.last_hop(["unknown"]), None);
    }

    #[test]
    fn header_or_peer() {
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "203.0.113.9, 39.115.212.9"))
            .to_http_request();
        assert_eq!(source(&req, None), "10.0.0.1".parse().ok());
        assert_eq!(source(&req, Some(&xff())), "39.115.212.9".parse().ok());
        let bare = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .to_http_request();
        assert_eq!(source(&bare, Some(&xff())), None);
    }
}
