//! A report: sections of Markdown with figures and tables, written as `<section>.md`,
//! tables as CSV, and one static `index.html` linking everything.

use std::path::{Path, PathBuf};

use ae_data::atomic::write_atomic;

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

    /// Adds a figure (a PNG already written inside the report folder).
    pub fn figure(&mut self, file: impl Into<String>, caption: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Figure {
            file: file.into(),
            caption: caption.into(),
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
                Block::Figure { file, caption } => {
                    out.push_str(&format!("![{caption}]({file})\n\n*{caption}*\n\n"))
                }
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
                Block::Figure { file, caption } => out.push_str(&format!(
                    "<figure><img src=\"{0}\" alt=\"{1}\"><figcaption>{1}</figcaption></figure>\n",
                    html_escape(file),
                    html_escape(caption)
                )),
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
                    "<li><a href=\"#{0}\">{1}</a> (<a href=\"{0}.md\">Markdown</a>)</li>\n",
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
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<ul class=\"provenance\">\n{provenance}</ul>\n<nav><ol>\n{toc}</ol></nav>\n{body}</body>\n</html>\n",
            title = html_escape(&self.title)
        )
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}img{max-width:100%;image-rendering:pixelated}figure{margin:1em 0}.findings{background:#f4f7fb;border-left:4px solid #4a7ab5;padding:.2em 1em;margin:1em 0}td.verdict-met{background:#dff3e4}td.verdict-noise{background:#eef6dc}td.verdict-deviates{background:#fbe3d6}td.verdict-missing{background:#eeeeee}td.verdict-ours{background:#f6f1dc}td.verdict-met,td.verdict-noise,td.verdict-deviates,td.verdict-missing,td.verdict-ours{text-align:left}";

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
