//! `cobrowse-relay` as an operator runs it: the built binary in its own process, on a random
//! port, stopped with a signal (`SIGTERM` for a clean stop, `SIGKILL` for a crash).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One relay process.
pub struct RelayProcess {
    /// The URL it printed: `http://127.0.0.1:<port>`, or its `--public-url`.
    pub url: String,
    pub port: u16,
    child: Option<Child>,
    /// Its `--data-dir`, kept for [`RelayProcess::start_again`].
    data: Option<tempfile::TempDir>,
}

impl RelayProcess {
    /// Starts `binary` with `args` (plus `--listen` on a free port and a fresh `--data-dir`)
    /// and waits until it prints its URL.
    pub fn start(binary: &Path, args: &[String]) -> Self {
        Self::start_on(crate::free_port_with(0), binary, args)
    }

    /// [`RelayProcess::start`] on `port` (known before it starts, say to a load balancer).
    pub fn start_on(port: u16, binary: &Path, args: &[String]) -> Self {
        let data = tempfile::tempdir().expect("a data directory");
        Self::start_in(port, data, binary, args, None)
    }

    /// [`RelayProcess::start_on`] with `cwd` as its working directory (a binary run from a
    /// directory of its own, nothing else in it).
    pub fn start_from(cwd: &Path, port: u16, binary: &Path, args: &[String]) -> Self {
        let data = tempfile::tempdir().expect("a data directory");
        Self::start_in(port, data, binary, args, Some(cwd))
    }

    /// The same relay started again after it stopped: its port, its data directory.
    pub fn start_again(mut self, binary: &Path, args: &[String]) -> Self {
        self.kill();
        let data = self.data.take().expect("the data directory");
        Self::start_in(self.port, data, binary, args, None)
    }

    fn start_in(
        port: u16,
        data: tempfile::TempDir,
        binary: &Path,
        args: &[String],
        cwd: Option<&Path>,
    ) -> Self {
        let mut command = Command::new(binary);
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env(
                "COBROWSE_LOG",
                std::env::var("COBROWSE_LOG").unwrap_or_else(|_| "info,redis=error".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = crate::owned::spawn(command).expect("start cobrowse-relay");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("Co-browse relay:") {
                    let _ = tx.send(url.trim().to_string());
                } else if !line.trim().is_empty() {
                    // The node's log, on the test's stderr: shown with a failing test's output.
                    eprintln!("[relay :{port}] {line}");
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("cobrowse-relay printed its URL");
        Self {
            url,
            port,
            child: Some(child),
            data: Some(data),
        }
    }

    /// `SIGKILL`: gone at once, as in a crash or a lost machine.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `SIGTERM`, as a rolling restart sends it; the process then drains and exits.
    pub fn terminate(&self) {
        if let Some(child) = &self.child {
            // SAFETY: signalling our own child by its pid.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
        }
    }

    /// Waits for the process to exit (after [`RelayProcess::terminate`]); its exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let child = self.child.as_mut()?;
        let start = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status.code();
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
