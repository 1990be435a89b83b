//! Plans as tables: documents and a state in, steps or refusals out.

use std::collections::BTreeMap;

use lanyard_api::{
    Authorization, Connection, DefaultConnection, FieldView, Provider, ProviderField,
};

use super::*;
use crate::parse;

fn provider(id: &str, fields: &[(&str, bool)]) -> Provider {
    Provider {
        id: id.into(),
        display_name: id.into(),
        category: "infrastructure".into(),
        category_name: "Infrastructure".into(),
        description: String::new(),
        auth_modes: vec!["inline".into()],
        kinds: Vec::new(),
        fields: fields
            .iter()
            .map(|(name, secret)| ProviderField {
                name: (*name).into(),
                label: (*name).into(),
                help: String::new(),
                secret: *secret,
                public_in: Vec::new(),
                required_in: Vec::new(),
                kinds: None,
                modes: None,
                multiline: false,
            })
            .collect(),
    }
}

/// An organization with dev and prod, a GitHub connection `gh` authorized in dev and the
/// organization default.
fn state() -> State {
    let mut fields = BTreeMap::new();
    fields.insert(
        "token".to_owned(),
        FieldView::Secret {
            name: "gh-token".into(),
            version: 1,
        },
    );
    fields.insert("owner".to_owned(), FieldView::Value("octo".into()));
    State {
        environments: vec!["dev".into(), "prod".into()],
        connections: vec![Connection {
            name: "gh".into(),
            provider: "github".into(),
            kind: None,
            auth_mode: "inline".into(),
            fields,
            ..serde_json::from_value(serde_json::json!({
                "name": "gh", "provider": "github", "auth_mode": "inline", "fields": {},
                "created_at": "", "updated_at": ""
            }))
            .expect("a minimal connection")
        }],
        authorizations: vec![Authorization {
            provider: "github".into(),
            connection: "gh".into(),
            scope: "environment".into(),
            environments: vec!["dev".into()],
        }],
        defaults: vec![DefaultConnection {
            provider: "github".into(),
            environment: None,
            connection: "gh".into(),
        }],
        secrets: vec!["gh-token".into(), "aws-key".into()],
        providers: vec![
            provider("github", &[("token", true), ("owner", false)]),
            provider("aws", &[("account_id", false), ("secret_access_key", true)]),
        ],
        ..State::default()
    }
}

fn docs(yaml: &str) -> Vec<Document> {
    let text = yaml.replace("DOC", "apiVersion: lanyard.dev/v1\n");
    parse("test.yaml", &text).expect("valid documents")
}

fn summary(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .filter(|s| s.action != Action::Unchanged)
        .map(|s| format!("{} {}", s.key, s.action.as_str()))
        .collect()
}

#[test]
fn the_export_of_a_state_plans_no_change() {
    let state = state();
    let plan = plan(
        &state.export(),
        &state,
        Options {
            prune: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(!plan.changes_anything(), "{:?}", summary(&plan));
}

#[test]
fn plans_create_change_and_prune_in_dependency_order() {
    let cases: &[(&str, bool, &[&str])] = &[
        (
            "DOCkind: Default\nmetadata: {name: aws}\nspec: {environment: qa, connection: aws}\n---\n\
             DOCkind: Connection\nmetadata: {name: aws}\nspec: {provider: aws, fields: {account_id: '1', secret_access_key: {secret: aws-key}}}\n---\n\
             DOCkind: Environment\nmetadata: {name: qa}\n",
            false,
            &["environment/qa created", "connection/aws created", "default/aws@qa created"],
        ),
        (
            "DOCkind: Authorization\nmetadata: {name: gh}\nspec: {scope: environment, environments: [prod, dev]}\n",
            false,
            &["authorization/gh configured"],
        ),
        (
            "DOCkind: Environment\nmetadata: {name: dev}\n---\nDOCkind: Connection\nmetadata: {name: gh}\n\
             spec: {provider: github, fields: {token: {secret: gh-token}}}\n",
            true,
            &["connection/gh configured", "default/github deleted", "authorization/gh deleted", "environment/prod deleted"],
        ),
    ];
    for (yaml, prune, want) in cases {
        let plan = plan(
            &docs(yaml),
            &state(),
            Options {
                prune: *prune,
                ..Options::default()
            },
        )
        .unwrap_or_else(|e| panic!("{yaml}: {e}"));
        assert_eq!(&summary(&plan), want, "{yaml}");
    }
}

#[test]
fn refuses_the_whole_file_naming_each_problem_and_its_fix() {
    let cases: &[(&str, &str)] = &[
        ("DOCkind: Connection\nmetadata: {name: a}\nspec: {provider: aws, fields: {secret_access_key: plain}}\n", "write `secret_access_key: {secret: NAME}`"),
        ("DOCkind: Connection\nmetadata: {name: a}\nspec: {provider: aws, fields: {secret_access_key: {secret: nope}}}\n", "lanyard secret set nope --stdin"),
        ("DOCkind: Connection\nmetadata: {name: a}\nspec: {provider: awz}\n", "did you mean `aws`?"),
        ("DOCkind: Connection\nmetadata: {name: a}\nspec: {provider: aws, fields: {acount_id: '1'}}\n", "did you mean `account_id`?"),
        ("DOCkind: Connection\nmetadata: {name: gh}\nspec: {provider: aws}\n", "cannot change its provider"),
        ("DOCkind: Authorization\nmetadata: {name: gh}\nspec: {scope: environment, environments: [prd]}\n", "environment `prd` is neither in the files nor on the server; did you mean `prod`?"),
        ("DOCkind: Default\nmetadata: {name: aws}\nspec: {connection: gh}\n", "`gh` is a github connection, not aws"),
        ("DOCkind: Runner\nmetadata: {name: edge}\n", "--runner-credentials-dir"),
        ("DOCkind: Environment\nmetadata: {name: dev}\n---\nDOCkind: Environment\nmetadata: {name: dev}\n", "in the files twice"),
    ];
    for (yaml, want) in cases {
        let refused = plan(&docs(yaml), &state(), Options::default()).unwrap_err();
        assert!(refused.to_string().contains(want), "{yaml}: {refused}");
    }
    // With --prune, what the files drop cannot be referred to.
    let refused = plan(
        &docs("DOCkind: Authorization\nmetadata: {name: gh}\nspec: {scope: organization}\n"),
        &state(),
        Options {
            prune: true,
            ..Options::default()
        },
    )
    .unwrap_err();
    assert!(
        refused.to_string().contains("connection `gh` is neither"),
        "{refused}"
    );
}
