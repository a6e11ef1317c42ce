//! The latent explorer: an HTML block in which the mouse (or a touch) picks a point of a
//! 2-D latent plane and the page decodes it. The decoder's weights travel in the page as
//! base64 float32, and a small script runs the dense decoder in the browser, as
//! [`DenseStep::apply`] does in Rust.
//!
//! The block also carries one point and the Rust decoder's image of it, so that a test in
//! a browser (`cargo xtask check-report`) can compare the two decodes.

use ae_models::DenseStep;

/// What one explorer shows and decodes.
#[derive(Debug, Clone)]
pub struct LatentExplorer {
    /// DOM id of the block (unique in the page).
    pub id: String,
    /// The decoder, layer by layer.
    pub decoder: Vec<DenseStep>,
    /// Test codes with their labels, drawn on the plane.
    pub points: Vec<(f32, f32, u8)>,
    /// The plane shown: `[x_min, x_max, y_min, y_max]`.
    pub area: [f32; 4],
    /// Image height and width of the decoder's output.
    pub image: (usize, usize),
    /// A point decoded when the page opens, and its image as the Rust decoder made it.
    pub check: ((f32, f32), Vec<f32>),
}

/// Standard base64 of bytes (the page decodes it with `atob`).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Little-endian float32 values as base64.
fn floats(values: &[f32]) -> String {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    base64(&bytes)
}

/// A JSON number (non-finite values, which JSON lacks, become 0).
fn number(v: f32) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        "0".into()
    }
}

impl LatentExplorer {
    /// The data the page's script reads, as JSON.
    fn data_json(&self) -> String {
        let layers: Vec<String> = self
            .decoder
            .iter()
            .map(|l| {
                format!(
                    "{{\"in\":{},\"out\":{},\"act\":\"{}\",\"w\":\"{}\",\"b\":\"{}\"}}",
                    l.inputs,
                    l.outputs,
                    l.activation.name(),
                    floats(&l.weight),
                    floats(&l.bias)
                )
            })
            .collect();
        let points: Vec<String> = self
            .points
            .iter()
            .map(|&(x, y, label)| format!("[{},{},{label}]", number(x), number(y)))
            .collect();
        let ((cx, cy), expected) = &self.check;
        let expected: Vec<String> = expected.iter().map(|&v| number(v)).collect();
        format!(
            "{{\"layers\":[{}],\"points\":[{}],\"box\":[{}],\"rows\":{},\"cols\":{},\"check\":{{\"z\":[{},{}],\"expected\":[{}]}}}}",
            layers.join(","),
            points.join(","),
            self.area.map(number).join(","),
            self.image.0,
            self.image.1,
            number(*cx),
            number(*cy),
            expected.join(",")
        )
    }

    /// The block: plane, decoded image, coordinates, the data and the script.
    pub fn to_html(&self) -> String {
        let id = crate::table::html_escape(&self.id);
        format!(
            "<div class=\"explorer\" id=\"{id}\">\n\
             <canvas class=\"plane\" width=\"480\" height=\"480\" aria-label=\"latent plane: move the mouse or touch to decode a point\"></canvas>\n\
             <div class=\"decoded\"><canvas class=\"digit\" width=\"{cols}\" height=\"{rows}\"></canvas>\n\
             <p class=\"coords\"></p><p class=\"hint\">Move the mouse over the plane (or touch it): the image is the decoder's output at that point, computed in this page.</p></div>\n\
             <script type=\"application/json\" class=\"explorer-data\">{data}</script>\n\
             <script>{SCRIPT}aeExplorer(document.getElementById(\"{id}\"));</script>\n\
             </div>\n",
            rows = self.image.0,
            cols = self.image.1,
            data = self.data_json(),
        )
    }
}

/// Defines `aeExplorer(root)` once per page; each call wires one block and registers
/// `{id, decode, check}` in `window.aeExplorers` for tests.
const SCRIPT: &str = r#"
if (!window.aeExplorer) {
  window.aeExplorers = [];
  const ACT = {relu: v => Math.max(0, v), sigmoid: v => 1 / (1 + Math.exp(-v)), tanh: Math.tanh, linear: v => v};
  const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const floats = b64 => {
    const bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  };
  window.aeExplorer = root => {
    const data = JSON.parse(root.querySelector('script.explorer-data').textContent);
    const layers = data.layers.map(l => ({n: l.in, m: l.out, act: ACT[l.act], w: floats(l.w), b: floats(l.b)}));
    const decode = z => {
      let x = Float64Array.from(z);
      for (const l of layers) {
        const y = Float64Array.from(l.b);
        for (let i = 0; i < l.n; i++) {
          const xi = x[i];
          if (xi === 0) continue;
          const row = i * l.m;
          for (let j = 0; j < l.m; j++) y[j] += xi * l.w[row + j];
        }
        for (let j = 0; j < l.m; j++) y[j] = l.act(y[j]);
        x = y;
      }
      return Array.from(x);
    };
    const plane = root.querySelector('canvas.plane'), pctx = plane.getContext('2d');
    const digit = root.querySelector('canvas.digit'), dctx = digit.getContext('2d');
    const coords = root.querySelector('.coords');
    const [x0, x1, y0, y1] = data.box;
    const toPx = (x, y) => [(x - x0) / (x1 - x0) * plane.width, (y1 - y) / (y1 - y0) * plane.height];
    const toZ = (px, py) => [x0 + px / plane.width * (x1 - x0), y1 - py / plane.height * (y1 - y0)];
    const drawPlane = z => {
      pctx.fillStyle = '#fff';
      pctx.fillRect(0, 0, plane.width, plane.height);
      for (const [x, y, label] of data.points) {
        const [px, py] = toPx(x, y);
        pctx.fillStyle = COLORS[label % 10];
        pctx.fillRect(px - 2, py - 2, 4, 4);
      }
      const [px, py] = toPx(z[0], z[1]);
      pctx.strokeStyle = '#000';
      pctx.beginPath();
      pctx.moveTo(px - 9, py); pctx.lineTo(px + 9, py);
      pctx.moveTo(px, py - 9); pctx.lineTo(px, py + 9);
      pctx.stroke();
    };
    const show = z => {
      const values = decode(z), image = dctx.createImageData(data.cols, data.rows);
      for (let k = 0; k < values.length; k++) {
        const v = Math.round(255 * Math.min(1, Math.max(0, values[k])));
        image.data[4 * k] = image.data[4 * k + 1] = image.data[4 * k + 2] = v;
        image.data[4 * k + 3] = 255;
      }
      dctx.putImageData(image, 0, 0);
      coords.textContent = 'z = (' + z[0].toFixed(3) + ', ' + z[1].toFixed(3) + ')';
      drawPlane(z);
    };
    const pick = e => {
      const r = plane.getBoundingClientRect();
      show(toZ((e.clientX - r.left) * plane.width / r.width, (e.clientY - r.top) * plane.height / r.height));
    };
    plane.addEventListener('pointermove', pick);
    plane.addEventListener('pointerdown', pick);
    show(data.check.z);
    window.aeExplorers.push({id: root.id, decode, check: data.check});
  };
}
"#;

#[cfg(test)]
mod tests {
    use ae_models::Activation;

    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(floats(&[1.0]), "AACAPw==");
    }

    #[test]
    fn the_block_carries_weights_points_and_the_check_point() {
        let explorer = LatentExplorer {
            id: "explorer-test".into(),
            decoder: vec![DenseStep {
                inputs: 2,
                outputs: 1,
                weight: vec![1.0, -1.0],
                bias: vec![0.5],
                activation: Activation::Sigmoid,
            }],
            points: vec![(0.25, -0.5, 3)],
            area: [-1.0, 1.0, -2.0, 2.0],
            image: (1, 1),
            check: ((0.1, 0.2), vec![0.6]),
        };
        let html = explorer.to_html();
        assert!(html.contains("id=\"explorer-test\""));
        assert!(
            html.contains("\"act\":\"sigmoid\",\"w\":\"AACAPwAAgL8=\""),
            "{html}"
        );
        assert!(html.contains("\"points\":[[0.25,-0.5,3]]"));
        assert!(html.contains("\"check\":{\"z\":[0.1,0.2],\"expected\":[0.6]}"));
        assert_eq!(html.matches("<script").count(), 2);
    }
}
