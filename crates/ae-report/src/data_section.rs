//! The report's "Datasets" section: which files were read, whether they verify, and
//! the first test images of each dataset.

use std::path::Path;

use ae_data::{Dataset, DatasetKind};
use ae_data::{GridLayout, render_grid, save_png};

use crate::error::Result;
use crate::report::Section;
use crate::table::Table;

/// Builds the datasets section, writing one grid figure per dataset into `report_dir`.
pub fn data_section(datasets: &[&Dataset], report_dir: &Path) -> Result<Section> {
    crate::report::create_dir(report_dir)?;
    let mut section = Section::new("datasets", "Datasets");
    let mut table = Table::new(["dataset", "file", "items", "verified", "sha256"]);
    for ds in datasets {
        for f in &ds.files {
            table.push([
                ds.kind.name().to_string(),
                f.role.file_name(),
                f.count.to_string(),
                f.verification.verified.to_string(),
                f.verification.sha256.clone(),
            ]);
        }
    }
    section.text("SHA-256 of each file's uncompressed bytes against the canonical digests. An unverified file is used, and every result built on it is marked `verified: false`.");
    section.table("files", table);
    for ds in datasets {
        let first = ds.test.first(20.min(ds.test.len()))?;
        let captions: Vec<String> = first.labels().iter().map(u8::to_string).collect();
        let img = render_grid(
            &first.to_f32(),
            first.rows(),
            first.cols(),
            Some(&captions),
            GridLayout::default(),
        );
        let file = format!("datasets-{}-first-test.png", ds.kind.name());
        save_png(&img, &report_dir.join(&file))?;
        section.figure(
            file,
            format!(
                "{}: the first {} test images with their labels{}",
                ds.kind,
                first.len(),
                label_legend(ds.kind)
            ),
        );
    }
    Ok(section)
}

/// " (0 T-shirt/top, 1 Trouser, ...)" where the labels stand for names; empty for digits.
fn label_legend(kind: DatasetKind) -> String {
    let names = kind.class_names();
    if names
        .iter()
        .enumerate()
        .all(|(label, name)| *name == label.to_string())
    {
        return String::new();
    }
    let pairs: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(label, name)| format!("{label} {name}"))
        .collect();
    format!(" ({})", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ae_data::write_synthetic_dataset;

    #[test]
    fn fashion_captions_name_their_labels_and_digits_do_not() {
        assert_eq!(label_legend(DatasetKind::Mnist), "");
        let fashion = label_legend(DatasetKind::Fashion);
        assert!(
            fashion.starts_with(" (0 T-shirt/top, 1 Trouser,")
                && fashion.ends_with("9 Ankle boot)"),
            "{fashion}"
        );
    }

    #[test]
    fn writes_figures_into_a_new_folder_and_the_report_links_them() {
        let data = tempfile::tempdir().unwrap();
        write_synthetic_dataset(data.path(), DatasetKind::Mnist, 30, 25, 1).unwrap();
        let ds = Dataset::load(data.path(), DatasetKind::Mnist).unwrap();
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("reports");
        let section = data_section(&[&ds], &dir).unwrap();
        let mut report = crate::Report::new(&dir, "test");
        report.sections.push(section);
        report.write().unwrap();
        for file in report.sections[0].figures() {
            let img = image::open(dir.join(file)).unwrap();
            assert_eq!(img.width(), 10 * 58 + 2);
        }
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(html.contains("datasets-mnist-first-test.png") && html.contains("false"));
        assert!(dir.join("datasets-files.csv").is_file() && dir.join("datasets.md").is_file());
    }
}
