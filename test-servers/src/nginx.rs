//! Debian's `nginx` (`/usr/sbin/nginx`), serving a site's configuration on random loopback
//! ports, HTTP and HTTPS, with a self-signed certificate made by the `openssl` CLI for
//! `127.0.0.1` and `localhost`. Everything (configuration, certificate, logs, temporary files)
//! lives in one temporary directory, used as nginx's prefix; nothing of the system's nginx
//! (`/etc/nginx`, `/var/log/nginx`) is read or written.

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port_with, wait_until};

const NGINX: &str = "/usr/sbin/nginx";

/// What [`Nginx::start`] made for a site, for its configuration to point at.
pub struct Site<'a> {
    /// The temporary directory (nginx's prefix), for any file the site includes.
    pub dir: &'a Path,
    pub http_port: u16,
    pub https_port: u16,
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// One nginx (a master and one worker), stopped when dropped.
pub struct Nginx {
    pub http_port: u16,
    pub https_port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// Makes the certificate, writes the configuration `site` returns (http context: `server`,
    /// `upstream`, `map` blocks) into a main one that keeps every path in the temporary
    /// directory, starts nginx and waits until both ports accept connections.
    pub fn start(site: impl FnOnce(&Site) -> String) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // As root, nginx's worker runs as `nobody` and must reach its temporary files.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("open the directory to nginx's worker");
        let (certificate, key) = crate::tls::self_signed_certificate(dir.path(), "localhost");
        let layout = Site {
            dir: dir.path(),
            http_port: free_port_with(0),
            https_port: free_port_with(0),
            certificate,
            key,
        };
        let site_conf = dir.path().join("site.conf");
        std::fs::write(&site_conf, site(&layout)).expect("write the site's configuration");
        let main_conf = dir.path().join("nginx.conf");
        std::fs::write(&main_conf, main_config(dir.path(), &site_conf)).expect("write nginx.conf");
        let (http_port, https_port) = (layout.http_port, layout.https_port);
        let mut nginx = Self {
            http_port,
            https_port,
            child: Some(spawn_nginx(dir.path(), &main_conf)),
            dir,
        };
        nginx.wait_until_listening();
        nginx
    }

    /// `https://127.0.0.1:<port><path>`.
    pub fn https_url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.https_port)
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn http_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    /// The self-signed certificate (PEM), for clients to trust.
    pub fn certificate_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("localhost.pem")).expect("read the certificate")
    }

    /// What nginx logged so far: errors and warnings, then one line per request (client,
    /// request, status, the upstream that answered), for a failing test to show.
    pub fn logs(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name));
        format!(
            "error.log:\n{}\naccess.log:\n{}",
            read("error.log").unwrap_or_default(),
            read("access.log").unwrap_or_default()
        )
    }

    /// Stops nginx the way `nginx -s stop` does (`SIGTERM`: the master stops its worker, then
    /// exits), killing it if it has not gone within 10 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: kill(2) on our own child's pid, which `wait` has not reaped yet.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    fn wait_until_listening(&mut self) {
        let ports = [self.http_port, self.https_port];
        let mut exited = None;
        let child = self.child.as_mut().expect("just started");
        wait_until("nginx", Duration::from_secs(10), || {
            if let Ok(Some(status)) = child.try_wait() {
                exited = Some(status);
                return true;
            }
            ports
                .iter()
                .all(|&p| TcpStream::connect(("127.0.0.1", p)).is_ok())
        });
        if let Some(status) = exited {
            self.child = None;
            panic!("nginx exited at start ({status}):\n{}", self.logs());
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The main configuration: one worker, every file nginx writes in `dir`, then the site.
fn main_config(dir: &Path, site: &Path) -> String {
    let d = dir.display();
    format!(
        "worker_processes 1;\n\
         error_log {d}/error.log notice;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n\
         \x20   log_format upstreams '$remote_addr \"$request\" $status upstream=$upstream_addr';\n\
         \x20   access_log {d}/access.log upstreams;\n\
         \x20   client_body_temp_path {d}/client_body;\n\
         \x20   proxy_temp_path {d}/proxy;\n\
         \x20   fastcgi_temp_path {d}/fastcgi;\n\
         \x20   uwsgi_temp_path {d}/uwsgi;\n\
         \x20   scgi_temp_path {d}/scgi;\n\
         \x20   include {};\n\
         }}\n",
        site.display()
    )
}

fn spawn_nginx(dir: &Path, conf: &Path) -> Child {
    let d = dir.display();
    let mut command = Command::new(NGINX);
    command
        // -e: the log for errors before the configuration is read (else /var/log/nginx).
        .arg("-p")
        .arg(format!("{d}/"))
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(conf)
        .arg("-g")
        .arg(format!("daemon off; pid {d}/nginx.pid;"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    crate::owned::spawn_signalled(command, libc::SIGTERM)
        .expect("start nginx (the setup script installs Debian's nginx)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(port: u16) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        Some(answer)
    }

    /// `GET /` over TLS with `openssl s_client`, verifying the certificate against itself.
    fn get_tls(port: u16, certificate: &Path) -> String {
        let mut child = Command::new("openssl")
            .args(["s_client", "-quiet", "-verify_return_error"])
            .args(["-verify_ip", "127.0.0.1", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-CAfile")
            .arg(certificate)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run openssl s_client");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn nginx_serves_http_and_https_with_its_certificate_then_stops() {
        let mut nginx = Nginx::start(|s| {
            format!(
                "server {{ listen 127.0.0.1:{}; return 200 \"plain\\n\"; }}\n\
                 server {{ listen 127.0.0.1:{} ssl; ssl_certificate {}; \
                 ssl_certificate_key {}; return 200 \"sealed\\n\"; }}\n",
                s.http_port,
                s.https_port,
                s.certificate.display(),
                s.key.display()
            )
        });
        let plain = get(nginx.http_port).expect("an HTTP answer");
        assert!(
            plain.starts_with("HTTP/1.1 200") && plain.ends_with("plain\n"),
            "{plain}"
        );
        let cert = nginx.dir.path().join("localhost.pem");
        let sealed = get_tls(nginx.https_port, &cert);
        assert!(sealed.ends_with("sealed\n"), "{sealed}\n{}", nginx.logs());
        assert!(nginx.logs().contains("\"GET / HTTP/1.0\" 200"));

        nginx.stop();
        // The worker held the listening sockets too: refused means it is gone as well.
        for port in [nginx.http_port, nginx.https_port] {
            assert!(
                TcpStream::connect(("127.0.0.1", port)).is_err(),
                "{port} closed"
            );
        }
    }

    #[test]
    fn a_bad_configuration_fails_the_start_with_nginx_s_own_words() {
        let failed =
            std::panic::catch_unwind(|| Nginx::start(|_| "no_such_directive on;\n".into()));
        let Err(panic) = failed else {
            panic!("nginx refuses an unknown directive")
        };
        let message = *panic.downcast::<String>().unwrap();
        assert!(
            message.contains("unknown directive \"no_such_directive\""),
            "{message}"
        );
    }
}
