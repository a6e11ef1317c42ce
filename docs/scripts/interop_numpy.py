#!/usr/bin/env python3
"""A client of `ae export` / `ae import` that uses numpy, safetensors and pyarrow only.

Two directions, each checked to 1e-5 (|ours - numpy| <= 1e-5 * max(1, |numpy|)):

1. Out: for the shallow, deep and fc models, `ae train` a short run on MNIST, `ae export`
   it (PyTorch layout), `ae encode` the first test images to Parquet, then recompute
   the encoder in numpy from the safetensors file alone (the activations come from the
   model config in the file's metadata) and compare.
2. In: write a deep model's weights from numpy in PyTorch's state-dict layout
   (`safetensors.numpy.save_file`), `ae import` them, `ae encode`, compare with numpy.

Usage: interop_numpy.py --ae PATH/TO/ae --data-dir DATA --work DIR
Prints one JSON line per check and exits non-zero when any check fails.
"""

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from safetensors import safe_open
from safetensors.numpy import save_file

TOLERANCE = 1e-5
IMAGES = 1000
ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "linear": lambda x: x,
}


def test_images(data_dir: Path, n: int) -> np.ndarray:
    """The first n MNIST test images as float32 in [0, 1], shape (n, 784)."""
    with gzip.open(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    assert magic == 2051, f"bad IDX magic {magic}"
    pixels = np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, rows * cols)
    return pixels[:n].astype(np.float32) / np.float32(255.0)


def encode_numpy(weights: dict, encoder_layers: list, x: np.ndarray) -> np.ndarray:
    """The dense encoder: y = act(x @ W.T + b) per layer, W in nn.Linear's [out, in]."""
    for i, layer in enumerate(encoder_layers):
        w = weights[f"encoder.{i}.weight"]
        assert w.shape == (layer["units"], x.shape[1]), (i, w.shape)
        x = x @ w.T
        if layer.get("bias", True):
            x = x + weights[f"encoder.{i}.bias"]
        x = ACTIVATIONS[layer["activation"]](x).astype(np.float32)
    return x


def ae(binary: str, data_dir: Path, *args) -> None:
    """Runs `ae` (arguments may be paths or numbers); stops with its error message."""
    result = subprocess.run([binary, "--data-dir", str(data_dir), *map(str, args)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"ae {' '.join(map(str, args))}: {result.stderr}")


def codes_of_run(binary: str, data_dir: Path, run: Path, out: Path) -> np.ndarray:
    ae(binary, data_dir, "encode", str(run), "--out", str(out), "--limit", str(IMAGES))
    table = pq.read_table(out)
    columns = sorted((c for c in table.column_names if c.startswith("code_")),
                     key=lambda c: int(c.split("_")[1]))
    assert table.column("index").to_pylist() == list(range(IMAGES))
    return np.stack([table.column(c).to_numpy() for c in columns], axis=1)


def report(check: str, model: str, ours: np.ndarray, theirs: np.ndarray) -> bool:
    error = np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs))
    passed = ours.shape == theirs.shape and float(error.max()) <= TOLERANCE
    print(json.dumps({"check": check, "model": model, "codes": list(ours.shape),
                      "max_scaled_error": float(error.max()),
                      "tolerance": TOLERANCE, "passed": passed}))
    return passed


def exported_models(binary: str, data_dir: Path, work: Path, x: np.ndarray) -> bool:
    passed = True
    for model in ["shallow", "deep", "fc"]:
        run, file = work / model, work / f"{model}.safetensors"
        ae(binary, data_dir, "train", "--model", model, "--epochs", "1", "--limit", "3000",
           "--val-limit", "500", "--seed", "3", "--out", str(run))
        ae(binary, data_dir, "export", str(run), "--out", str(file))
        with safe_open(str(file), framework="numpy") as f:
            metadata = f.metadata()
            weights = {name: f.get_tensor(name) for name in f.keys()}
        assert metadata["layout"] == "pytorch", metadata
        config = json.loads(metadata["model_config"])
        ours = codes_of_run(binary, data_dir, run, work / f"{model}.parquet")
        passed &= report("export", model, ours, encode_numpy(weights, config["encoder"], x))
    return passed


def imported_model(binary: str, data_dir: Path, work: Path, x: np.ndarray) -> bool:
    rng = np.random.default_rng(11)
    widths = [784, 128, 32, 128, 784]
    weights = {}
    for stack, pairs in [("encoder", zip(widths[:2], widths[1:3])),
                         ("decoder", zip(widths[2:4], widths[3:5]))]:
        for i, (d_in, d_out) in enumerate(pairs):
            limit = np.sqrt(6.0 / (d_in + d_out))
            weights[f"{stack}.{i}.weight"] = rng.uniform(
                -limit, limit, (d_out, d_in)).astype(np.float32)
            weights[f"{stack}.{i}.bias"] = rng.normal(0, 0.1, d_out).astype(np.float32)
    file, run = work / "numpy-deep.safetensors", work / "numpy-deep"
    save_file(weights, str(file))
    ae(binary, data_dir, "import", str(file), "--model", "deep", "--out", str(run))
    ours = codes_of_run(binary, data_dir, run, work / "numpy-deep.parquet")
    relu = [{"units": 128, "activation": "relu"}, {"units": 32, "activation": "relu"}]
    return report("import", "deep", ours, encode_numpy(weights, relu, x))


def check_both_ways(description: str, exports, imports, set_up=lambda: None) -> int:
    """Parses the scripts' shared flags, then runs `exports` and `imports` on the same
    test images (each `(binary, data_dir, work, x) -> bool`); 0 when both pass."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--ae", required=True, help="the ae binary")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path, help="an empty folder")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    set_up()
    x = test_images(args.data_dir, IMAGES)
    passed = exports(args.ae, args.data_dir, args.work, x)
    passed &= imports(args.ae, args.data_dir, args.work, x)
    return 0 if passed else 1


def main() -> int:
    return check_both_ways(__doc__.splitlines()[0], exported_models, imported_model)


if __name__ == "__main__":
    sys.exit(main())
