//! Deployment checks: what must hold before a flow serves real payments,
//! decided once here and enforced by every adapter at start-up (Rocket's
//! ignite fairing, Actix's `Inicis::try_new` and its refusing scope).
//!
//! A test merchant (sandbox, INICIS staging) has no deployment problems, so
//! local development over `http://127.0.0.1` works unchanged. A production
//! merchant must have an `https` public base URL: `P_NEXT_URL`,
//! `P_NOTI_URL` and `P_RETURN_URL` are built from it and carry the buyer's
//! auth result and INICIS's notifications (PROTOCOL.md 2.2: https "strongly
//! recommended", iOS >= 11.3 does not deliver to http). The notification
//! source allow-list needs no check here: it fails closed by default
//! ([`default_noti_sources`](super::default_noti_sources)).
//!
//! ```
//! use inipay_core::client::{ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Keys, Merchant};
//! use inipay_core::flow::{DeployProblem, Flow, FlowConfig};
//! use inipay_core::ledger::MemoryStore;
//! use std::sync::Arc;
//!
//! let keys = Keys { mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
//!                   ..Keys::default() };
//! let merchant = Merchant::production("SHOPMID001", keys, Endpoints::production())?;
//! let flow = |base: &str| -> Result<Flow, Box<dyn std::error::Error>> {
//!     Ok(Flow::new(merchant.clone(), GatewayClient::new(ClientConfig::default())?,
//!                  Arc::new(MemoryStore::new()), FlowConfig::new(base, "/inicis")?))
//! };
//! let insecure = flow("http://shop.example.com")?;
//! assert_eq!(insecure.deployment_problems(), [DeployProblem::InsecurePublicBaseUrl]);
//! assert!(insecure.check_deployment().is_err());
//! assert!(flow("https://shop.example.com")?.check_deployment().is_ok());
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
    use std::sync::Arc;

    fn production() -> Merchant {
        let keys = Keys {
            mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
            ..Keys::default()
        };
        Merchant::production("SHOPMID001", keys, Endpoints::production()).unwrap()
    }

    fn flow(merchant: Merchant, base: &str) -> Flow {
        Flow::new(
            merchant,
            GatewayClient::new(ClientConfig::default()).unwrap(),
            Arc::new(MemoryStore::new()),
            FlowConfig::new(base, "/inicis").unwrap(),
        )
    }

    #[test]
    fn production_needs_https() {
        use DeployProblem::*;
        for (base, want) in [
            ("http://shop.example.com", vec![InsecurePublicBaseUrl]),
            ("HTTP://shop.example.com", vec![InsecurePublicBaseUrl]),
            ("http://127.0.0.1:8080", vec![InsecurePublicBaseUrl]),
            ("HTTPS://shop.example.com", vec![]),
            ("https://shop.example.com", vec![]),
        ] {
            let f = flow(production(), base);
            assert_eq!(f.deployment_problems(), want, "{base}");
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
            flow(m, "http://127.0.0.1:8080")
                .deployment_problems()
                .is_empty()
        );
    }

    #[test]
    fn the_error_lists_every_problem() {
        let e = flow(production(), "http://shop.example.com")
            .check_deployment()
            .unwrap_err();
        assert_eq!(e.problems(), [DeployProblem::InsecurePublicBaseUrl]);
        let text = e.to_string();
        assert!(
            text.starts_with("inipay refuses") && text.contains("https"),
            "{text}"
        );
    }
}
