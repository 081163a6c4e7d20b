//! INIAPI calls (PROTOCOL.md 4, 5): billing charge, full and partial refund
//! (card, phone, virtual account) and inquiry, posted as signed by
//! [`crate::iniapi`] and answered as typed replies.
//!
//! Each call takes a signed [`ApiRequest`] (so the request that was hashed is
//! exactly the one sent), checks that its [`Service`] fits the call, posts
//! [`ApiRequest::to_body`] with [`ApiRequest::content_type`] and returns the
//! raw reply beside its parse result. Only [`GatewayClient::inquiry`] may be
//! retried ([`Call::Inquiry`] is the only idempotent call); a billing charge
//! or a refund is sent once, and a timeout leaves its outcome unknown
//! ([`ClientError::is_outcome_unknown`]): inquire before trying again.
//!
//! ```no_run
//! use inipay_core::client::{ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::iniapi::{IniapiConfig, Inquiry, RequestMeta};
//! use inipay_core::time::Timestamp;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let meta = RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1")?;
//! let request = IniapiConfig::default()
//!     .sign(&Inquiry::by_tid("StdpayCARDINIpayTest20210101111111111111")?, &merchant, &meta)?;
//! let client = GatewayClient::new(ClientConfig::default())?;
//! let exchange = client.inquiry(&request).await?;
//! println!("{} bytes: {:?}", exchange.raw.body.len(), exchange.parsed.map(|r| r.status));
//! # Ok(()) }
//! ```

use super::{Call, ClientError, Exchange, GatewayClient};
use crate::iniapi::{
    ApiRequest, BillingReply, InquiryReply, PartialRefundReply, RefundReply, ReplyError, Service,
};

impl GatewayClient {
    /// Charges a billing key (빌링승인; PROTOCOL.md 4.2, 5.2). `request` must
    /// be a signed [`BillingCharge`](crate::iniapi::BillingCharge). Sent once,
    /// never retried: after an error with
    /// [`ClientError::is_outcome_unknown`] the card may have been charged.
    pub async fn billing_charge(
        &self,
        request: &ApiRequest,
    ) -> Result<Exchange<BillingReply, ReplyError>, ClientError> {
        self.iniapi(request, Call::BillingCharge, BillingReply::parse)
            .await
    }

    /// Refunds a whole transaction (전체취소; PROTOCOL.md 4.3, 5.3, 5.5).
    /// `request` must be a signed [`Refund`](crate::iniapi::Refund) or
    /// [`VacctRefund`](crate::iniapi::VacctRefund). Sent once, never
    /// retried; a repeated refund answers
    /// [`RefundReply::is_already_cancelled`].
    pub async fn refund(
        &self,
        request: &ApiRequest,
    ) -> Result<Exchange<RefundReply, ReplyError>, ClientError> {
        self.iniapi(request, Call::Refund, RefundReply::parse).await
    }

    /// Refunds part of a transaction (부분취소; PROTOCOL.md 4.4, 5.4, 5.5).
    /// `request` must be a signed
    /// [`PartialRefund`](crate::iniapi::PartialRefund) or
    /// [`VacctPartialRefund`](crate::iniapi::VacctPartialRefund). Sent once,
    /// never retried. Check the reply with
    /// [`PartialRefundReply::check_remaining`] against the request's
    /// `confirmPrice`.
    pub async fn partial_refund(
        &self,
        request: &ApiRequest,
    ) -> Result<Exchange<PartialRefundReply, ReplyError>, ClientError> {
        self.iniapi(request, Call::PartialRefund, PartialRefundReply::parse)
            .await
    }

    /// Looks a transaction up (거래조회; PROTOCOL.md 4.5, 5.6). `request`
    /// must be a signed [`Inquiry`](crate::iniapi::Inquiry). The only INIAPI
    /// call that is retried after a connect failure, timeout or 5xx
    /// ([`ClientConfig::idempotent_retries`](super::ClientConfig::idempotent_retries)).
    pub async fn inquiry(
        &self,
        request: &ApiRequest,
    ) -> Result<Exchange<InquiryReply, ReplyError>, ClientError> {
        self.iniapi(request, Call::Inquiry, InquiryReply::parse)
            .await
    }

    async fn iniapi<T>(
        &self,
        request: &ApiRequest,
        call: Call,
        parse: fn(&[u8]) -> Result<T, ReplyError>,
    ) -> Result<Exchange<T, ReplyError>, ClientError> {
        if request.call() != call {
            return Err(ClientError::WrongRequest {
                call: call.name(),
                service: service_name(request.service),
            });
        }
        let raw = self
            .post(
                &request.origin,
                call,
                &request.url,
                request.to_body(),
                request.content_type(),
            )
            .await?;
        let parsed = parse(&raw.body);
        Ok(Exchange { raw, parsed })
    }
}

fn service_name(service: Service) -> &'static str {
    match service {
        Service::Billing => "billing",
        Service::Refund => "refund",
        Service::PartialRefund => "partial refund",
        Service::VacctRefund => "virtual-account refund",
        Service::VacctPartialRefund => "virtual-account partial refund",
        Service::Inquiry => "inquiry",
    }
}
