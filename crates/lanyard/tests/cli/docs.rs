//! Shell completions and man pages, generated from the grammar: a real bash completes
//! `lanyard conn<TAB>`, and `man -l` renders the pages.

use std::process::Command;

use super::{run, text};

#[test]
fn bash_completes_subcommands_from_the_generated_script() {
    let home = tempfile::tempdir().unwrap();
    let script = run(home.path(), &["completion", "bash"]);
    assert!(script.status.success(), "{script:?}");
    let file = home.path().join("lanyard.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    // What bash does on `lanyard conn<TAB>` and `lanyard connection auth<TAB>`.
    let complete = |words: &str| {
        let probe = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             _lanyard lanyard \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let out = Command::new("bash")
            .args(["--norc", "-c", &probe])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let offered = complete("lanyard conn");
    let words: Vec<&str> = offered.lines().collect();
    assert!(
        words.contains(&"connect") && words.contains(&"connection"),
        "{offered}"
    );
    assert!(!words.contains(&"env"), "{offered}");
    let offered = complete("lanyard connection auth");
    assert!(offered.lines().any(|w| w == "authorization"), "{offered}");
}

#[test]
fn man_renders_the_generated_pages() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("man1");
    let out = run(home.path(), &["man", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    for page in ["lanyard.1", "lanyard-connect.1", "lanyard-env-create.1"] {
        let rendered = Command::new("man")
            .arg("-l")
            .arg(dir.join(page))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(rendered.status.success(), "{page}: {rendered:?}");
        let shown = text(&rendered.stdout);
        assert!(shown.contains("SYNOPSIS"), "{page}: {shown}");
    }
    let main = run(home.path(), &["man"]);
    assert!(text(&main.stdout).contains(".TH lanyard 1"), "{main:?}");
}
