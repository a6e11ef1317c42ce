//! Charts drawn with `plotters` into memory and saved as PNG atomically: line charts
//! (loss curves, sweeps), labelled scatter plots (latent codes) and heatmaps
//! (confusion matrices). Text uses DejaVu Sans, embedded through the `dejavu` crate, so
//! figures look the same on every machine and need no system fonts.

use std::io::Cursor;
use std::path::Path;
use std::sync::Once;

use ae_io::write_atomic;
use image::{GrayImage, ImageFormat, RgbImage};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor;
use plotters::style::{FontStyle, register_font};

use crate::error::{ReportError, Result};

/// Chart size in CSS pixels: the size a chart is shown at.
pub const CHART_SIZE: (u32, u32) = (640, 420);
/// Device pixels per CSS pixel: charts are drawn at twice their shown size, so that
/// they stay sharp on high-density screens.
pub const CHART_DENSITY: u32 = 2;
const FONT: &str = "sans-serif";

/// `n` CSS pixels in device pixels.
const fn px(n: u32) -> u32 {
    n * CHART_DENSITY
}

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

/// Draws into an RGB buffer of [`CHART_SIZE`] at [`CHART_DENSITY`] with `draw`, then
/// writes it as PNG to `path`.
fn render(
    path: &Path,
    draw: impl FnOnce(
        DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> Result<()> {
    let (w, h) = (px(CHART_SIZE.0), px(CHART_SIZE.1));
    render_buffer(path, vec![255u8; (w * h * 3) as usize], (w, h), draw)
}

/// Draws with `draw` over `buffer` (RGB, `size` pixels), then writes it as PNG to `path`.
fn render_buffer(
    path: &Path,
    mut buffer: Vec<u8>,
    (w, h): (u32, u32),
    draw: impl FnOnce(
        DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> Result<()> {
    register_fonts();
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
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

/// The smallest and largest finite value, `None` when there is none.
fn finite_bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |bounds, v| match bounds {
            None => Some((v, v)),
            Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
        })
}

/// Range of `values` padded by 5% (a flat or empty series gets a unit range).
fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let Some((lo, hi)) = finite_bounds(values) else {
        return 0.0..1.0;
    };
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    lo - pad..hi + pad
}

type Root<'b> = DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>;
type Chart<'a, 'b, Y> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, Y>>;

/// Title, labelled axes and mesh over `xs` x `ys` (a linear or a log range).
fn axes<'a, 'b, Y>(
    root: &'a Root<'b>,
    labels: Labels<'_>,
    xs: std::ops::Range<f64>,
    ys: Y,
    whole_x: bool,
) -> std::result::Result<Chart<'a, 'b, Y::CoordDescType>, String>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let whole_ticks = ((xs.end - xs.start).floor() as usize + 1).clamp(2, 10);
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, (FONT, px(20)))
        .margin(px(12))
        .x_label_area_size(px(40))
        .y_label_area_size(px(70))
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
        .label_style((FONT, px(13)))
        .axis_desc_style((FONT, px(14)));
    if whole_x {
        mesh.x_labels(whole_ticks).x_label_formatter(&whole);
    }
    mesh.draw().map_err(|e| e.to_string())?;
    Ok(chart)
}

/// Whether values span a decade or more (all positive, largest at least ten times the
/// smallest): such curves get a log-scale axis.
pub fn spans_a_decade(values: impl Iterator<Item = f64>) -> bool {
    finite_bounds(values).is_some_and(|(lo, hi)| lo > 0.0 && hi >= 10.0 * lo)
}

/// A line chart with markers, a legend, axis labels and a title. The y axis starts
/// where the data do, and is logarithmic where they span a decade.
pub fn line_chart(path: &Path, labels: Labels<'_>, series: &[Series]) -> Result<()> {
    let all = || series.iter().flat_map(|s| s.points.iter().copied());
    let xs = padded_range(all().map(|p| p.0));
    let whole_x = all().all(|p| p.0.fract() == 0.0);
    let bounds = finite_bounds(all().map(|p| p.1));
    if let Some((lo, hi)) = bounds.filter(|_| spans_a_decade(all().map(|p| p.1))) {
        // Multiplicative padding: the log-scale counterpart of `padded_range`.
        let ys = (lo / 1.1..hi * 1.1).log_scale();
        render(path, |root| {
            draw_lines(axes(&root, labels, xs, ys, whole_x)?, series)
        })
    } else {
        let ys = padded_range(all().map(|p| p.1));
        render(path, |root| {
            draw_lines(axes(&root, labels, xs, ys, whole_x)?, series)
        })
    }
}

/// The lines, markers and legend of [`line_chart`] on either kind of y axis.
fn draw_lines<'a, 'b: 'a, Y: Ranged<ValueType = f64>>(
    mut chart: Chart<'a, 'b, Y>,
    series: &[Series],
) -> std::result::Result<(), String> {
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(px(2)),
            ))
            .map_err(|e| e.to_string())?
            .label(s.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + px(20) as i32, y)],
                    color.stroke_width(px(2)),
                )
            });
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|&p| Circle::new(p, px(3), color.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// The legend of the series drawn so far, framed on a translucent white box.
fn draw_legend<'a, 'b: 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, BitMapBackend<'b>, CT>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, px(13)))
        .legend_area_size(px(30))
        .draw()
        .map_err(|e| e.to_string())
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
                    points.iter().filter(|p| p.2 == label).map(|p| {
                        Circle::new((f64::from(p.0), f64::from(p.1)), px(3), color.filled())
                    }),
                )
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + px(8) as i32, y), px(4), color.filled()));
        }
        if let Some((x, y)) = mark {
            let p = (f64::from(x), f64::from(y));
            chart
                .draw_series(std::iter::once(Cross::new(
                    p,
                    px(9),
                    BLACK.stroke_width(px(3)),
                )))
                .map_err(|e| e.to_string())?
                .label("decoded point")
                .legend(|(x, y)| {
                    Cross::new((x + px(8) as i32, y), px(5), BLACK.stroke_width(px(2)))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// One confusion matrix of a [`confusion_grid`].
#[derive(Debug, Clone, Copy)]
pub struct ConfusionPanel<'a> {
    /// Title above the matrix.
    pub title: &'a str,
    /// `confusion[true][predicted]` counts.
    pub confusion: &'a [Vec<usize>],
}

/// Size of one panel of a [`confusion_grid`], in CSS pixels.
pub const CONFUSION_PANEL: (u32, u32) = (330, 300);

/// Confusion matrices as heatmaps, one grid row per entry of `rows` (left-aligned, the
/// widest row setting the columns): in each, rows are true classes, columns predicted
/// ones, every cell shaded by its share of the row and labelled with its count. Returns
/// the figure's size in CSS pixels (it is drawn at [`CHART_DENSITY`]).
pub fn confusion_grid(
    path: &Path,
    rows: &[Vec<ConfusionPanel<'_>>],
    class_names: &[String],
) -> Result<(u32, u32)> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let grid_rows = rows.len().max(1);
    let size = (
        CONFUSION_PANEL.0 * columns as u32,
        CONFUSION_PANEL.1 * grid_rows as u32,
    );
    let (w, h) = (px(size.0), px(size.1));
    render_buffer(path, vec![255u8; (w * h * 3) as usize], (w, h), |root| {
        let areas = root.split_evenly((grid_rows, columns));
        for (r, row) in rows.iter().enumerate() {
            for (c, panel) in row.iter().enumerate() {
                draw_confusion(&areas[r * columns + c], panel, class_names)?;
            }
        }
        Ok(())
    })?;
    Ok(size)
}

fn draw_confusion(
    area: &Root<'_>,
    panel: &ConfusionPanel<'_>,
    class_names: &[String],
) -> std::result::Result<(), String> {
    let n = panel.confusion.len();
    let name = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            class_names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let extent = n as f64 - 0.5;
    let mut chart = ChartBuilder::on(area)
        .caption(panel.title, (FONT, px(15)))
        .margin(px(8))
        .x_label_area_size(px(38))
        .y_label_area_size(px(48))
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
        .label_style((FONT, px(12)))
        .axis_desc_style((FONT, px(13)))
        .draw()
        .map_err(|e| e.to_string())?;
    for (t, row) in panel.confusion.iter().enumerate() {
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
            let font = (FONT, px(12))
                .into_font()
                .color(&ink)
                .pos(text_anchor::Pos::new(
                    text_anchor::HPos::Center,
                    text_anchor::VPos::Center,
                ));
            chart
                .draw_series(std::iter::once(Text::new(count.to_string(), (x, y), font)))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Font size of the row labels beside image grids, in pixels (grids are shown at their
/// own size).
const ROW_LABEL_FONT: u32 = 15;

/// Writes `grid` as PNG to `path`, with `labels` in a white column to its left: one per
/// row of the grid, centred on it, so that a stacked figure says in itself which row
/// is which.
pub fn labelled_grid(path: &Path, grid: &GrayImage, labels: &[String]) -> Result<()> {
    register_fonts();
    let font = (FONT, ROW_LABEL_FONT).into_font();
    let mut text_width = 0;
    for label in labels {
        let (w, _) = font.box_size(label).map_err(|e| plot_error(path, e))?;
        text_width = text_width.max(w);
    }
    let margin = 8;
    let left = text_width + 2 * margin;
    let (w, h) = (left + grid.width(), grid.height());
    let mut buffer = vec![255u8; (w * h * 3) as usize];
    for (x, y, pixel) in grid.enumerate_pixels() {
        let at = ((y * w + left + x) * 3) as usize;
        buffer[at..at + 3].fill(pixel.0[0]);
    }
    let rows = labels.len().max(1) as u32;
    render_buffer(path, buffer, (w, h), |root| {
        let style = font.color(&BLACK).pos(text_anchor::Pos::new(
            text_anchor::HPos::Right,
            text_anchor::VPos::Center,
        ));
        for (i, label) in labels.iter().enumerate() {
            let centre = ((2 * i as u32 + 1) * h / (2 * rows)) as i32;
            root.draw_text(label, &style, ((left - margin) as i32, centre))
                .map_err(|e| e.to_string())?;
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
        for path in [&line, &dots] {
            let img = image::open(path).unwrap();
            assert_eq!(
                (img.width(), img.height()),
                (px(CHART_SIZE.0), px(CHART_SIZE.1)),
                "{}",
                path.display()
            );
            // Not blank: the chart drew something other than the white background.
            assert!(img.to_rgb8().pixels().any(|p| p.0 != [255, 255, 255]));
        }
        // An empty chart still renders (axes only) rather than failing.
        line_chart(&dir.path().join("empty.png"), labels, &[]).unwrap();
    }

    #[test]
    fn confusion_grids_lay_out_their_rows_left_aligned() {
        let dir = tempfile::tempdir().unwrap();
        let heat = dir.path().join("heat.png");
        let matrix = [vec![5, 1], vec![0, 7]];
        let panel = ConfusionPanel {
            title: "confusion",
            confusion: &matrix,
        };
        let names = ["x".to_string(), "y".to_string()];
        let size = confusion_grid(&heat, &[vec![panel; 2], vec![panel]], &names).unwrap();
        assert_eq!(size, (2 * CONFUSION_PANEL.0, 2 * CONFUSION_PANEL.1));
        let img = image::open(&heat).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (px(size.0), px(size.1)));
        // The fourth panel is empty: its centre stays white, the first's is not.
        let centre = |col: u32, row: u32| {
            img.get_pixel(
                px(CONFUSION_PANEL.0) * col + px(CONFUSION_PANEL.0) / 2,
                px(CONFUSION_PANEL.1) * row + px(CONFUSION_PANEL.1) / 2,
            )
            .0
        };
        assert_eq!(centre(1, 1), [255, 255, 255]);
        assert!(
            (0..px(CONFUSION_PANEL.1))
                .any(|y| img.get_pixel(px(CONFUSION_PANEL.0) / 2, y).0 != [255, 255, 255])
        );
    }

    #[test]
    fn line_charts_go_logarithmic_only_over_a_decade() {
        assert!(spans_a_decade([1.0, 0.5, 0.09].into_iter()));
        assert!(!spans_a_decade([1.0, 0.5, 0.11].into_iter()));
        assert!(
            !spans_a_decade([1.0, 0.0, 0.001].into_iter()),
            "zero has no logarithm"
        );
        assert!(!spans_a_decade(std::iter::empty()));
    }

    #[test]
    fn labelled_grids_put_each_label_beside_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        let grid = GrayImage::from_pixel(60, 40, image::Luma([0]));
        labelled_grid(&path, &grid, &["top".into(), "a longer label".into()]).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.height(), 40);
        let left = img.width() - 60;
        assert!(left > 40, "room for the labels: {left}");
        // The grid is copied to the right; each half of the label column has ink.
        assert_eq!(img.get_pixel(left + 5, 5).0, [0, 0, 0]);
        for rows in [0..20, 20..40] {
            let ink = rows
                .flat_map(|y| (0..left).map(move |x| (x, y)))
                .any(|(x, y)| img.get_pixel(x, y).0 != [255, 255, 255]);
            assert!(ink);
        }
    }
}
