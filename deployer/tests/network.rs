//! Corporate networks (issue 16, point 9): `HTTPS_PROXY` / `NO_PROXY` are honoured and
//! `--ca-cert FILE` (or `SSL_CERT_FILE`) adds a private CA to the trust roots.
//!
//! Everything is on loopback: the emulator behind a TLS endpoint whose certificate a
//! throwaway CA signed (made with the `openssl` CLI), and a small CONNECT proxy that
//! counts the tunnels it opens and refuses any target but 127.0.0.1. Both run as tasks
//! of the test's runtime, so they stop with it; every accept is bounded by a timeout.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const FLOW: &str = FLOW_SPANISH_LINE_ID;
/// Nothing here lives longer than this.
const LIFETIME: Duration = Duration::from_secs(120);

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("this test needs the openssl CLI: {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.pem`) and a server certificate for 127.0.0.1 it signed (`server.pem`,
/// `server.key`).
fn make_certs(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509"];
    a.extend(ec);
    a.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=flowguard test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(dir, &a);
    let mut a = vec!["req"];
    a.extend(ec);
    a.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(dir, &a);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
}

/// A TLS endpoint on loopback in front of `backend` (the emulator). Returns its port.
async fn tls_front(dir: &Path, backend: std::net::SocketAddr) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap_or_else(|e| panic!("{e}"))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    let key =
        PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap_or_else(|e| panic!("{e}"));
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("{e}"))
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap_or_else(|e| panic!("{e}"));
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    tokio::spawn(async move {
        while let Ok(Ok((tcp, _))) = tokio::time::timeout(LIFETIME, listener.accept()).await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses our certificate ends the handshake: fine.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::time::timeout(
                    LIFETIME,
                    tokio::io::copy_bidirectional(&mut tls, &mut up),
                )
                .await;
            });
        }
    });
    port
}

/// An HTTP proxy on loopback: CONNECT tunnels (HTTPS) and absolute-form requests
/// (plain HTTP), to 127.0.0.1 only. Counts what it carried.
async fn proxy() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok(Ok((mut client, _))) = tokio::time::timeout(LIFETIME, listener.accept()).await
        {
            let c = c.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match client.read(&mut buf).await {
                        Ok(1) => head.push(buf[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let first = text.lines().next().unwrap_or_default().to_owned();
                let mut parts = first.split_whitespace();
                let method = parts.next().unwrap_or_default();
                let target = parts.next().unwrap_or_default();
                let authority = if method == "CONNECT" {
                    target.to_owned()
                } else {
                    target
                        .strip_prefix("http://")
                        .and_then(|r| r.split('/').next())
                        .unwrap_or_default()
                        .to_owned()
                };
                if !authority.starts_with("127.0.0.1:") {
                    let _ = client
                        .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut up) = TcpStream::connect(&authority).await else {
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                if method == "CONNECT" {
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                } else if up.write_all(&head).await.is_err() {
                    return;
                }
                let _ = tokio::time::timeout(
                    LIFETIME,
                    tokio::io::copy_bidirectional(&mut client, &mut up),
                )
                .await;
            });
        }
    });
    (port, count)
}

fn run(dir: &Path, base: &str, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut args = vec!["fetch", "--flow", FLOW, "-o", "orig.json"];
    args.extend(extra);
    let mut env: Vec<(&str, &str)> = env.to_vec();
    for k in ["NO_PROXY", "no_proxy", "SSL_CERT_FILE"] {
        if !env.iter().any(|(n, _)| *n == k) {
            env.push((k, ""));
        }
    }
    flowguard_env(dir, base, &args, &env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_ca_and_https_proxy() {
    let emu = emulator().await;
    let dir = tempdir();
    make_certs(dir.path());
    let tls_port = tls_front(dir.path(), emu.local_addr()).await;
    let (proxy_port, tunnels) = proxy().await;
    let base = format!("https://127.0.0.1:{tls_port}");
    let proxy_url = format!("http://127.0.0.1:{proxy_port}");
    let ca = dir.path().join("ca.pem");
    let ca = ca.to_str().unwrap_or_default();

    // Without the CA: refused, and the message says what to do.
    let out = run(dir.path(), &base, &[], &[("HTTPS_PROXY", "")]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--ca-cert"), "{}", stderr(&out));

    // --ca-cert, through the proxy.
    let out = run(
        dir.path(),
        &base,
        &["--ca-cert", ca],
        &[("HTTPS_PROXY", &proxy_url)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let through = tunnels.load(Ordering::SeqCst);
    assert!(through >= 1, "no request went through the proxy");

    // SSL_CERT_FILE, with NO_PROXY naming the host: direct, not through the proxy.
    let out = run(
        dir.path(),
        &base,
        &[],
        &[
            ("SSL_CERT_FILE", ca),
            ("HTTPS_PROXY", &proxy_url),
            ("NO_PROXY", "127.0.0.1"),
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        through,
        "NO_PROXY was ignored"
    );

    // A CA file that is not PEM: a clear error, never a panic.
    std::fs::write(dir.path().join("bad.pem"), "not a certificate")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run(
        dir.path(),
        &base,
        &["--ca-cert", "bad.pem"],
        &[("HTTPS_PROXY", "")],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.pem"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_for_plain_http() {
    let emu = emulator().await;
    let dir = tempdir();
    let (proxy_port, carried) = proxy().await;
    let proxy_url = format!("http://127.0.0.1:{proxy_port}");
    let out = run(
        dir.path(),
        emu.base_url(),
        &[],
        &[("HTTP_PROXY", &proxy_url)],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        carried.load(Ordering::SeqCst) >= 1,
        "HTTP_PROXY was ignored"
    );
}
