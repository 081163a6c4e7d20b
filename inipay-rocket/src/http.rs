//! HTTP plumbing: raw bodies, raw query strings, the client address and the
//! one response type every route returns.

use inipay_core::flow::{BodyCollector, COUNT_CAP, CollectedBody};
use inipay_core::request::{forwarded_source, query_param};
use rocket::data::{ByteUnit, Data};
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::tokio::io::AsyncReadExt;
use std::io::Cursor;
use std::net::IpAddr;

/// The largest body read from INICIS or the browser: 64 KiB. A notification
/// or auth result is a few kilobytes; a larger body is never held in memory:
/// its first `BODY_LIMIT` bytes are kept and the rest only counted
/// ([`BodyCollector`]), the flow journals it truncated
/// ([`Flow::oversized`](inipay_core::flow::Flow::oversized)) and the answer
/// is `413` with an empty body.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Reads the body: the first [`BODY_LIMIT`] bytes are kept, the rest
/// counted up to [`COUNT_CAP`]. `Err` when the connection failed.
pub(crate) async fn read_body(data: Data<'_>) -> std::io::Result<CollectedBody> {
    let mut body = BodyCollector::new(BODY_LIMIT);
    let mut stream = data.open(ByteUnit::Byte(COUNT_CAP));
    let mut buf = [0u8; 8 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 || !body.push(&buf[..n]) {
            break;
        }
    }
    Ok(body.finish())
}

/// The raw (still percent-encoded) query string, empty when absent.
pub(crate) struct RawQuery(pub String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RawQuery {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(RawQuery(
            req.uri()
                .query()
                .map(|q| q.as_str().to_owned())
                .unwrap_or_default(),
        ))
    }
}

impl RawQuery {
    /// The first value of `name`, percent-decoded as UTF-8
    /// ([`inipay_core::request::query_param`]). Other parameters may be
    /// EUC-KR: they are not decoded here.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        query_param(&self.0, name)
    }
}

/// The request's peer address and the named proxy header's last entry, so
/// the route can pick one according to configuration.
pub(crate) struct Peer {
    pub(crate) remote: Option<IpAddr>,
    headers: Vec<(String, String)>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Peer {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        // `Request::remote` is the TCP peer; `client_ip` would trust Rocket's
        // `ip_header` (X-Real-IP by default), which anyone can send.
        Outcome::Success(Peer {
            remote: req.remote().map(|a| a.ip()),
            headers: req
                .headers()
                .iter()
                .map(|h| (h.name().as_str().to_owned(), h.value().to_owned()))
                .collect(),
        })
    }
}

impl Peer {
    /// The source address: by [`forwarded_source`] over the lines of
    /// `header` when a trusted proxy header is configured (the address that
    /// proxy saw), else the peer.
    pub(crate) fn source(&self, header: Option<&str>) -> Option<IpAddr> {
        let Some(name) = header else {
            return self.remote;
        };
        forwarded_source(
            self.headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_bytes()),
        )
    }
}

/// The answer of every route: a status, a content type, a body, and for
/// redirects a `Location`. Never sets a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: Status,
    pub(crate) content_type: Option<ContentType>,
    pub(crate) body: Vec<u8>,
    pub(crate) location: Option<String>,
}

impl Reply {
    /// Translates core's checkout reply.
    pub(crate) fn checkout(reply: inipay_core::flow::CheckoutReply) -> Reply {
        Reply {
            status: Status::from_code(reply.status).unwrap_or(Status::InternalServerError),
            content_type: Some(if reply.html {
                ContentType::HTML
            } else {
                ContentType::new("text", "plain").with_params(("charset", "utf-8"))
            }),
            body: reply.body.into_bytes(),
            location: None,
        }
    }

    /// A short plain-text message (no personal data).
    pub(crate) fn text(status: Status, msg: &str) -> Reply {
        Reply {
            status,
            content_type: Some(ContentType::new("text", "plain")),
            body: msg.as_bytes().to_vec(),
            location: None,
        }
    }

    /// `status` with an empty body and no content type.
    pub(crate) fn empty(status: Status) -> Reply {
        Reply {
            status,
            content_type: None,
            body: Vec::new(),
            location: None,
        }
    }

    /// `303 See Other`.
    pub(crate) fn see_other(location: String) -> Reply {
        Reply {
            status: Status::SeeOther,
            content_type: None,
            body: Vec::new(),
            location: Some(location),
        }
    }
}

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut b = Response::build();
        b.status(self.status);
        if let Some(ct) = self.content_type {
            b.header(ct);
        }
        if let Some(loc) = self.location {
            b.header(Header::new("Location", loc));
        }
        b.header(Header::new("Cache-Control", "no-store"));
        b.sized_body(self.body.len(), Cursor::new(self.body));
        b.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_param_decodes_only_the_wanted_field() {
        let q = RawQuery("P_RMESG1=%BB%E7%BF%EB&oid=ORD%2D1&x".into());
        assert_eq!(q.param("oid").as_deref(), Some("ORD-1"));
        assert_eq!(q.param("P_RMESG1"), None, "EUC-KR is not UTF-8");
        assert_eq!(q.param("x").as_deref(), Some(""));
        assert_eq!(q.param("missing"), None);
        assert_eq!(RawQuery("oid=%4".into()).param("oid"), None);
        assert_eq!(
            RawQuery("oid=a+b".into()).param("oid").as_deref(),
            Some("a b")
        );
    }

    #[test]
    fn peer_source_prefers_configured_header_only() {
        let p = Peer {
            remote: Some("127.0.0.1".parse().unwrap()),
            headers: vec![("x-forwarded-for".into(), "203.238.37.15".into())],
        };
        assert_eq!(p.source(None), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(
            p.source(Some("X-Forwarded-For")),
            Some("203.238.37.15".parse().unwrap())
        );
        assert_eq!(p.source(Some("X-Real-IP")), None);
        // Several lines: the last one counts, as on every adapter.
        let p = Peer {
            remote: None,
            headers: vec![
                ("x-forwarded-for".into(), "203.238.37.15".into()),
                ("X-Forwarded-For".into(), "10.0.0.1, 39.115.212.9".into()),
            ],
        };
        assert_eq!(
            p.source(Some("x-forwarded-for")),
            Some("39.115.212.9".parse().unwrap())
        );
    }
}
