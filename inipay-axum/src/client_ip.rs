//! The source address of a notification: the TCP peer, or the last hop a
//! trusted reverse proxy wrote into a header.

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use inipay_core::request::forwarded_source;
use std::net::{IpAddr, SocketAddr};

/// A header a trusted reverse proxy sets to the client's address
/// (`X-Forwarded-For`, `X-Real-IP`, ...). Only its last hop counts: the one
/// the proxy itself appended.
///
/// ```
/// use axum::http::HeaderName;
/// use inipay_axum::ProxyHeader;
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
    /// address (an optional `:port` after IPv4 or `[v6]:port` is dropped);
    /// [`inipay_core::request::forwarded_source`] decides.
    pub fn last_hop<'a>(&self, lines: impl IntoIterator<Item = &'a str>) -> Option<IpAddr> {
        forwarded_source(lines.into_iter().map(str::as_bytes))
    }

    /// The source address according to this header in `headers`.
    pub(crate) fn source_of(&self, headers: &HeaderMap) -> Option<IpAddr> {
        forwarded_source(
            headers
                .get_all(&self.name)
                .iter()
                .map(HeaderValue::as_bytes),
        )
    }
}

/// The notification source: the proxy's header when one is trusted, else the
/// TCP peer (known only when the app is served with
/// `into_make_service_with_connect_info::<SocketAddr>()`; otherwise `None`,
/// an unknown source).
pub(crate) fn source(req: &Request, proxy: Option<&ProxyHeader>) -> Option<IpAddr> {
    match proxy {
        Some(p) => p.source_of(req.headers()),
        None => req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn xff() -> ProxyHeader {
        ProxyHeader::new(HeaderName::from_static("x-forwarded-for"))
    }

    fn request(peer: Option<&str>, xff_lines: &[&[u8]]) -> Request {
        let mut req = Request::new(Body::empty());
        if let Some(p) = peer {
            req.extensions_mut()
                .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
        }
        for line in xff_lines {
            req.headers_mut()
                .append("x-forwarded-for", HeaderValue::from_bytes(line).unwrap());
        }
        req
    }

    #[test]
    fn header_or_peer() {
        let req = request(Some("10.0.0.1:5000"), &[b"203.0.113.9, 39.115.212.9"]);
        assert_eq!(source(&req, None), "10.0.0.1".parse().ok());
        assert_eq!(source(&req, Some(&xff())), "39.115.212.9".parse().ok());
        let bare = request(Some("10.0.0.1:5000"), &[]);
        assert_eq!(source(&bare, Some(&xff())), None);
        let v6 = request(Some("[2001:db8::1]:443"), &[]);
        assert_eq!(source(&v6, None), "2001:db8::1".parse().ok());
    }

    #[test]
    fn without_connect_info_the_peer_is_unknown() {
        let req = request(None, &[b"39.115.212.9"]);
        assert_eq!(source(&req, None), None, "the header is not trusted");
        assert_eq!(source(&req, Some(&xff())), "39.115.212.9".parse().ok());
    }

    #[test]
    fn the_last_line_counts_and_must_be_text() {
        let req = request(
            Some("10.0.0.1:5000"),
            &[b"39.115.212.9", b"10.9.9.9, [::1]:8080"],
        );
        assert_eq!(source(&req, Some(&xff())), "::1".parse().ok());
        let req = request(Some("10.0.0.1:5000"), &[b"39.115.212.9", b"1.2.3.4\xff"]);
        assert_eq!(source(&req, Some(&xff())), None);
    }

    #[test]
    fn another_header_is_not_read() {
        let req = request(Some("10.0.0.1:5000"), &[b"39.115.212.9"]);
        let real_ip = ProxyHeader::new(HeaderName::from_static("x-real-ip"));
        assert_eq!(source(&req, Some(&real_ip)), None);
        assert_eq!(real_ip.name(), "x-real-ip");
    }
}
