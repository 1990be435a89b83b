//! HTTP Digest authentication (RFC 7616 with `qop=auth` and MD5, as MongoDB Atlas's
//! Administration API asks for it): the server's challenge, then one answer computed from it.
//! MD5 here is the protocol's, not a choice: the password never crosses the wire.

use md5::{Digest as _, Md5};

/// A `WWW-Authenticate: Digest …` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) realm: String,
    pub(crate) nonce: String,
    pub(crate) opaque: Option<String>,
}

impl Challenge {
    /// Reads a Digest challenge; `None` for any other scheme, or one without a nonce.
    pub(crate) fn parse(header: &str) -> Option<Self> {
        let rest = header.trim().strip_prefix("Digest")?.trim_start();
        let mut realm = String::new();
        let mut nonce = None;
        let mut opaque = None;
        for (name, value) in parameters(rest) {
            match name.to_ascii_lowercase().as_str() {
                "realm" => realm = value,
                "nonce" => nonce = Some(value),
                "opaque" => opaque = Some(value),
                _ => {}
            }
        }
        Some(Self {
            realm,
            nonce: nonce?,
            opaque,
        })
    }

    /// The `Authorization` header answering this challenge for `method` on `uri` (path and
    /// query), with client nonce `cnonce`.
    pub(crate) fn answer(
        &self,
        user: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> String {
        let nc = "00000001";
        let ha1 = md5_hex(&format!("{user}:{}:{password}", self.realm));
        let ha2 = md5_hex(&format!("{method}:{uri}"));
        let response = md5_hex(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
        let mut header = format!(
            "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", \
             algorithm=MD5, qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\"",
            self.realm, self.nonce
        );
        if let Some(opaque) = &self.opaque {
            header.push_str(&format!(", opaque=\"{opaque}\""));
        }
        header
    }
}

/// `name=value` and `name="value"` pairs separated by commas.
fn parameters(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some((name, after)) = rest.split_once('=') {
        let name = name.trim().trim_start_matches(',').trim().to_owned();
        let after = after.trim_start();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.split_once('"') {
                Some((value, next)) => (value.to_owned(), next),
                None => (quoted.to_owned(), ""),
            },
            None => match after.split_once(',') {
                Some((value, next)) => (value.trim().to_owned(), next),
                None => (after.trim().to_owned(), ""),
            },
        };
        found.push((name, value));
        rest = next.trim_start().trim_start_matches(',');
    }
    found
}

fn md5_hex(text: &str) -> String {
    hex(&Md5::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A client nonce: not a secret, only unpredictable enough that answers are not replayed.
pub(crate) fn cnonce() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    md5_hex(&format!("{now}:{}", std::process::id()))[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617, section 3.5: the worked example's response.
    #[test]
    fn the_rfc_example_answers_as_published() {
        let challenge = Challenge::parse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap();
        assert_eq!(challenge.realm, "testrealm@host.com");
        let header = challenge.answer(
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
        );
        assert!(
            header.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{header}"
        );
        assert!(header.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
    }

    #[test]
    fn other_schemes_and_nonceless_challenges_are_not_digest() {
        assert_eq!(Challenge::parse("Basic realm=\"x\""), None);
        assert_eq!(Challenge::parse("Digest realm=\"x\""), None);
        let atlas = Challenge::parse(
            "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"abc,def\", algorithm=MD5, \
             qop=\"auth\", stale=false",
        )
        .unwrap();
        assert_eq!(atlas.nonce, "abc,def");
        assert_eq!(atlas.realm, "MMS Public API");
    }
}
