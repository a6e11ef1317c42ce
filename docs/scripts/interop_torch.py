#!/usr/bin/env python3
"""PyTorch on both sides of `ae export` / `ae import`.

The PyTorch modules below are the equivalents of the toolkit's models (docs/interop.md
shows them too); each is built from the `model_config` JSON that `ae export` writes.

1. Out: every named model (fc, shallow, deep, conv, latent2, logistic, deep3, vae) is
   trained briefly with `ae train`, exported in PyTorch's layout, and loaded with
   `load_state_dict(..., strict=True)`; its encoder on the first test images must equal
   `ae encode` of the run.
2. In: deep, conv and vae models are trained for a few hundred steps in PyTorch (its own
   default initialisation), saved with `torch.save(model.state_dict())`, converted with
   `safetensors.torch.save_file`, imported with `ae import --model NAME`, and
   `ae encode` of the new run must equal the PyTorch encoder. (Runs after part 1, whose
   run folders give the named models' architectures.)

Equal means |ours - torch| <= 1e-5 * max(1, |torch|). Needs torch, safetensors, pyarrow.
Usage: interop_torch.py --ae PATH/TO/ae --data-dir DATA --work DIR
"""

import json
import sys
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from interop_numpy import ae, check_both_ways, codes_of_run, report  # noqa: E402

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "linear": nn.Identity}


class DenseAutoencoder(nn.Module):
    """`{"kind": "dense"}`: encoder and decoder stacks of nn.Linear + activation."""

    def __init__(self, config):
        super().__init__()
        self.encoder, self.encoder_act = self._stack(config["input"], config["encoder"])
        code = config["encoder"][-1]["units"]
        self.decoder, self.decoder_act = self._stack(code, config["decoder"])

    @staticmethod
    def _stack(width, layers):
        linears, acts = nn.ModuleList(), nn.ModuleList()
        for layer in layers:
            linears.append(nn.Linear(width, layer["units"], bias=layer.get("bias", True)))
            acts.append(ACTIVATIONS[layer["activation"]]())
            width = layer["units"]
        return linears, acts

    def encode(self, x):
        for linear, act in zip(self.encoder, self.encoder_act):
            x = act(linear(x))
        return x

    def forward(self, x):
        z = self.encode(x)
        for linear, act in zip(self.decoder, self.decoder_act):
            z = act(linear(z))
        return z


class ConvAutoencoder(nn.Module):
    """`{"kind": "conv"}`: the Keras blog's model; the code is [channels, h/4, w/4]."""

    def __init__(self, config):
        super().__init__()
        c1, c2 = config["outer_channels"], config["code_channels"]
        self.size = (config["height"], config["width"])
        same = dict(kernel_size=3, padding=1)
        self.enc1, self.enc2 = nn.Conv2d(1, c1, **same), nn.Conv2d(c1, c2, **same)
        self.dec1, self.dec2 = nn.Conv2d(c2, c2, **same), nn.Conv2d(c2, c1, **same)
        self.out = nn.Conv2d(c1, 1, **same)
        self.hidden = ACTIVATIONS[config["hidden_activation"]]()
        self.output = ACTIVATIONS[config["output_activation"]]()

    def encode(self, x):
        x = x.reshape(-1, 1, *self.size)
        x = nn.functional.max_pool2d(self.hidden(self.enc1(x)), 2)
        x = nn.functional.max_pool2d(self.hidden(self.enc2(x)), 2)
        return x.flatten(1)

    def forward(self, x):
        h, w = self.size
        z = self.encode(x).reshape(x.shape[0], -1, h // 4, w // 4)
        z = nn.functional.interpolate(self.hidden(self.dec1(z)), scale_factor=2)
        z = nn.functional.interpolate(self.hidden(self.dec2(z)), scale_factor=2)
        return self.output(self.out(z)).flatten(1)


class Vae(nn.Module):
    """`{"kind": "vae"}`: the code is the posterior mean."""

    def __init__(self, config):
        super().__init__()
        widths = [config["input"], *config["hidden"]]
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.mean = nn.Linear(widths[-1], config["latent"])
        self.logvar = nn.Linear(widths[-1], config["latent"])
        back = [config["latent"], *reversed(config["hidden"])]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back, back[1:]))
        self.output = nn.Linear(back[-1], config["input"])
        self.act = ACTIVATIONS[config["hidden_activation"]]()
        self.bernoulli = config["likelihood"] == "bernoulli"

    def encode(self, x):
        for linear in self.encoder:
            x = self.act(linear(x))
        return self.mean(x)

    def forward(self, x):
        z = self.encode(x)
        for linear in self.decoder:
            z = self.act(linear(z))
        out = self.output(z)
        return torch.sigmoid(out) if self.bernoulli else out


def build(config):
    return {"dense": DenseAutoencoder, "conv": ConvAutoencoder, "vae": Vae}[config["kind"]](config)


def torch_codes(module, x):
    module.eval()
    with torch.no_grad():
        return module.encode(torch.from_numpy(x)).numpy()


def exports(binary, data_dir, work, x):
    passed = True
    for name in ["fc", "shallow", "deep", "conv", "latent2", "logistic", "deep3", "vae"]:
        run, file = work / name, work / f"{name}.safetensors"
        ae(binary, data_dir, "train", "--model", name, "--epochs", 1, "--limit", 2000,
           "--val-limit", 500, "--seed", 5, "--out", run)
        ae(binary, data_dir, "export", run, "--out", file)
        with safe_open(str(file), framework="pt") as f:
            config = json.loads(f.metadata()["model_config"])
            state = {k: f.get_tensor(k) for k in f.keys()}
        module = build(config)
        module.load_state_dict(state, strict=True)
        ours = codes_of_run(binary, data_dir, run, work / f"{name}.parquet")
        passed &= report("export+load_state_dict", name, ours, torch_codes(module, x))
    return passed


def imports(binary, data_dir, work, x):
    passed = True
    torch.manual_seed(0)
    train = torch.from_numpy(x)
    for name in ["deep", "conv", "vae"]:
        run = work / f"torch-{name}"
        # The architecture of the named model, from the run that `exports` trained.
        config = json.loads((work / name / "config.json").read_text())["model"]
        module = build(config)
        optim = torch.optim.Adam(module.parameters(), lr=1e-3)
        for step in range(300):
            batch = train[torch.randint(0, len(train), (64,))]
            loss = nn.functional.binary_cross_entropy(module(batch), batch)
            optim.zero_grad()
            loss.backward()
            optim.step()
        torch.save(module.state_dict(), work / f"torch-{name}.pt")
        state = torch.load(work / f"torch-{name}.pt")
        save_file(state, str(work / f"torch-{name}.safetensors"))
        ae(binary, data_dir, "import", work / f"torch-{name}.safetensors", "--model", name,
           "--out", run)
        ours = codes_of_run(binary, data_dir, run, work / f"torch-{name}.parquet")
        passed &= report("torch.save+import", name, ours, torch_codes(module, x))
    return passed


def main():
    return check_both_ways(
        __doc__.splitlines()[0], exports, imports, set_up=lambda: torch.set_num_threads(2)
    )


if __name__ == "__main__":
    sys.exit(main())
