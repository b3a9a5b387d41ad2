use std::sync::Arc;

use reqwest::redirect::Policy;
use tend::config::Config;
use tend::store::{PostgresStore, SqliteStore, Store};
use tend::vault::KdfParams;
use tend::web::Server;

/// Argon2 at its cheapest: the tests check behaviour, not cost.
pub const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
};

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Makes, for each `async fn name(backend: Backend)` named, a module `name`
/// with two tests: `name::sqlite`, and `name::postgres` (which skips itself
/// unless `TEND_TEST_POSTGRES_URL` is set). Use it as
/// `use crate::helpers::on_both_backends;` and `on_both_backends!(a, b);`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::Backend;
            #[tokio::test]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(Backend::Postgres).await;
            }
        }
    )*};
}
pub(crate) use on_both_backends;

/// A database of the chosen kind, fresh for one test.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("tend.db").display());
                let store = SqliteStore::connect(&url).await.unwrap();
                Some(Self {
                    store: Arc::new(store),
                    dir,
                    pg_schema: None,
                })
            }
            Backend::Postgres => {
                let url = postgres_url()?;
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let store = PostgresStore::connect(&url, Some(&schema)).await.unwrap();
                Some(Self {
                    store: Arc::new(store),
                    dir,
                    pg_schema: Some((url, schema)),
                })
            }
        }
    }

    /// The server URL and schema of a PostgreSQL test database.
    pub fn pg_schema(&self) -> Option<(&str, &str)> {
        self.pg_schema
            .as_ref()
            .map(|(url, schema)| (url.as_str(), schema.as_str()))
    }

    pub fn sqlite_file(&self) -> std::path::PathBuf {
        self.dir.path().join("tend.db")
    }

    /// The server URL and schema of a PostgreSQL test database, for tests that
    /// open their own connection (query plans, catalogue checks).
    pub fn postgres_schema(&self) -> Option<(&str, &str)> {
        self.pg_schema
            .as_ref()
            .map(|(url, schema)| (url.as_str(), schema.as_str()))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((url, schema)) = self.pg_schema.take() {
            // Best effort: a leftover schema only costs disk space on a test server.
            std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    let _ = rt.block_on(PostgresStore::drop_schema(&url, &schema));
                }
            });
        }
    }
}

/// The PostgreSQL server for tests, if configured. CI sets
/// `TEND_REQUIRE_POSTGRES=1` so a missing server fails instead of skipping.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEND_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("TEND_REQUIRE_POSTGRES").is_err(),
                "TEND_REQUIRE_POSTGRES is set but TEND_TEST_POSTGRES_URL is not"
            );
            eprintln!(
                "note: TEND_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run of this test"
            );
            None
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let mut config = Config::for_data_dir(db.dir.path().to_path_buf()).unwrap();
        config.kdf = FAST_KDF;
        config.auth_attempts_per_minute = 1000;
        tweak(&mut config);
        let services = tend::service::Services::new(db.store.clone(), &config);
        let server = Server::bind(config, services).await.unwrap();
        let base = format!("http://{}", server.local_addr());
        let server = tokio::spawn(async move {
            let _ = server.run(std::future::pending()).await;
        });
        Some(Self { base, db, server })
    }

    /// A second server with its own store, services and connections to this
    /// one's database, as a second process behind a load balancer would
    /// have: its base URL, and its task (abort it at the end).
    pub async fn second_server(&self) -> (String, tokio::task::JoinHandle<()>) {
        let store: Arc<dyn Store> = match self.db.postgres_schema() {
            Some((url, schema)) => {
                Arc::new(PostgresStore::connect(url, Some(schema)).await.unwrap())
            }
            None => Arc::new(
                SqliteStore::connect(&format!("sqlite://{}", self.db.sqlite_file().display()))
                    .await
                    .unwrap(),
            ),
        };
        let mut config = Config::for_data_dir(self.db.dir.path().to_path_buf()).unwrap();
        config.kdf = FAST_KDF;
        config.auth_attempts_per_minute = 1000;
        let services = tend::service::Services::new(store, &config);
        let server = Server::bind(config, services).await.unwrap();
        let base = format!("http://{}", server.local_addr());
        let task = tokio::spawn(async move {
            let _ = server.run(std::future::pending()).await;
        });
        (base, task)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub fn api(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    /// Signs up through the API and returns (token, recovery code).
    pub async fn api_account(&self, handle: &str, passphrase: &str) -> (String, String) {
        let res = self
            .api()
            .post(self.url("/api/v1/accounts"))
            .json(&serde_json::json!({ "handle": handle, "passphrase": passphrase, "time_zone": "UTC" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "sign-up failed");
        let v: serde_json::Value = res.json().await.unwrap();
        (
            v["token"].as_str().unwrap().to_owned(),
            v["recovery_code"].as_str().unwrap().to_owned(),
        )
    }
}

/// The value of the first `name="csrf"` field on a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a csrf field") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_owned()
}

/// Signs up through the pages, as a person would, and returns the recovery code.
pub async fn sign_up_in_browser(
    app: &TestApp,
    b: &reqwest::Client,
    handle: &str,
    passphrase: &str,
) -> String {
    let page = b
        .get(app.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = b
        .post(app.url("/signup"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("handle", handle),
            ("passphrase", passphrase),
            ("time_zone", "America/Chicago"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let marker = "class=\"recovery-code\" aria-label=\"Recovery code\">";
    let start = html.find(marker).expect("recovery code shown") + marker.len();
    html[start..start + 29].to_owned()
}

/// Signs in through the sign-in page (for an account made before), as a
/// person would; the answer, with its session cookie.
pub async fn sign_in(
    app: &TestApp,
    b: &reqwest::Client,
    handle: &str,
    passphrase: &str,
) -> reqwest::Response {
    let (_, page) = get(b, app.url("/signin")).await;
    let res = b
        .post(app.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("handle", handle),
            ("passphrase", passphrase),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        reqwest::StatusCode::SEE_OTHER,
        "sign-in failed"
    );
    res
}

/// A time zone whose date is not UTC's at `now`: Kiritimati is 14 hours
/// ahead, Pago Pago 11 hours behind, so one of them is always on another
/// day. For tests that a page shows the person's own day, not the server's.
pub fn zone_on_another_day(now: jiff::Timestamp) -> &'static str {
    let utc_day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    ["Pacific/Kiritimati", "Pacific/Pago_Pago"]
        .into_iter()
        .find(|z| now.in_tz(z).unwrap().date() != utc_day)
        .unwrap()
}

/// A GET with its status and body, for tests that check both.
pub async fn get(b: &reqwest::Client, url: String) -> (reqwest::StatusCode, String) {
    let res = b.get(url).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The id of the account with this handle (handles are stored lower-case).
pub(crate) async fn account_id(app: &TestApp, handle: &str) -> String {
    app.db
        .store
        .account_by_handle(&handle.to_lowercase())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A person signed in through the pages (a cookie-keeping client), with the
/// anti-forgery token of their session and their account id.
pub(crate) struct Person {
    pub(crate) b: reqwest::Client,
    pub(crate) csrf: String,
    pub(crate) account: String,
}

impl Person {
    pub(crate) async fn new(app: &TestApp, handle: &str) -> Self {
        let b = app.browser();
        sign_up_in_browser(app, &b, handle, "kettle maple orbit").await;
        let page = b
            .get(app.url("/notifications"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let account = account_id(app, handle).await;
        Self {
            b,
            csrf: csrf_of(&page),
            account,
        }
    }
    pub(crate) async fn post(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut f: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        f.extend_from_slice(form);
        self.b.post(app.url(path)).form(&f).send().await.unwrap()
    }
    pub(crate) async fn page(&self, app: &TestApp, path: &str) -> String {
        self.b
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// One API call with a bearer header (`Bearer …`); the status and the JSON
/// answer (or `null`).
pub(crate) async fn call(
    app: &TestApp,
    auth: &str,
    m: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut req = app
        .api()
        .request(m, app.url(path))
        .header("authorization", auth);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// A person signed up through the API (passphrase "kettle maple orbit"):
/// their bearer header and account id, and one call per line ([`call`]).
pub(crate) struct ApiUser<'a> {
    app: &'a TestApp,
    /// `Bearer <token>`, for the `authorization` header.
    pub(crate) auth: String,
    pub(crate) account: String,
}

impl<'a> ApiUser<'a> {
    pub(crate) async fn new(app: &'a TestApp, handle: &str) -> Self {
        let (token, _) = app.api_account(handle, "kettle maple orbit").await;
        let account = account_id(app, handle).await;
        Self {
            app,
            auth: format!("Bearer {token}"),
            account,
        }
    }
    pub(crate) async fn call(
        &self,
        m: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        call(self.app, &self.auth, m, path, body).await
    }
    pub(crate) async fn get(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub(crate) async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    pub(crate) async fn put(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    pub(crate) async fn delete(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}
