"""Training speed of the lstm-graves trainer against a straightforward reference, in one run.

    python benchmarks/bench_train.py              # batch 64, 600-step lines, the full 3x400 network
    python benchmarks/bench_train.py --repeats 1  # quicker

Both sides do forward + backward + gradient clipping + an Adam step on the same batch shape:

- trainer: the real per-batch code of the training loop with the synthesis network plugged in
  (``writesmooth_lstm_graves.loop`` and ``.trainer``: collation, layer 1 and the window stepped in
  Python, layers 2-3 as fused LSTMs over the sequence, the log-space MDN loss, clipping, Adam,
  the training events);
- reference: three ``nn.LSTMCell``s and the window stepped together, cell by cell, as the original
  tool did, with the same loss.

Printed: points/s of each and their ratio; the GFLOP/s of a large fp32 matmul measured in the same
run; the trainer's achieved GFLOP/s (matmul FLOPs counted analytically, 2*m*n*k each, times 3 for
forward + backward) and its fraction of the matmul figure; on a CUDA GPU also the trainer's
points/s there. Timings alternate trainer / reference so that machine noise hits both alike; the
best repeat of each counts.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from writesmooth import Ink, TrainOptions
from writesmooth_lstm_graves.batching import collate
from writesmooth_lstm_graves.distributed import Dist
from writesmooth_lstm_graves.loop import Loop
from writesmooth_lstm_graves.network import GravesConfig, sequence_nll
from writesmooth_lstm_graves.trainer import CHECKPOINT_NAME, CHECKPOINT_TAG, SynthesisTask

CHARSET = ' !"#\'(),-.0123456789:;?ABCDEFGHIJKLMNOPRSTUVWYabcdefghijklmnopqrstuvwxyz'  # IAM's 72


def fake_lines(n: int, steps: int, chars: int, seed: int = 0) -> list[Ink]:
    """``n`` lines of exactly ``steps`` offsets (``steps + 1`` points) and ``chars`` characters."""
    rng = np.random.default_rng(seed)
    inks = []
    for i in range(n):
        pts = np.cumsum(rng.normal(0, 5, (steps + 1, 2)), axis=0).astype(np.float32)
        cuts = np.sort(rng.choice(np.arange(5, steps - 5), size=steps // 25, replace=False))
        text = "".join(CHARSET[(i * chars + j) % len(CHARSET)] for j in range(chars))
        inks.append(Ink(strokes=np.split(pts, cuts), text=text, id=f"b{i:03d}-000-01"))
    return inks


class Reference(nn.Module):
    """The straightforward network: every layer stepped cell by cell in Python."""

    def __init__(self, cfg: GravesConfig) -> None:
        super().__init__()
        h, v, k = cfg.hidden, cfg.alphabet_size, cfg.window
        self.cfg = cfg
        self.cells = nn.ModuleList([nn.LSTMCell(3 + v, h)] + [nn.LSTMCell(3 + h + v, h)
                                                               for _ in range(cfg.layers - 1)])
        self.attn = nn.Linear(h, 3 * k)
        self.out = nn.Linear(cfg.layers * h, cfg.output_size)

    def forward(self, x, onehot, targets, mask):
        B, cfg = x.shape[1], self.cfg
        hs = [(x.new_zeros(B, cfg.hidden), x.new_zeros(B, cfg.hidden)) for _ in self.cells]
        kappa, w = x.new_zeros(B, cfg.window), x.new_zeros(B, cfg.alphabet_size)
        pos = torch.arange(onehot.shape[1], dtype=x.dtype)
        outs = []
        for t in range(x.shape[0]):
            xt = x[t]
            hs[0] = self.cells[0](torch.cat([xt, w], 1), hs[0])
            a, b, k = torch.exp(self.attn(hs[0][0])).chunk(3, 1)
            kappa = kappa + k
            phi = (a[..., None] * torch.exp(-b[..., None] * (kappa[..., None] - pos) ** 2)).sum(1)
            w = torch.bmm(phi[:, None], onehot)[:, 0]
            for i in range(1, len(self.cells)):
                hs[i] = self.cells[i](torch.cat([xt, hs[i - 1][0], w], 1), hs[i])
            outs.append(self.out(torch.cat([h for h, _ in hs], 1)))
        return sequence_nll(torch.stack(outs), targets, mask, cfg.mixtures)


def matmul_gflops(n: int, repeats: int) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def flops_per_step(cfg: GravesConfig, chars: int) -> float:
    """Matmul FLOPs of one time step of one line, forward only."""
    h, v, k, layers = cfg.hidden, cfg.alphabet_size, cfg.window, cfg.layers
    f = 2 * (3 + v + h) * 4 * h            # layer 1 gates from [x, w, h]
    f += 2 * h * 3 * k + 2 * chars * v      # window parameters, then w = phi @ onehot
    f += (layers - 1) * 2 * (3 + h + v + h) * 4 * h  # layers 2..L from [x, h below, w] and h
    f += 2 * layers * h * cfg.output_size   # the mixture parameters
    return f


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=600, help="offsets per line")
    ap.add_argument("--chars", type=int, default=28, help="characters per line")
    ap.add_argument("--hidden", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--bf16", action="store_true",
                    help="also time the trainer under bf16 autocast (not in the ratio: the "
                         "reference is fp32)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    inks = fake_lines(args.batch, args.steps, args.chars)
    with tempfile.TemporaryDirectory() as tmp:
        def trainer_on(device: str, precision: str = "auto") -> Loop:
            opts = TrainOptions(out=Path(tmp) / f"{device}-{precision}", batch_size=args.batch,
                                device=device, precision=precision,
                                overrides={"hidden": str(args.hidden), "min_char_count": "1"})
            d = Dist(device=torch.device(device))
            task = SynthesisTask("lstm-graves", 10, inks, [], opts, d, None)
            return Loop(task, opts, None, d, None, opts.out / CHECKPOINT_NAME, CHECKPOINT_TAG)

        tr = trainer_on("cpu")
        cfg = tr.task.config
        examples = tr.task.train_set.examples
        lines = list(range(len(examples)))
        ref = Reference(cfg)
        ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-3)

        def reference_step() -> None:
            b = collate(examples)
            x, chars, cm, targets, mask = (torch.from_numpy(a) for a in
                                           (b.x, b.chars, b.char_mask, b.targets, b.mask))
            onehot = nn.functional.one_hot(chars, cfg.alphabet_size).float() * cm[..., None]
            loss = ref(x, onehot, targets, mask).sum() / mask.sum()
            ref_opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(ref.parameters(), cfg.lstm_clip)
            ref_opt.step()

        points = args.batch * args.steps
        print(f"batch {args.batch} x {args.steps} steps, {args.chars} chars, hidden "
              f"{cfg.hidden} x {cfg.layers}, K={cfg.window}, M={cfg.mixtures}, "
              f"V={cfg.alphabet_size}, {torch.get_num_threads()} threads, torch {torch.__version__}")
        gflops_mm = matmul_gflops(2048, 5)
        t_tr, t_ref = [], []
        for r in range(args.repeats + 1):  # the first round warms up and is not counted
            a = _timed(lambda: tr.train_batch(lines))
            b = None if args.skip_reference else _timed(reference_step)
            if r:
                t_tr.append(a)
                if b is not None:
                    t_ref.append(b)
            print(f"  round {r}{' (warm-up)' if r == 0 else ''}: trainer {a:.2f} s"
                  + (f", reference {b:.2f} s" if b is not None else ""), flush=True)
        gflops_mm = max(gflops_mm, matmul_gflops(2048, 5))
        pts_tr = points / min(t_tr)
        achieved = 3 * flops_per_step(cfg, args.chars) * points / min(t_tr) / 1e9
        print(f"trainer:   {pts_tr:10,.0f} points/s")
        if t_ref:
            pts_ref = points / min(t_ref)
            print(f"reference: {pts_ref:10,.0f} points/s   (cell by cell, all three layers)")
            print(f"ratio:     {pts_tr / pts_ref:10.2f} x")
        print(f"matmul:    {gflops_mm:10.1f} GFLOP/s   (fp32 2048x2048, best of 10)")
        print(f"trainer:   {achieved:10.1f} GFLOP/s   = {achieved / gflops_mm:.2f} of the matmul figure")
        if args.bf16:
            half = trainer_on("cpu", "bf16")
            best = min(_timed(lambda: half.train_batch(lines))
                       for _ in range(args.repeats + 1))
            print(f"trainer, bf16 autocast: {points / best:,.0f} points/s   (CPU with "
                  f"AVX512-BF16/AMX; fp32 master weights and loss)")
        if torch.cuda.is_available():
            gpu = trainer_on("cuda")
            gpu.train_batch(lines)
            torch.cuda.synchronize()
            best = min(_timed(lambda: (gpu.train_batch(lines), torch.cuda.synchronize()))
                       for _ in range(args.repeats))
            print(f"GPU ({torch.cuda.get_device_name()}): {points / best:,.0f} points/s "
                  f"(precision {gpu.task.precision})")
        else:
            print("GPU: none here (torch.cuda.is_available() is False); no GPU figure")


if __name__ == "__main__":
    main()
