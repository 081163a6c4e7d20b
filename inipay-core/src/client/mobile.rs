//! Mobile WEB calls: approval (승인요청) and net cancel (망취소).

use super::{Call, ClientError, GatewayClient, RawReply};
use crate::mobile::{ApprovalReply, ApprovalRequest, NetCancelReply, NetCancelRequest, ParseError};

/// A gateway reply kept raw (for the journal) beside its parse result.
///
/// `E` is the parse error of the protocol family: [`ParseError`] for Mobile
/// WEB replies, [`crate::iniapi::ReplyError`] for INIAPI replies.
///
/// ```
/// use inipay_core::client::{Exchange, RawReply};
/// use inipay_core::iniapi::{RefundReply, ReplyError};
/// use std::time::Duration;
///
/// let body = br#"{"resultCode":"00","resultMsg":"ok"}"#.to_vec();
/// let ex: Exchange<RefundReply, ReplyError> = Exchange {
///     parsed: RefundReply::parse(&body),
///     raw: RawReply { status: 200, content_type: None, body, elapsed: Duration::ZERO },
/// };
/// assert!(ex.parsed.as_ref().is_ok_and(|r| r.result.is_success()));
/// assert!(!format!("{ex:?}").contains("resultCode")); // the body is not printed
/// ```
#[derive(Debug)]
pub struct Exchange<T, E = ParseError> {
    /// The reply as received.
    pub raw: RawReply,
    /// The typed reply, or why the bytes could not be read.
    pub parsed: Result<T, E>,
}

impl GatewayClient {
    /// POSTs an approval request (PROTOCOL.md 2.5). Sent once, never retried:
    /// on a [`ClientError`] with [`ClientError::is_outcome_unknown`] the
    /// payment may have been captured, and the caller must net-cancel.
    pub async fn approve(
        &self,
        request: &ApprovalRequest,
    ) -> Result<Exchange<ApprovalReply>, ClientError> {
        let raw = self
            .post(
                request.origin(),
                Call::Approval,
                request.url(),
                request.body().to_vec(),
                ApprovalRequest::CONTENT_TYPE,
            )
            .await?;
        let parsed = ApprovalReply::parse(&raw.body, request.reply_charset());
        Ok(Exchange { raw, parsed })
    }

    /// POSTs a net cancel (PROTOCOL.md 2.8). The reply charset is not
    /// documented; EUC-KR, INICIS's default, is assumed.
    pub async fn net_cancel(
        &self,
        request: &NetCancelRequest,
    ) -> Result<Exchange<NetCancelReply>, ClientError> {
        let raw = self
            .post(
                request.origin(),
                Call::NetCancel,
                request.url(),
                request.body().to_vec(),
                NetCancelRequest::CONTENT_TYPE,
            )
            .await?;
        let parsed = NetCancelReply::parse(&raw.body, crate::encoding::Charset::EucKr);
        Ok(Exchange { raw, parsed })
    }
}
