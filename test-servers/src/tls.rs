//! Certificates for tests that speak TLS, made by Debian's `openssl` CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A self-signed server certificate (ECDSA P-256, one day) for `127.0.0.1` and `localhost`,
/// named `name` (its CN; the files are `<name>.pem` and `<name>.key` in `dir`); not a CA, so TLS
/// clients accept it as both the trust anchor and the server's certificate.
pub fn self_signed_certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let config = dir.join(format!("{name}.cnf"));
    std::fs::write(
        &config,
        format!(
            "[req]\n\
         distinguished_name = dn\n\
         x509_extensions = server\n\
         prompt = no\n\
         [dn]\n\
         CN = {name}\n\
         [server]\n\
         basicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\n\
         subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        ),
    )
    .expect("write openssl.cnf");
    let (certificate, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .arg("-config")
        .arg(&config)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&certificate)
        .output()
        .expect("run openssl (Debian's openssl package)");
    assert!(
        out.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (certificate, key)
}
