//! Reading documents from YAML or JSON text: several per file (`---`), or a JSON array as
//! `lanyard get -o json` writes it. Every error names the file, the document and what to fix.

use lanyard_domain::suggest;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_norway::Value;

use crate::document::{Document, Kind, Metadata, Spec, API_VERSION, KINDS};

/// A document that could not be read, and where.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: document {index}{named}: {message}")]
pub struct ParseError {
    pub source_name: String,
    /// 1-based, in the order of the text.
    pub index: usize,
    /// ` (kind/name)` once those are known.
    pub named: String,
    pub message: String,
}

/// Every document in `text`, which came from `source_name` (a path, or `stdin`).
pub fn parse(source_name: &str, text: &str) -> Result<Vec<Document>, ParseError> {
    let mut documents = Vec::new();
    let mut index = 0;
    for raw in serde_norway::Deserializer::from_str(text) {
        let value = Value::deserialize(raw).map_err(|e| ParseError {
            source_name: source_name.to_owned(),
            index: index + 1,
            named: String::new(),
            message: format!("not valid YAML or JSON: {e}"),
        })?;
        let items = match value {
            Value::Null => Vec::new(),
            Value::Sequence(items) => items,
            other => vec![other],
        };
        for item in items {
            index += 1;
            documents.push(document(item).map_err(|(named, message)| ParseError {
                source_name: source_name.to_owned(),
                index,
                named,
                message,
            })?);
        }
    }
    Ok(documents)
}

/// Documents as YAML, separated by `---`: what `lanyard get` prints. Parsing it and writing it
/// again gives the same bytes.
pub fn to_yaml(documents: &[Document]) -> Result<String, serde_norway::Error> {
    let mut text = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(&serde_norway::to_string(doc)?);
    }
    Ok(text)
}

type Failure = (String, String);

fn document(value: Value) -> Result<Document, Failure> {
    let Value::Mapping(mut map) = value else {
        return Err((
            String::new(),
            "a document is a mapping with apiVersion, kind, metadata and spec".to_owned(),
        ));
    };
    let mut take = |key: &str| map.remove(key);
    let api_version = take("apiVersion");
    let kind = take("kind");
    let metadata = take("metadata");
    let spec = take("spec");
    if let Some(extra) = map.keys().next() {
        let extra = serde_norway::to_string(extra).unwrap_or_default();
        return Err((
            String::new(),
            format!(
                "unknown top-level key `{}`; a document has apiVersion, kind, metadata and spec",
                extra.trim()
            ),
        ));
    }
    match api_version.as_ref().and_then(Value::as_str) {
        Some(API_VERSION) => {}
        Some(other) => {
            return Err((
                String::new(),
                format!("apiVersion `{other}` is not supported; use `{API_VERSION}`"),
            ))
        }
        None => {
            return Err((
                String::new(),
                format!("missing `apiVersion: {API_VERSION}`"),
            ))
        }
    }
    let kinds = KINDS.map(Kind::as_str).join(", ");
    let kind_name = kind
        .as_ref()
        .and_then(Value::as_str)
        .ok_or_else(|| (String::new(), format!("missing `kind` (one of {kinds})")))?;
    let kind = KINDS
        .into_iter()
        .find(|k| k.as_str() == kind_name)
        .ok_or_else(|| {
            let hint = suggest::did_you_mean(kind_name, KINDS.iter().map(|k| k.as_str()));
            (
                String::new(),
                format!("unknown kind `{kind_name}`;{hint} kinds: {kinds}"),
            )
        })?;
    let metadata: Metadata = field(kind, "metadata", metadata, "")?;
    let named = format!(" ({}/{})", kind.cli_name(), metadata.name);
    if metadata.name.trim().is_empty() {
        return Err((
            named,
            format!("metadata.name ({}) is empty", kind.name_means()),
        ));
    }
    let spec = match kind {
        Kind::Environment => Spec::Environment(optional(kind, spec, &named)?),
        Kind::Runner => Spec::Runner(optional(kind, spec, &named)?),
        Kind::Variable => Spec::Variable(field(kind, "spec", spec, &named)?),
        Kind::Connection => Spec::Connection(field(kind, "spec", spec, &named)?),
        Kind::Authorization => Spec::Authorization(field(kind, "spec", spec, &named)?),
        Kind::Default => Spec::Default(field(kind, "spec", spec, &named)?),
        Kind::Token => Spec::Token(field(kind, "spec", spec, &named)?),
    };
    Ok(Document {
        api_version: API_VERSION.to_owned(),
        kind,
        metadata,
        spec,
    })
}

fn field<T: DeserializeOwned>(
    kind: Kind,
    what: &str,
    value: Option<Value>,
    named: &str,
) -> Result<T, Failure> {
    let value = value.ok_or_else(|| {
        (
            named.to_owned(),
            format!("a {} needs `{what}`", kind.as_str()),
        )
    })?;
    serde_norway::from_value(value).map_err(|e| (named.to_owned(), format!("invalid {what}: {e}")))
}

fn optional<T: DeserializeOwned + Default>(
    kind: Kind,
    value: Option<Value>,
    named: &str,
) -> Result<T, Failure> {
    match value {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => field(kind, "spec", Some(value), named),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Field, Scope};

    #[test]
    fn reads_every_kind_from_yaml_and_a_json_array() {
        let text = "apiVersion: lanyard.dev/v1\nkind: Environment\nmetadata: {name: dev}\n---\n\
            apiVersion: lanyard.dev/v1\nkind: Connection\nmetadata: {name: aws}\nspec:\n  \
            provider: aws\n  fields:\n    account_id: '123456789012'\n    secret_access_key: \
            {secret: aws-key}\n---\napiVersion: lanyard.dev/v1\nkind: Authorization\nmetadata: \
            {name: aws}\nspec: {scope: environment, environments: [dev]}\n";
        let docs = parse("a.yaml", text).unwrap();
        assert_eq!(docs.len(), 3);
        let Spec::Connection(c) = &docs[1].spec else {
            panic!()
        };
        assert_eq!(c.auth_mode, "inline");
        assert_eq!(
            c.fields["secret_access_key"],
            Field::Secret {
                secret: "aws-key".into()
            }
        );
        let Spec::Authorization(a) = &docs[2].spec else {
            panic!()
        };
        assert_eq!(a.scope, Scope::Environment);
        let json = serde_json::to_string(&docs).unwrap();
        assert_eq!(parse("b.json", &json).unwrap(), docs);
    }

    #[test]
    fn errors_name_the_file_the_document_and_the_fix() {
        let cases = [
            ("kind: Connection\n", "document 1: missing `apiVersion: lanyard.dev/v1`"),
            ("apiVersion: lanyard.dev/v2\nkind: Connection\n", "use `lanyard.dev/v1`"),
            ("apiVersion: lanyard.dev/v1\nkind: Conection\nmetadata: {name: a}\n", "did you mean `Connection`?"),
            ("apiVersion: lanyard.dev/v1\nkind: Variable\nmetadata: {name: region}\nspec: {valu: x}\n", "document 1 (variable/region): invalid spec: unknown field `valu`"),
            ("apiVersion: lanyard.dev/v1\nkind: Environment\nmetadata: {name: dev}\nstatus: {}\n", "unknown top-level key `status`"),
            ("just words\n", "document 1: a document is a mapping"),
            ("apiVersion: lanyard.dev/v1\nkind: Default\nmetadata: {name: aws}\n", "document 1 (default/aws): a Default needs `spec`"),
        ];
        for (text, want) in cases {
            let error = parse("org.yaml", text).map(|_| ()).unwrap_err().to_string();
            assert!(error.starts_with("org.yaml: document"), "{error}");
            assert!(error.contains(want), "{text:?}: {error}");
        }
    }
}
