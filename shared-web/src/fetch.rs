//! One HTTP request through the browser's `fetch`, and its whole answer: status, body bytes,
//! and one header the caller names. Both browsers' long-polling connections
//! (`master-wasm/src/polling.rs`, `slave-wasm/src/polling.rs`) send theirs through it.

use shared_protocol::node_hint::NODE_HEADER;
use shared_protocol::poll_records::POLL_HEADER;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

/// Browsers refuse `keepalive` bodies over 64 KiB; smaller ones still go out while the page
/// unloads.
const KEEPALIVE_MAX: usize = 60 * 1024;

/// One request.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// Request headers (name, value).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<&'a [u8]>,
    /// Aborts the request (a long poll the connection no longer wants).
    pub signal: Option<&'a AbortSignal>,
    /// Lets the request outlive the page (when its body is small enough to be allowed to).
    pub keepalive: bool,
    /// The response header to keep in [`Answer::header`].
    pub answer_header: Option<&'a str>,
}

/// What the server answered.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The value of [`Request::answer_header`], when the answer has it.
    pub header: Option<String>,
}

/// A request of the long-polling protocol: the connection's id (once it has one) in
/// [`POLL_HEADER`]; the answer names the node that answered ([`NODE_HEADER`]).
pub async fn poll_request(
    method: &str,
    url: &str,
    id: Option<&str>,
    body: Option<&[u8]>,
    signal: Option<&AbortSignal>,
    keepalive: bool,
) -> Result<Answer, JsValue> {
    let id_header = id.map(|id| [(POLL_HEADER, id)]);
    Request {
        method,
        url,
        headers: id_header.as_ref().map_or(&[], |h| &h[..]),
        body,
        signal,
        keepalive,
        answer_header: Some(NODE_HEADER),
    }
    .send()
    .await
}

impl Request<'_> {
    /// Sends the request and reads the whole answer.
    pub async fn send(&self) -> Result<Answer, JsValue> {
        let init = RequestInit::new();
        init.set_method(self.method);
        let headers = Headers::new()?;
        for (name, value) in self.headers {
            headers.set(name, value)?;
        }
        init.set_headers(&headers);
        if let Some(body) = self.body {
            init.set_body(&js_sys::Uint8Array::from(body));
        }
        let keepalive = self.keepalive && self.body.is_none_or(|b| b.len() <= KEEPALIVE_MAX);
        // web-sys has no setter for `keepalive` (a standard RequestInit member).
        js_sys::Reflect::set(&init, &"keepalive".into(), &keepalive.into())?;
        init.set_signal(self.signal);
        let window = web_sys::window().ok_or("no window")?;
        let response: Response = JsFuture::from(window.fetch_with_str_and_init(self.url, &init))
            .await?
            .dyn_into()?;
        let bytes = JsFuture::from(response.array_buffer()?).await?;
        let header = match self.answer_header {
            Some(name) => response.headers().get(name)?,
            None => None,
        };
        Ok(Answer {
            status: response.status(),
            body: js_sys::Uint8Array::new(&bytes).to_vec(),
            header,
        })
    }
}
