"""numpy reference for the PCA baseline: fit time of eigh on the covariance, and test MSE.

Usage: python docs/scripts/pca_numpy.py DATA_DIR [mnist|fashion]
(only numpy needed; reads the canonical gzip'd IDX files)."""
import gzip
import sys
import time

import numpy as np


def read_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, r, c = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c).astype(np.float64) / 255.0


def main():
    root, ds = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "mnist")
    xtr = read_images(f"{root}/{ds}/train-images-idx3-ubyte.gz")
    xte = read_images(f"{root}/{ds}/t10k-images-idx3-ubyte.gz")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        mean = xtr.mean(axis=0)
        xc = xtr - mean
        cov = xc.T @ xc / (len(xtr) - 1)
        w, v = np.linalg.eigh(cov)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"numpy {np.__version__}: fit (mean, covariance, eigh) median {times[2]:.3f} s over 5 runs")
    for k in (2, 32, 64, 128):
        comp = v[:, ::-1][:, :k]
        rec = (xte - mean) @ comp @ comp.T + mean
        print(f"k={k}: test MSE {np.mean((rec - xte) ** 2):.6f}")


if __name__ == "__main__":
    main()
