//! Escaping for the config formats we write (HCL, XML, URL queries) and base64.
//!
//! Values are shape-checked before they get here, but escaping still matters: a value that
//! broke out of its quotes could inject configuration (an extra backend setting, another Maven
//! server) into a file a tool trusts.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Standard, padded base64, as docker, npm and Google expect.
pub(super) fn base64(data: impl AsRef<[u8]>) -> String {
    STANDARD.encode(data)
}

/// A double-quoted HCL string. `${` and `%{` are doubled so that Terraform reads them
/// literally instead of as template sequences.
pub(super) fn hcl_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text content or attribute value for XML.
pub(super) fn xml_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(super) fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A URL without its trailing slashes, so paths can be appended predictably.
pub(super) fn trim_slashes(url: &str) -> &str {
    url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_escapes_quotes_and_templates() {
        assert_eq!(hcl_string("plain"), "\"plain\"");
        assert_eq!(hcl_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(hcl_string("${var.x} %{if}"), "\"$${var.x} %%{if}\"");
        assert_eq!(hcl_string("line\nbreak"), "\"line\\nbreak\"");
        assert_eq!(hcl_string("$5 100%"), "\"$5 100%\"");
    }

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(xml_text("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            query_value("https://minio:9000/x"),
            "https%3A%2F%2Fminio%3A9000%2Fx"
        );
        assert_eq!(query_value("us-east-1"), "us-east-1");
    }
}
