//! The buyer's browser, played by an HTTP client: open the app's checkout
//! page, submit its form to the sandbox's payment window (in the form's
//! `accept-charset`, as browsers do), press a button there, and follow the
//! auto-submitting result form back to the app.

use super::Harness;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::wire::Charset;

/// An HTTP response, read completely.
#[derive(Debug, Clone)]
pub struct Page {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, or empty.
    pub content_type: String,
    /// `Location`, if any.
    pub location: Option<String>,
    /// `Set-Cookie` headers.
    pub cookies: Vec<String>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Page {
    /// Reads a response.
    pub async fn read(r: reqwest::Response) -> Page {
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let location = header("location");
        let cookies = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let status = r.status().as_u16();
        let body = r.bytes().await.expect("response body").to_vec();
        Page {
            status,
            content_type,
            location,
            cookies,
            body,
        }
    }

    /// The body as (lossy) UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The charset a browser submits the page's first form in:
/// `accept-charset` when present, else the page's own.
fn submit_charset(page: &[u8], form: &AutoForm) -> Charset {
    let text = String::from_utf8_lossy(page).to_ascii_lowercase();
    let tag = text
        .find("<form")
        .and_then(|i| text[i..].find('>').map(|j| &text[i..i + j]))
        .unwrap_or("");
    if tag.contains("accept-charset=\"euc-kr\"") {
        Charset::EucKr
    } else if tag.contains("accept-charset=\"utf-8\"") {
        Charset::Utf8
    } else {
        form.charset
    }
}

/// Submits the first form of `page` (a POST body, or a GET whose fields are
/// appended to the action's query string, the way the gateway delivers
/// `nextUrl=GET` results to a `P_NEXT_URL` that already has a query).
pub async fn submit(h: &Harness, page: &Page) -> Page {
    let form = AutoForm::parse(&page.body).expect("an auto-submitting form in the page");
    let body = form.fields.encode(submit_charset(&page.body, &form));
    let r = if form.get {
        let sep = if form.action.contains('?') { '&' } else { '?' };
        let query = String::from_utf8(body).expect("percent-encoded form is ASCII");
        h.http.get(format!("{}{sep}{query}", form.action)).send()
    } else {
        h.http
            .post(&form.action)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    Page::read(r.await.expect("form submission")).await
}

/// Submits the first form of `page` after `alter` rewrote its fields: what
/// a hostile buyer does with the developer tools (change `P_AMT`, drop a
/// field of the auth result).
pub async fn submit_altered(
    h: &Harness,
    page: &Page,
    alter: impl FnOnce(&inipay_sandbox::wire::Form) -> inipay_sandbox::wire::Form,
) -> Page {
    let mut form = AutoForm::parse(&page.body).expect("an auto-submitting form in the page");
    let charset = submit_charset(&page.body, &form);
    form.fields = alter(&form.fields);
    assert!(!form.get, "altered submissions are POSTs here");
    let r = h
        .http
        .post(&form.action)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.fields.encode(charset))
        .send();
    Page::read(r.await.expect("form submission")).await
}

/// The payment session id in the sandbox's payment window page.
pub fn session_of(window: &Page) -> String {
    assert_eq!(window.status, 200, "payment window: {}", window.text());
    let html = window.text();
    let pat = "name=\"session\" value=\"";
    let start = html
        .find(pat)
        .unwrap_or_else(|| panic!("no payment session in the window: {html}"))
        + pat.len();
    let end = html[start..].find('"').expect("end of session value") + start;
    html[start..end].to_owned()
}

/// `GET {mount}/checkout/{order_id}?method={method}` on the app.
pub async fn checkout(h: &Harness, order_id: &str, method: &str) -> Page {
    let url = h.app.url(&format!("/checkout/{order_id}?method={method}"));
    Page::read(h.http.get(url).send().await.expect("checkout request")).await
}

/// Posts the checkout page's form to the sandbox and returns the payment
/// window's session id.
pub async fn open_window(h: &Harness, checkout: &Page) -> String {
    session_of(&submit(h, checkout).await)
}

/// Presses a button in the payment window (`approve` or `cancel`, with extra
/// fields such as `card_number`); returns the sandbox's result page.
pub async fn press(h: &Harness, session: &str, action: &str, extra: &[(&str, &str)]) -> Page {
    let page = press_any(h, session, action, extra).await;
    assert_eq!(page.status, 200, "window result: {}", page.text());
    page
}

/// [`press`] without expecting a result page (a one-transaction payment
/// answers `303` to `P_RETURN_URL`).
pub async fn press_any(h: &Harness, session: &str, action: &str, extra: &[(&str, &str)]) -> Page {
    let mut pairs = vec![("session", session), ("action", action)];
    pairs.extend_from_slice(extra);
    let body = inipay_sandbox::wire::Form::from_pairs(pairs).encode(Charset::Utf8);
    let r = h
        .http
        .post(h.sandbox.url("/smart/sandbox/complete"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("window button");
    Page::read(r).await
}

/// The whole browser journey for `order_id` paid with `method`: checkout,
/// window, `action`, and the auth result delivered to the app. Returns the
/// app's answer to `P_NEXT_URL`.
pub async fn pay(
    h: &Harness,
    order_id: &str,
    method: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> Page {
    let page = checkout(h, order_id, method).await;
    assert_eq!(page.status, 200, "checkout page: {}", page.text());
    let session = open_window(h, &page).await;
    let result = press(h, &session, action, extra).await;
    submit(h, &result).await
}
