//! `cargo xtask check-report`: opens a report's `index.html` from disk in headless
//! Chromium and fails if any image is broken (missing or undecodable).
//!
//! A copy of the page with a small script appended is written next to `index.html` (so
//! relative links resolve the same), loaded with `--dump-dom`, and removed afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

const PROBE_FILE: &str = "_image_check.html";
/// The result element as Chromium serialises it (the script's own text does not match).
const RESULT_MARKER: &str = "<pre id=\"image-check\">IMAGE-CHECK ";
const SCRIPT: &str = r#"<script>
window.addEventListener('load', () => {
  const images = Array.from(document.images);
  const broken = images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
  const out = document.createElement('pre');
  out.id = 'image-check';
  out.textContent = 'IMAGE-CHECK total=' + images.length + ' broken=' + broken.length + ' [' + broken.join(',') + ']';
  document.body.appendChild(out);
});
</script>
"#;

/// The first Chromium-like browser found: `$CHROMIUM`, then the usual names on `PATH`.
fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

/// Checks every image of `dir/index.html`; returns the number of images that loaded.
pub fn check(dir: &Path) -> anyhow::Result<usize> {
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .with_context(|| format!("{}: cannot read the report", index.display()))?;
    let Some(browser) = find_browser() else {
        bail!(
            "no Chromium found (install Debian's `chromium` package or set CHROMIUM=/path/to/browser)"
        );
    };
    let probe = dir.join(PROBE_FILE);
    let page = html.replacen("</body>", &format!("{SCRIPT}</body>"), 1);
    std::fs::write(&probe, page).with_context(|| format!("{}: cannot write", probe.display()))?;
    let url = format!("file://{}", std::fs::canonicalize(&probe)?.display());
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(&url)
        .output()
        .with_context(|| format!("cannot run {}", browser.display()));
    let _ = std::fs::remove_file(&probe);
    let output = output?;
    let dom = String::from_utf8_lossy(&output.stdout);
    let Some(line) = dom.lines().find_map(|l| {
        l.split_once(RESULT_MARKER)
            .map(|(_, rest)| rest.split('<').next().unwrap_or_default().to_string())
    }) else {
        bail!(
            "{} printed no check result (exit {}): {}",
            browser.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    };
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let (Some(total), Some(broken)) = (field("total="), field("broken=")) else {
        bail!("unreadable check result: {line}")
    };
    if broken > 0 {
        bail!("{broken} of {total} images did not load: {line}");
    }
    if total == 0 {
        bail!("{} holds no images", index.display());
    }
    Ok(total)
}
