//! The syntax of a connection field given on a command line or in a script:
//! `NAME=VALUE`, `NAME=@FILE`, `NAME=secret:SLUG` or `NAME=var:SLUG`.
//!
//! Pure: nothing is read or sent here (the CLI reads `@FILE`), so the syntax can be fuzzed on
//! its own. Errors never hold the argument: without its `NAME=`, it may be a pasted secret.

use std::fmt;

/// Where a field's value comes from, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldArg<'a> {
    /// A literal value.
    Value(&'a str),
    /// `@FILE`: the contents of a file.
    File(&'a str),
    /// `secret:SLUG`: an organization secret.
    Secret(&'a str),
    /// `var:SLUG`: an organization variable.
    Variable(&'a str),
}

/// Why an argument is not a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldArgError {
    /// No `=` anywhere.
    NoEquals,
    /// Nothing before the `=`.
    EmptyName,
}

impl fmt::Display for FieldArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoEquals => {
                "an argument has no `=`; use NAME=VALUE, NAME=@FILE, NAME=secret:SLUG or \
                 NAME=var:SLUG"
            }
            Self::EmptyName => "the field name before `=` is empty; use NAME=VALUE",
        })
    }
}

impl std::error::Error for FieldArgError {}

/// Splits `NAME=…` at its first `=` and reads the value's form.
pub fn parse_field_arg(arg: &str) -> Result<(&str, FieldArg<'_>), FieldArgError> {
    let (name, value) = arg.split_once('=').ok_or(FieldArgError::NoEquals)?;
    if name.is_empty() {
        return Err(FieldArgError::EmptyName);
    }
    let source = if let Some(slug) = value.strip_prefix("secret:") {
        FieldArg::Secret(slug)
    } else if let Some(slug) = value.strip_prefix("var:") {
        FieldArg::Variable(slug)
    } else if let Some(path) = value.strip_prefix('@') {
        FieldArg::File(path)
    } else {
        FieldArg::Value(value)
    };
    Ok((name, source))
}

impl FieldArg<'_> {
    /// The value as it was written after `NAME=`.
    pub fn written(&self) -> String {
        match self {
            Self::Value(v) => (*v).to_owned(),
            Self::File(path) => format!("@{path}"),
            Self::Secret(slug) => format!("secret:{slug}"),
            Self::Variable(slug) => format!("var:{slug}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form() {
        let cases = [
            ("a=b", Ok(("a", FieldArg::Value("b")))),
            ("a=", Ok(("a", FieldArg::Value("")))),
            ("a=b=c", Ok(("a", FieldArg::Value("b=c")))),
            ("key=@k.json", Ok(("key", FieldArg::File("k.json")))),
            ("t=secret:gh-token", Ok(("t", FieldArg::Secret("gh-token")))),
            ("r=var:region", Ok(("r", FieldArg::Variable("region")))),
            ("r=var", Ok(("r", FieldArg::Value("var")))),
            ("no-equals", Err(FieldArgError::NoEquals)),
            ("=value", Err(FieldArgError::EmptyName)),
        ];
        for (arg, expected) in cases {
            assert_eq!(parse_field_arg(arg), expected, "{arg}");
        }
    }

    #[test]
    fn written_gives_back_the_value() {
        for arg in ["a=b", "a=@f", "a=secret:s", "a=var:v", "a=x:y"] {
            let (name, source) = parse_field_arg(arg).unwrap();
            assert_eq!(format!("{name}={}", source.written()), arg);
        }
    }
}
