//! Plain tables rendered as Markdown, HTML and CSV. Numbers are formatted by the
//! caller through [`Table::num`], which rounds, so snapshots are stable across machines.
//! CSV goes through a polars `DataFrame` whose numeric columns are typed as numbers.

use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};

use crate::error::{ReportError, Result};

/// How a cell shows in HTML: a CSS class and a link target, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellStyle {
    /// CSS class of the `<td>`.
    pub class: Option<&'static str>,
    /// The cell's text links here.
    pub href: Option<String>,
}

/// Styles a body cell from its column name and text.
pub type CellStyler = fn(column: &str, cell: &str) -> CellStyle;

/// A table of strings with a header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (padded or cut to the header's width).
    pub fn push<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = row.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// Formats `value` with `sig` significant digits (rounded here, in the renderer).
    ///
    /// # Example
    /// ```
    /// use ae_report::Table;
    ///
    /// assert_eq!(Table::num(0.0123456, 3), "0.0123");
    /// assert_eq!(Table::num(98.76, 2), "99");
    /// ```
    pub fn num(value: f64, sig: usize) -> String {
        if !value.is_finite() {
            return value.to_string();
        }
        if value == 0.0 {
            return "0".into();
        }
        let magnitude = value.abs().log10().floor() as i32;
        let decimals = (sig as i32 - 1 - magnitude).max(0) as usize;
        format!("{value:.decimals$}")
    }

    /// GitHub-flavoured Markdown.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &String| s.replace('|', "\\|");
        let mut out = format!(
            "| {} |\n",
            self.header.iter().map(esc).collect::<Vec<_>>().join(" | ")
        );
        out.push_str(&format!("|{}|\n", vec!["---"; self.header.len()].join("|")));
        for row in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                row.iter().map(esc).collect::<Vec<_>>().join(" | ")
            ));
        }
        out
    }

    /// An HTML `<table>`.
    pub fn to_html(&self) -> String {
        self.to_html_styled(None)
    }

    /// An HTML `<table>` whose body cells `styler` may give a class and a link.
    pub fn to_html_styled(&self, styler: Option<CellStyler>) -> String {
        let head: String = self
            .header
            .iter()
            .map(|c| format!("<th>{}</th>", html_escape(c)))
            .collect();
        let mut out = format!("<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (column, cell) in self.header.iter().zip(row) {
                let style = styler.map(|f| f(column, cell)).unwrap_or_default();
                // Numbers (and the dash of a missing one) line up on the right; words read
                // from the left.
                let numeric = cell == "-" || cell.trim_end_matches('%').parse::<f64>().is_ok();
                let class = match (style.class, numeric) {
                    (Some(c), _) => format!(" class=\"{c}\""),
                    (None, true) => " class=\"num\"".to_string(),
                    (None, false) => String::new(),
                };
                let text = html_escape(cell);
                match style.href {
                    Some(href) => out.push_str(&format!(
                        "<td{class}><a href=\"{}\">{text}</a></td>",
                        html_escape(&href)
                    )),
                    None => out.push_str(&format!("<td{class}>{text}</td>")),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }

    /// A polars data frame: a column whose non-empty cells all parse as integers is an
    /// `Int64` column, as numbers a `Float64` one (empty cells null), any other a string column.
    pub fn to_dataframe(&self, name: &str) -> Result<DataFrame> {
        let columns = self
            .header
            .iter()
            .enumerate()
            .map(|(c, title)| {
                let cells: Vec<&str> = self.rows.iter().map(|r| r[c].as_str()).collect();
                let any = cells.iter().any(|s| !s.is_empty());
                if let Some(values) = parse_all::<i64>(&cells).filter(|_| any) {
                    Column::new(title.as_str().into(), values)
                } else if let Some(values) = parse_all::<f64>(&cells).filter(|_| any) {
                    Column::new(title.as_str().into(), values)
                } else {
                    Column::new(title.as_str().into(), cells)
                }
            })
            .collect();
        DataFrame::new(self.rows.len(), columns).map_err(|e| ReportError::Table {
            name: name.into(),
            reason: e.to_string(),
        })
    }

    /// RFC 4180 CSV, written by polars from [`Table::to_dataframe`].
    pub fn to_csv(&self, name: &str) -> Result<Vec<u8>> {
        let mut frame = self.to_dataframe(name)?;
        let mut out = Vec::new();
        CsvWriter::new(&mut out)
            .include_header(true)
            .finish(&mut frame)
            .map_err(|e| ReportError::Table {
                name: name.into(),
                reason: e.to_string(),
            })?;
        Ok(out)
    }
}

/// Every cell parsed as `T` (empty cells as `None`), or `None` if one does not parse.
fn parse_all<T: std::str::FromStr>(cells: &[&str]) -> Option<Vec<Option<T>>> {
    cells
        .iter()
        .map(|s| {
            if s.is_empty() {
                Some(None)
            } else {
                s.parse::<T>().ok().map(Some)
            }
        })
        .collect()
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_by_significant_digits() {
        assert_eq!(Table::num(0.0557123, 3), "0.0557");
        assert_eq!(Table::num(123.456, 3), "123");
        assert_eq!(Table::num(0.000421, 2), "0.00042");
    }

    #[test]
    fn renders_markdown_html_csv() {
        let mut t = Table::new(["a", "b"]);
        t.push(["1", "x,y"]);
        assert_eq!(t.to_markdown(), "| a | b |\n|---|---|\n| 1 | x,y |\n");
        assert_eq!(
            String::from_utf8(t.to_csv("t").unwrap()).unwrap(),
            "a,b\n1,\"x,y\"\n"
        );
        let frame = t.to_dataframe("t").unwrap();
        assert_eq!(frame.shape(), (1, 2));
        assert_eq!(
            frame.column("a").unwrap().dtype(),
            &polars::prelude::DataType::Int64
        );
        assert!(t.to_html().contains("<td>x,y</td>"));
    }
}
