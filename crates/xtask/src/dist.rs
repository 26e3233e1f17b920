//! `cargo xtask dist [--demo]` builds the unpacked extension; `cargo xtask demo` shows it working.
//!
//! `dist` compiles `lens-ext` (the panel, with the `wasm-release` profile: for size) and
//! `lens-worker` (the importer and the analyst its workers load, with `wasm-worker`: for speed) for
//! `wasm32-unknown-unknown`, runs the wasm-bindgen CLI (which
//! must match the pinned library version exactly) on both, and assembles
//! `extension/manifest.json`, `public/` and the wasm-bindgen output into `dist/lens`.
//! `--demo` writes `dist/lens-demo` instead, whose manifest also matches `http://127.0.0.1/*`
//! so the extension runs on the local demo page; the distributed manifest never does.
//!
//! `demo` generates the district demo data, builds the demo extension, serves the demo CRM page
//! from a small local HTTP server ([`DemoServer`], also used by the end-to-end tests) and drives
//! Chromium through `tests/demo.mjs`: it imports the whole district into the panel (52 snapshots,
//! history, users, renewals, program data), prints what the panel shows and saves a screenshot of
//! every screen (headless), or leaves the window open when a display exists.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The wasm-bindgen version `crates/ext/Cargo.toml` pins; the CLI must be the same.
pub(crate) const WASM_BINDGEN_VERSION: &str = "0.2.130";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The Salesforce record the demo opens: a deal of the generated district (seed 7), shown by
/// `public/demo/opportunity.html` with a live next step the week-old import lacks.
pub(crate) const DEMO_RECORD_ID: &str = "006Lq000001bt7nIAA";
/// Where `/` of the demo server leads: the demo record's page.
const DEMO_RECORD_PATH: &str = "/lightning/r/Opportunity/006Lq000001bt7nIAA/view";

/// Which manifest the build gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The distributed extension: CRM hosts only.
    Release,
    /// Also matches `http://127.0.0.1/*`, for the demo page and the end-to-end tests.
    Demo,
}

/// What `dist` produced.
pub(crate) struct BuiltExtension {
    pub dir: PathBuf,
    /// The panel's module, loaded with every panel.
    pub panel: WasmSize,
    /// The workers' module (the importer and the analyst), loaded by the import worker and the
    /// analysis worker.
    pub worker: WasmSize,
}

/// The size of one wasm module of the extension.
pub(crate) struct WasmSize {
    pub file: String,
    pub bytes: u64,
    pub gzip_bytes: Option<u64>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut variant = Variant::Release;
    for arg in args {
        match arg.as_str() {
            "--demo" => variant = Variant::Demo,
            other => {
                return Err(format!(
                    "dist: unknown option `{other}` (usage: dist [--demo])"
                ));
            }
        }
    }
    let built = build_extension(variant)?;
    println!("extension: {} (load it unpacked)", built.dir.display());
    if variant == Variant::Release {
        let zip = zip_extension(&built.dir)?;
        println!("zip: {}", zip.display());
    }
    print_wasm_size(&built);
    Ok(())
}

pub fn demo(args: &[String]) -> Result<(), String> {
    let mut reuse_data = false;
    for arg in args {
        match arg.as_str() {
            "--reuse-data" => reuse_data = true,
            other => {
                return Err(format!(
                    "demo: unknown option `{other}` (usage: demo [--reuse-data])"
                ));
            }
        }
    }
    crate::setup::ensure_wasm_target()?;
    crate::setup::ensure_wasm_bindgen()?;
    crate::setup::ensure_chromium()?;
    let root = repo_root();
    let data_dir = root.join("target/demo/data");
    let snapshot_dir = data_dir.join("snapshots");
    if !(reuse_data && newest_snapshot(&snapshot_dir).is_ok()) {
        println!(
            "demo: generating district data (seed 7) into {}",
            data_dir.display()
        );
        let gen_args: Vec<String> = ["--size", "district", "--seed", "7", "--out"]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
        let mut gen_args = gen_args;
        gen_args.push(data_dir.display().to_string());
        crate::r#gen::run(&gen_args)?;
    }
    newest_snapshot(&snapshot_dir)?;

    let built = build_extension(Variant::Demo)?;
    print_wasm_size(&built);
    crate::e2e::ensure_node_modules(&root)?;
    let chromium = crate::e2e::chromium_path()?;

    let server = DemoServer::start(&root.join("public/demo"), Some(&data_dir))?;
    let screenshots = root.join("target/demo");
    let record_url = format!(
        "{}/lightning/r/Opportunity/{DEMO_RECORD_ID}/view",
        server.base_url()
    );
    println!("demo: serving {record_url}");
    // With a display, the browser window stays open for the user; headless, screenshots show it.
    let headed = std::env::var_os("DISPLAY").is_some() && std::env::var_os("CI").is_none();
    let status = Command::new("node")
        .arg(root.join("tests/demo.mjs"))
        .current_dir(&root)
        .env("LENS_EXTENSION_DIR", &built.dir)
        .env("LENS_CHROMIUM", &chromium)
        .env("LENS_REPO_ROOT", &root)
        .env("LENS_BASE_URL", server.base_url())
        .env("LENS_DEMO_DATA", &data_dir)
        .env("LENS_DEMO_RECORD", DEMO_RECORD_ID)
        .env("LENS_DEMO_SCREENSHOTS", &screenshots)
        .env("LENS_DEMO_HEADED", if headed { "1" } else { "0" })
        .status()
        .map_err(|error| format!("demo: could not run node ({error}); install Node.js 20+"))?;
    drop(server);
    if !status.success() {
        return Err(format!("demo: tests/demo.mjs failed ({status})"));
    }
    println!(
        "demo: screenshots of every screen saved in {} (panel.png is the record view)",
        screenshots.display()
    );
    Ok(())
}

/// Packs the unpacked extension into `<dir>.zip` beside it (the form a browser store takes).
fn zip_extension(dir: &Path) -> Result<PathBuf, String> {
    let zip = dir.with_extension("zip");
    if zip.exists() {
        fs::remove_file(&zip)
            .map_err(|error| format!("dist: could not replace {}: {error}", zip.display()))?;
    }
    let status = Command::new("zip")
        .current_dir(dir)
        .args(["-q", "-r", "-X"])
        .arg(&zip)
        .arg(".")
        .status()
        .map_err(|error| {
            format!("dist: could not run zip ({error}); install it with: apt-get install -y zip")
        })?;
    if status.success() {
        Ok(zip)
    } else {
        Err(format!("dist: zip failed ({status})"))
    }
}

/// Builds the wasm, runs wasm-bindgen and assembles the unpacked extension.
pub(crate) fn build_extension(variant: Variant) -> Result<BuiltExtension, String> {
    let root = repo_root();
    check_wasm_target()?;
    check_wasm_bindgen()?;

    let out_dir = root.join(match variant {
        Variant::Release => "dist/lens",
        Variant::Demo => "dist/lens-demo",
    });
    if out_dir.exists() {
        fs::remove_dir_all(&out_dir)
            .map_err(|error| format!("dist: could not clear {}: {error}", out_dir.display()))?;
    }
    fs::create_dir_all(&out_dir)
        .map_err(|error| format!("dist: could not create {}: {error}", out_dir.display()))?;

    // The panel, built for size, and the module its workers load (the importer and the analyst:
    // the panel never downloads the file readers or the analysis), built for speed.
    for (package, profile) in WASM_PACKAGES {
        build_wasm(&root, package, profile, &out_dir.join("pkg"))?;
    }

    copy_public(&root.join("public"), &out_dir)?;
    let manifest_path = root.join("extension/manifest.json");
    let manifest = fs::read_to_string(&manifest_path)
        .map_err(|error| format!("dist: could not read {}: {error}", manifest_path.display()))?;
    let manifest = match variant {
        Variant::Release => manifest,
        Variant::Demo => demo_manifest(&manifest)?,
    };
    fs::write(out_dir.join("manifest.json"), manifest)
        .map_err(|error| format!("dist: could not write the manifest: {error}"))?;

    let size = |file: &str| -> Result<WasmSize, String> {
        let path = out_dir.join("pkg").join(file);
        let bytes = fs::metadata(&path)
            .map_err(|error| format!("dist: no {} after wasm-bindgen: {error}", path.display()))?
            .len();
        Ok(WasmSize {
            file: format!("pkg/{file}"),
            bytes,
            gzip_bytes: gzip_size(&path),
        })
    };
    Ok(BuiltExtension {
        panel: size("lens_ext_bg.wasm")?,
        worker: size("lens_worker_bg.wasm")?,
        dir: out_dir,
    })
}

/// The extension's wasm packages and the cargo profile each is built with (see `Cargo.toml`).
pub(crate) const WASM_PACKAGES: [(&str, &str); 2] =
    [("lens-ext", "wasm-release"), ("lens-worker", "wasm-worker")];

/// Builds one package for wasm32 with `profile` and runs wasm-bindgen on it into `out_dir`.
pub(crate) fn build_wasm(
    root: &Path,
    package: &str,
    profile: &str,
    out_dir: &Path,
) -> Result<(), String> {
    println!("dist: building {package} for {WASM_TARGET} (profile {profile})");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "-p",
            package,
            "--target",
            WASM_TARGET,
            "--profile",
            profile,
        ])
        .status()
        .map_err(|error| format!("dist: could not run cargo: {error}"))?;
    if !status.success() {
        return Err(format!(
            "dist: building {package} for {WASM_TARGET} failed ({status})"
        ));
    }
    let wasm = target_dir(root)
        .join(WASM_TARGET)
        .join(profile)
        .join(format!("{}.wasm", package.replace('-', "_")));
    let status = Command::new("wasm-bindgen")
        .arg(&wasm)
        .arg("--out-dir")
        .arg(out_dir)
        .args(["--target", "web", "--no-typescript"])
        .args(["--remove-name-section", "--remove-producers-section"])
        .status()
        .map_err(|error| format!("dist: could not run wasm-bindgen: {error}"))?;
    if !status.success() {
        return Err(format!(
            "dist: wasm-bindgen failed on {} ({status})",
            wasm.display()
        ));
    }
    Ok(())
}

/// A small static HTTP server on 127.0.0.1 for the demo CRM pages (and, when given, the demo
/// data). It serves the demo pages at the record paths of the CRMs they imitate (Lightning
/// `/lightning/r/Opportunity/<id>/view`, HubSpot `/contacts/<portal>/record/0-3/<deal id>`,
/// Dynamics 365 `/main.aspx?…&etn=opportunity&id=<GUID>`), `/demo/…` from `public/demo`, and
/// `/data/…` from the data folder. Pages get [`DEMO_PAGE_CSP`], or [`STRICT_PAGE_CSP`] when the
/// query string has `csp=strict`. Each connection gets a thread, at most [`MAX_CONNECTIONS`] at
/// once, with read and write timeouts; the server stops when dropped.
pub(crate) struct DemoServer {
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

const MAX_CONNECTIONS: usize = 32;
const MAX_REQUEST_HEAD_BYTES: usize = 16 * 1024;
const SOCKET_TIMEOUT: Duration = Duration::from_secs(5);
/// What the demo page is served with: as strict as a CRM page, so the tests show that the
/// content script and the panel iframe work under such a policy.
const DEMO_PAGE_CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'";
/// The strict variant (`?csp=strict` on any page): nothing but the page's own scripts, styles and
/// images, no frames, no connections, no inline code and Trusted Types required, as strict as a
/// CRM could make it. The Lens panel must still appear.
const STRICT_PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; font-src 'self'; connect-src 'none'; frame-src 'none'; child-src 'none'; \
     worker-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

impl DemoServer {
    pub(crate) fn start(demo_dir: &Path, data_dir: Option<&Path>) -> Result<DemoServer, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|error| format!("demo server: could not listen on 127.0.0.1: {error}"))?;
        let address = listener
            .local_addr()
            .map_err(|error| format!("demo server: no local address: {error}"))?;
        let stopping = Arc::new(AtomicBool::new(false));
        let roots = Arc::new(ServedRoots {
            demo_dir: demo_dir.to_path_buf(),
            data_dir: data_dir.map(Path::to_path_buf),
        });
        let accept_stopping = stopping.clone();
        let accept_thread = std::thread::spawn(move || {
            let active = Arc::new(AtomicUsize::new(0));
            for stream in listener.incoming() {
                if accept_stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    active.fetch_sub(1, Ordering::SeqCst);
                    let _ = respond(&stream, 503, "text/plain", b"busy", None);
                    continue;
                }
                let roots = roots.clone();
                let active = active.clone();
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, &roots);
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(DemoServer {
            address,
            stopping,
            accept_thread: Some(accept_thread),
        })
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // `incoming()` blocks in accept; one last connection wakes it so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

struct ServedRoots {
    demo_dir: PathBuf,
    data_dir: Option<PathBuf>,
}

fn serve_connection(stream: TcpStream, roots: &ServedRoots) -> std::io::Result<()> {
    stream.set_read_timeout(Some(SOCKET_TIMEOUT))?;
    stream.set_write_timeout(Some(SOCKET_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_REQUEST_HEAD_BYTES as u64));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read (and ignore) the headers so the client sees its whole request consumed.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return respond(&stream, 400, "text/plain", b"bad request", None);
    };
    if method != "GET" && method != "HEAD" {
        return respond(&stream, 405, "text/plain", b"only GET", None);
    }
    let target = target.split('#').next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match resolve(path, roots) {
        Resolved::Redirect(location) => {
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            );
            (&stream).write_all(head.as_bytes())?;
            stream.shutdown(Shutdown::Both)
        }
        Resolved::File(file) => match fs::read(&file) {
            Ok(body) => {
                let content_type = content_type(&file);
                let csp = content_type
                    .starts_with("text/html")
                    .then(|| page_csp(query));
                let body = if method == "HEAD" { Vec::new() } else { body };
                respond(&stream, 200, content_type, &body, csp)
            }
            Err(_) => respond(&stream, 404, "text/plain", b"not found", None),
        },
        Resolved::NoContent => respond(&stream, 204, "text/plain", b"", None),
        Resolved::NotFound => respond(&stream, 404, "text/plain", b"not found", None),
    }
}

/// The policy a demo page is served with: [`STRICT_PAGE_CSP`] when the query has `csp=strict`.
fn page_csp(query: &str) -> &'static str {
    if query.split('&').any(|pair| pair == "csp=strict") {
        STRICT_PAGE_CSP
    } else {
        DEMO_PAGE_CSP
    }
}

enum Resolved {
    File(PathBuf),
    Redirect(&'static str),
    NoContent,
    NotFound,
}

fn resolve(path: &str, roots: &ServedRoots) -> Resolved {
    match path {
        "/" => return Resolved::Redirect(DEMO_RECORD_PATH),
        // Browsers ask for it on their own; answering keeps the console free of 404s.
        "/favicon.ico" => return Resolved::NoContent,
        _ => {}
    }
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    // Percent-escapes, backslashes and dot segments could reach outside the served folders.
    let is_plain =
        |segment: &&str| !segment.starts_with('.') && !segment.contains(['%', '\\', ':']);
    if !segments.iter().all(is_plain) {
        return Resolved::NotFound;
    }
    match segments.as_slice() {
        ["lightning", "r", "Opportunity", _id, "view"] => {
            Resolved::File(roots.demo_dir.join("opportunity.html"))
        }
        ["contacts", portal, "record", "0-3", deal] if is_number(portal) && is_number(deal) => {
            Resolved::File(roots.demo_dir.join("hubspot-deal.html"))
        }
        // Dynamics 365 names the entity and the record in the query, which the page reads.
        ["main.aspx"] => Resolved::File(roots.demo_dir.join("dynamics-opportunity.html")),
        ["demo", rest @ ..] if !rest.is_empty() => Resolved::File(join_all(&roots.demo_dir, rest)),
        ["data", rest @ ..] if !rest.is_empty() => match &roots.data_dir {
            Some(data_dir) => Resolved::File(join_all(data_dir, rest)),
            None => Resolved::NotFound,
        },
        _ => Resolved::NotFound,
    }
}

fn is_number(segment: &&str) -> bool {
    segment.bytes().all(|byte| byte.is_ascii_digit())
}

fn join_all(base: &Path, segments: &[&str]) -> PathBuf {
    segments
        .iter()
        .fold(base.to_path_buf(), |path, segment| path.join(segment))
}

fn respond(
    mut stream: &TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    csp: Option<&str>,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(csp) = csp {
        head.push_str(&format!("Content-Security-Policy: {csp}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    stream.shutdown(Shutdown::Both)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// The repository root: `crates/xtask/../..`.
pub(crate) fn repo_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir
        .ancestors()
        .nth(2)
        .unwrap_or(xtask_dir)
        .to_path_buf()
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

pub(crate) fn check_wasm_target() -> Result<(), String> {
    let installed = match Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
    {
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .any(|line| line.trim() == WASM_TARGET),
        // Without rustup (a distribution's Rust), look for the target's standard library; when
        // even that cannot be asked, let cargo report what is missing.
        Err(_) => rustc_has_wasm_target().unwrap_or(true),
    };
    if installed {
        Ok(())
    } else {
        Err(format!(
            "dist: the {WASM_TARGET} target is not installed; install it with: \
             rustup target add {WASM_TARGET}"
        ))
    }
}

fn rustc_has_wasm_target() -> Option<bool> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Some(
        Path::new(&sysroot)
            .join("lib/rustlib")
            .join(WASM_TARGET)
            .exists(),
    )
}

pub(crate) fn check_wasm_bindgen() -> Result<(), String> {
    let install = format!("cargo install wasm-bindgen-cli --version {WASM_BINDGEN_VERSION}");
    let output = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map_err(|_| {
            format!(
                "dist: wasm-bindgen {WASM_BINDGEN_VERSION} is not installed; \
             install it with: {install}"
            )
        })?;
    let version = String::from_utf8_lossy(&output.stdout);
    let found = version
        .split_whitespace()
        .nth(1)
        .unwrap_or("an unknown version");
    if found == WASM_BINDGEN_VERSION {
        Ok(())
    } else {
        Err(format!(
            "dist: wasm-bindgen {found} is installed but {WASM_BINDGEN_VERSION} is needed (it must \
             match the wasm-bindgen library version); install it with: {install}"
        ))
    }
}

/// Copies `public/` into the extension, except the demo CRM page, which is served, not packaged.
fn copy_public(public_dir: &Path, out_dir: &Path) -> Result<(), String> {
    let entries = fs::read_dir(public_dir)
        .map_err(|error| format!("dist: could not read {}: {error}", public_dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|error| format!("dist: could not list public/: {error}"))?;
        let path = entry.path();
        if entry.file_name() == "demo" {
            continue;
        }
        copy_recursively(&path, &out_dir.join(entry.file_name()))?;
    }
    Ok(())
}

fn copy_recursively(from: &Path, to: &Path) -> Result<(), String> {
    if from.is_dir() {
        fs::create_dir_all(to)
            .map_err(|error| format!("dist: could not create {}: {error}", to.display()))?;
        let entries = fs::read_dir(from)
            .map_err(|error| format!("dist: could not read {}: {error}", from.display()))?;
        for entry in entries {
            let entry = entry
                .map_err(|error| format!("dist: could not list {}: {error}", from.display()))?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        fs::copy(from, to)
            .map(drop)
            .map_err(|error| format!("dist: could not copy {}: {error}", from.display()))
    }
}

/// The distributed manifest plus `http://127.0.0.1/*` in both `matches` lists (content script and
/// web-accessible panel), and a name that says it is the demo build.
fn demo_manifest(manifest: &str) -> Result<String, String> {
    const MATCHES: &str = "\"matches\": [";
    let n_lists = manifest.matches(MATCHES).count();
    if n_lists != 2 {
        return Err(format!(
            "dist: expected 2 `matches` lists in extension/manifest.json (content script and \
             web_accessible_resources), found {n_lists}"
        ));
    }
    const NAME: &str = "\"name\": \"Lens\"";
    if !manifest.contains(NAME) {
        return Err("dist: extension/manifest.json has no `\"name\": \"Lens\"`".to_string());
    }
    Ok(manifest
        .replace(MATCHES, "\"matches\": [\n        \"http://127.0.0.1/*\",")
        .replacen(NAME, "\"name\": \"Lens (demo build)\"", 1))
}

fn gzip_size(path: &Path) -> Option<u64> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then_some(output.stdout.len() as u64)
}

fn print_wasm_size(built: &BuiltExtension) {
    for (what, size) in [
        ("panel", &built.panel),
        ("workers (import and analysis)", &built.worker),
    ] {
        let gzip = match size.gzip_bytes {
            Some(bytes) => format!("{} gzipped", kilobytes(bytes)),
            None => "gzipped size unknown (gzip not found)".to_string(),
        };
        println!(
            "wasm, {what}: {} raw, {gzip} ({})",
            kilobytes(size.bytes),
            size.file
        );
    }
}

fn kilobytes(bytes: u64) -> String {
    format!("{bytes} bytes ({:.1} KiB)", bytes as f64 / 1024.0)
}

/// The newest `opportunities-*.csv` by name (the names carry ISO dates, so name order is date
/// order).
fn newest_snapshot(snapshot_dir: &Path) -> Result<PathBuf, String> {
    let entries = fs::read_dir(snapshot_dir)
        .map_err(|error| format!("demo: no snapshots in {}: {error}", snapshot_dir.display()))?;
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("opportunities-") && name.ends_with(".csv"))
        })
        .max()
        .ok_or_else(|| format!("demo: no opportunities-*.csv in {}", snapshot_dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_manifest_adds_the_local_host_to_both_match_lists() {
        let manifest =
            std::fs::read_to_string(repo_root().join("extension/manifest.json")).unwrap();
        assert!(
            !manifest.contains("127.0.0.1"),
            "the distributed manifest must not match 127.0.0.1"
        );
        let demo = demo_manifest(&manifest).unwrap();
        assert_eq!(demo.matches("\"http://127.0.0.1/*\"").count(), 2);
        assert!(demo.contains("\"name\": \"Lens (demo build)\""));
    }

    #[test]
    fn server_paths_stay_inside_the_served_folders() {
        let roots = ServedRoots {
            demo_dir: PathBuf::from("/demo"),
            data_dir: None,
        };
        assert!(matches!(
            resolve("/demo/../../etc/passwd", &roots),
            Resolved::NotFound
        ));
        assert!(matches!(
            resolve("/demo/%2e%2e/x", &roots),
            Resolved::NotFound
        ));
        assert!(matches!(resolve("/data/x.csv", &roots), Resolved::NotFound));
        assert!(matches!(
            resolve("/lightning/r/Opportunity/006Hp000015Yh7mIAC/view", &roots),
            Resolved::File(path) if path == Path::new("/demo/opportunity.html")
        ));
    }

    #[test]
    fn server_serves_each_crm_page_at_its_record_path() {
        let roots = ServedRoots {
            demo_dir: PathBuf::from("/demo"),
            data_dir: None,
        };
        assert!(matches!(
            resolve("/contacts/24680135/record/0-3/31847265019", &roots),
            Resolved::File(path) if path == Path::new("/demo/hubspot-deal.html")
        ));
        assert!(matches!(
            resolve("/contacts/24680135/record/0-3/not-a-number", &roots),
            Resolved::NotFound
        ));
        assert!(matches!(
            resolve("/main.aspx", &roots),
            Resolved::File(path) if path == Path::new("/demo/dynamics-opportunity.html")
        ));
        assert_eq!(page_csp("csp=strict"), STRICT_PAGE_CSP);
        assert_eq!(page_csp("a=1&csp=strict"), STRICT_PAGE_CSP);
        assert_eq!(page_csp(""), DEMO_PAGE_CSP);
        assert_eq!(page_csp("csp=strictly"), DEMO_PAGE_CSP);
    }
}
