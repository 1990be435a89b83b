//! A small browser-like HTTP client: keeps cookies, does not follow redirects, and finds the
//! CSRF token in a page, so tests see exactly what the console sends.

use std::collections::BTreeMap;

use lanyard_testkit::TestServer;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

/// One response, read whole.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    /// The `Content-Disposition` header (downloads).
    pub disposition: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("no csrf field in:\n{}", self.body));
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

/// A visitor with its own cookies.
pub struct Visitor {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request (e.g. `X-Forwarded-Proto`).
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Visitor {
    pub fn new(server: &TestServer) -> Self {
        Self {
            base: server.url.clone(),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            headers: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let mut request = request.header(COOKIE, self.cookie_header());
        for (name, value) in &self.headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let disposition = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap();
        Page {
            status,
            location,
            set_cookies,
            disposition,
            body,
        }
    }

    /// Loads a page as a browser navigation does (asking for HTML).
    pub async fn get(&mut self, path: &str) -> Page {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8");
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    /// Posts a form with the CSRF token of `page_path`'s page.
    pub async fn submit(&mut self, page_path: &str, action: &str, form: &[(&str, &str)]) -> Page {
        let csrf = self.get(page_path).await.csrf();
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(form);
        self.post(action, &fields).await
    }

    /// Logs in with `token` through the login form.
    pub async fn login(&mut self, token: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        let page = self
            .post("/login", &[("csrf", csrf.as_str()), ("token", token)])
            .await;
        assert_eq!(page.status, 303, "login: {}", page.body);
        page
    }

    /// Follows a redirect (a 303 after a form) and returns the page it leads to.
    pub async fn follow(&mut self, page: Page) -> Page {
        assert_eq!(page.status, 303, "expected a redirect, got:\n{}", page.body);
        let to = page.location.expect("redirect has a location");
        self.get(&to).await
    }

    /// Sends the next requests, with the same cookies, to `server`: a load balancer sending
    /// this browser to another replica.
    pub fn switch_to(&mut self, server: &TestServer) {
        self.base = server.url.clone();
    }

    /// Sets a cookie as if a server had (a replayed or stolen one).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }
}
