//! Debian's nginx as a test peer's server: one `nginx.conf` in the peer's own directory, run in
//! the foreground and stopped with the peer. `scripts/test-deps` installs nginx.

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Writes `dir/nginx.conf` — the process settings, then an `http` block with every temp path in
/// `temp` and `server` (a whole `server { … }` block) — and starts nginx on it.
#[track_caller]
pub(crate) fn start(dir: &Path, temp: &Path, process: &str, server: &str) -> Child {
    let config = dir.join("nginx.conf");
    let temp = temp.display();
    std::fs::write(
        &config,
        format!(
            "daemon off;\n{process}\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {temp};\n  \
             proxy_temp_path {temp};\n  fastcgi_temp_path {temp};\n  uwsgi_temp_path {temp};\n  \
             scgi_temp_path {temp};\n  client_max_body_size 64m;\n  {server}\n}}\n",
            dir = dir.display(),
        ),
    )
    .expect("write nginx.conf");
    Command::new(binary())
        .arg("-c")
        .arg(&config)
        .arg("-p")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx runs (scripts/test-deps installs Debian's nginx)")
}

/// What nginx logged, for a peer that did not come up.
pub(crate) fn errors(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
}

/// Debian's nginx lives in /usr/sbin, which a non-root PATH may lack.
fn binary() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}
