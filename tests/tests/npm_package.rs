//! The npm package as a team with a single-page app uses it: `scripts/package.sh` packs
//! `@cobrowse/customer` from `dist/`, the Vite app in `tests/vite-app` (Vite and TypeScript
//! from npm, installed by the setup script) installs the tarball, is type-checked against the
//! package's declarations with `tsc --noEmit` (and a misuse of the API is proven to fail the
//! check), and is built by `vite build` for the relay of the test. Served from its own origin,
//! the app starts a session from its own button with the built-in UI off, shows the code in
//! its own markup, and an agent joins and sees the page.

use std::path::Path;
use std::process::Command;

use cobrowse_e2e::app_site::*;
use cobrowse_e2e::static_site::StaticSite;
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

/// Runs `program args` in `dir`; its output on failure.
fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{program} {args:?} failed: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Packs the package and installs the tarball into the Vite app.
fn pack_and_install(root: &Path, app: &Path) {
    assert!(
        app.join("node_modules/.bin/vite").exists(),
        "the Vite app's packages are missing in {}: run `scripts/setup.sh test` (`make test` does)",
        app.display()
    );
    let out = root.join("target/package-test");
    run(
        root,
        "scripts/package.sh",
        &["dist", &out.display().to_string()],
        &[],
    )
    .unwrap();
    let tarball = out.join("cobrowse-customer-0.1.0.tgz");
    run(
        app,
        "npm",
        &[
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--silent",
            &tarball.display().to_string(),
        ],
        &[],
    )
    .unwrap();
}

/// The declarations check the app, and would catch a misuse.
fn type_checks(app: &Path) {
    run(app, "node_modules/.bin/tsc", &["--noEmit", "-p", "."], &[]).unwrap();
    let misuse = app.join(".typecheck-misuse.ts");
    std::fs::write(
        &misuse,
        "import { init } from \"@cobrowse/customer\";\n\
         const c = init({ relayUrl: \"https://relay.example\" });\n\
         c.on(\"agentJoind\", () => {});\n\
         c.on(\"code\", (e) => e.mode);\n\
         void c.start({ confirmed: \"yes\" });\n",
    )
    .unwrap();
    let checked = run(
        app,
        "node_modules/.bin/tsc",
        &[
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--module",
            "esnext",
            "--moduleResolution",
            "bundler",
            "--lib",
            "es2022,dom",
            ".typecheck-misuse.ts",
        ],
        &[],
    );
    let _ = std::fs::remove_file(&misuse);
    let why = checked.expect_err("a misuse of the API must fail the type check");
    for line in ["agentJoind", "'mode' does not exist", "(5,16)"] {
        assert!(why.contains(line), "tsc names {line:?}: {why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vite_app_bundles_the_package_and_runs_a_session_from_its_own_button() {
    let root = workspace_root();
    let app = root.join("tests/vite-app");
    pack_and_install(&root, &app);
    type_checks(&app);

    let mut site = StaticSite::bind().await;
    let origin = site.url.clone();
    let h = Harness::start_with(|c| c.allowed_origins = Some(vec![origin])).await;
    let built = tempfile::tempdir().unwrap();
    let relay = h.started.relay_url.clone();
    run(
        &app,
        "node_modules/.bin/vite",
        &[
            "build",
            "--logLevel",
            "error",
            "--emptyOutDir",
            "--outDir",
            &built.path().display().to_string(),
        ],
        &[("COBROWSE_RELAY_URL", &relay)],
    )
    .unwrap();
    site.serve(built.path().to_path_buf());

    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = session_from_the_app(&h, &site.url, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn session_from_the_app(
    h: &Harness,
    site: &str,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    customer.goto(&format!("{site}/")).await?;
    eventually("the app to run", START, || async {
        (js(customer, "return document.body.dataset.app || null;").await == "ready").then_some(())
    })
    .await?;
    // Nothing of co-browse is loaded before it starts: no widget, no module.
    assert_eq!(
        js(
            customer,
            "return document.querySelector('[data-cobrowse-widget]') === null"
        )
        .await,
        true
    );
    let code = share_from_the_app(customer).await?;
    agent_sees_the_app(h, customer, agent, &code, "A shop built with Vite").await?;
    // The app's privacy option (`mask: ['#order']`) reached the module: the agent never gets
    // the order number.
    let order = in_view(agent, "doc.getElementById('order').value").await;
    let order = order.as_str().unwrap_or_default().to_string();
    assert!(!order.is_empty() && !order.contains("1001"), "{order:?}");

    stop_from_the_app(customer, "ended: customer_exit").await?;
    Ok(())
}
