//! Mobile WEB calls: approval (승인요청) and net cancel (망취소).

use super::{Call, ClientError, GatewayClient, RawReply};
use crate::mobile::{ApprovalReply, ApprovalRequest, NetCancelReply, NetCancelRequest, ParseError};

/// A gateway reply kept raw (for the journal) beside its parse result.
#[derive(Debug)]
pub struct Exchange<T> {
    /// The reply as received.
    pub raw: RawReply,
    /// The typed reply, or why the bytes could not be read.
    pub parsed: Result<T, ParseError>,
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
