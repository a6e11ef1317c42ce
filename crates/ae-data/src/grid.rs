//! Image grids as PNG (through the `image` crate), with optional numeric captions.
//!
//! Captions are drawn with a built-in 3x5 digit font: grids only ever label images
//! with class indices or short numbers, and this keeps `ae-data` free of font files.

use std::path::Path;

use image::{GrayImage, Luma};

use crate::error::{DataError, Result};

/// Layout of a grid.
#[derive(Debug, Clone, Copy)]
pub struct GridLayout {
    /// Images per row.
    pub columns: usize,
    /// Integer upscaling of every pixel.
    pub scale: u32,
    /// Background pixels between cells.
    pub gap: u32,
}

impl Default for GridLayout {
    fn default() -> Self {
        GridLayout {
            columns: 10,
            scale: 2,
            gap: 2,
        }
    }
}

/// Digits 0-9 as 3x5 bitmaps, one row per `u8` (bits 2..0 = left..right).
const DIGITS: [[u8; 5]; 10] = [
    [7, 5, 5, 5, 7],
    [2, 6, 2, 2, 7],
    [7, 1, 7, 4, 7],
    [7, 1, 7, 1, 7],
    [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7],
    [7, 4, 7, 5, 7],
    [7, 1, 1, 1, 1],
    [7, 5, 7, 5, 7],
    [7, 5, 7, 1, 7],
];
const GLYPH_W: u32 = 3;
const GLYPH_H: u32 = 5;

/// Renders `n` images of `rows x cols` floats in `[0, 1]` (white on black, as MNIST)
/// into a grid; `captions` (digits only, others skipped) go under each image.
pub fn render_grid(
    values: &[f32],
    rows: usize,
    cols: usize,
    captions: Option<&[String]>,
    layout: GridLayout,
) -> GrayImage {
    let per = rows * cols;
    let n = values.len().checked_div(per).unwrap_or(0);
    let columns = layout.columns.max(1);
    let grid_rows = n.div_ceil(columns).max(1);
    let s = layout.scale.max(1);
    let caption_h = if captions.is_some() {
        (GLYPH_H + 2) * s
    } else {
        0
    };
    let cell_w = cols as u32 * s + layout.gap;
    let cell_h = rows as u32 * s + caption_h + layout.gap;
    let width = columns.min(n.max(1)) as u32 * cell_w + layout.gap;
    let height = grid_rows as u32 * cell_h + layout.gap;
    let mut img = GrayImage::from_pixel(width, height, Luma([64]));
    for k in 0..n {
        let x0 = layout.gap + (k % columns) as u32 * cell_w;
        let y0 = layout.gap + (k / columns) as u32 * cell_h;
        for (p, &v) in values[k * per..(k + 1) * per].iter().enumerate() {
            let level = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            let (r, c) = ((p / cols) as u32, (p % cols) as u32);
            for dy in 0..s {
                for dx in 0..s {
                    img.put_pixel(x0 + c * s + dx, y0 + r * s + dy, Luma([level]));
                }
            }
        }
        if let Some(text) = captions.and_then(|c| c.get(k)) {
            draw_digits(&mut img, text, x0, y0 + rows as u32 * s + s, s);
        }
    }
    img
}

fn draw_digits(img: &mut GrayImage, text: &str, x0: u32, y0: u32, s: u32) {
    let mut x = x0;
    for ch in text.chars() {
        if let Some(d) = ch.to_digit(10) {
            for (row, bits) in DIGITS[d as usize].iter().enumerate() {
                for col in 0..GLYPH_W {
                    if bits & (1 << (GLYPH_W - 1 - col)) != 0 {
                        for dy in 0..s {
                            for dx in 0..s {
                                let (px, py) = (x + col * s + dx, y0 + row as u32 * s + dy);
                                if px < img.width() && py < img.height() {
                                    img.put_pixel(px, py, Luma([255]));
                                }
                            }
                        }
                    }
                }
            }
        }
        x += (GLYPH_W + 1) * s;
    }
}

/// Encodes `img` as PNG and writes it atomically to `path`.
pub fn save_png(img: &GrayImage, path: &Path) -> Result<()> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|e| DataError::ImageWrite {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    ae_io::write_atomic(path, &bytes).map_err(|e| DataError::ImageWrite {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_size_follows_layout() {
        let values = vec![1.0f32; 12 * 4];
        let layout = GridLayout {
            columns: 5,
            scale: 2,
            gap: 1,
        };
        let img = render_grid(&values, 2, 2, None, layout);
        // 12 images in rows of 5 -> 3 grid rows; cells 2*2+1 wide.
        assert_eq!((img.width(), img.height()), (5 * 5 + 1, 3 * 5 + 1));
        assert_eq!(img.get_pixel(1, 1), &Luma([255]));
    }

    #[test]
    fn captions_are_drawn_under_the_image() {
        let values = vec![0.0f32; 4];
        let with = render_grid(
            &values,
            2,
            2,
            Some(&["7".to_string()]),
            GridLayout {
                columns: 1,
                scale: 1,
                gap: 0,
            },
        );
        assert_eq!(with.height(), 2 + GLYPH_H + 2);
        assert!(with.pixels().any(|p| p.0[0] == 255));
    }
}
