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
        let lower_head = String::from_utf8_lossy(&page[..page.len().min(400)]).to_ascii_lowercase();
        let charset = if lower_head.contains("charset=\"utf-8\"") {
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
