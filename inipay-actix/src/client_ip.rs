//! The source address of a notification: the TCP peer, or the last hop a
//! trusted reverse proxy wrote into a header.

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use inipay_core::request::forwarded_source;
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
    /// address (an optional `:port` after IPv4 or `[v6]:port` is dropped);
    /// [`inipay_core::request::forwarded_source`] decides.
    pub fn last_hop<'a>(&self, lines: impl IntoIterator<Item = &'a str>) -> Option<IpAddr> {
        forwarded_source(lines.into_iter().map(str::as_bytes))
    }

    /// The source address of `req` according to this header.
    pub(crate) fn source_of(&self, req: &HttpRequest) -> Option<IpAddr> {
        forwarded_source(
            req.headers()
                .get_all(&self.name)
                .map(actix_web::http::header::HeaderValue::as_bytes),
        )
    }
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

    fn xff() -> ProxyHeader {
        ProxyHeader::new(HeaderName::from_static("x-forwarded-for"))
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

    #[test]
    fn a_last_line_that_is_not_text_is_no_source() {
        let value = actix_web::http::header::HeaderValue::from_bytes(b"1.2.3.4\xff").unwrap();
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .append_header(("X-Forwarded-For", "39.115.212.9"))
            .append_header(("X-Forwarded-For", value))
            .to_http_request();
        assert_eq!(source(&req, Some(&xff())), None);
    }
}
