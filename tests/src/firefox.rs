//! Headless Firefox (Debian's `firefox-esr`, driven by `geckodriver`) for the tests that run
//! a side of the session in another engine. A geckodriver drives one browser at a time, so
//! each [`Firefox`] has its own, on a free port; both stop when it is dropped (after
//! [`Firefox::quit`]).

use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

/// One headless Firefox and its geckodriver.
pub struct Firefox {
    pub driver: WebDriver,
    geckodriver: Child,
}

impl Firefox {
    /// A new headless Firefox whose window is `width` × `height`, with a fresh profile.
    pub async fn open(width: u32, height: u32) -> Self {
        let port = crate::free_port().await;
        let geckodriver = Command::new("geckodriver")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("geckodriver on PATH (`make test` installs it)");
        let url = format!("http://127.0.0.1:{port}");
        crate::wait_for_port(port, "geckodriver").await;
        let mut caps = DesiredCapabilities::firefox();
        caps.set_firefox_binary("/usr/bin/firefox-esr")
            .expect("binary");
        caps.set_headless().expect("headless");
        for arg in [format!("--width={width}"), format!("--height={height}")] {
            caps.add_arg(&arg).expect("arg");
        }
        let driver = WebDriver::new(&url, caps).await.expect("a Firefox session");
        // The window's outer size includes no chrome when headless; set it exactly.
        let _ = driver.set_window_rect(0, 0, width, height).await;
        Self {
            driver,
            geckodriver,
        }
    }

    /// Closes the browser and stops its driver.
    pub async fn quit(mut self) {
        let _ = self.driver.clone().quit().await;
        let _ = self.geckodriver.kill().await;
    }
}
