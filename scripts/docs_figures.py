"""Redraw the figures of docs/how-it-works.md from the bundled lstm-graves weights.

    python scripts/docs_figures.py [--weights PATH] [--out docs/images] [--seed 3]

Writes ``how-it-works-attention.png`` (the attention window over one written line) and
``how-it-works-mixture.png`` (the mixture density output at one step, at bias 0 and bias 1).
The line is sampled here with Graves' plain algorithm, one :meth:`GravesNet.step` and one
:func:`network.sample` per point, and stopped when the window has passed the last character, so
the figures show the network itself, without the word search the ``write`` command adds. Only
the network's public functions are used; a seed fixes the line. Needs matplotlib.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402

from writesmooth_lstm_graves import network  # noqa: E402
from writesmooth_lstm_graves.convert import offsets_to_ink  # noqa: E402
from writesmooth_lstm_graves.weights import Bundle, load_weights  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "plugins/lstm_graves/writesmooth_lstm_graves/weights/lstm-graves.pt"
TEXT = "handwriting is a skill"
GRACE = 40  # points allowed after the window passed the end until the pen lifts


def sample_line(bundle: Bundle, text: str, *, bias: float, seed: int) -> dict:
    """One line, point by point: offsets in ink units, and per step the window ``phi`` over
    positions 0..U (U: the padded slot past the text), the positions ``kappa`` and the raw
    mixture parameters the point was drawn from."""
    net, m = bundle.net, bundle.config.mixtures
    codes = torch.from_numpy(bundle.alphabet.encode(text))
    U = len(codes)
    chars = torch.zeros(1, U + 1, dtype=torch.int64)
    chars[0, :U] = codes
    mask = torch.zeros(1, U + 1)
    mask[0, :U] = 1.0
    gen = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        onehot = net.one_hot(chars, mask)
        state = net.initial_state(1)
        x = torch.tensor([[0.0, 0.0, 1.0]])  # the start token, as in training
        offsets, phis, kappas, params = [], [], [], []
        passed = None
        for t in range(40 * U + 100):
            p, state, phi = net.step(x, state, onehot)
            x = network.sample(p, m, bias, gen)
            offsets.append(x[0].numpy().copy())
            phis.append(phi[0].numpy().copy())
            kappas.append(state.kappa[0].numpy().copy())
            params.append(p[0].numpy().copy())
            if passed is None and int(phi[0].argmax()) == U:
                passed = t  # phi at U beats every real position: the window left the text
            if passed is not None and (x[0, 2] > 0.5 or t >= passed + GRACE):
                break
    offsets = bundle.norm.invert(np.array(offsets))
    return {"offsets": offsets, "phi": np.array(phis), "kappa": np.array(kappas),
            "params": np.array(params), "text": text}


def points(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute points (y up for drawing) and per point whether the pen lifts after it."""
    xy = np.vstack([[0.0, 0.0], np.cumsum(offsets[:, :2], axis=0)])
    lift = np.concatenate([[False], offsets[:, 2] > 0.5])  # offset i's bit: lift after point i + 1
    xy[:, 1] *= -1
    return xy, lift


def segments(xy: np.ndarray, lift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pen-down segments and the step (the index of the offset) that drew each."""
    keep = ~lift[:-1]
    segs = np.stack([xy[:-1], xy[1:]], axis=1)[keep]
    return segs, np.flatnonzero(keep)


def attention_figure(line: dict, path: Path) -> None:
    xy, lift = points(line["offsets"])
    segs, steps = segments(xy, lift)
    T, U1 = line["phi"].shape
    text = line["text"]
    fig, (ax_ink, ax_phi) = plt.subplots(2, 1, figsize=(10, 6.2),
                                         gridspec_kw={"height_ratios": [1, 2.2]})
    norm = plt.Normalize(0, T)
    lc = LineCollection(segs, cmap="viridis", norm=norm, linewidths=2)
    lc.set_array(steps.astype(float))
    ax_ink.add_collection(lc)
    ax_ink.set_xlim(xy[:, 0].min() - 30, xy[:, 0].max() + 30)
    ax_ink.set_ylim(xy[:, 1].min() - 30, xy[:, 1].max() + 30)
    ax_ink.set_aspect("equal")
    ax_ink.set_xticks([])
    ax_ink.set_yticks([])
    ax_ink.set_title(f'The written line "{text}" ({T} points), coloured by time step',
                     fontsize=11)
    fig.colorbar(lc, ax=ax_ink, label="time step t", fraction=0.025, pad=0.01)

    phi = line["phi"] / line["phi"].max(axis=1, keepdims=True)  # each step scaled to its peak
    img = ax_phi.imshow(phi.T, aspect="auto", origin="lower", cmap="Greys",
                        interpolation="nearest", extent=(-0.5, T - 0.5, -0.5, U1 - 0.5))
    for k in range(line["kappa"].shape[1]):
        ax_phi.plot(np.arange(T), line["kappa"][:, k], color="#39a7ff", lw=0.7, ls="--",
                    alpha=0.7, label="kappa_k: position of each of the K = 10 Gaussians"
                    if k == 0 else None)
    ax_phi.axhline(U1 - 1, color="white", lw=0.6, ls=":")
    ax_phi.set_ylim(-0.5, U1 - 0.5)
    ax_phi.set_yticks(range(U1))
    ax_phi.set_yticklabels([("space" if c == " " else c) for c in text] + ["U (end)"],
                           fontsize=8)
    ax_phi.set_xlabel("time step t (one pen point each)")
    ax_phi.set_ylabel("text position u")
    ax_phi.set_title("Window weights phi(t, u), scaled to their peak at each step: "
                     "which character the network reads", fontsize=11)
    ax_phi.legend(loc="upper left", fontsize=8, framealpha=0.7)
    fig.colorbar(img, ax=ax_phi, label="phi(t, u) / max over u", fraction=0.025, pad=0.01)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def mixture_panel(ax, line: dict, bundle: Bundle, t: int, bias: float, what: str) -> None:
    """The mixture for the offset drawn at step ``t`` (from point ``t`` to point ``t + 1``):
    the ink so far, each Gaussian's one-standard-deviation ellipse (redder = heavier) and the
    mixture's density as filled contours."""
    m = bundle.config.mixtures
    mix = network.split(torch.from_numpy(line["params"][t]), m, bias)
    pi = mix.log_pi.exp().numpy()
    mean, std = np.array(bundle.norm.mean), np.array(bundle.norm.std)
    mu = mix.mu.numpy() * std + mean  # ink units, y still downwards
    sd = mix.log_sd.exp().numpy() * std
    rho = np.tanh(mix.rho_raw.numpy())
    xy, lift = points(line["offsets"])
    here, nxt = xy[t], xy[t + 1]
    heavy = pi > 0.02
    span = max(25.0, 1.15 * float(np.max(np.abs(mu[heavy]) + 2 * sd[heavy])))
    segs, _ = segments(xy[:t + 1], lift[:t + 1])
    ax.add_collection(LineCollection(segs, colors="0.2", linewidths=2.5))
    gx, gy = np.meshgrid(np.linspace(here[0] - span, here[0] + span, 240),
                         np.linspace(here[1] - span, here[1] + span, 240))
    dx, dy = gx - here[0], -(gy - here[1])  # the drawing's y is up, the offsets' down
    dens = np.zeros_like(gx)
    for j in range(m):
        zx, zy = (dx - mu[j, 0]) / sd[j, 0], (dy - mu[j, 1]) / sd[j, 1]
        q = (zx ** 2 + zy ** 2 - 2 * rho[j] * zx * zy) / (1 - rho[j] ** 2)
        dens += pi[j] * np.exp(-q / 2) / (2 * np.pi * sd[j, 0] * sd[j, 1]
                                          * np.sqrt(1 - rho[j] ** 2))
    ax.contourf(gx, gy, dens, levels=np.linspace(dens.max() / 20, dens.max(), 10),
                cmap="Blues", alpha=0.85, zorder=0)
    for j in np.argsort(pi):
        # the 1-sd ellipse of a correlated Gaussian: the eigenvectors of its covariance
        c = rho[j] * sd[j, 0] * sd[j, 1]
        vals, vecs = np.linalg.eigh(np.array([[sd[j, 0] ** 2, c], [c, sd[j, 1] ** 2]]))
        angle = np.degrees(np.arctan2(-vecs[1, 1], vecs[0, 1]))  # y flipped
        ax.add_patch(Ellipse((here[0] + mu[j, 0], here[1] - mu[j, 1]),
                             2 * np.sqrt(vals[1]), 2 * np.sqrt(vals[0]), angle=angle,
                             fill=False, lw=1.3, color=plt.cm.Reds(0.3 + 0.7 * pi[j] / pi.max()),
                             alpha=float(min(1.0, 0.1 + 3 * pi[j]))))
    ax.plot(*here, "o", color="black", ms=6, label="current point")
    ax.plot(*nxt, "x", color="red", ms=10, mew=2.5, label="point drawn")
    e = 1 / (1 + np.exp(-line["params"][t][0]))
    ax.set_xlim(here[0] - span, here[0] + span)
    ax.set_ylim(here[1] - span, here[1] + span)
    ax.set_aspect("equal")
    ax.set_xlabel("x (IAM-OnDB units)")
    ax.set_title(f"{what}, bias b = {bias:g}\n{int((pi > 0.05).sum())} of {m} weights "
                 f"over 5 %, end of stroke e = {e:.2f}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)


def mixture_figure(line: dict, bundle: Bundle, steps: tuple[int, int], path: Path) -> None:
    """The line with the two steps marked; the mixture inside a stroke at bias 0 and 1, and
    the mixture of the move after a pen lift (where the next stroke starts)."""
    xy, lift = points(line["offsets"])
    fig = plt.figure(figsize=(12, 6.6))
    grid = fig.add_gridspec(2, 3, height_ratios=[0.7, 2])
    top = fig.add_subplot(grid[0, :])
    segs, _ = segments(xy, lift)
    top.add_collection(LineCollection(segs, colors="0.15", linewidths=1.6))
    for t, label in zip(steps, "AB"):
        top.plot(*xy[t], "o", color="red", ms=7, mfc="none", mew=2)
        top.annotate(label, xy[t], xytext=(6, 8), textcoords="offset points", color="red",
                     fontsize=11, fontweight="bold")
    top.set_xlim(xy[:, 0].min() - 30, xy[:, 0].max() + 30)
    top.set_ylim(xy[:, 1].min() - 20, xy[:, 1].max() + 20)
    top.set_aspect("equal")
    top.set_xticks([])
    top.set_yticks([])
    top.set_title(f"The line, with the two steps below marked: A (t = {steps[0]}) inside a "
                  f"stroke, B (t = {steps[1]}) just after a pen lift", fontsize=11)
    panels = [(steps[0], 0.0, "A"), (steps[0], 1.0, "A"), (steps[1], 0.0, "B")]
    for i, (t, b, what) in enumerate(panels):
        ax = fig.add_subplot(grid[1, i])
        mixture_panel(ax, line, bundle, t, b, what)
        if i == 0:
            ax.set_ylabel("y (IAM-OnDB units, up)")
    fig.suptitle("The mixture density output for the next pen offset: 20 bivariate Gaussians "
                 "(1-sd ellipses, redder = heavier) and their density (blue)", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=85)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=WEIGHTS)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    ap.add_argument("--text", default=TEXT)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--bias", type=float, default=1.0, help="sampling bias of the line")
    ap.add_argument("--step", type=int, default=None,
                    help="the step inside a stroke of the mixture figure (default: mid-way)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    bundle = load_weights(args.weights)
    line = sample_line(bundle, args.text, bias=args.bias, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    attention_figure(line, args.out / "how-it-works-attention.png")
    eos = line["offsets"][:, 2] > 0.5
    inside = args.step
    if inside is None:  # the first step after the middle in a stroke: 8 points down before it
        inside = next(i for i in range(len(eos) // 2, len(eos) - 2)
                      if not eos[i - 9:i + 2].any())
    # the first move after a pen lift from there on: point t ended a stroke
    lifted = next(i for i in range(inside + 1, len(eos) - 1) if eos[i - 1])
    mixture_figure(line, bundle, (inside, lifted), args.out / "how-it-works-mixture.png")
    print(f"{len(line['offsets'])} points; mixtures at steps {inside} and {lifted}; "
          f"figures in {args.out}")


if __name__ == "__main__":
    main()
