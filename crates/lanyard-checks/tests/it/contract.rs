//! A local HTTPS server that answers as a provider's documentation says it does, and refuses
//! (HTTP 418, which no check maps to success) any request whose method, path, host or
//! credential header is not exactly what the documentation asks for.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// One documented exchange.
#[derive(Clone)]
pub struct Exchange {
    pub method: &'static str,
    pub path: &'static str,
    /// The credential header the request must carry, exactly (name, value).
    pub header: (&'static str, String),
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// HTTP Digest (user, password): without an `Authorization` the answer is the challenge;
    /// with one computed from the password this answer; with any other, a 401.
    pub digest: Option<(&'static str, String)>,
}

/// The nonce of every Digest challenge.
const NONCE: &str = "lanyard-contract-nonce";

/// Whether `authorization` is a Digest answer to [`NONCE`] made with `user` and `password`.
fn digest_matches(authorization: &str, method: &str, user: &str, password: &str) -> bool {
    use md5::{Digest as _, Md5};
    let field = |name: &str| {
        let start = authorization.find(&format!("{name}="))? + name.len() + 1;
        let rest = authorization[start..].trim_start_matches('"');
        let end = rest.find(['"', ',']).unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    };
    let hex = |text: String| {
        Md5::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (Some(uri), Some(nc), Some(cnonce), Some(response), Some(realm)) = (
        field("uri"),
        field("nc"),
        field("cnonce"),
        field("response"),
        field("realm"),
    ) else {
        return false;
    };
    let ha1 = hex(format!("{user}:{realm}:{password}"));
    let ha2 = hex(format!("{method}:{uri}"));
    field("username").as_deref() == Some(user)
        && field("nonce").as_deref() == Some(NONCE)
        && response == hex(format!("{ha1}:{NONCE}:{nc}:{cnonce}:auth:{ha2}"))
}

pub struct Contract {
    pub addr: SocketAddr,
    /// The CA (self-signed certificate) a checker must trust.
    pub certificate: Vec<u8>,
    /// Requests that matched no exchange: method, path and why.
    pub refused: Arc<Mutex<Vec<String>>>,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Contract {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Contract {
    /// Starts the server; it answers nothing until [`Contract::answer_with`].
    pub async fn start() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("a test certificate");
        let der = key.cert.der().to_vec();
        let config = tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.key_pair.serialize_der())),
            )
            .expect("a TLS config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let refused = Arc::new(Mutex::new(Vec::new()));
        let exchanges: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let (seen, table) = (refused.clone(), exchanges.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, exchanges, seen) = (acceptor.clone(), table.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(
                        move |request: Request<hyper::body::Incoming>| {
                            let answer = answer(&exchanges.lock().unwrap(), &seen, addr, &request);
                            async move { Ok::<_, std::convert::Infallible>(answer) }
                        },
                    );
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            certificate: der,
            refused,
            exchanges,
            task,
        }
    }

    /// The documented exchanges; `{base}` in their headers and bodies becomes this server's URL.
    pub fn answer_with(&self, mut exchanges: Vec<Exchange>) {
        for exchange in &mut exchanges {
            for (_, value) in &mut exchange.headers {
                *value = value.replace("{base}", &self.url());
            }
            exchange.body = exchange.body.replace("{base}", &self.url());
        }
        *self.exchanges.lock().unwrap() = exchanges;
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

fn answer(
    exchanges: &[Exchange],
    refused: &Mutex<Vec<String>>,
    addr: SocketAddr,
    request: &Request<hyper::body::Incoming>,
) -> Response<Body> {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let host = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let mut why = Vec::new();
    if host != addr.to_string() {
        why.push(format!("host {host}"));
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let same_route = |e: &&Exchange| {
        e.method == request.method().as_str() && path.split('?').next() == Some(e.path)
    };
    let found = exchanges
        .iter()
        .filter(same_route)
        .find(|e| header(e.header.0) == e.header.1);
    match found {
        Some(exchange) if why.is_empty() && exchange.digest.is_some() => {
            let (user, password) = exchange.digest.clone().unwrap();
            let authorization = header("authorization");
            let (status, body) = if authorization.is_empty() {
                (401, String::new())
            } else if digest_matches(&authorization, request.method().as_str(), user, &password) {
                (exchange.status, exchange.body.clone())
            } else {
                // mongodb.com/docs/atlas/reference/api-errors/: a key that does not sign.
                (401, r#"{"detail":"You are not authorized for this resource.","error":401,"errorCode":"NOT_AUTHORIZED","reason":"Unauthorized"}"#.to_owned())
            };
            return Response::builder()
                .status(status)
                .header(
                    "www-authenticate",
                    format!(
                        "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"{NONCE}\", \
                         algorithm=MD5, qop=\"auth\", stale=false"
                    ),
                )
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap();
        }
        Some(exchange) => {
            if why.is_empty() {
                let mut response = Response::builder().status(exchange.status);
                for (name, value) in &exchange.headers {
                    response = response.header(*name, value);
                }
                return response
                    .header("content-type", "application/json")
                    .body(Body::from(exchange.body.clone()))
                    .unwrap();
            }
        }
        None => match exchanges.iter().find(same_route) {
            Some(e) => why.push(format!("{} header {:?}", e.header.0, header(e.header.0))),
            None => why.push("no such documented request".to_owned()),
        },
    }
    refused
        .lock()
        .unwrap()
        .push(format!("{} {path}: {}", request.method(), why.join(", ")));
    Response::builder()
        .status(StatusCode::IM_A_TEAPOT)
        .body(Body::from("unexpected request"))
        .unwrap()
}
