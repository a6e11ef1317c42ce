//! A report: sections of Markdown with figures and tables, written as `<section>.md`,
//! tables as CSV, and one static `index.html` linking everything.

use std::path::{Path, PathBuf};

use ae_io::write_atomic;

use crate::error::{ReportError, Result};
use crate::table::{CellStyler, Table, html_escape};

/// One block of a section.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph of text.
    Text(String),
    /// A named table (also written as `<section>-<name>.csv`).
    Table {
        /// File-name-safe name.
        name: String,
        /// Contents.
        table: Table,
        /// Classes and links of its cells in HTML.
        styler: Option<CellStyler>,
    },
    /// A figure: a PNG file inside the report folder, with a caption.
    Figure {
        /// Path relative to the report folder.
        file: String,
        /// Caption.
        caption: String,
        /// How the page shows it.
        kind: FigureKind,
    },
    /// Interactive HTML (the latent explorer); the Markdown shows `note` instead.
    Html {
        /// The HTML block.
        html: String,
        /// What the Markdown says in its place.
        note: String,
    },
}

/// How a figure is shown in the HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// An image grid, drawn at its display size with sharp (pixelated) scaling.
    Grid,
    /// A chart drawn at [`crate::plot::CHART_DENSITY`] times this size in CSS pixels,
    /// shown at this size.
    Chart {
        /// Width and height in CSS pixels.
        size: (u32, u32),
    },
}

/// A section of the report, named for its experiment.
#[derive(Debug, Clone)]
pub struct Section {
    /// File-name-safe identifier (`<id>.md`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Content in order.
    pub blocks: Vec<Block>,
    /// Sentences computed from the section's numbers, shown last under "Findings".
    pub findings: Vec<String>,
}

impl Section {
    /// An empty section.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            title: title.into(),
            blocks: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// Adds a paragraph.
    pub fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Text(text.into()));
        self
    }

    /// Adds a table.
    pub fn table(&mut self, name: impl Into<String>, table: Table) -> &mut Self {
        self.blocks.push(Block::Table {
            name: name.into(),
            table,
            styler: None,
        });
        self
    }

    /// Adds a table whose HTML cells `styler` classes and links.
    pub fn styled_table(
        &mut self,
        name: impl Into<String>,
        table: Table,
        styler: CellStyler,
    ) -> &mut Self {
        self.blocks.push(Block::Table {
            name: name.into(),
            table,
            styler: Some(styler),
        });
        self
    }

    /// Adds an image grid (a PNG already written inside the report folder).
    pub fn figure(&mut self, file: impl Into<String>, caption: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Figure {
            file: file.into(),
            caption: caption.into(),
            kind: FigureKind::Grid,
        });
        self
    }

    /// Adds a chart drawn by [`crate::line_chart`] and its siblings (a PNG already written inside the report
    /// folder, at [`crate::plot::CHART_DENSITY`] times `size` in CSS pixels).
    pub fn chart(
        &mut self,
        file: impl Into<String>,
        caption: impl Into<String>,
        size: (u32, u32),
    ) -> &mut Self {
        self.blocks.push(Block::Figure {
            file: file.into(),
            caption: caption.into(),
            kind: FigureKind::Chart { size },
        });
        self
    }

    /// Adds an interactive HTML block; the Markdown page shows `note` in its place.
    pub fn html(&mut self, html: impl Into<String>, note: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Html {
            html: html.into(),
            note: note.into(),
        });
        self
    }

    /// Adds findings: sentences shown together at the end of the section.
    pub fn findings(&mut self, sentences: impl IntoIterator<Item = String>) -> &mut Self {
        self.findings.extend(sentences);
        self
    }

    /// The section as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for block in &self.blocks {
            match block {
                Block::Text(t) => out.push_str(&format!("{t}\n\n")),
                Block::Table { name, table, .. } => {
                    out.push_str(&table.to_markdown());
                    out.push_str(&format!("\n[CSV]({}-{name}.csv)\n\n", self.id));
                }
                Block::Figure { file, caption, .. } => {
                    out.push_str(&format!("![{caption}]({file})\n\n*{caption}*\n\n"))
                }
                Block::Html { note, .. } => out.push_str(&format!("*{note}*\n\n")),
            }
        }
        if !self.findings.is_empty() {
            out.push_str("## Findings\n\n");
            for sentence in &self.findings {
                out.push_str(&format!("- {sentence}\n"));
            }
            out.push('\n');
        }
        out
    }

    fn to_html(&self) -> String {
        let mut out = format!(
            "<section id=\"{0}\">\n<h2>{1}</h2>\n",
            html_escape(&self.id),
            html_escape(&self.title)
        );
        for block in &self.blocks {
            match block {
                Block::Text(t) => out.push_str(&format!("<p>{}</p>\n", html_escape(t))),
                Block::Table {
                    name,
                    table,
                    styler,
                } => {
                    out.push_str(&table.to_html_styled(*styler));
                    out.push_str(&format!(
                        "<p><a href=\"{0}-{1}.csv\">{0}-{1}.csv</a></p>\n",
                        html_escape(&self.id),
                        html_escape(name)
                    ));
                }
                Block::Figure {
                    file,
                    caption,
                    kind,
                } => {
                    let size = match kind {
                        FigureKind::Grid => String::new(),
                        FigureKind::Chart { size: (w, h) } => {
                            format!(" class=\"chart\" width=\"{w}\" height=\"{h}\"")
                        }
                    };
                    out.push_str(&format!(
                        "<figure><img src=\"{0}\"{size} alt=\"{1}\"><figcaption>{1}</figcaption></figure>\n",
                        html_escape(file),
                        html_escape(caption)
                    ))
                }
                Block::Html { html, .. } => out.push_str(html),
            }
        }
        if !self.findings.is_empty() {
            out.push_str("<div class=\"findings\">\n<h3>Findings</h3>\n<ul>\n");
            for sentence in &self.findings {
                out.push_str(&format!("<li>{}</li>\n", html_escape(sentence)));
            }
            out.push_str("</ul>\n</div>\n");
        }
        out.push_str("</section>\n");
        out
    }

    /// Figure files referenced by this section.
    pub fn figures(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter_map(|b| {
                if let Block::Figure { file, .. } = b {
                    Some(file.as_str())
                } else {
                    None
                }
            })
            .collect()
    }
}

/// A whole report rooted at a folder.
#[derive(Debug, Clone)]
pub struct Report {
    /// Output folder (e.g. `reports/`).
    pub dir: PathBuf,
    /// Title of `index.html`.
    pub title: String,
    /// Lines shown at the top of every page (dataset verification, backend, profile, seed).
    pub provenance: Vec<String>,
    /// Sections in order.
    pub sections: Vec<Section>,
}

impl Report {
    /// An empty report writing into `dir`.
    pub fn new(dir: impl Into<PathBuf>, title: impl Into<String>) -> Self {
        Report {
            dir: dir.into(),
            title: title.into(),
            provenance: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Writes every section's Markdown and CSV files and `index.html`, each atomically.
    pub fn write(&self) -> Result<()> {
        create_dir(&self.dir)?;
        let preamble: String = self.provenance.iter().map(|l| format!("- {l}\n")).collect();
        for section in &self.sections {
            write(
                &self.dir.join(format!("{}.md", section.id)),
                &format!("{preamble}\n{}", section.to_markdown()),
            )?;
            for block in &section.blocks {
                if let Block::Table { name, table, .. } = block {
                    let path = self.dir.join(format!("{}-{name}.csv", section.id));
                    write_bytes(&path, &table.to_csv(&format!("{}-{name}", section.id))?)?;
                }
            }
        }
        write(&self.dir.join("index.html"), &self.index_html())
    }

    fn index_html(&self) -> String {
        let toc: String = self
            .sections
            .iter()
            .map(|s| {
                format!(
                    "<li><a href=\"#{0}\">{1}</a> <a class=\"md\" href=\"{0}.md\">(md)</a></li>\n",
                    html_escape(&s.id),
                    html_escape(&s.title)
                )
            })
            .collect();
        let provenance: String = self
            .provenance
            .iter()
            .map(|l| format!("<li>{}</li>\n", html_escape(l)))
            .collect();
        let body: String = self.sections.iter().map(Section::to_html).collect();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n<ul class=\"provenance\">\n{provenance}</ul>\n</header>\n<div class=\"layout\">\n<nav class=\"toc\"><h2>Contents</h2><ol>\n{toc}</ol></nav>\n<main>\n{body}</main>\n</div>\n</body>\n</html>\n",
            title = html_escape(&self.title)
        )
    }
}

const STYLE: &str = concat!(
    "*{box-sizing:border-box}",
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0;color:#1d232b;line-height:1.45;background:#fcfcfd}",
    "header{background:#24324a;color:#f3f5f8;padding:.8em 1.5em}",
    "header h1{margin:.1em 0 .3em;font-size:1.5em}",
    "header ul.provenance{margin:0;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.2em 1.5em;font-size:.85em}",
    ".layout{display:grid;grid-template-columns:15em minmax(0,1fr);gap:2em;max-width:92em;margin:auto;padding:0 1.5em}",
    "nav.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow-y:auto;padding:1em 0;font-size:.9em}",
    "nav.toc h2{font-size:1em;margin:0 0 .5em}nav.toc ol{padding-left:2em;margin:0}nav.toc li{margin:.3em 0}",
    "nav.toc a.md{font-size:.8em;color:#6b7480}",
    "main{min-width:0;padding-bottom:3em}",
    "section{border-bottom:1px solid #e3e6ea;padding:.5em 0 1.5em}",
    "a{color:#1f5fa8}",
    "table{border-collapse:collapse;margin:.6em 0;font-variant-numeric:tabular-nums;display:block;overflow-x:auto;max-width:100%}",
    "td,th{border:1px solid #d5dae1;padding:.25em .6em;text-align:left;vertical-align:top}",
    "table{font-size:.92em}th{background:#eef1f5}td.num{text-align:right}",
    "figure{margin:1em 0;overflow-x:auto}figcaption{font-size:.9em;color:#4a5563;max-width:60em}",
    "img{image-rendering:pixelated}img.chart{image-rendering:auto;max-width:100%;height:auto}",
    ".findings{background:#f4f7fb;border-left:4px solid #4a7ab5;padding:.2em 1em;margin:1em 0}",
    "td.verdict-met{background:#dff3e4}td.verdict-noise{background:#eef6dc}td.verdict-deviates{background:#fbe3d6}",
    "td.verdict-missing{background:#eeeeee}td.verdict-ours{background:#f6f1dc}",
    "td.verdict-met,td.verdict-noise,td.verdict-deviates,td.verdict-missing,td.verdict-ours{text-align:left}",
    ".explorer{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start;margin:1em 0}",
    ".explorer canvas.plane{width:min(480px,100%);border:1px solid #999;cursor:crosshair;touch-action:none}",
    ".explorer canvas.digit{width:168px;height:168px;image-rendering:pixelated;border:1px solid #999}",
    ".explorer .decoded{max-width:20em}.explorer .coords{font-variant-numeric:tabular-nums;font-family:monospace}",
    "@media (max-width:800px){.layout{grid-template-columns:1fr;gap:0}nav.toc{position:static;max-height:none;border-bottom:1px solid #e3e6ea}}",
);

/// Creates the report folder (and parents), naming it on failure.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<()> {
    write_bytes(path, text.as_bytes())
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}
