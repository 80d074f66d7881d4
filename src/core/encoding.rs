//! base64url and `application/x-www-form-urlencoded`: the two encodings OAuth uses, with no URL crate.

/// The base64url alphabet (RFC 4648 §5).
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The parts one after another, as `[..].concat()` gives them (std's version goes through the separator-generic
/// `join`, whose copy loop is about 600 B more in the npm build's `.wasm`; README "Size history").
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Where `needle` (not empty: an empty one is never found) first occurs in `text`, by bytes: one loop for every
/// such search (no substring searcher in the wasm).
pub fn find_bytes(text: &str, needle: &[u8]) -> Option<usize> {
    text.as_bytes().windows(needle.len().max(1)).position(|w| w == needle)
}

/// The origin of `url` (`scheme://authority`, RFC 6454): up to the first `/`, `?` or `#` after `://`; all of
/// `url` when it has no `://`.
pub fn origin(url: &str) -> &str {
    let Some(start) = find_bytes(url, b"://").map(|i| i + 3) else { return url };
    let end = start + before_any(url.get(start..).unwrap_or_default(), b"/?#").len();
    url.get(..end).unwrap_or(url)
}

/// base64url-encodes `bytes` without padding (RFC 4648 §5; RFC 7515 §2).
///
/// By hand rather than with the `base64` crate: 1.6 KB gzip less in the npm build (README "Size history"); the
/// crate stays the oracle of the tests below.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().zip([16, 8, 0]).fold(0u32, |group, (&b, shift)| group | u32::from(b) << shift);
        for shift in [18, 12, 6, 0].into_iter().take(chunk.len() + 1) {
            let sextet = (group >> shift & 63) as usize;
            out.push(char::from(BASE64URL.get(sextet).copied().unwrap_or(b'A')));
        }
    }
    out
}

fn sextet(c: u8) -> Option<u32> {
    let value = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(value))
}

/// `text` up to its first byte among `stops` (ASCII), or all of it: one byte loop for every such cut, where each
/// `split([char; N])` pattern was code of its own.
pub fn before_any<'a>(text: &'a str, stops: &[u8]) -> &'a str {
    let end = first(text, stops, true).unwrap_or(text.len());
    text.get(..end).unwrap_or(text)
}

/// The index of the first byte of `text` that is one of `set` (`among`) or none of them (`!among`): the one loop
/// of the byte cuts and trims.
fn first(text: &str, set: &[u8], among: bool) -> Option<usize> {
    text.bytes().position(|b| is_among(set, b) == among)
}

/// Whether `text` is empty or all whitespace (`str::trim(text).is_empty()`, without `trim`'s searcher).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Whether `byte` is one of `set`: a loop, where `<[u8]>::contains` brings a `memchr` into the build.
pub fn is_among(set: &[u8], byte: u8) -> bool {
    for &b in set {
        if b == byte {
            return true;
        }
    }
    false
}

/// `text` cut at its first `sep` (an ASCII byte), without it: `str::split_once` with a char, by the byte loop the
/// other cuts use instead of a char searcher (README "Size history").
pub fn cut(text: &str, sep: u8) -> Option<(&str, &str)> {
    debug_assert!(sep.is_ascii(), "a cut at a byte inside a UTF-8 sequence");
    let (before, after) = text.split_at_checked(first(text, &[sep], true)?)?;
    Some((before, after.get(1..)?))
}

/// The parts of `text` between its `sep` bytes (ASCII): `str::split` with a char, by [`cut`].
pub fn pieces(text: &str, sep: u8) -> Pieces<'_> {
    Pieces { rest: Some(text), sep }
}

/// The iterator of [`pieces`].
pub struct Pieces<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let (piece, after) = cut(rest, self.sep).map_or((rest, None), |(piece, after)| (piece, Some(after)));
        self.rest = after;
        Some(piece)
    }
}

/// `text` without its leading bytes among `skip` (ASCII).
pub fn trim_start_any<'a>(text: &'a str, skip: &[u8]) -> &'a str {
    let start = first(text, skip, false).unwrap_or(text.len());
    text.get(start..).unwrap_or(text)
}

/// `text` without its trailing bytes among `skip` (ASCII).
pub fn trim_end_any<'a>(text: &'a str, skip: &[u8]) -> &'a str {
    let end = text.bytes().rposition(|b| !is_among(skip, b)).map_or(0, |i| i + 1);
    text.get(..end).unwrap_or(text)
}

/// Decodes base64url; `None` when it is not canonical base64url. Padding is optional (up to what the length
/// needs); unused low bits of the last character must be zero, as RFC 4648 §3.5 lets a decoder require.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let data = trim_end_any(text, b"=");
    let tail = data.len() % 4;
    if tail == 1 || text.len() - data.len() > (4 - tail) % 4 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for chunk in data.as_bytes().chunks(4) {
        let mut group = 0;
        for (&c, shift) in chunk.iter().zip([18, 12, 6, 0]) {
            group |= sextet(c)? << shift;
        }
        let length = chunk.len() - 1;
        if group & 0xFF_FFFF >> (8 * length) != 0 {
            return None;
        }
        out.extend_from_slice(group.to_be_bytes().get(1..=length)?);
    }
    Some(out)
}

/// RFC 3986 unreserved characters: the only ones sent unescaped.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `value` percent-encoded (everything but unreserved characters), valid in queries and form bodies.
pub fn percent_encode_into(out: &mut String, value: &str) {
    for &b in value.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            let hex = |nibble: u8| HEX.get(usize::from(nibble)).map_or('0', |&h| h as char);
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b & 15));
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one form-encoded component: `+` is a space, `%XX` a byte; malformed escapes stay as they are
/// (as `URLSearchParams` does) and invalid UTF-8 becomes U+FFFD.
pub fn form_decode(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.as_bytes().iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let mut ahead = bytes.clone();
                match (ahead.next().and_then(hex_value), ahead.next().and_then(hex_value)) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        bytes.nth(1);
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
    }
    utf8_lossy(&out)
}

/// `bytes` as text, each maximal invalid UTF-8 sequence as one U+FFFD, as `String::from_utf8_lossy` does.
fn utf8_lossy(mut bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at_checked(e.valid_up_to()).unwrap_or_default();
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                text.push('\u{FFFD}');
                bytes = rest.get(e.error_len().unwrap_or(rest.len())..).unwrap_or_default();
            }
        }
    }
}

/// Splits `a=1&b=2` into decoded pairs, skipping empty segments; a name without `=` has an empty value.
pub fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for part in pieces(text, b'&').filter(|part| !part.is_empty()) {
        let (name, value) = cut(part, b'=').unwrap_or((part, ""));
        pairs.push((form_decode(name), form_decode(value)));
    }
    pairs
}

/// Takes the first pair named `name` out of `pairs` (names unique there: a map kept in order), with its value.
pub fn take_named(pairs: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    pairs.iter().position(|(n, _)| n == name).map(|i| pairs.remove(i).1)
}

/// Builds `a=1&b=2` from pairs, percent-encoding names and values.
pub fn encode_params(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for &(name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        percent_encode_into(&mut out, name);
        out.push('=');
        percent_encode_into(&mut out, value);
    }
    out
}

/// Adds query parameters to `url`, keeping its existing query and putting them before any fragment.
pub fn append_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let base = before_any(url, b"#");
    let fragment = url.get(base.len()..).unwrap_or_default();
    let encoded = encode_params(pairs);
    if encoded.is_empty() {
        return url.to_owned();
    }
    let joiner = match cut(base, b'?') {
        None => "?",
        Some((_, query)) if query.is_empty() || base.ends_with("&") => "",
        Some(_) => "&",
    };
    concat(&[base, joiner, &encoded, fragment])
}

/// `url` without the parameters named in `names`, from its query or (with `in_fragment`) its fragment; every
/// other parameter stays byte for byte (empty segments between them too), and an emptied `?` or `#` is dropped.
pub fn without_params(url: &str, names: &[&str], in_fragment: bool) -> String {
    let (before_fragment, fragment) = match cut(url, b'#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (path, query) = match cut(before_fragment, b'?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    let keep = |part: &str| -> String {
        let mut kept = String::with_capacity(part.len() + 1);
        for p in pieces(part, b'&').filter(|p| p.is_empty() || !names.contains(&form_decode(before_any(p, b"=")).as_str())) {
            kept.push_str(p);
            kept.push('&');
        }
        trim_end_any(trim_start_any(&kept, b"&"), b"&").to_owned()
    };
    let (query, fragment) = if in_fragment {
        (query.map(str::to_owned), fragment.map(keep))
    } else {
        (query.map(keep), fragment.map(str::to_owned))
    };
    let mut out = path.to_owned();
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(&q);
    }
    if let Some(f) = fragment.filter(|f| !f.is_empty()) {
        out.push('#');
        out.push_str(&f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_scheme_and_authority() {
        assert_eq!(origin("https://id.example.com:8443/realms/x?y#z"), "https://id.example.com:8443");
        assert_eq!(origin("http://127.0.0.1:9?q"), "http://127.0.0.1:9");
        assert_eq!(origin("https://api.example.com"), "https://api.example.com");
        assert_eq!(origin("no scheme/at all"), "no scheme/at all");
    }

    #[test]
    fn base64url_round_trips_without_padding() {
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(base64url_decode("-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(base64url_decode("not base64!"), None);
    }

    /// The `base64` crate (URL-safe alphabet, no padding written, padding optional when read) as the oracle.
    fn oracle() -> base64::engine::GeneralPurpose {
        use base64::engine::{general_purpose::GeneralPurposeConfig, DecodePaddingMode};
        let config = GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent);
        base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
    }

    #[test]
    fn base64url_encodes_as_the_base64_crate_does() {
        use base64::Engine;
        let mut bytes = Vec::new();
        for i in 0..600u32 {
            assert_eq!(base64url(&bytes), oracle().encode(&bytes), "{bytes:?}");
            bytes.push((i.wrapping_mul(2_654_435_761) >> 13) as u8);
        }
    }

    #[test]
    fn base64url_decodes_as_the_base64_crate_does() {
        use base64::Engine;
        // Every text of up to 6 characters over letters at both ends of the alphabet, the two URL-safe ones, the
        // padding, and two that base64url does not have.
        let symbols = ["A", "B", "Q", "w", "-", "_", "=", "+", "/"];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> =
                texts.iter().filter(|t| t.len() == texts.last().map_or(0, String::len)).flat_map(|t| symbols.map(|s| format!("{t}{s}"))).collect();
            for text in &longer {
                assert_eq!(base64url_decode(text), oracle().decode(text).ok(), "{text:?}");
            }
            texts.extend(longer);
        }
        assert!(texts.len() > 500_000);
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(encode_params(&[("redirect_uri", "http://a/b?c=d e"), ("x", "é~")]),
            "redirect_uri=http%3A%2F%2Fa%2Fb%3Fc%3Dd%20e&x=%C3%A9~");
    }

    #[test]
    fn form_decode_handles_plus_escapes_and_malformed_input() {
        assert_eq!(form_decode("a+b%20c%2B"), "a b c+");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
        assert_eq!(form_decode("%C3%A9"), "é");
        assert_eq!(form_decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn byte_cuts_and_trims_match_std_patterns() {
        for text in ["", "/", "//", "a", "https://a/b?c#d", "é/?#/", "&&a=1&&", "  \t=x", "00100", "a#b?c", "ü/", "/é/", "a.b.c", "..", "x y  z ", "a=b=c&é=ü&", " \t\n", "\u{a0}\u{3000}", "\u{a0}x"] {
            assert_eq!(before_any(text, b"?#"), text.split(['?', '#']).next().unwrap_or(text), "{text:?}");
            assert_eq!(before_any(text, b"/?#"), text.split(['/', '?', '#']).next().unwrap_or(text), "{text:?}");
            assert_eq!(trim_end_any(text, b"/"), text.trim_end_matches('/'), "{text:?}");
            assert_eq!(trim_start_any(text, b" \t"), text.trim_start_matches([' ', '\t']), "{text:?}");
            assert_eq!(trim_end_any(trim_start_any(text, b"&"), b"&"), text.trim_matches('&'), "{text:?}");
            assert_eq!(trim_start_any(text, b"0"), text.trim_start_matches('0'), "{text:?}");
            assert_eq!(is_blank(text), text.trim().is_empty(), "{text:?}");
            for sep in [b'?', b'#', b'&', b'=', b'/', b'.', b' '] {
                assert_eq!(cut(text, sep), text.split_once(char::from(sep)), "{text:?} at {sep}");
                assert_eq!(pieces(text, sep).collect::<Vec<_>>(), text.split(char::from(sep)).collect::<Vec<_>>(), "{text:?} by {sep}");
            }
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_as_std_does() {
        // std's `String::from_utf8_lossy` as the oracle: every sequence of up to three bytes over the bytes where
        // UTF-8's rules change, and longer mixes of valid text and broken sequences.
        let edges: Vec<u8> = vec![0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF];
        let mut cases: Vec<Vec<u8>> = vec![vec![]];
        for a in &edges {
            cases.push(vec![*a]);
            for b in &edges {
                cases.push(vec![*a, *b]);
                cases.extend(edges.iter().map(|c| vec![*a, *b, *c]));
            }
        }
        cases.push("é€😀".bytes().chain([0xF0, 0x9F, 0x98]).chain("x".bytes()).chain([0xE2, 0x82]).collect());
        cases.push([0xED, 0xA0, 0x80, b'a', 0xF4, 0x90, 0x80, 0x80, 0xC3].to_vec());
        for bytes in cases {
            let escaped: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
            assert_eq!(form_decode(&escaped), String::from_utf8_lossy(&bytes), "{bytes:02X?}");
        }
    }

    #[test]
    fn parse_params_splits_and_decodes() {
        assert_eq!(parse_params("code=a%2Fb&&state=s&flag"), vec![
            ("code".to_owned(), "a/b".to_owned()),
            ("state".to_owned(), "s".to_owned()),
            ("flag".to_owned(), String::new()),
        ]);
    }

    #[test]
    fn without_params_removes_only_the_named_ones() {
        assert_eq!(without_params("https://a/p?jwt=x&page=2&refresh=y#f", &["jwt", "refresh"], false), "https://a/p?page=2#f");
        assert_eq!(without_params("https://a/p?jwt=x", &["jwt"], false), "https://a/p");
        assert_eq!(without_params("https://a/p?x=1#code=c&y=2", &["code"], true), "https://a/p?x=1#y=2");
    }

    #[test]
    fn append_query_respects_existing_query_and_fragment() {
        assert_eq!(append_query("https://a/auth", &[("x", "1")]), "https://a/auth?x=1");
        assert_eq!(append_query("https://a/auth?p=b2c", &[("x", "1")]), "https://a/auth?p=b2c&x=1");
        assert_eq!(append_query("https://a/auth?", &[("x", "1")]), "https://a/auth?x=1");
        assert_eq!(append_query("https://a/auth#f", &[("x", "1")]), "https://a/auth?x=1#f");
        assert_eq!(append_query("https://a/auth", &[]), "https://a/auth");
    }
}
