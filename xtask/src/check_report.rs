//! `cargo xtask check-report`: opens a report's `index.html` from disk in headless
//! Chromium and fails if any image is broken (missing or undecodable), if the summary
//! table is missing or a verdict has no class, or if a latent explorer's decode in the
//! page differs from the Rust decoder's by more than [`DECODE_TOLERANCE`]. It also
//! saves a screenshot of the top of the page at 1200 px ([`SCREENSHOT_FILE`]).
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
  // The summary: the first section's table with a verdict column; every verdict classed.
  let summary = 0, verdicts = 0, unclassed = 0;
  const first = document.querySelector('section');
  for (const table of first ? first.querySelectorAll('table') : []) {
    const column = Array.from(table.querySelectorAll('th')).findIndex(th => th.textContent.trim() === 'verdict');
    if (column < 0) continue;
    summary = 1;
    for (const row of table.querySelectorAll('tbody tr, tr')) {
      const cell = row.children[column];
      if (!cell || cell.tagName !== 'TD') continue;
      verdicts++;
      if (!Array.from(cell.classList).some(c => c.startsWith('verdict-')) || !cell.textContent.trim()) unclassed++;
    }
  }
  // Each latent explorer decodes its check point; the worst difference from Rust's image.
  const explorers = window.aeExplorers || [];
  let worst = 0;
  for (const e of explorers) {
    const got = e.decode(e.check.z);
    if (got.length !== e.check.expected.length) worst = Infinity;
    got.forEach((v, k) => { worst = Math.max(worst, Math.abs(v - e.check.expected[k])); });
  }
  const blocks = document.querySelectorAll('div.explorer').length;
  const out = document.createElement('pre');
  out.id = 'image-check';
  out.textContent = 'IMAGE-CHECK total=' + images.length + ' broken=' + broken.length +
    ' summary=' + summary + ' verdicts=' + verdicts + ' unclassed=' + unclassed +
    ' blocks=' + blocks + ' explorers=' + explorers.length + ' worst=' + worst +
    ' [' + broken.join(',') + ']';
  document.body.appendChild(out);
});
</script>
"#;

/// Largest difference allowed between a latent explorer's decode in the page and the
/// Rust decoder's image of the same point.
pub const DECODE_TOLERANCE: f64 = 1e-4;

/// The screenshot of the top of the page, written into the report folder.
pub const SCREENSHOT_FILE: &str = "screenshot-top.png";

/// What the check found in a report that passed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckSummary {
    /// Images that loaded.
    pub images: usize,
    /// Verdicts in the summary table.
    pub verdicts: usize,
    /// Latent explorers that decoded their check point.
    pub explorers: usize,
    /// Largest decode difference among them.
    pub worst_decode: f64,
}

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

/// Checks `dir/index.html` in the browser (see the module doc) and saves the screenshot.
pub fn check(dir: &Path) -> anyhow::Result<CheckSummary> {
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
            "{} printed no check result: {}",
            browser.display(),
            failure(&output)
        );
    };
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let count = |name: &str| field(name).map(|v| v as usize);
    let (Some(total), Some(broken)) = (count("total="), count("broken=")) else {
        bail!("unreadable check result: {line}")
    };
    if broken > 0 {
        bail!("{broken} of {total} images did not load: {line}");
    }
    if total == 0 {
        bail!("{} holds no images", index.display());
    }
    let page = index.display();
    if count("summary=") != Some(1) {
        bail!("{page}: no summary table with a verdict column in the first section");
    }
    let number = |name: &str| count(name).unwrap_or(0);
    let (verdicts, unclassed) = (number("verdicts="), number("unclassed="));
    if verdicts == 0 || unclassed > 0 {
        bail!(
            "{page}: {unclassed} of {verdicts} verdicts of the summary table have no verdict class or no text"
        );
    }
    let (blocks, explorers) = (number("blocks="), number("explorers="));
    if explorers != blocks {
        bail!("{page}: {blocks} latent explorers in the page, {explorers} of them ran");
    }
    let worst = field("worst=").unwrap_or(f64::INFINITY);
    if explorers > 0 && (worst.is_nan() || worst > DECODE_TOLERANCE) {
        bail!(
            "{page}: a latent explorer's decode differs from the Rust decoder's by {worst} (more than {DECODE_TOLERANCE})"
        );
    }
    screenshot(&browser, dir)?;
    Ok(CheckSummary {
        images: total,
        verdicts,
        explorers,
        worst_decode: if explorers > 0 { worst } else { 0.0 },
    })
}

/// Saves the top of `index.html` at 1200 px wide as [`SCREENSHOT_FILE`], for a person
/// to look at.
fn screenshot(browser: &Path, dir: &Path) -> anyhow::Result<()> {
    let index = std::fs::canonicalize(dir.join("index.html"))?;
    let target = std::fs::canonicalize(dir)?.join(SCREENSHOT_FILE);
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,900",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--screenshot={}", target.display()))
        .arg(format!("file://{}", index.display()))
        .output()
        .with_context(|| format!("cannot run {}", browser.display()))?;
    if !target.is_file() {
        bail!(
            "{} wrote no screenshot: {}",
            browser.display(),
            failure(&output)
        );
    }
    Ok(())
}

/// The exit status and last stderr line of a browser run.
fn failure(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    format!(
        "exit {}, {}",
        output.status,
        stderr.lines().last().unwrap_or("no message")
    )
}
