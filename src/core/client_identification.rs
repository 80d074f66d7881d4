//! Client identification: a public client id on API calls, as publiq's Search API and UiTPAS take it
//! (`x-client-id` header, or `clientId` query parameter; the header wins when both are sent).

use super::config::refuse_secret;
use super::encoding::{append_query, is_among, is_blank, without_params};
use super::error::{Error, Result};
use super::json::{FromOptions, Json, Misfit, OptionsReader};

/// Where the client id goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdentificationMode {
    /// A request header (default `x-client-id`); cross-origin, this costs a CORS preflight.
    #[default]
    Header,
    /// A query parameter (default `clientId`): no preflight.
    Query,
}

/// Options of [`ClientIdentification`], as API.md names them.
#[derive(Clone, Debug, Default)]
pub struct IdentificationOptions {
    /// The public client id sent on each API call.
    pub client_id: String,
    /// In a header (default) or in the query.
    pub mode: IdentificationMode,
    /// The header's name (default `x-client-id`).
    pub header_name: Option<String>,
    /// The query parameter's name (default `clientId`).
    pub query_param: Option<String>,
}

impl FromOptions for IdentificationOptions {
    fn read_options(json: &impl Json, text: &str) -> std::result::Result<Self, Misfit> {
        let mut r = OptionsReader::new(json, text, &["clientId", "mode", "headerName", "queryParam"])?;
        let options = IdentificationOptions {
            client_id: r.text().unwrap_or_default(),
            mode: r.choice(&[("header", IdentificationMode::Header), ("query", IdentificationMode::Query)]),
            header_name: r.text(),
            query_param: r.text(),
        };
        r.finish(options)
    }
}

/// Default header, as publiq documents it.
pub const DEFAULT_HEADER: &str = "x-client-id";
/// Default query parameter, as publiq documents it.
pub const DEFAULT_QUERY_PARAM: &str = "clientId";

/// A validated client identification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdentification {
    pub client_id: String,
    pub mode: IdentificationMode,
    pub header_name: String,
    pub query_param: String,
}

/// An HTTP header name: one or more RFC 9110 token characters.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || is_among(b"!#$%&'*+-.^_`|~", b))
}

impl ClientIdentification {
    /// Validates the options: a client id without control characters, a valid header name, a query parameter name.
    pub fn new(options: IdentificationOptions) -> Result<Self> {
        if is_blank(&options.client_id) || options.client_id.chars().any(char::is_control) {
            return Err(Error::invalid_config("`clientId` is required and may not contain control characters."));
        }
        let header_name = options.header_name.unwrap_or_else(|| DEFAULT_HEADER.to_owned());
        if !is_token(&header_name) {
            return Err(Error::invalid_config("`headerName` must be a valid HTTP header name."));
        }
        refuse_secret(&header_name)?;
        let query_param = options.query_param.unwrap_or_else(|| DEFAULT_QUERY_PARAM.to_owned());
        if query_param.is_empty() {
            return Err(Error::invalid_config("`queryParam` may not be empty."));
        }
        refuse_secret(&query_param)?;
        Ok(ClientIdentification { client_id: options.client_id, mode: options.mode, header_name, query_param })
    }

    /// The header to add: in header mode `(headerName, clientId)`, in query mode none.
    pub fn header(&self) -> Option<(&str, &str)> {
        (self.mode == IdentificationMode::Header).then_some((self.header_name.as_str(), self.client_id.as_str()))
    }

    /// `url` with the client id: in query mode the parameter is added (or its value replaced), the rest of the
    /// query and the fragment kept as they are; in header mode the URL is returned unchanged.
    pub fn apply(&self, url: &str) -> String {
        if self.mode == IdentificationMode::Header {
            return url.to_owned();
        }
        let without = without_params(url, &[self.query_param.as_str()], false);
        append_query(&without, &[(self.query_param.as_str(), self.client_id.as_str())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(mode: IdentificationMode) -> ClientIdentification {
        ClientIdentification::new(IdentificationOptions { client_id: "my id".into(), mode, ..Default::default() }).unwrap()
    }

    #[test]
    fn header_mode_adds_the_documented_header_and_leaves_urls_alone() {
        let c = id(IdentificationMode::Header);
        assert_eq!(c.header(), Some(("x-client-id", "my id")));
        assert_eq!(c.apply("https://search.uitdatabank.be/events?q=jazz"), "https://search.uitdatabank.be/events?q=jazz");
    }

    #[test]
    fn query_mode_adds_client_id_and_keeps_the_rest() {
        let c = id(IdentificationMode::Query);
        assert_eq!(c.header(), None);
        assert_eq!(c.apply("https://search.uitdatabank.be/events"), "https://search.uitdatabank.be/events?clientId=my%20id");
        assert_eq!(c.apply("https://s/events?q=jazz&embed=true#top"), "https://s/events?q=jazz&embed=true&clientId=my%20id#top");
        assert_eq!(c.apply("/events?clientId=old&q=1"), "/events?q=1&clientId=my%20id", "never two client ids");
        assert_eq!(c.apply("/events?q=a%2Bb"), "/events?q=a%2Bb&clientId=my%20id", "encoded values are kept byte for byte");
    }

    #[test]
    fn names_can_be_changed() {
        let c = ClientIdentification::new(IdentificationOptions {
            client_id: "c".into(),
            mode: IdentificationMode::Query,
            header_name: Some("X-Client".into()),
            query_param: Some("client_id".into()),
        })
        .unwrap();
        assert_eq!(c.apply("https://a/b"), "https://a/b?client_id=c");
        assert_eq!(c.header_name, "X-Client");
    }

    #[test]
    fn bad_options_are_refused() {
        let bad = |o: IdentificationOptions| ClientIdentification::new(o).unwrap_err().code().to_owned();
        assert_eq!(bad(IdentificationOptions::default()), "invalid_config");
        assert_eq!(bad(IdentificationOptions { client_id: "c".into(), header_name: Some("bad header".into()), ..Default::default() }), "invalid_config");
        assert_eq!(bad(IdentificationOptions { client_id: "c".into(), header_name: Some("client-secret".into()), ..Default::default() }), "invalid_config");
        assert_eq!(bad(IdentificationOptions { client_id: "c\n".into(), ..Default::default() }), "invalid_config");
    }
}
