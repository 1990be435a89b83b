//! The Examples section of every command's help, kept in one table rather than spread over the
//! grammar, and attached to the clap command tree at start-up.

use clap::Command;

/// Each leaf command (its path after `lanyard`) and example invocations.
const EXAMPLES: &[(&str, &[&str])] = &[
    ("server", &["lanyard server", "lanyard server --listen 0.0.0.0:8420 --database postgres://lanyard@db/lanyard --public-url https://lanyard.example.com"]),
    ("org create", &["lanyard org create acme --save-profile acme"]),
    ("org list", &["lanyard org list -o json"]),
    ("org get", &["lanyard org get", "lanyard org get acme -o yaml"]),
    ("org job-timeout", &["lanyard org job-timeout 2h", "lanyard org job-timeout --clear"]),
    ("org check-interval", &["lanyard org check-interval 6h", "lanyard org check-interval --default"]),
    ("org upload-limits", &["lanyard org upload-limits --max-mib 512 --max-files 50000", "lanyard org upload-limits --default"]),
    ("org delete", &["lanyard org delete old-team --yes"]),
    ("env create", &["lanyard env create staging"]),
    ("env list", &["lanyard env list -o json"]),
    ("env get", &["lanyard env get prod"]),
    ("env delete", &["lanyard env delete qa", "lanyard env delete qa --yes   # in scripts"]),
    ("token create", &["lanyard token create --role deployer --env prod --description \"CI for prod\"", "lanyard token create --role viewer -o json"]),
    ("token list", &["lanyard token list"]),
    ("token revoke", &["lanyard token revoke 0193c0de-5b7a-7f3e-9a61-2f4d8c1b0e77"]),
    ("whoami", &["lanyard whoami", "lanyard --profile ci whoami -o json"]),
    ("secret set", &["lanyard secret set aws-prod-key --stdin < key.txt", "lanyard secret set gcp-sa --from-file sa.json", "lanyard secret set db-password            # asks, hidden"]),
    ("secret list", &["lanyard secret list"]),
    ("secret versions", &["lanyard secret versions aws-prod-key"]),
    ("secret delete", &["lanyard secret delete old-token"]),
    ("variable set", &["lanyard variable set region eu-west-1"]),
    ("variable list", &["lanyard variable list -o json"]),
    ("variable delete", &["lanyard variable delete region"]),
    ("provider list", &["lanyard provider list"]),
    ("provider show", &["lanyard provider show aws", "lanyard provider show container-registry -o json"]),
    ("connect", &[
        "lanyard connect aws --name aws-prod -f account_id=123456789012 -f access_key_id=AKIA... -f secret_access_key=@key.txt",
        "lanyard connect github --name gh -f token=secret:gh-token --verify required",
        "lanyard connect aws --name aws-x --auth-mode cross-account-trust -f account_id=123456789012",
        "lanyard connect gcp --name gcp-dev       # asks for the missing fields on a terminal",
    ]),
    ("connection list", &["lanyard connection list", "lanyard connection list --failing", "lanyard connection list --provider aws -o json"]),
    ("connection get", &["lanyard connection get aws-prod -o yaml"]),
    ("connection update", &["lanyard connection update aws-prod -f region=eu-central-1", "lanyard connection update gh --remove-field owner"]),
    ("connection test", &["lanyard connection test aws-prod"]),
    ("connection trust", &["lanyard connection trust aws-oidc --out role.json", "lanyard connection trust gcp-oidc"]),
    ("connection delete", &["lanyard connection delete aws-old", "lanyard connection delete aws-old --yes   # in scripts"]),
    ("connection authorization create", &["lanyard connection authorization create --provider aws --connection aws-prod --scope environment --environments prod", "lanyard connection auth create --provider github --connection gh --scope organization"]),
    ("connection authorization list", &["lanyard connection authorization list --provider aws"]),
    ("connection authorization get", &["lanyard connection authorization get --provider aws --connection aws-prod"]),
    ("connection authorization update", &["lanyard connection authorization update --provider aws --connection aws-dev --add-environments qa,staging", "lanyard connection authorization update --provider aws --connection aws-dev --remove-environments qa", "lanyard connection authorization update --provider aws --connection aws-dev --scope organization"]),
    ("connection authorization delete", &["lanyard connection authorization delete --provider aws --connection aws-old"]),
    ("connection default set", &["lanyard connection default set --provider aws --connection aws-prod", "lanyard connection default set --provider aws --connection aws-dev --env dev"]),
    ("connection default list", &["lanyard connection default list"]),
    ("connection default get", &["lanyard connection default get --provider aws --env dev"]),
    ("connection default unset", &["lanyard connection default unset --provider aws --env dev"]),
    ("connection default resolve", &["lanyard connection default resolve --provider aws --env prod", "lanyard connection default resolve --provider aws --env prod --connection aws-dr -o json"]),
    ("connection matrix", &["lanyard connection matrix", "lanyard connection matrix --provider aws -o json"]),
    ("connection usage", &["lanyard connection usage aws-prod --limit 20"]),
    ("keys status", &["lanyard keys status"]),
    ("keys rotate", &["(umask 077; lanyard keys generate > new.key)   # then restart with it as LANYARD_MASTER_KEY_FILE", "lanyard keys rotate"]),
    ("keys generate", &["(umask 077; lanyard keys generate > master.key)"]),
    ("keys signing", &["lanyard keys signing"]),
    ("keys rotate-signing", &["lanyard keys rotate-signing"]),
    ("audit list", &["lanyard audit list --since 1h", "lanyard audit list --connection aws-prod --limit 20 -o json"]),
    ("audit verify", &["lanyard audit verify", "lanyard audit verify --checkpoint cp.json", "lanyard audit verify --checkpoint cp.json --since-checkpoint"]),
    ("audit checkpoint", &["lanyard audit checkpoint --out cp.json", "lanyard audit checkpoint --s3 s3://acme-audit/lanyard --retain-days 400   # object-locked; run it from cron"]),
    ("audit export", &["lanyard audit export --out audit.jsonl", "lanyard audit export --after 1200 --out audit.jsonl   # resume"]),
    ("audit prune", &["lanyard audit export --out audit.jsonl && lanyard audit prune --through 1200 --yes"]),
    ("get", &["lanyard get all > org.yaml", "lanyard get connections -o json", "lanyard get connection aws-prod"]),
    ("apply", &["lanyard apply -f org.yaml", "lanyard apply -f manifests/ --prune", "lanyard get all | lanyard apply -f -"]),
    ("diff", &["lanyard diff -f org.yaml && echo 'in sync'", "lanyard diff -f manifests/ --prune -o json"]),
    ("login", &["lanyard login --server https://lanyard.example.com", "lanyard login --server https://lanyard.example.com --profile ci --no-use < token.txt"]),
    ("profile list", &["lanyard profile list"]),
    ("profile use", &["lanyard profile use staging"]),
    ("profile add", &["lanyard profile add staging --server https://staging.lanyard.example.com < token.txt"]),
    ("profile show", &["lanyard profile show", "lanyard profile show ci -o json"]),
    ("profile remove", &["lanyard profile remove old-laptop"]),
    ("run", &[
        "lanyard run --env prod -p aws -- terraform apply -auto-approve",
        "lanyard run --env dev -c aws-dev -c state --dir . -- terraform plan",
        "lanyard run --env prod -p github --git https://github.com/acme/infra --ref v1.4.0 -- make deploy",
        "lanyard run --env dev -p aws --detach -o json -- ./long-job.sh",
    ]),
    ("job list", &["lanyard job list --limit 20"]),
    ("job get", &["lanyard job get JOB_ID -o json"]),
    ("job logs", &["lanyard job logs JOB_ID --follow"]),
    ("job cancel", &["lanyard job cancel JOB_ID"]),
    ("job artifacts", &["lanyard job artifacts JOB_ID --out results"]),
    ("runner register", &["lanyard runner register edge --credentials-file edge.json", "lanyard runner register eks --kubernetes --namespace lanyard | kubectl apply -f -"]),
    ("runner start", &["lanyard runner start --credentials-file edge.json --concurrency 2", "lanyard runner start --credentials-file /var/run/secrets/lanyard/runner.json --health-listen 0.0.0.0:8081"]),
    ("runner list", &["lanyard runner list"]),
    ("runner delete", &["lanyard runner delete edge", "lanyard runner delete edge --yes   # in scripts"]),
    ("completion", &[
        "lanyard completion bash > /etc/bash_completion.d/lanyard",
        "lanyard completion zsh > \"${fpath[1]}/_lanyard\"",
        "lanyard completion fish > ~/.config/fish/completions/lanyard.fish",
    ]),
    ("man", &["lanyard man | man -l -", "lanyard man --out /usr/local/share/man/man1"]),
    ("runner set-default", &["lanyard runner set-default edge", "lanyard runner set-default --builtin"]),
];

/// The command tree with each leaf's Examples section before any help text it already has.
pub(crate) fn attach(command: Command) -> Command {
    attach_under(command, "")
}

fn attach_under(mut command: Command, path: &str) -> Command {
    let children: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .filter(|name| name != "help")
        .collect();
    for child in children {
        let child_path = if path.is_empty() {
            child.clone()
        } else {
            format!("{path} {child}")
        };
        command = command.mut_subcommand(&child, |sub| {
            let sub = attach_under(sub, &child_path);
            match EXAMPLES.iter().find(|(p, _)| *p == child_path) {
                Some((_, lines)) => {
                    let existing = sub.get_after_help().map(|h| h.to_string());
                    let mut text = format!("Examples:\n  {}", lines.join("\n  "));
                    if let Some(existing) = existing.filter(|e| !e.contains("Examples:")) {
                        text = format!("{text}\n\n{existing}");
                    }
                    sub.after_help(text)
                }
                None => sub,
            }
        });
    }
    command
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every leaf command has examples, and every example names a real command.
    #[test]
    fn every_leaf_command_has_examples() {
        fn leaves(command: &clap::Command, path: &str, out: &mut Vec<String>) {
            let subs: Vec<_> = command
                .get_subcommands()
                .filter(|c| c.get_name() != "help")
                .collect();
            if subs.is_empty() && !path.is_empty() {
                out.push(path.to_owned());
            }
            for sub in subs {
                let next = if path.is_empty() {
                    sub.get_name().to_owned()
                } else {
                    format!("{path} {}", sub.get_name())
                };
                leaves(sub, &next, out);
            }
        }
        let mut all = Vec::new();
        leaves(&crate::cli::Cli::command(), "", &mut all);
        for leaf in &all {
            assert!(
                super::EXAMPLES.iter().any(|(p, _)| p == leaf),
                "no examples for `lanyard {leaf}`"
            );
        }
        for (path, _) in super::EXAMPLES {
            assert!(
                all.iter().any(|l| l == path),
                "examples for unknown command `{path}`"
            );
        }
    }
}
