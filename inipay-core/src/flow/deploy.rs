//! Deployment checks: what must hold before a flow serves real payments,
//! decided once here and enforced by every adapter at start-up (Rocket's
//! ignite fairing, Actix's `Inicis::try_new` and its refusing scope).
//!
//! A test merchant (sandbox, INICIS staging) has no deployment problems, so
//! local development over `http://127.0.0.1` works unchanged. A production
//! merchant must have:
//!
//! - an `https` public base URL: `P_NEXT_URL`, `P_NOTI_URL` and
//!   `P_RETURN_URL` are built from it and carry the buyer's auth result and
//!   INICIS's notifications (PROTOCOL.md 2.2: https "strongly recommended",
//!   iOS >= 11.3 does not deliver to http);
//! - a notification source allow-list (PROTOCOL.md 2.6, "Source IP check":
//!   notifications are unsigned, so without it anyone could post a deposit).
//!
//! ```
//! use inipay_core::client::{ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Keys, Merchant};
//! use inipay_core::flow::{DeployProblem, Flow, FlowConfig};
//! use inipay_core::ledger::MemoryStore;
//! use inipay_core::mobile::NotiIpAllowList;
//! use std::sync::Arc;
//!
//! let keys = Keys { mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
//!                   ..Keys::default() };
//! let merchant = Merchant::production("SHOPMID001", keys, Endpoints::production())?;
//! let flow = |base: &str, sources: Option<NotiIpAllowList>| -> Result<Flow, Box<dyn std::error::Error>> {
//!     let mut config = FlowConfig::new(base, "/inicis")?;
//!     config.noti_sources = sources;
//!     Ok(Flow::new(merchant.clone(), GatewayClient::new(ClientConfig::default())?,
//!                  Arc::new(MemoryStore::new()), config))
//! };
//! let insecure = flow("http://shop.example.com", None)?;
//! assert_eq!(insecure.deployment_problems(),
//!            [DeployProblem::InsecurePublicBaseUrl, DeployProblem::NotiSourcesUnchecked]);
//! assert!(insecure.check_deployment().is_err());
//! let ready = flow("https://shop.example.com", Some(NotiIpAllowList::current()))?;
//! assert!(ready.check_deployment().is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::Flow;
use crate::config::Mode;
use std::fmt;

/// One reason a flow must not serve as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DeployProblem {
    /// A production merchant whose public base URL is not `https`: the
    /// callback URLs INICIS and the browser use would be plain HTTP.
    #[error(
        "production mode needs an https public base URL (P_NEXT_URL, P_NOTI_URL and P_RETURN_URL are built from it)"
    )]
    InsecurePublicBaseUrl,
    /// A production merchant that accepts notifications from any address
    /// (`FlowConfig::noti_sources` is `None`); set
    /// `NotiIpAllowList::current()` (behind a proxy: with the adapter's
    /// trusted proxy header).
    #[error(
        "production mode needs a notification source allow-list (FlowConfig::noti_sources, e.g. NotiIpAllowList::current())"
    )]
    NotiSourcesUnchecked,
}

/// Every [`DeployProblem`] of a flow at once: the start-up error of an
/// adapter that refuses to serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DeployError {
    problems: Vec<DeployProblem>,
}

impl DeployError {
    /// The problems (never empty).
    pub fn problems(&self) -> &[DeployProblem] {
        &self.problems
    }
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("inipay refuses to serve this configuration: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl Flow {
    /// What is wrong with this flow for the merchant's mode (empty for a
    /// test merchant, and for a production one that is ready). See the
    /// module docs for the rules.
    pub fn deployment_problems(&self) -> Vec<DeployProblem> {
        let mut out = Vec::new();
        if self.merchant.mode() != Mode::Production {
            return out;
        }
        let base = &self.config.public_base_url;
        let https = base
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if !https {
            out.push(DeployProblem::InsecurePublicBaseUrl);
        }
        if self.config.noti_sources.is_none() {
            out.push(DeployProblem::NotiSourcesUnchecked);
        }
        out
    }

    /// [`Flow::deployment_problems`] as a `Result`, for start-up code.
    pub fn check_deployment(&self) -> Result<(), DeployError> {
        let problems = self.deployment_problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DeployError { problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientConfig, GatewayClient};
    use crate::config::{Endpoints, Keys, Merchant, test_keys};
    use crate::flow::FlowConfig;
    use crate::ledger::MemoryStore;
    use crate::mobile::NotiIpAllowList;
    use std::sync::Arc;

    fn production() -> Merchant {
        let keys = Keys {
            mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
            ..Keys::default()
        };
        Merchant::production("SHOPMID001", keys, Endpoints::production()).unwrap()
    }

    fn flow(merchant: Merchant, base: &str, allow: bool) -> Flow {
        let mut config = FlowConfig::new(base, "/inicis").unwrap();
        config.noti_sources = allow.then(NotiIpAllowList::current);
        Flow::new(
            merchant,
            GatewayClient::new(ClientConfig::default()).unwrap(),
            Arc::new(MemoryStore::new()),
            config,
        )
    }

    #[test]
    fn production_needs_https_and_an_allow_list() {
        use DeployProblem::*;
        for (base, allow, want) in [
            ("http://shop.example.com", true, vec![InsecurePublicBaseUrl]),
            (
                "http://shop.example.com",
                false,
                vec![InsecurePublicBaseUrl, NotiSourcesUnchecked],
            ),
            (
                "https://shop.example.com",
                false,
                vec![NotiSourcesUnchecked],
            ),
            ("HTTPS://shop.example.com", true, vec![]),
            ("https://shop.example.com", true, vec![]),
        ] {
            let f = flow(production(), base, allow);
            assert_eq!(f.deployment_problems(), want, "{base} allow-list {allow}");
            assert_eq!(f.check_deployment().is_ok(), want.is_empty());
        }
    }

    #[test]
    fn test_merchants_have_no_problems() {
        let m = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
        )
        .unwrap();
        assert!(
            flow(m, "http://127.0.0.1:8080", false)
                .deployment_problems()
                .is_empty()
        );
    }

    #[test]
    fn the_error_lists_every_problem() {
        let e = flow(production(), "http://shop.example.com", false)
            .check_deployment()
            .unwrap_err();
        assert_eq!(e.problems().len(), 2);
        let text = e.to_string();
        assert!(
            text.contains("https") && text.contains("allow-list"),
            "{text}"
        );
    }
}
