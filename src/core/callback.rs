//! Step two: reading the redirect back from the authorization server, and checking it against the login.

use crate::core::encoding::concat;
use super::authorize::Transaction;
use super::config::ResponseMode;
use super::encoding::{before_any, cut, parse_params, trim_end_any, without_params};
use super::error::{code, Error, Result};
use super::secret::AuthorizationCode;

/// The parameters of an authorization response (RFC 6749 §4.1.2, RFC 9207).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub code: Option<AuthorizationCode>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// A response parameter appeared more than once (RFC 6749 §3.1: they must not).
    pub repeated: bool,
}

/// Parameters removed from the address bar after a callback; the last three only from an error response.
const CALLBACK_PARAMS: [&str; 7] = ["code", "state", "iss", "session_state", "error", "error_description", "error_uri"];

/// The part of `url` that carries the response in `mode`: the query (without fragment) or the fragment.
fn response_part(url: &str, mode: ResponseMode) -> &str {
    match mode {
        ResponseMode::Query => {
            cut(before_any(url, b"#"), b'?').map_or("", |(_, q)| q)
        }
        ResponseMode::Fragment => cut(url, b'#').map_or("", |(_, f)| f),
    }
}

/// Reads the authorization response from `url`; the first occurrence of each parameter wins.
pub fn parse_response(url: &str, mode: ResponseMode) -> AuthorizationResponse {
    locate_response(url, mode).1
}

/// Where `url` carries the response, and the response: where `mode` puts it, except an error response in the query
/// of a `fragment` login whose fragment holds no `state` (IdentityServer and others send errors there); never a
/// code from the query then.
fn locate_response(url: &str, mode: ResponseMode) -> (ResponseMode, AuthorizationResponse) {
    let response = read_response(response_part(url, mode));
    if mode == ResponseMode::Fragment && response.state.is_none() {
        let query = read_response(response_part(url, ResponseMode::Query));
        if query.error.is_some() && query.state.is_some() && query.code.is_none() {
            return (ResponseMode::Query, query);
        }
    }
    (mode, response)
}

fn read_response(params: &str) -> AuthorizationResponse {
    let mut response = AuthorizationResponse::default();
    for (name, value) in parse_params(params) {
        let slot = match name.as_str() {
            "state" => &mut response.state,
            "iss" => &mut response.iss,
            "error" => &mut response.error,
            "error_description" => &mut response.error_description,
            "code" => {
                match response.code {
                    None => response.code = Some(AuthorizationCode::new(value)),
                    Some(_) => response.repeated = true,
                }
                continue;
            }
            _ => continue,
        };
        match slot {
            None => *slot = Some(value),
            Some(_) => response.repeated = true,
        }
    }
    response
}

/// Whether `url` carries `code`+`state` or `error`+`state` where `mode` puts them.
pub fn is_callback(url: &str, mode: ResponseMode) -> bool {
    let r = parse_response(url, mode);
    r.state.is_some() && (r.code.is_some() || r.error.is_some())
}

/// Whether `a` and `b` show the same page: the same origin (in any case), the same path (a trailing `/` aside);
/// query and fragment aside.
pub fn same_page(a: &str, b: &str) -> bool {
    let page = |url: &str| trim_end_any(before_any(url, b"?#"), b"/").to_owned();
    let (a, b) = (page(a), page(b));
    let (origin_a, origin_b) = (super::encoding::origin(&a), super::encoding::origin(&b));
    origin_a.eq_ignore_ascii_case(origin_b) && a.get(origin_a.len()..) == b.get(origin_b.len()..)
}

/// `url` without the callback's parameters (`error`, `error_description` and `error_uri` only when it is an error
/// response); any other query or fragment parameters stay.
pub fn scrub_url(url: &str, mode: ResponseMode) -> String {
    let (located, response) = locate_response(url, mode);
    let names = match response.error {
        Some(_) => &CALLBACK_PARAMS[..],
        None => CALLBACK_PARAMS.get(..4).unwrap_or_default(),
    };
    let scrubbed = without_params(url, names, located == ResponseMode::Fragment);
    if mode == ResponseMode::Query {
        return scrubbed;
    }
    // In `fragment` mode both parts may hold pieces of an answer (an error in the query): none stays. An error
    // answer read from the query leaves no `code`, `state` or `iss` in the fragment; a fragment answer scrubbed away
    // uncovers no error answer in the query.
    match located {
        ResponseMode::Query => without_params(&scrubbed, CALLBACK_PARAMS.get(..4).unwrap_or_default(), true),
        ResponseMode::Fragment if locate_response(&scrubbed, mode).0 == ResponseMode::Query => without_params(&scrubbed, &CALLBACK_PARAMS, false),
        ResponseMode::Fragment => scrubbed,
    }
}

/// What the store held under the callback's state.
pub enum StoredLogin {
    /// A login started here and not yet completed.
    Pending(Box<Transaction>),
    /// A state already redeemed once.
    Used,
    /// Nothing under this state, though this tab has other logins in progress.
    Unknown,
    /// This tab has no login in progress at all.
    NoneStarted,
}

/// Checks the callback's state against what the store held: known, unused, not expired (single use is the
/// shell's part: it deletes the transaction before this runs).
pub fn check_state(stored: StoredLogin, issuer: &str, now: u64) -> Result<Box<Transaction>> {
    match stored {
        StoredLogin::Pending(t) if t.issuer != issuer => Err(Error::new(
            code::ISSUER_MISMATCH,
            "This callback's login was started for another issuer with the same client id; it is refused.",
        )),
        StoredLogin::Pending(t) if t.expired(now) => {
            // The user usually finished logging in at the provider meanwhile (a registration, an e-mail to confirm).
            Err(Error::new(
                code::INVALID_STATE,
                "This login took longer than 10 minutes (spa-auth's limit for a login in progress): log in again; the \
                 provider's session usually lets the user through without a form.",
            ))
        }
        StoredLogin::Pending(t) => Ok(t),
        StoredLogin::Used => {
            Err(Error::new(code::INVALID_STATE, "This callback's state was already used; a login completes only once (the Back button brings a finished login's answer back: see isAuthenticated())."))
        }
        StoredLogin::Unknown => {
            Err(Error::new(code::INVALID_STATE, "The callback's state matches no login started in this tab."))
        }
        StoredLogin::NoneStarted => Err(Error::new(
            code::MISSING_TRANSACTION,
            "No login was started in this tab (sessionStorage is per tab and per origin): call loginWithRedirect from the same \
             tab, on the redirect URI's origin (not `localhost` for a `127.0.0.1` redirect URI, nor `www.` for the bare domain). \
             A link in the provider's e-mail (verify e-mail, reset password) finishes a login in a new tab and ends here too: \
             log in again from this tab; the provider's session usually lets the user through without a form.",
        )),
    }
}

/// Checks the response itself: RFC 9207 `iss` (when present, and on success when the server announced it), then
/// the server's error or the code.
pub fn check_response(response: AuthorizationResponse, issuer: &str, iss_required: bool) -> Result<AuthorizationCode> {
    if response.repeated {
        return Err(Error::server("The callback repeats a response parameter (RFC 6749 section 3.1): it is refused."));
    }
    match &response.iss {
        Some(iss) if iss != issuer => {
            return Err(Error::new(
                code::ISSUER_MISMATCH,
                concat(&["The callback comes from issuer \"", iss, "\", not the configured \"", issuer, "\" (RFC 9207)."]),
            ))
        }
        None if iss_required && response.error.is_none() => {
            return Err(Error::new(
                code::ISSUER_MISMATCH,
                "The server announces RFC 9207 `iss` on authorization responses, but this callback has none (Keycloak: turn off \
                 the client's \"Exclude Issuer From Authentication Response\").",
            ))
        }
        _ => {}
    }
    match response.error {
        Some(error) if error.is_empty() => {
            return Err(Error::server("The callback has an empty `error` parameter: a malformed authorization response."))
        }
        Some(error) => return Err(Error::oauth(error, response.error_description)),
        None => {}
    }
    match response.code {
        Some(code) if !code.secret().is_empty() => Ok(code),
        _ => Err(Error::server("The callback carries neither a code nor an error.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::PkceVerifier;

    fn tx(created_at: u64) -> Transaction {
        Transaction { issuer: "https://id.example.com".into(), verifier: PkceVerifier::new("v".repeat(43)), nonce: None, redirect_uri: "https://app/cb".into(), created_at, app_state: None, silent: false, dpop_jkt: None, max_age: None, scope: None, audience: None, organization: None, resource: None }
    }

    const ISS: &str = "https://id.example.com";

    #[test]
    fn parses_query_and_fragment_responses() {
        let r = parse_response("https://app/cb?code=c%2B1&state=s&iss=https%3A%2F%2Fid.example.com#code=other", ResponseMode::Query);
        assert_eq!(r.code.unwrap().secret(), "c+1");
        assert_eq!(r.state.as_deref(), Some("s"));
        assert_eq!(r.iss.as_deref(), Some(ISS));
        let f = parse_response("https://app/cb?x=1#state=s&code=c", ResponseMode::Fragment);
        assert_eq!(f.code.unwrap().secret(), "c");
    }

    #[test]
    fn pages_are_compared_by_origin_in_any_case_and_exact_path() {
        assert!(same_page("HTTPS://App.Example/cb/?code=c#x", "https://app.example/cb"));
        assert!(same_page("http://127.0.0.1:8080/", "http://127.0.0.1:8080"));
        assert!(!same_page("https://app.example/Cb", "https://app.example/cb"), "the path keeps its case");
        assert!(!same_page("https://app.example:8443/cb", "https://app.example/cb"));
        assert!(!same_page("https://app.example/cb/x", "https://app.example/cb"));
    }

    #[test]
    fn a_fragment_login_reads_an_error_the_server_put_in_the_query() {
        // IdentityServer (DuendeArchive/Support#1238) and others answer errors in the query whatever was asked.
        let url = "https://app/cb?error=invalid_request&error_description=bad%20scope&state=s&keep=1#_=_";
        let r = parse_response(url, ResponseMode::Fragment);
        assert_eq!((r.error.as_deref(), r.state.as_deref()), (Some("invalid_request"), Some("s")));
        assert!(is_callback(url, ResponseMode::Fragment));
        assert_eq!(scrub_url(url, ResponseMode::Fragment), "https://app/cb?keep=1#_=_");
        // Never a code from the query, and the fragment wins when it holds the response.
        assert!(!is_callback("https://app/cb?code=c&state=s", ResponseMode::Fragment));
        let both = parse_response("https://app/cb?error=e&state=q#code=c&state=f", ResponseMode::Fragment);
        assert_eq!((both.state.as_deref(), both.error), (Some("f"), None));
        // Scrubbing the fragment's answer uncovers the query's: both go (found by fuzz target callback_url).
        for url in [
            "https://app/cb?error=e&state=q&keep=1#code=c&state=f",
            "?error&state&#rror&state&#c&c&",
            "https://app/cb?error=e&state=q#code=c&iss=i&keep=1",
        ] {
            let scrubbed = scrub_url(url, ResponseMode::Fragment);
            assert!(!is_callback(&scrubbed, ResponseMode::Fragment) && parse_response(&scrubbed, ResponseMode::Fragment).state.is_none(), "{scrubbed}");
        }
        assert_eq!(scrub_url("https://app/cb?error=e&state=q&keep=1#code=c&state=f", ResponseMode::Fragment), "https://app/cb?keep=1");
    }

    #[test]
    fn recognises_callbacks() {
        assert!(is_callback("https://app/cb?code=c&state=s", ResponseMode::Query));
        assert!(is_callback("https://app/cb?error=access_denied&state=s", ResponseMode::Query));
        assert!(!is_callback("https://app/cb?code=c", ResponseMode::Query));
        assert!(!is_callback("https://app/cb#code=c&state=s", ResponseMode::Query));
        assert!(is_callback("https://app/cb#code=c&state=s", ResponseMode::Fragment));
        assert!(!is_callback("https://app/cb?page=2", ResponseMode::Query));
    }

    #[test]
    fn scrubs_only_callback_params() {
        assert_eq!(scrub_url("https://app/cb?code=c&state=s&iss=i&session_state=x", ResponseMode::Query), "https://app/cb");
        assert_eq!(scrub_url("https://app/cb?page=2&code=c&state=s#top", ResponseMode::Query), "https://app/cb?page=2#top");
        assert_eq!(scrub_url("https://app/cb?page=2#code=c&state=s", ResponseMode::Fragment), "https://app/cb?page=2");
        assert_eq!(scrub_url("https://app/cb?error=access_denied&error_description=no&state=s", ResponseMode::Query), "https://app/cb");
        // The error parameters go only with an error response; the app's own parameters stay byte for byte.
        assert_eq!(scrub_url("https://app/cb?error_uri=mine&code=c&state=s", ResponseMode::Query), "https://app/cb?error_uri=mine");
        assert_eq!(scrub_url("https://app/cb?a=1&&b=2&code=c&state=s#f", ResponseMode::Query), "https://app/cb?a=1&&b=2#f");
        assert_eq!(scrub_url("https://app/cb?code=c&&state=s&", ResponseMode::Query), "https://app/cb");
    }

    #[test]
    fn a_good_callback_yields_the_code() {
        let r = parse_response("https://app/cb?code=c&state=s&iss=https%3A%2F%2Fid.example.com", ResponseMode::Query);
        assert!(check_state(StoredLogin::Pending(Box::new(tx(100))), ISS, 200).is_ok());
        assert_eq!(check_response(r, ISS, true).unwrap().secret(), "c");
    }

    #[test]
    fn state_problems_have_their_codes() {
        let code = |stored| check_state(stored, ISS, 1000).unwrap_err().code().to_owned();
        assert_eq!(code(StoredLogin::Used), "invalid_state");
        let back = check_state(StoredLogin::Used, ISS, 1000).unwrap_err();
        assert!(back.message().contains("Back button") && back.message().contains("isAuthenticated()"), "{}", back.message());
        assert_eq!(code(StoredLogin::Unknown), "invalid_state");
        assert_eq!(code(StoredLogin::Pending(Box::new(tx(100)))), "invalid_state");
        assert_eq!(code(StoredLogin::NoneStarted), "missing_transaction");
        // Both usually follow a login the provider finished (a registration that took long, an e-mail's link in a
        // new tab): each says to log in again.
        let expired = check_state(StoredLogin::Pending(Box::new(tx(100))), ISS, 1000).unwrap_err();
        assert!(expired.message().contains("10 minutes") && expired.message().contains("log in again"), "{}", expired.message());
        let elsewhere = check_state(StoredLogin::NoneStarted, ISS, 1000).unwrap_err();
        assert!(elsewhere.message().contains("e-mail") && elsewhere.message().contains("log in again"), "{}", elsewhere.message());
        assert_eq!(check_state(StoredLogin::Pending(Box::new(tx(990))), "https://other.example.com", 1000).unwrap_err().code(), "issuer_mismatch");
    }

    #[test]
    fn iss_is_checked_when_present_and_when_announced() {
        let wrong = parse_response("https://app/cb?code=c&state=s&iss=https%3A%2F%2Fevil", ResponseMode::Query);
        assert_eq!(check_response(wrong, ISS, false).unwrap_err().code(), "issuer_mismatch");
        let absent = || parse_response("https://app/cb?code=c&state=s", ResponseMode::Query);
        let missing = check_response(absent(), ISS, true).unwrap_err();
        assert!(missing.code() == "issuer_mismatch" && missing.message().contains("Exclude Issuer"), "{}", missing.message());
        assert!(check_response(absent(), ISS, false).is_ok());
    }

    #[test]
    fn server_errors_keep_their_code_even_without_iss() {
        let r = parse_response("https://app/cb?error=access_denied&error_description=User+cancelled&state=s", ResponseMode::Query);
        let e = check_response(r, ISS, true).unwrap_err();
        assert_eq!(e.code(), "access_denied");
        assert_eq!(e.error_description(), Some("User cancelled"));
    }

    #[test]
    fn repeated_parameters_are_refused() {
        for url in ["https://app/cb?code=a&code=b&state=s", "https://app/cb?code=a&state=s&state=t", "https://app/cb?code=a&state=s&iss=x&iss=y"] {
            let r = parse_response(url, ResponseMode::Query);
            assert!(r.repeated, "{url}");
            assert_eq!(check_response(r, ISS, false).unwrap_err().code(), "server_error", "{url}");
        }
    }

    #[test]
    fn an_empty_error_is_a_server_error_not_an_empty_code() {
        let r = parse_response("https://app/cb?error=&state=s", ResponseMode::Query);
        assert_eq!(check_response(r, ISS, false).unwrap_err().code(), "server_error");
    }

    #[test]
    fn neither_code_nor_error_is_a_server_error() {
        let r = parse_response("https://app/cb?state=s&code=", ResponseMode::Query);
        assert_eq!(check_response(r, ISS, false).unwrap_err().code(), "server_error");
    }
}
