//! `docs/variables.md`, the reference of every variable and file each provider writes into a
//! job, is generated from the catalog and its examples, so that it cannot drift: this test fails
//! when the committed file differs. Regenerate with
//! `LANYARD_UPDATE_DOCS=1 cargo test -p lanyard-providers reference`.

use std::fmt::Write as _;
use std::path::PathBuf;

use lanyard_providers::{examples, find, materialize, AuthMode, EnvValue};

fn reference() -> String {
    let mut out = String::from(
        "# What each connection injects\n\n\
         Generated from the provider catalog (`crates/lanyard-providers`) by\n\
         `LANYARD_UPDATE_DOCS=1 cargo test -p lanyard-providers reference`; a test fails when this\n\
         file is stale. One row per variable or file an inline connection of each provider (and\n\
         kind) writes, with the fields of the catalog's example; optional fields the example leaves\n\
         out add their own variables (see `lanyard provider get ID`).\n\n\
         - `plain`: readable in job output (identifiers, regions, URLs);\n\
         - `secret`: masked in job output, logs and errors;\n\
         - `file`: the path of a 0600 file in the job's credential directory (masked by its \
         secret parts, or whole when it is a secret as a whole).\n\n\
         Two connections of one job never write the same variable: such a job is refused before\n\
         anything is released, naming both. State backends keep clear of the cloud's own\n\
         variables: S3 backends read their keys from a shared-credentials file of their own\n\
         (profile `lanyard-state-backend`, named in the `.tfbackend` file or the Pulumi URL), GCS\n\
         from `GOOGLE_BACKEND_CREDENTIALS`, so an `aws` or `gcp` connection in the same job\n\
         deploys while the backend reads and writes state as its own user.\n\n\
         | Provider | Kind | Variable | Value |\n| --- | --- | --- | --- |\n",
    );
    for case in examples::cases() {
        let spec = find(case.provider).expect("the example's provider");
        let m = materialize(spec, case.kind, AuthMode::Inline, &case.resolved())
            .expect("every example materializes");
        let kind = case.kind.unwrap_or("");
        for var in &m.env {
            let value = match &var.value {
                EnvValue::Plain(_) => "plain".to_owned(),
                EnvValue::Secret(_) => "secret".to_owned(),
                EnvValue::FilePath(id) | EnvValue::FileArg { file: id, .. } => {
                    let name = m.file(id).map_or("?", |f| f.file_name.as_str());
                    format!("file `{name}`")
                }
                EnvValue::FileDir(id) => {
                    let name = m.file(id).map_or("?", |f| f.file_name.as_str());
                    format!("directory of `{name}`")
                }
            };
            let _ = writeln!(
                out,
                "| {} | {kind} | `{}` | {value} |",
                case.provider, var.name
            );
        }
    }
    out
}

#[test]
fn the_variable_reference_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/variables.md");
    let generated = reference();
    if std::env::var_os("LANYARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/variables.md is stale; run `LANYARD_UPDATE_DOCS=1 cargo test -p lanyard-providers \
         reference`"
    );
}
