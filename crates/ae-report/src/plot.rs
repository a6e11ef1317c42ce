//! Charts drawn with `plotters` into memory and saved as PNG atomically: line charts
//! (loss curves, sweeps), labelled scatter plots (latent codes) and heatmaps
//! (confusion matrices). Text uses DejaVu Sans, embedded through the `dejavu` crate, so
//! figures look the same on every machine and need no system fonts.

use std::io::Cursor;
use std::path::Path;
use std::sync::Once;

use ae_data::atomic::write_atomic;
use image::{ImageFormat, RgbImage};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::{ReportError, Result};

/// Chart size in pixels.
pub const CHART_SIZE: (u32, u32) = (640, 420);
const FONT: &str = "sans-serif";

/// One named line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// Axis texts of a chart.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// Title above the chart.
    pub title: &'a str,
    /// Horizontal axis.
    pub x: &'a str,
    /// Vertical axis.
    pub y: &'a str,
}

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded DejaVu files are valid TrueType: registration cannot fail for them.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Figure {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Draws into an RGB buffer of [`CHART_SIZE`] with `draw`, then writes it as PNG to `path`.
fn render(
    path: &Path,
    draw: impl FnOnce(
        DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> Result<()> {
    register_fonts();
    let (w, h) = CHART_SIZE;
    let mut buffer = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        draw(root.clone()).map_err(|e| plot_error(path, e))?;
        root.present().map_err(|e| plot_error(path, e))?;
    }
    let img =
        RgbImage::from_raw(w, h, buffer).ok_or_else(|| plot_error(path, "buffer size mismatch"))?;
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, ImageFormat::Png)
        .map_err(|e| plot_error(path, e))?;
    write_atomic(path, png.get_ref()).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Range of `values` padded by 5% (a flat or empty series gets a unit range).
fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    lo - pad..hi + pad
}

type Root<'b> = DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>;
type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Title, labelled axes and mesh over `xs` x `ys`.
fn axes<'a, 'b>(
    root: &'a Root<'b>,
    labels: Labels<'_>,
    xs: std::ops::Range<f64>,
    ys: std::ops::Range<f64>,
    whole_x: bool,
) -> std::result::Result<Chart<'a, 'b>, String> {
    let whole_ticks = ((xs.end - xs.start).floor() as usize + 1).clamp(2, 10);
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(xs, ys)
        .map_err(|e| e.to_string())?;
    // Epochs and code sizes tick at whole numbers only.
    let whole = |x: &f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(labels.x)
        .y_desc(labels.y)
        .label_style((FONT, 13));
    if whole_x {
        mesh.x_labels(whole_ticks).x_label_formatter(&whole);
    }
    mesh.draw().map_err(|e| e.to_string())?;
    Ok(chart)
}

/// A line chart with markers, a legend, axis labels and a title.
pub fn line_chart(path: &Path, labels: Labels<'_>, series: &[Series]) -> Result<()> {
    let all = || series.iter().flat_map(|s| s.points.iter().copied());
    let xs = padded_range(all().map(|p| p.0));
    let ys = padded_range(all().map(|p| p.1));
    let whole_x = all().all(|p| p.0.fract() == 0.0);
    render(path, |root| {
        let mut chart = axes(&root, labels, xs, ys, whole_x)?;
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())
    })
}

/// The share of a scatter plot's width added on the right for its legend.
const LEGEND_ROOM: f64 = 0.4;

/// A scatter plot of labelled 2-D points (one colour per label, with a legend), and
/// an optional marked point drawn as a black cross.
pub fn scatter(
    path: &Path,
    labels: Labels<'_>,
    points: &[(f32, f32, u8)],
    class_names: &[String],
    mark: Option<(f32, f32)>,
) -> Result<()> {
    let xs = padded_range(
        points
            .iter()
            .map(|p| f64::from(p.0))
            .chain(mark.map(|m| f64::from(m.0))),
    );
    let ys = padded_range(
        points
            .iter()
            .map(|p| f64::from(p.1))
            .chain(mark.map(|m| f64::from(m.1))),
    );
    // Room on the right, where the legend goes, so that it covers no point.
    let xs = xs.start..xs.end + LEGEND_ROOM * (xs.end - xs.start);
    render(path, |root| {
        let mut chart = axes(&root, labels, xs, ys, false)?;
        let mut present: Vec<u8> = points.iter().map(|p| p.2).collect();
        present.sort_unstable();
        present.dedup();
        for label in present {
            let color = Palette99::pick(usize::from(label)).to_rgba();
            let name = class_names
                .get(usize::from(label))
                .cloned()
                .unwrap_or_else(|| label.to_string());
            chart
                .draw_series(
                    points
                        .iter()
                        .filter(|p| p.2 == label)
                        .map(|p| Circle::new((f64::from(p.0), f64::from(p.1)), 3, color.filled())),
                )
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        if let Some((x, y)) = mark {
            let p = (f64::from(x), f64::from(y));
            chart
                .draw_series(std::iter::once(Cross::new(p, 9, BLACK.stroke_width(3))))
                .map_err(|e| e.to_string())?
                .label("decoded point")
                .legend(|(x, y)| Cross::new((x + 8, y), 5, BLACK.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())
    })
}

/// A confusion matrix as a heatmap: rows are true classes, columns predicted ones,
/// each cell shaded by its share of the row and labelled with its count.
pub fn confusion_heatmap(
    path: &Path,
    title: &str,
    confusion: &[Vec<usize>],
    class_names: &[String],
) -> Result<()> {
    let n = confusion.len();
    let name = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            class_names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    render(path, |root| {
        let extent = n as f64 - 0.5;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..extent, extent..-0.5)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n)
            .y_labels(n)
            .x_label_formatter(&name)
            .y_label_formatter(&name)
            .x_desc("predicted")
            .y_desc("true")
            .label_style((FONT, 12))
            .draw()
            .map_err(|e| e.to_string())?;
        for (t, row) in confusion.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            for (p, &count) in row.iter().enumerate() {
                let share = count as f64 / total;
                let shade = (255.0 * (1.0 - share)) as u8;
                let (x, y) = (p as f64, t as f64);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                        RGBColor(shade, shade, 255).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                let font =
                    (FONT, 12)
                        .into_font()
                        .color(&ink)
                        .pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        ));
                chart
                    .draw_series(std::iter::once(Text::new(count.to_string(), (x, y), font)))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_png_files_of_the_chart_size() {
        let dir = tempfile::tempdir().unwrap();
        let labels = Labels {
            title: "loss",
            x: "epoch",
            y: "BCE",
        };
        let line = dir.path().join("line.png");
        line_chart(
            &line,
            labels,
            &[
                Series {
                    name: "train".into(),
                    points: vec![(1.0, 0.3), (2.0, 0.2)],
                },
                Series {
                    name: "flat".into(),
                    points: vec![(1.0, 0.25)],
                },
            ],
        )
        .unwrap();
        let dots = dir.path().join("scatter.png");
        scatter(
            &dots,
            labels,
            &[(0.0, 1.0, 0), (1.0, -1.0, 2)],
            &["a".into(), "b".into(), "c".into()],
            Some((0.5, 0.5)),
        )
        .unwrap();
        let heat = dir.path().join("heat.png");
        confusion_heatmap(
            &heat,
            "confusion",
            &[vec![5, 1], vec![0, 7]],
            &["x".into(), "y".into()],
        )
        .unwrap();
        for path in [line, dots, heat] {
            let img = image::open(&path).unwrap();
            assert_eq!(
                (img.width(), img.height()),
                CHART_SIZE,
                "{}",
                path.display()
            );
            // Not blank: the chart drew something other than the white background.
            assert!(img.to_rgb8().pixels().any(|p| p.0 != [255, 255, 255]));
        }
        // An empty chart still renders (axes only) rather than failing.
        line_chart(&dir.path().join("empty.png"), labels, &[]).unwrap();
    }
}
