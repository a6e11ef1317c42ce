"""PyTorch reference for the five-class one-hidden-layer logistic autoencoder (seed 003).

The same model and settings as `cargo xtask reproduce --profile full`'s five-class runs:
784-d-784 with sigmoid code and sigmoid output, Keras' initialisation (Glorot-uniform
weights, zero biases), BCE (mean over pixels), Adam at 1e-3 (PyTorch's eps 1e-8), batch 64,
100 epochs; MNIST train and test images of digits 0, 1, 2, 4, 7 pooled and split per
class 2277/759/759. The split is drawn with numpy's generator, so the images differ
from ours (same distribution, same sizes); the comparison is of the training dynamics.

Per run it prints one JSON line: per-epoch train BCE (mean over the epoch's batches, as
Keras reports it) and validation BCE, the BCE of always predicting the training mean
image, how saturated the codes are after `--probe-epoch` epochs, and the final test MSE.

Usage: python docs/scripts/logistic_ae_torch.py DATA_DIR [--code 32] [--seeds 0 1 2]
       [--epochs 100] [--threads 1] > docs/scripts/logistic_ae_torch.jsonl
(needs numpy and torch; reads the canonical gzip'd IDX files).
"""
import argparse
import gzip
import json
import sys
import time

import numpy as np
import torch
from torch import nn

CLASSES = [0, 1, 2, 4, 7]
SPLIT = (2277, 759, 759)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} values for dimensions {dims}")
    return data.reshape(dims)


def five_class_split(root, seed):
    images = np.concatenate([
        read_idx(f"{root}/mnist/train-images-idx3-ubyte.gz"),
        read_idx(f"{root}/mnist/t10k-images-idx3-ubyte.gz"),
    ]).reshape(-1, 784).astype(np.float32) / 255.0
    labels = np.concatenate([
        read_idx(f"{root}/mnist/train-labels-idx1-ubyte.gz"),
        read_idx(f"{root}/mnist/t10k-labels-idx1-ubyte.gz"),
    ])
    rng = np.random.default_rng(seed)
    parts = ([], [], [])
    for c in CLASSES:
        idx = rng.permutation(np.flatnonzero(labels == c))
        start = 0
        for part, n in zip(parts, SPLIT):
            part.append(idx[start:start + n])
            start += n
    return [torch.from_numpy(images[np.concatenate(p)]) for p in parts]


def mean_bce(model, x, batch):
    bce = nn.BCELoss(reduction="sum")
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = x[i:i + batch]
            total += bce(model(xb), xb).item()
    return total / x.numel()


def run(args, train, val, test, seed):
    torch.manual_seed(seed)
    encoder, decoder = nn.Linear(784, args.code), nn.Linear(args.code, 784)
    for layer in (encoder, decoder):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    model = nn.Sequential(encoder, nn.Sigmoid(), decoder, nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.BCELoss()
    # Predicting the training mean image for every input: the plateau's reference level.
    mean_image = train.mean(dim=0, keepdim=True).clamp(1e-7, 1 - 1e-7).expand_as(val)
    mean_image_bce = nn.BCELoss()(mean_image, val).item()
    train_bce, val_bce, probe = [], [], None
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(train))
        total, batches = 0.0, 0
        for i in range(0, len(train), args.batch):
            xb = train[perm[i:i + args.batch]]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        train_bce.append(total / batches)
        val_bce.append(mean_bce(model, val, 1024))
        if epoch == args.probe_epoch:
            with torch.no_grad():
                codes = torch.sigmoid(encoder(val))
            probe = {
                "epoch": epoch,
                "code_mean": codes.mean().item(),
                "code_std_over_images": codes.std(dim=0).mean().item(),
                "fraction_above_0.99": (codes > 0.99).float().mean().item(),
            }
        print(f"seed {seed} epoch {epoch}: train {train_bce[-1]:.5f} val {val_bce[-1]:.5f}",
              file=sys.stderr, flush=True)
    with torch.no_grad():
        test_mse = ((model(test) - test) ** 2).mean().item()
    return {
        "framework": "pytorch",
        "version": torch.__version__,
        "model": f"logistic 784-{args.code}-784",
        "code": args.code,
        "seed": seed,
        "init": "glorot-uniform weights, zero biases",
        "optimizer": "adam",
        "lr": args.lr,
        "batch": args.batch,
        "epochs": args.epochs,
        "train_bce_per_epoch": [round(v, 6) for v in train_bce],
        "val_bce_per_epoch": [round(v, 6) for v in val_bce],
        "mean_image_val_bce": round(mean_image_bce, 6),
        "codes_at_probe": probe,
        "test_mse": round(test_mse, 6),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data_dir")
    p.add_argument("--code", type=int, default=32)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--probe-epoch", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    for seed in args.seeds:
        train, val, test = five_class_split(args.data_dir, seed)
        print(json.dumps(run(args, train, val, test, seed)), flush=True)


if __name__ == "__main__":
    main()
