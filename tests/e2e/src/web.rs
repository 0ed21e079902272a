//! What the regiewerkplek's tests run against, all real: an OpenID Connect provider (the npm
//! package `oidc-provider` under Node.js, `tests/e2e/oidc/provider.mjs`), the regiewerkplek
//! itself calling a [`crate::TestHub`], and Debian's Chromium driven through its ChromeDriver.
//! A missing part fails the test with what to install.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use rondom_access::idp::{ClaimNames, IdentityProvider, IdpSettings};
use rondom_testkit::free_port;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

/// The workspace's root (the tests run in `tests/e2e`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The npm packages `make tools` installs.
pub fn node_modules() -> PathBuf {
    root().join(".tools/web/node_modules")
}

/// The web address the provider sends browsers back to. It holds its port bound from the
/// start until the regiewerkplek takes it over: a port let go while the provider and the hub
/// start can be taken by any connection in between (CI once lost it that way).
#[derive(Debug)]
pub struct WebAddress {
    pub port: u16,
    listener: std::net::TcpListener,
}

impl WebAddress {
    pub fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        Self { port, listener }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Default for WebAddress {
    fn default() -> Self {
        Self::new()
    }
}

/// The test identity provider, stopped when dropped. Its staff: `mw-0412` of gemeente 0363
/// and `mw-0599` of gemeente 0599, both coordinators; any password. Each start signs with a
/// new key.
#[derive(Debug)]
pub struct TestIdp {
    pub issuer: String,
    port: u16,
    web: String,
    process: Child,
}

impl TestIdp {
    /// Starts the provider for a regiewerkplek at `web`.
    pub async fn start(web: &WebAddress) -> Self {
        let (port, web) = (free_port(), web.url());
        let (issuer, process) = Self::spawn(port, &web).await;
        Self {
            issuer,
            port,
            web,
            process,
        }
    }

    /// Stops the provider and starts it again at the same address: what a rollover of its
    /// signing key looks like from outside (a new key, the old one gone), and everything it
    /// held in memory (sessions, consents) gone with it.
    pub async fn restart(&mut self) {
        let _ = self.process.kill().await;
        let (_, process) = Self::spawn(self.port, &self.web).await;
        self.process = process;
    }

    async fn spawn(port: u16, web: &str) -> (String, Child) {
        let modules = node_modules();
        assert!(
            modules.join("oidc-provider").exists(),
            "the npm package oidc-provider is missing from {}: run `make tools`",
            modules.display()
        );
        let mut process = Command::new("node")
            .arg(root().join("tests/e2e/oidc/provider.mjs"))
            .arg(&modules)
            .arg(port.to_string())
            .arg(format!("{web}/aanmelden/terug"))
            .arg(format!("{web}/aanmelden?afgemeld=1"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("Node.js is missing: install Debian's nodejs (make tools says how)");
        let stdout = process.stdout.take().expect("the provider's output");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the identity provider did not start within 20 s")
            .expect("the identity provider's output");
        let issuer = ready
            .as_deref()
            .and_then(|line| line.strip_prefix("ready "))
            .expect("the identity provider said it is ready")
            .to_owned();
        // Keep reading what it prints: a closed pipe would end it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        (issuer, process)
    }

    /// The hub's view of the provider, as `rondom up --oidc-issuer ...` configures it.
    pub async fn provider(&self) -> Arc<IdentityProvider> {
        let settings = IdpSettings {
            issuer: self.issuer.clone(),
            client_id: "rondom".into(),
            client_secret: "rondom-test-secret".into(),
            audience: "urn:rondom:api".into(),
            scope: "openid rondom".into(),
            claims: ClaimNames::default(),
        };
        Arc::new(
            IdentityProvider::discover(settings)
                .await
                .expect("the test identity provider's configuration"),
        )
    }
}

/// The regiewerkplek serving `hub` on `web`'s port until dropped.
#[derive(Debug)]
pub struct TestWeb {
    pub url: String,
    stop: CancellationToken,
}

impl TestWeb {
    /// Serves on `web`'s port, over HTTPS with `tls` when given.
    pub async fn start(
        web: WebAddress,
        hub: std::net::SocketAddr,
        sign_in: rondom_web::SignIn,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Self {
        let url = web.url();
        web.listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let listener =
            tokio::net::TcpListener::from_std(web.listener).expect("the regiewerkplek's port");
        let channel = tonic::transport::Channel::from_shared(format!("http://{hub}"))
            .expect("hub address")
            .connect_lazy();
        let settings = rondom_web::WebSettings {
            sign_in,
            secure: false,
            tls,
            idle_timeout: rondom_web::WebSettings::IDLE,
            absolute_timeout: rondom_web::WebSettings::ABSOLUTE,
            assets: node_modules(),
        };
        let stop = CancellationToken::new();
        tokio::spawn(rondom_web::serve(
            listener,
            rondom_web::Hub::new(channel),
            settings,
            stop.clone().cancelled_owned(),
        ));
        Self { url, stop }
    }
}

impl Drop for TestWeb {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Headless Chromium under ChromeDriver, stopped when dropped: ChromeDriver runs in a
/// process group of its own, and the whole group (the browser's processes too) goes at once.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id().and_then(|pid| i32::try_from(pid).ok()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

impl Browser {
    pub async fn start() -> Self {
        for (program, package) in [
            ("/usr/bin/chromium", "chromium"),
            ("/usr/bin/chromedriver", "chromium-driver"),
        ] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: install Debian's {package} (`make chromium` does, as root)"
            );
        }
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("a browser profile");
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                // Closed network: no background requests, no first-run pages.
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,1600",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("an object"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        driver,
                        _profile: profile,
                    };
                }
                Err(err) => last = Some(err),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("ChromeDriver did not start Chromium within 10 s: {last:?}");
    }

    /// Opens `url` and returns the page's text.
    pub async fn open(&self, url: &str) -> String {
        self.client.goto(url).await.expect("open a page");
        self.text().await
    }

    /// The page's visible text, once the page a click led to has loaded.
    pub async fn text(&self) -> String {
        let mut last = None;
        for _ in 0..50 {
            let ready = self
                .client
                .execute("return document.readyState", Vec::new())
                .await;
            if ready
                .ok()
                .and_then(|state| state.as_str().map(str::to_owned))
                .as_deref()
                == Some("complete")
            {
                let body = self.client.find(Locator::Css("body")).await;
                match body {
                    Ok(body) => match body.text().await {
                        Ok(text) => return text,
                        // The page changed under the element: read the new one.
                        Err(err) => last = Some(err),
                    },
                    Err(err) => last = Some(err),
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page did not load within 5 s: {last:?}");
    }

    /// Waits (at most 10 s) until the page shows one of `texts`, and returns its text.
    pub async fn until(&self, texts: &[&str]) -> String {
        let mut text = String::new();
        for _ in 0..100 {
            text = self.text().await;
            if texts.iter().any(|wanted| text.contains(wanted)) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page shows none of {texts:?} within 10 s: {text}");
    }

    /// Clicks the link, button or disclosure (`summary`) whose text is `label`.
    pub async fn click(&self, label: &str) {
        let xpath = format!(
            "//a[normalize-space(.)='{label}'] | //button[normalize-space(.)='{label}'] | //summary[normalize-space(.)='{label}'] | //input[@type='submit' and @value='{label}']"
        );
        let element = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|err| panic!("no link or button {label:?}: {err}"));
        // A disclosure opens in place; a link or button loads a page.
        if element.tag_name().await.is_ok_and(|tag| tag == "summary") {
            element.click().await.expect("click");
        } else {
            self.navigating(element.click()).await;
        }
    }

    /// Does `click` and waits (at most 5 s) until the browser shows the page it led to: the
    /// old page is still "complete" for a moment after the click, and reading it then reads
    /// the wrong page. A click that loads nothing (a refused form) waits out the 5 s.
    async fn navigating(
        &self,
        click: impl std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
    ) {
        // A mark on this document; the next one does not carry it.
        let _ = self
            .client
            .execute("window.rondomOldPage = true; return 0", Vec::new())
            .await;
        click.await.expect("click");
        for _ in 0..50 {
            let loaded = self
                .client
                .execute(
                    "return window.rondomOldPage === undefined && document.readyState === 'complete'",
                    Vec::new(),
                )
                .await;
            if loaded.ok().and_then(|loaded| loaded.as_bool()) == Some(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into the field named `name`.
    pub async fn fill(&self, name: &str, text: &str) {
        self.fill_in("", name, text).await;
    }

    /// Types `text` into the field named `name` of the form `form` (a CSS selector).
    pub async fn fill_in(&self, form: &str, name: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("{form} [name='{name}']")))
            .await
            .unwrap_or_else(|err| panic!("no field {name:?}: {err}"));
        field.clear().await.ok();
        field.send_keys(text).await.expect("type into a field");
    }

    /// Runs axe-core (WCAG 2.2 A and AA rules) on the page and returns its violations.
    pub async fn accessibility_violations(&self) -> Vec<serde_json::Value> {
        let axe = std::fs::read_to_string(node_modules().join("axe-core/axe.min.js"))
            .expect("the npm package axe-core: run `make tools`");
        self.client
            .execute(&axe, Vec::new())
            .await
            .expect("load axe-core into the page");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3) }))))
                    .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                Vec::new(),
            )
            .await
            .expect("run axe-core");
        result.as_array().cloned().unwrap_or_default()
    }

    /// Writes a screenshot of the page to `target/regiewerkplek/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = root().join("target/regiewerkplek");
        std::fs::create_dir_all(&dir).expect("the screenshots' folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write a screenshot");
    }

    /// Sets the value of the field `css` as a picker would (Chromium types dates in its
    /// locale's order; the form sends them as YYYY-MM-DD whatever that is).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![css.into(), value.into()],
            )
            .await
            .expect("set a field's value");
    }

    /// Clicks the element `css` names (a checkbox, say).
    pub async fn click_on(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("nothing at {css}: {err}"))
            .click()
            .await
            .expect("click");
    }

    /// Submits the form `form` (a CSS selector) with its button.
    pub async fn submit(&self, form: &str) {
        let button = self
            .client
            .find(Locator::Css(&format!("{form} button")))
            .await
            .unwrap_or_else(|err| panic!("no button in {form}: {err}"));
        self.navigating(button.click()).await;
    }

    /// Every resource the page loaded, by address.
    pub async fn resources(&self) -> Vec<String> {
        let loaded = self
            .client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                Vec::new(),
            )
            .await
            .expect("the page's resources");
        loaded
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .filter_map(|name| name.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Presses Tab once and returns the element that has the focus then, as HTML.
    pub async fn tab(&self) -> String {
        use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
        let tab = char::from(fantoccini::key::Key::Tab);
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab });
        self.client
            .perform_actions(actions)
            .await
            .expect("press Tab");
        self.client
            .active_element()
            .await
            .expect("the focused element")
            .html(false)
            .await
            .expect("its HTML")
    }

    /// Checks the page for accessibility and that it asked nothing of another host, and keeps
    /// a screenshot of it.
    pub async fn check_page(&self, name: &str) {
        self.screenshot(name).await;
        let url = self.client.current_url().await.expect("the page's address");
        let origin = url.origin().ascii_serialization();
        for resource in self.resources().await {
            assert!(
                resource.starts_with(&origin),
                "{name} loaded {resource} from another host"
            );
        }
        let violations = self.accessibility_violations().await;
        assert!(
            violations.is_empty(),
            "axe-core found WCAG violations on {name}: {}",
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }
}
