//! A small W3C WebDriver client over reqwest: starts `chromedriver` on a free port with a headless
//! Chromium and a fresh profile, and offers the handful of commands the browser tests use.
//! Dropping it ends the browser session and kills chromedriver.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// The key W3C WebDriver uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long waits last before a test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// A browser found by a CSS selector.
pub struct Element(String);

pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    chromedriver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a window of `width` × `height`.
    pub async fn start(width: u32, height: u32) -> Self {
        let port = crate::free_port();
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (.ci/run installs chromium and chromium-driver)");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["value"]["ready"].as_bool()),
                Err(_) => None,
            };
            if ready == Some(true) {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("chromium");
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                    "--hide-scrollbars",
                ],
            },
        }}});
        let response: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {response}"))
            .to_owned();
        Self {
            http,
            base,
            session,
            chromedriver,
            _profile: profile,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        if let Some(error) = response["value"]["error"].as_str() {
            panic!(
                "webdriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        response["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn url(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/url", None).await;
        value.as_str().unwrap().to_owned()
    }

    pub async fn source(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/source", None).await;
        value.as_str().unwrap().to_owned()
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            let found: Value = self
                .http
                .post(format!("{}/session/{}/element", self.base, self.session))
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = found["value"][ELEMENT].as_str() {
                return Element(id.to_owned());
            }
            assert!(started.elapsed() < PATIENCE, "no element `{css}`");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let Element(id) = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let Element(id) = self.find(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let Element(id) = self.find(css).await;
        let value = self
            .command(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Presses and releases one key (a WebDriver key code such as `\u{E004}` for Tab).
    pub async fn press(&self, key: &str) {
        let actions = json!({ "actions": [{
            "type": "key",
            "id": "keyboard",
            "actions": [{ "type": "keyDown", "value": key }, { "type": "keyUp", "value": key }],
        }]});
        self.command(reqwest::Method::POST, "/actions", Some(actions))
            .await;
    }

    /// Runs a script that returns a string (or null).
    pub async fn eval(&self, script: &str) -> Option<String> {
        let value = self
            .command(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": script, "args": [] })),
            )
            .await;
        value.as_str().map(str::to_owned)
    }

    /// Waits until `script` returns `expected`.
    pub async fn wait_for(&self, script: &str, expected: &str) {
        let started = Instant::now();
        loop {
            let got = self.eval(script).await;
            if got.as_deref() == Some(expected) {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "`{script}` returned {got:?}, not {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's path is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        self.wait_for(
            "return location.pathname + location.search + '|' + document.readyState;",
            &format!("{path}|complete"),
        )
        .await;
    }

    /// Saves a PNG screenshot of the viewport.
    pub async fn screenshot(&self, path: &std::path::Path) {
        let value = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Resizes the window.
    pub async fn resize(&self, width: u32, height: u32) {
        self.command(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session quits Chromium (also when a test failed half-way); a plain blocking
        // request, since drop cannot await.
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://").to_owned();
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}
