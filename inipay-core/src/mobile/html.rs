//! The page that sends the buyer's browser to an INICIS window: a
//! `<form method="post" accept-charset="...">` with hidden inputs that
//! submits itself on load, and a visible button for browsers without
//! JavaScript.
//!
//! Two forms render through it, both via [`HtmlForm`] and one escaping and
//! page code ([`AutoSubmit`]):
//!
//! - the Mobile WEB payment form ([`PaymentForm`], EUC-KR, PROTOCOL.md 2.2);
//! - the billing-key form ([`BillingKeyForm`], UTF-8, PROTOCOL.md 3.2, 3.6),
//!   with its own action URL (inibill card or phone, inilitepay) and fields.
//!
//! # Charset
//!
//! The page is UTF-8 (`<meta charset="utf-8">`); serve it with
//! `Content-Type: text/html; charset=utf-8` so the header and the meta agree.
//! The submission is EUC-KR anyway: browsers encode a form with the first
//! usable label in `accept-charset` (WHATWG HTML, "pick an encoding for the
//! form"), not with the page's charset, which is how integrations with UTF-8
//! pages submit to INICIS. Serving the page as EUC-KR would also work but
//! then the page bytes themselves must be EUC-KR, which a UTF-8 site gets
//! wrong easily. A character EUC-KR cannot carry would be sent by the browser
//! as an HTML numeric reference (`&#128512;`); the request builder rejects
//! such characters first, so that never happens.
//!
//! The billing-key form is submitted in UTF-8 (`accept-charset="utf-8"`,
//! the seed manual's `Accept-charset : UTF-8`).
//!
//! Every value is HTML-escaped for a double-quoted attribute (`&`, `<`, `>`,
//! `"`, `'`).
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::mobile::{html, HtmlOptions, Method, PaymentRequest};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//!
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let form = PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
//!     .goods("테스트상품").buyer_name("홍길동")
//!     .next_url("https://shop.example.com/next")
//!     .build()?
//!     .sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
//! let page = html::page(&form, &HtmlOptions::default());
//! assert!(page.contains(r#"<form id="inipay-form" method="post" action="http://127.0.0.1:8081/smart/payment/" accept-charset="euc-kr">"#));
//! assert!(page.contains(r#"<input type="hidden" name="P_GOODS" value="테스트상품">"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A billing-key form renders the same way:
//!
//! ```
//! use inipay_core::billing::BillingKeyRequest;
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::mobile::{html, HtmlOptions};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//!
//! let merchant = Merchant::test("INIBillTst", test_keys::ini_bill_tst(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let form = BillingKeyRequest::card("SUB-1", Amount::won(9_900))
//!     .goods("월정액").buyer_name("홍길동")
//!     .return_url("https://shop.example.com/bill/return")
//!     .build()?
//!     .sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
//! let page = html::page(&form, &HtmlOptions::default());
//! assert!(page.contains(r#"action="http://127.0.0.1:8081/inibill/inibill_card.jsp" accept-charset="utf-8">"#));
//! assert!(page.contains(r#"<input type="hidden" name="goodname" value="월정액">"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::PaymentForm;
use crate::billing::BillingKeyForm;
use crate::encoding::Charset;

/// What an auto-submitting form posts: where, in which charset, which
/// fields (in order). The one input of [`fragment`] and [`page`].
///
/// ```
/// use inipay_core::encoding::Charset;
/// use inipay_core::mobile::{html::{self, AutoSubmit}, HtmlOptions};
/// let fields = [("a", "1&2".to_owned())];
/// let form = AutoSubmit { action: "https://pg.example/pay", charset: Charset::Utf8, fields: &fields };
/// let frag = html::fragment(&form, &HtmlOptions::default());
/// assert!(frag.contains(r#"accept-charset="utf-8""#));
/// assert!(frag.contains(r#"<input type="hidden" name="a" value="1&amp;2">"#));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoSubmit<'a> {
    /// The form's `action` URL.
    pub action: &'a str,
    /// The charset the browser submits in (`accept-charset`).
    pub charset: Charset,
    /// The hidden inputs, in order.
    pub fields: &'a [(&'static str, String)],
}

/// A signed form a browser posts to INICIS: [`PaymentForm`] and
/// [`BillingKeyForm`] (and [`AutoSubmit`] itself).
pub trait HtmlForm {
    /// The action, charset and fields to render.
    fn auto_submit(&self) -> AutoSubmit<'_>;
}

impl HtmlForm for AutoSubmit<'_> {
    fn auto_submit(&self) -> AutoSubmit<'_> {
        *self
    }
}

/// Mobile WEB: EUC-KR (PROTOCOL.md 2.2).
impl HtmlForm for PaymentForm {
    fn auto_submit(&self) -> AutoSubmit<'_> {
        AutoSubmit {
            action: &self.action,
            charset: Charset::EucKr,
            fields: self.fields(),
        }
    }
}

/// Billing-key windows: UTF-8 (PROTOCOL.md 3.2, 3.6).
impl HtmlForm for BillingKeyForm {
    fn auto_submit(&self) -> AutoSubmit<'_> {
        AutoSubmit {
            action: &self.action,
            charset: self.charset(),
            fields: self.fields(),
        }
    }
}

/// How the page is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlOptions {
    /// The page title.
    pub title: String,
    /// The label of the visible submit button.
    pub button_label: String,
    /// The text shown when JavaScript is off.
    pub noscript_text: String,
    /// Submit the form on load with a small inline script.
    pub auto_submit: bool,
    /// A CSP nonce for the inline script (`<script nonce="...">`), for sites
    /// with `script-src 'nonce-...'`.
    pub script_nonce: Option<String>,
    /// The form's `id`.
    pub form_id: String,
}

impl Default for HtmlOptions {
    fn default() -> HtmlOptions {
        HtmlOptions {
            title: "결제 진행 중 (Redirecting to payment)".into(),
            button_label: "결제 계속하기 (Continue to payment)".into(),
            noscript_text: "JavaScript가 꺼져 있습니다. 버튼을 눌러 결제를 계속하세요. \
                            (JavaScript is off: press the button to continue.)"
                .into(),
            auto_submit: true,
            script_nonce: None,
            form_id: "inipay-form".into(),
        }
    }
}

/// Escapes text for an HTML attribute value or element content.
///
/// ```
/// assert_eq!(inipay_core::mobile::html::escape(r#"a"b'c<d>&"#), "a&quot;b&#39;c&lt;d&gt;&amp;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The `<form>` element (hidden inputs, visible button, `<noscript>` hint)
/// and, with `auto_submit`, the script that submits it: for embedding in the
/// merchant's own page, which must be UTF-8.
pub fn fragment<F: HtmlForm + ?Sized>(form: &F, options: &HtmlOptions) -> String {
    let form = form.auto_submit();
    let id = escape(&options.form_id);
    let mut out = String::with_capacity(256 + form.fields.len() * 96);
    out.push_str(&format!(
        "<form id=\"{id}\" method=\"post\" action=\"{}\" accept-charset=\"{}\">\n",
        escape(form.action),
        form.charset.html_label()
    ));
    for (name, value) in form.fields {
        out.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            escape(name),
            escape(value)
        ));
    }
    out.push_str(&format!(
        "<noscript><p>{}</p></noscript>\n<button type=\"submit\">{}</button>\n</form>\n",
        escape(&options.noscript_text),
        escape(&options.button_label)
    ));
    if options.auto_submit {
        let nonce = options
            .script_nonce
            .as_deref()
            .map(|n| format!(" nonce=\"{}\"", escape(n)))
            .unwrap_or_default();
        // The id is escaped for HTML; inside a JS string it must also not
        // break out of the quotes, so only [A-Za-z0-9_-] are kept.
        let js_id: String = options
            .form_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect();
        out.push_str(&format!(
            "<script{nonce}>document.getElementById(\"{js_id}\").submit();</script>\n"
        ));
    }
    out
}

/// A complete UTF-8 HTML page around [`fragment`]. Serve it with
/// `Content-Type: text/html; charset=utf-8` and `Cache-Control: no-store`
/// (it carries the signed form).
pub fn page<F: HtmlForm + ?Sized>(form: &F, options: &HtmlOptions) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{}</title>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(&options.title),
        fragment(form, options)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, Merchant, test_keys};
    use crate::mobile::{Method, PaymentRequest};
    use crate::time::Timestamp;
    use crate::types::Amount;
    use proptest::prelude::*;

    fn form(merchant_data: &str) -> PaymentForm {
        let m = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap();
        PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
            .goods("테스트상품")
            .buyer_name("홍길동")
            .merchant_data(merchant_data)
            .next_url("https://shop.example.com/next?a=1")
            .build()
            .unwrap()
            .sign(&m, Timestamp::from_unix_millis(1_704_078_000_000))
            .unwrap()
    }

    /// Reads the hidden inputs back the way a browser would (unescaping).
    fn inputs(html: &str) -> Vec<(String, String)> {
        let unescape = |s: &str| {
            s.replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        };
        html.lines()
            .filter_map(|l| l.strip_prefix("<input type=\"hidden\" name=\""))
            .map(|l| {
                let (name, rest) = l.split_once("\" value=\"").unwrap();
                let value = rest.strip_suffix("\">").unwrap();
                assert!(!value.contains('"') && !value.contains('<'), "{value}");
                (unescape(name), unescape(value))
            })
            .collect()
    }

    #[test]
    fn every_field_is_a_hidden_input_in_order() {
        let f = form("주문-1");
        let html = page(&f, &HtmlOptions::default());
        let expected: Vec<(String, String)> = f
            .fields()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        assert_eq!(inputs(&html), expected);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("accept-charset=\"euc-kr\""));
        assert!(html.contains("<noscript>"));
        assert!(html.contains("<button type=\"submit\">"));
        assert!(html.contains("document.getElementById(\"inipay-form\").submit();"));
        // P_RESERVED's & and = are escaped, and the Korean is kept as UTF-8 text.
        assert!(html.contains("twotrs_isp=Y&amp;block_isp=Y"));
        assert!(html.contains("value=\"테스트상품\""));
    }

    #[test]
    fn escaping_of_quotes_angle_brackets_ampersand() {
        assert_eq!(escape("\"<>&'"), "&quot;&lt;&gt;&amp;&#39;");
        assert_eq!(escape("홍길동"), "홍길동");
        // Values that reach the page: the action and the options.
        let mut f = form("x");
        f.action = "https://a.example/p?x=\"><script>alert(1)</script>&y='".into();
        let opts = HtmlOptions {
            title: "<b>t</b>".into(),
            button_label: "\"'&".into(),
            script_nonce: Some("n\"><x".into()),
            form_id: "id\");alert(1);//".into(),
            ..HtmlOptions::default()
        };
        let html = page(&f, &opts);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains(
            "action=\"https://a.example/p?x=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;y=&#39;\""
        ));
        assert!(html.contains("<title>&lt;b&gt;t&lt;/b&gt;</title>"));
        assert!(html.contains("<button type=\"submit\">&quot;&#39;&amp;</button>"));
        assert!(html.contains("<script nonce=\"n&quot;&gt;&lt;x\">"));
        assert!(html.contains("document.getElementById(\"idalert1\").submit();"));
    }

    #[test]
    fn fragment_without_script() {
        let f = form("x");
        let opts = HtmlOptions {
            auto_submit: false,
            ..HtmlOptions::default()
        };
        let frag = fragment(&f, &opts);
        assert!(frag.starts_with("<form id=\"inipay-form\" method=\"post\""));
        assert!(frag.trim_end().ends_with("</form>"));
        assert!(!frag.contains("<script"));
        assert!(!frag.contains("<html"));
    }

    fn bill_merchant() -> Merchant {
        Merchant::test(
            "INIBillTst",
            test_keys::ini_bill_tst(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn billing_forms() -> Vec<BillingKeyForm> {
        use crate::billing::{BillingKeyRequest, HppProduct, InilitepayRequest};
        let m = bill_merchant();
        let now = Timestamp::from_unix_millis(1_704_078_000_000);
        vec![
            BillingKeyRequest::card("SUB-1", Amount::won(9_900))
                .goods("월정액 (A/B)")
                .buyer_name("홍길동")
                .merchant_data("b='2'<x>")
                .return_url("https://shop.example.com/bill/return?x=1&y=2")
                .build()
                .unwrap()
                .sign(&m, now)
                .unwrap(),
            BillingKeyRequest::phone("SUB-2", Amount::won(1_000), HppProduct::Content)
                .goods("컨텐츠")
                .buyer_name("홍길동")
                .return_url("https://shop.example.com/bill/return")
                .build()
                .unwrap()
                .sign(&m, now)
                .unwrap(),
            InilitepayRequest::builder("ORDERID1234", Amount::won(1000))
                .goods("월정액")
                .buyer_name("홍길동")
                .buyer_tel("01012345678")
                .buyer_email("test@example.com")
                .return_url("https://shop.example.com/bill/return")
                .build()
                .unwrap()
                .sign(&m, now)
                .unwrap(),
        ]
    }

    #[test]
    fn billing_key_forms_render_with_their_action_and_utf8() {
        let actions = [
            "http://127.0.0.1:8081/inibill/inibill_card.jsp",
            "http://127.0.0.1:8081/inibill/inibill_hpp.jsp",
            "http://127.0.0.1:8081/pay/card/billing",
        ];
        for (f, action) in billing_forms().iter().zip(actions) {
            assert_eq!(f.action, action);
            let html = page(f, &HtmlOptions::default());
            assert!(
                html.contains(&format!(
                    "<form id=\"inipay-form\" method=\"post\" action=\"{action}\" accept-charset=\"utf-8\">"
                )),
                "{html}"
            );
            assert!(!html.contains("euc-kr"), "{html}");
            let expected: Vec<(String, String)> = f
                .fields()
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            assert!(!expected.is_empty());
            assert_eq!(inputs(&html), expected);
            assert!(html.contains("document.getElementById(\"inipay-form\").submit();"));
        }
    }

    /// What the browser would post from the rendered page (UTF-8, per
    /// accept-charset) is exactly the form's own body.
    #[test]
    fn billing_key_page_round_trips_to_the_form_body() {
        for f in billing_forms() {
            let html = fragment(&f, &HtmlOptions::default());
            let posted = Charset::Utf8
                .encode_form(inputs(&html).iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .unwrap();
            assert_eq!(posted, f.to_body().unwrap());
            let back = crate::encoding::Form::parse(&posted, Charset::Utf8).unwrap();
            for (k, v) in f.fields() {
                assert_eq!(back.get(k), Some(v.as_str()), "{k}");
            }
        }
    }

    #[test]
    fn billing_key_values_are_escaped() {
        let f = &billing_forms()[0];
        let html = page(f, &HtmlOptions::default());
        // Goods names cannot hold < > & " (the builder refuses them); the
        // URL's & and the merchant data's ' < > reach the page escaped.
        assert!(html.contains("value=\"월정액 (A/B)\""), "{html}");
        assert!(html.contains("value=\"https://shop.example.com/bill/return?x=1&amp;y=2\""));
        assert!(html.contains("value=\"b=&#39;2&#39;&lt;x&gt;\""), "{html}");
    }

    #[test]
    fn payment_form_and_its_auto_submit_render_identically() {
        let f = form("x");
        let a = f.auto_submit();
        assert_eq!(a.charset, Charset::EucKr);
        assert_eq!(
            page(&f, &HtmlOptions::default()),
            page(&a, &HtmlOptions::default())
        );
    }

    proptest! {
        #[test]
        fn any_text_survives_escaping(s in "\\PC{0,40}") {
            let e = escape(&s);
            prop_assert!(!e.contains('"') && !e.contains('<') && !e.contains('>') && !e.contains('\''));
            let back = e.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&");
            prop_assert_eq!(back, s);
        }
    }
}
