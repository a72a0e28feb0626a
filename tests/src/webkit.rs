//! Headless WebKit for the tests that run a side of the session in it: Debian's WebKitGTK
//! `MiniBrowser` (the engine Safari shares its core with), driven by `WebKitWebDriver`. WebKitGTK
//! needs a display: each [`WebKit`] starts a virtual X server of its own (`Xvfb`) for its
//! driver. Both are killed when it is dropped, and with the test process however it ends.

use std::time::{Duration, Instant};

use std::process::{Child, Command, Stdio};
use thirtyfour::prelude::*;
use thirtyfour::Capabilities;

const MINI_BROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// One WebKit browser and its driver.
pub struct WebKit {
    pub driver: WebDriver,
    /// The X server, then the driver.
    processes: Vec<Child>,
}

impl WebKit {
    /// A new WebKit browser whose window is `width` × `height`.
    pub async fn open(width: u32, height: u32) -> Self {
        let port = crate::free_port().await;
        // A display number nobody else uses now: the free port's (X numbers its own way).
        let display = format!(":{port}");
        let mut xvfb = Command::new("Xvfb");
        xvfb.args([&display, "-screen", "0", "2560x1600x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let xvfb =
            test_servers::owned::spawn(xvfb).expect("Xvfb on PATH (`make test` installs it)");
        let socket = format!("/tmp/.X11-unix/X{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::path::Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut driver = Command::new("WebKitWebDriver");
        driver
            .arg(format!("--port={port}"))
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let webkit_driver = test_servers::owned::spawn(driver)
            .expect("WebKitWebDriver on PATH (`make test` installs it)");
        let url = format!("http://127.0.0.1:{port}");
        crate::wait_for_port(port, "WebKitWebDriver").await;
        let caps: Capabilities = serde_json::from_value(serde_json::json!({
            "browserName": "MiniBrowser",
            "webkitgtk:browserOptions": {
                "binary": MINI_BROWSER,
                "args": ["--automation"],
            },
        }))
        .expect("capabilities");
        let driver = WebDriver::new(&url, caps).await.expect("a WebKit session");
        let _ = driver.set_window_rect(0, 0, width, height).await;
        Self {
            driver,
            processes: vec![xvfb, webkit_driver],
        }
    }

    /// Closes the browser, then its driver and display.
    pub async fn quit(self) {
        let _ = self.driver.clone().quit().await;
    }
}

impl Drop for WebKit {
    fn drop(&mut self) {
        for p in self.processes.iter_mut().rev() {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}
