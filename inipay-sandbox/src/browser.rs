//! A tiny "browser" for tests: reads the auto-submitting result form the
//! sandbox renders (auth result to `P_NEXT_URL`, billing result to
//! `returnurl`) and produces what a browser would send, in the page's charset.
//!
//! ```
//! use inipay_sandbox::browser::AutoForm;
//! use inipay_sandbox::wire::Charset;
//! let page = "<meta charset=\"euc-kr\"><form method=\"post\" action=\"https://shop/next\" accept-charset=\"euc-kr\">\
//!             <input type=\"hidden\" name=\"P_STATUS\" value=\"00\"></form>";
//! let f = AutoForm::parse(&Charset::EucKr.encode(page)).unwrap();
//! assert_eq!(f.action, "https://shop/next");
//! assert_eq!(f.body(), b"P_STATUS=00");
//! ```

use crate::wire::{Charset, Form};

/// An auto-submitting form found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoForm {
    /// Target URL.
    pub action: String,
    /// `true` for `method="get"`.
    pub get: bool,
    /// Charset the browser encodes the values in.
    pub charset: Charset,
    /// Hidden fields, in order.
    pub fields: Form,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!("{name}=\"");
    let start = tag.find(&pat)? + pat.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl AutoForm {
    /// Finds the first `<form>` and its hidden inputs. The page's charset is
    /// taken from `accept-charset` (EUC-KR unless it says UTF-8).
    pub fn parse(page: &[u8]) -> Option<AutoForm> {
        // The charset is declared in the head; look up to `</head>` (styled
        // pages put a long <style> before it) or the first 8 KiB.
        let window = &page[..page.len().min(8192)];
        let lower_head = String::from_utf8_lossy(window).to_ascii_lowercase();
        let lower_head = lower_head.split("</head>").next().unwrap_or("");
        let charset =
            if lower_head.contains("charset=\"utf-8\"") || lower_head.contains("charset=utf-8") {
                Charset::Utf8
            } else {
                Charset::EucKr
            };
        let text = charset.decode(page).ok()?;
        let fstart = text.find("<form")?;
        let fend = text[fstart..].find('>')? + fstart;
        let ftag = &text[fstart..=fend];
        let action = attr(ftag, "action")?;
        let get = attr(ftag, "method").is_some_and(|m| m.eq_ignore_ascii_case("get"));
        let mut pairs = Vec::new();
        let mut rest = &text[fend..];
        while let Some(i) = rest.find("<input") {
            let j = rest[i..].find('>').map(|j| i + j)?;
            let tag = &rest[i..=j];
            if let Some(name) = attr(tag, "name") {
                pairs.push((name, attr(tag, "value").unwrap_or_default()));
            }
            rest = &rest[j..];
        }
        Some(AutoForm {
            action,
            get,
            charset,
            fields: Form::from_pairs(pairs),
        })
    }

    /// The body a browser would POST.
    pub fn body(&self) -> Vec<u8> {
        self.fields.encode(self.charset)
    }
}

/// A page as a browser received it.
#[derive(Debug, Clone)]
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// `Location` header, if any.
    pub location: Option<String>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Page {
    /// The body as text (UTF-8, or EUC-KR when it is not UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap_or_else(|_| {
            Charset::EucKr
                .decode(&self.body)
                .unwrap_or_else(|_| String::from_utf8_lossy(&self.body).into_owned())
        })
    }

    /// The auto-submitting form of this page, if any.
    pub fn auto_form(&self) -> Option<AutoForm> {
        AutoForm::parse(&self.body)
    }
}

/// A headless stand-in for the buyer's browser, for end-to-end tests: it
/// submits auto-forms and presses the sandbox window's buttons. Redirects are
/// not followed, so tests can assert them.
///
/// ```no_run
/// # async fn demo(base: &str, checkout_page: &[u8]) -> Result<(), reqwest::Error> {
/// use inipay_sandbox::browser::{AutoForm, Browser};
/// let b = Browser::new(base);
/// let window = b.submit(&AutoForm::parse(checkout_page).unwrap()).await?; // shop -> INICIS
/// let result = b.press(&window, "approve", &[("card_number", "4111111111111111")]).await?;
/// let landing = b.submit(&result.auto_form().unwrap()).await?; // INICIS -> P_NEXT_URL
/// # let _ = landing; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Browser {
    base: String,
    http: reqwest::Client,
}

impl Browser {
    /// A browser talking to the sandbox at `sandbox_base_url`.
    pub fn new(sandbox_base_url: &str) -> Browser {
        Browser {
            base: sandbox_base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    async fn page(resp: reqwest::Response) -> Result<Page, reqwest::Error> {
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().await?.to_vec();
        Ok(Page {
            status,
            location,
            body,
        })
    }

    /// Submits a form like a browser: POST with a form body, or GET with the
    /// query appended.
    pub async fn submit(&self, form: &AutoForm) -> Result<Page, reqwest::Error> {
        let action = if form.action.starts_with('/') {
            format!("{}{}", self.base, form.action)
        } else {
            form.action.clone()
        };
        let resp = if form.get {
            let sep = if action.contains('?') { '&' } else { '?' };
            let q = String::from_utf8_lossy(&form.body()).into_owned();
            self.http.get(format!("{action}{sep}{q}")).send().await?
        } else {
            self.http
                .post(action)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.body())
                .send()
                .await?
        };
        Browser::page(resp).await
    }

    /// Presses a button (`approve`, `decline`, `cancel`) in a sandbox payment
    /// or billing window, with the choices given (`card_code`, `card_number`,
    /// `auth` = `isp`, `quota`, `bank_code`, `carrier`, `phone`).
    pub async fn press(
        &self,
        window: &Page,
        action: &str,
        choices: &[(&str, &str)],
    ) -> Result<Page, reqwest::Error> {
        let text = window.text();
        let session =
            attr(&text[text.find("name=\"session\"").unwrap_or(0)..], "value").unwrap_or_default();
        let target = if text.contains("/inibill/sandbox/complete") {
            "/inibill/sandbox/complete"
        } else {
            "/smart/sandbox/complete"
        };
        let mut pairs = vec![("session", session.as_str()), ("action", action)];
        pairs.extend_from_slice(choices);
        let body = Form::from_pairs(pairs).encode(Charset::Utf8);
        let resp = self
            .http
            .post(format!("{}{target}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        Browser::page(resp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_escaped_values_and_get_method() {
        let page = "<meta charset=\"utf-8\"><form method=\"get\" action=\"https://s/r?a=1&amp;b=2\" accept-charset=\"utf-8\">\
                    <input type=\"hidden\" name=\"m\" value=\"a &quot;b&quot; &lt;c&gt;\"></form>";
        let f = AutoForm::parse(page.as_bytes()).unwrap();
        assert!(f.get);
        assert_eq!(f.action, "https://s/r?a=1&b=2");
        assert_eq!(f.fields.get("m"), Some("a \"b\" <c>"));
    }

    proptest! {
        #[test]
        fn arbitrary_pages_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = AutoForm::parse(&bytes);
        }
    }
}
