//! One owner per variable: two connections of one job never write the same environment
//! variable. Otherwise the last one would silently win — an AWS connection and an ECR registry
//! with other keys would both set `AWS_ACCESS_KEY_ID`, and the job would deploy as the registry
//! user. (State backends have a channel of their own: a shared-credentials profile.)

use std::collections::BTreeMap;

use lanyard_providers::Materialization;

use crate::{CoreError, CoreResult};

/// Variables an AWS role assumption adds on the runner.
const ASSUMED_ROLE_VARIABLES: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// Refuses the job when two of its connections set the same variable, naming both and the
/// way out.
pub(crate) fn check<'a>(
    connections: impl Iterator<Item = (&'a str, &'a Materialization)>,
) -> CoreResult<()> {
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for (connection, materialization) in connections {
        let assumed = materialization
            .assume_role
            .as_ref()
            .map_or(&[][..], |_| &ASSUMED_ROLE_VARIABLES[..]);
        let variables = materialization
            .env
            .iter()
            .map(|v| v.name.as_str())
            .chain(assumed.iter().copied());
        for variable in variables {
            match owner.insert(variable, connection) {
                Some(first) if first != connection => {
                    return Err(CoreError::Invalid(format!(
                        "connections `{first}` and `{connection}` both set {variable}: in one job \
                         the second would silently replace the first; run them as two jobs, or \
                         give `{connection}` the same credentials as `{first}`"
                    )))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use lanyard_providers::{examples, find, materialize, AuthMode};

    use super::*;

    fn materialized(provider: &str, kind: Option<&str>) -> Materialization {
        let case = examples::cases()
            .into_iter()
            .find(|c| c.provider == provider && c.kind == kind)
            .expect("an example");
        materialize(
            find(provider).unwrap(),
            kind,
            AuthMode::Inline,
            &case.resolved(),
        )
        .unwrap()
    }

    #[test]
    fn two_connections_writing_one_variable_are_refused() {
        let aws = materialized("aws", None);
        let registry = materialized("container-registry", Some("ecr"));
        let refused = check([("aws-dev", &aws), ("state", &registry)].into_iter()).unwrap_err();
        let message = refused.to_string();
        assert!(message.contains("AWS_ACCESS_KEY_ID"), "{message}");
        assert!(
            message.contains("`aws-dev`") && message.contains("`state`"),
            "{message}"
        );
        // State backends use channels of their own beside an `aws` connection.
        for kind in ["gcs", "s3"] {
            let state = materialized("terraform-backend", Some(kind));
            assert!(check([("aws-dev", &aws), ("state", &state)].into_iter()).is_ok());
        }
        let pulumi = materialized("pulumi-backend", Some("s3"));
        assert!(check([("aws-dev", &aws), ("state", &pulumi)].into_iter()).is_ok());
    }
}
