//! Headless Chromium for the end-to-end tests: a chromedriver on a free port, browsers with
//! the flags this machine needs and a fresh profile each ([`Browsers`]), and
//! [`with_two_browsers`] for a test that needs one customer and one agent and nothing else.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;
use thirtyfour::ChromeCapabilities;
use tokio::process::{Child, Command};

use crate::TestResult;

/// A chromedriver and the profiles of the Chromiums opened through it (removed with this).
/// [`Browsers::quit`] closes browsers; the driver stops when this is dropped.
pub struct Browsers {
    driver: Child,
    url: String,
    extra: Vec<String>,
    profiles: Mutex<Vec<tempfile::TempDir>>,
}

impl Browsers {
    /// A chromedriver whose browsers all get `extra` flags.
    pub async fn start(extra: &[&str]) -> Self {
        let (driver, url) = start_chromedriver().await;
        Self {
            driver,
            url,
            extra: extra.iter().map(|f| f.to_string()).collect(),
            profiles: Mutex::default(),
        }
    }

    /// A new headless Chromium of 1280 × 900 with a fresh profile.
    pub async fn open(&self) -> WebDriver {
        self.open_sized(1280, 900).await
    }

    /// A new headless Chromium whose window is `width` × `height`.
    pub async fn open_sized(&self, width: u32, height: u32) -> WebDriver {
        let profile = tempfile::tempdir().expect("profile dir");
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        let browser = chromium(&self.url, (width, height), &extra, profile.path()).await;
        self.profiles.lock().unwrap().push(profile);
        browser
    }

    /// A new headless Chromium emulating a phone ([`chromium_phone`]), with a fresh profile.
    pub async fn open_phone(&self) -> WebDriver {
        let profile = tempfile::tempdir().expect("profile dir");
        let browser = chromium_phone(&self.url, profile.path()).await;
        self.profiles.lock().unwrap().push(profile);
        browser
    }

    /// Closes `browsers` (whatever state their pages are in).
    pub async fn quit(&self, browsers: Vec<WebDriver>) {
        for b in browsers {
            let _ = b.quit().await;
        }
    }

    /// Closes `browsers` and stops the driver.
    pub async fn finish(mut self, browsers: Vec<WebDriver>) {
        self.quit(browsers).await;
        let _ = self.driver.kill().await;
    }
}

/// Runs `flow` with a customer's and an agent's Chromium (each with `extra` flags), closes
/// both whatever happened, and fails the test with the flow's error.
pub async fn with_two_browsers(
    extra: &[&str],
    flow: impl AsyncFnOnce(&WebDriver, &WebDriver) -> TestResult,
) {
    let browsers = Browsers::start(extra).await;
    let customer = browsers.open().await;
    let agent = browsers.open().await;
    let result = flow(&customer, &agent).await;
    browsers.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A chromedriver on a free port, and its URL; killed when the child is dropped.
pub async fn start_chromedriver() -> (Child, String) {
    let port = crate::free_port().await;
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver on PATH (`make test` installs it)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !driver_ready(port).await {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (driver, format!("http://127.0.0.1:{port}"))
}

/// A new headless Chromium of `size` with the profile in `profile` (which the caller removes),
/// and `extra` flags.
pub async fn chromium(
    driver_url: &str,
    size: (u32, u32),
    extra: &[&str],
    profile: &std::path::Path,
) -> WebDriver {
    WebDriver::new(driver_url, chromium_caps(size, extra, profile))
        .await
        .expect("a Chromium session")
}

/// What a Chromium of `size` is started with: the flags this machine needs, `extra`, and its
/// profile directory.
fn chromium_caps(
    (width, height): (u32, u32),
    extra: &[&str],
    profile: &std::path::Path,
) -> ChromeCapabilities {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").expect("binary");
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ]
    .iter()
    .chain(extra)
    {
        caps.add_arg(arg).expect("arg");
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))
        .expect("arg");
    caps.add_arg(&format!("--window-size={width},{height}"))
        .expect("arg");
    caps
}

/// A phone, as Chromium's mobile emulation makes one: a 390 × 844 screen at 3 device pixels
/// per CSS pixel, touch input and a phone's user agent.
pub async fn chromium_phone(driver_url: &str, profile: &std::path::Path) -> WebDriver {
    let mut caps = chromium_caps((390, 844), &[], profile);
    caps.add_experimental_option(
        "mobileEmulation",
        serde_json::json!({
            "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
        }),
    )
    .expect("mobile emulation");
    WebDriver::new(driver_url, caps)
        .await
        .expect("a phone-sized Chromium session")
}

/// True once chromedriver answers its status endpoint with `"ready": true`.
async fn driver_ready(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request =
        format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    // Read until the answer is complete; chromedriver may keep the connection open.
    let mut body = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => body.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if String::from_utf8_lossy(&body).contains("\"ready\":true") {
            return true;
        }
    }
    false
}
