//! Sending a request with the client id, as [`ClientIdentification`] says.

use super::http;
use crate::core::client_identification::ClientIdentification;
use crate::core::error::{Error, Result};
use wasm_bindgen::JsCast;

impl ClientIdentification {
    /// Sends `request` with the client id: the header in header mode, the query parameter in query mode.
    /// The request's other headers and parameters are kept as they are.
    pub async fn fetch(&self, request: web_sys::Request) -> Result<web_sys::Response> {
        let request = match self.header() {
            Some(_) => request,
            None => web_sys::Request::new_with_str_and_init(&self.apply(&request.url()), request.unchecked_ref())
                .map_err(|_| Error::invalid_config("The request could not be re-addressed with the client id."))?,
        };
        let headers: Vec<(&str, &str)> = self.header().into_iter().collect();
        http::send_with_headers(&request, &headers).await
    }
}
