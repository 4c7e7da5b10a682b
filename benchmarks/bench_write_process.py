"""Benchmark: writing with the bundled model, end to end, against what the network alone costs.

Four figures, each a ratio measured in this one run (medians of ``--repeats`` runs):

1. One 80-character line written by the whole ``writesmooth write`` process (a subprocess:
   start-up, loading the weights and the reader, the default search and its candidates, saving
   the JSON), timed wall-clock, against a bare reference loop stepping the same number of points
   as the written line has (``meta["steps"]`` of the output): three ``nn.LSTMCell``s, the
   attention window, the output layer and ``network.sample`` stepped in Python at batch 1
   (``bench_write.Reference``, here with the bundled weights). Runs alternate, so a busy
   neighbour slows both alike. The only option given is ``--width 80``, so that the line is not
   wrapped (the default width is 60). Beside it, what the process spends before writing (a
   process that starts Python, imports torch and loads the model) and the same line written
   in-process (``LstmGraves.load().write``), against the same reference.
2. A 10-line paragraph (10 fixed lines of 55-60 characters, from a text file, ``--width 60``)
   written by the same process, against the one line.
3. Time to the first finished line of that paragraph against the whole paragraph, in-process
   (``LstmGraves.load().write_stream(lines, seed=S)``; the model is loaded before the clock).
4. The network step alone against the machine: the FLOPs of one step of the 3 x 400 network at
   batch 1 (2*m*n*k per matmul: layer 1 with its window input, layers 2-3 with their skip
   inputs, the window's parameter layer and the output layer; elementwise work and the window's
   own small products are not counted), the time of one ``fast_step.FastStepper.step()`` at
   batch 1 (best of ``--repeats`` runs of 2,000 steps), the GFLOP/s that makes, and its share
   of the machine's fp32 matmul rate (a 2048 x 2048 x 2048 matmul, best of 10) at the same
   thread count and at all cores; and one step at batch 4 (a word's first round of drawings),
   with the kind of product the stepper chose (``step_weights.py``).

``--threads`` sets torch's threads for the in-process parts (reference loop, step, matmul);
the subprocess runs as a user would run it (the sampler sets its own threads). The load average
is printed at the start and the end: figures taken while it is high are not worth much.

    python benchmarks/bench_write_process.py                 # a few minutes on a 2-core CPU
    python benchmarks/bench_write_process.py --repeats 1 --seed 7
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_write import Reference  # noqa: E402

from writesmooth import DEFAULT_BIAS  # noqa: E402
from writesmooth.data.io import read_inks  # noqa: E402
from writesmooth_lstm_graves.fast_step import FastStepper  # noqa: E402
from writesmooth_lstm_graves.models import LstmGraves  # noqa: E402

LINE_80 = "The old mill by the river turned slowly, and we all walked home before the rain."
PARAGRAPH = [
    "On Monday morning the whole class walked down to the river.",
    "Our teacher carried a bag of nets, jars and a large old map.",
    "We counted the birds on the water and wrote down each name.",
    "Tom found a small green frog hiding under a flat grey stone.",
    "Lucy drew the bridge, the trees and the boats in her book.",
    "After lunch it began to rain, so we sheltered in the barn.",
    "The farmer told us how the mill used to grind all the corn.",
    "By three o'clock the sun was out and the fields were bright.",
    "We walked back slowly, tired, muddy and very happy indeed.",
    "Next week we will write a report about everything we saw.",
]


def loadavg() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def run_process(args: list[str], out: Path) -> tuple[float, int, int]:
    """Wall-clock seconds of ``python -m writesmooth write ARGS -o OUT``, its lines and their
    summed points (``meta["steps"]``)."""
    cmd = [sys.executable, "-m", "writesmooth", "write", *args, "-o", str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    inks = read_inks(out)
    steps = sum(int(ink.meta.get("steps", ink.n_points)) for ink in inks)
    return seconds, len(inks), steps


def step_flops(cfg) -> int:
    """Multiply-add FLOPs (2*m*n*k, m = 1) of one step of the network."""
    H, V, K, L, O = cfg.hidden, cfg.alphabet_size, cfg.window, cfg.layers, cfg.output_size
    layer1 = 2 * (3 + V + H) * 4 * H                  # [x, w, h1] -> 4H gates
    window = 2 * H * 3 * K                            # h1 -> (alpha, beta, kappa)
    upper = (L - 1) * 2 * (3 + H + V + H) * 4 * H     # [x, h_below, w, h_self] -> 4H gates
    output = 2 * L * H * O                            # [h1, h2, h3] -> mixture parameters
    return layer1 + window + upper + output


def sgemm_rate(threads: int, n: int = 2048, runs: int = 10) -> float:
    """Best GFLOP/s of an n x n x n fp32 matmul with ``threads`` threads."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)
        torch.mm(a, b, out=c)  # warm-up
        best = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            torch.mm(a, b, out=c)
            best = min(best, time.perf_counter() - start)
        return 2 * n ** 3 / best / 1e9
    finally:
        torch.set_num_threads(old)


def step_time(model: LstmGraves, steps: int, repeats: int, batch: int = 1) -> tuple[float, str]:
    """Best seconds per ``FastStepper.step()`` at ``batch`` rows (the text is the 80-character
    line), and the kind of matrix product the stepper chose for that batch."""
    bundle = model.bundle
    net = bundle.net
    chars = torch.from_numpy(bundle.alphabet.encode(LINE_80))[None].expand(batch, -1)
    mask = torch.ones_like(chars, dtype=torch.float32)
    with torch.inference_mode():
        onehot = net.one_hot(chars, mask)
    best, kind = float("inf"), ""
    for _ in range(repeats + 1):  # the first is a warm-up
        stepper = FastStepper(net, batch, onehot)
        kind = stepper.kind
        for _ in range(20):
            stepper.step()
        start = time.perf_counter()
        for _ in range(steps):
            stepper.step()
        best = min(best, (time.perf_counter() - start) / steps)
    return best, kind


def runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each (median shown)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads in-process (default 1, as the sampler uses)")
    args = ap.parse_args()
    assert len(LINE_80) == 80 and all(50 <= len(t) <= 60 for t in PARAGRAPH)
    print(f"load average at start: {loadavg()}")
    torch.set_num_threads(args.threads)
    model = LstmGraves.load()
    bundle = model.bundle
    unknown = sorted({ch for t in [LINE_80, *PARAGRAPH] for ch in model.unknown_chars(t)})
    assert not unknown, f"characters the model does not know: {unknown}"
    cfg = bundle.config
    print(f"bundled model: {cfg.layers} x {cfg.hidden}, M={cfg.mixtures}, K={cfg.window}, "
          f"V={cfg.alphabet_size}; torch {torch.__version__}, {args.threads} thread(s) "
          f"in-process, {os.cpu_count()} CPU(s); seed {args.seed}; median of {args.repeats}")

    ref = Reference(bundle.net)
    gen = torch.Generator().manual_seed(args.seed)
    ref.run([LINE_80], bundle.alphabet, 50, DEFAULT_BIAS, gen)  # warm-up

    tmp = Path(tempfile.mkdtemp(prefix="bench_write_process_"))
    text_file = tmp / "paragraph.txt"
    text_file.write_text("\n".join(PARAGRAPH) + "\n", encoding="utf-8")
    seed = ["--seed", str(args.seed)]
    t_line, t_ref, t_para, steps_line, steps_para = [], [], [], [], []
    t_start, t_inproc = [], []
    load = [sys.executable, "-c", "from writesmooth_lstm_graves.models import LstmGraves; "
            "LstmGraves.load()"]
    for r in range(args.repeats):
        start = time.perf_counter()
        subprocess.run(load, check=True)
        t_start.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.write([LINE_80], seed=args.seed)
        t_inproc.append(time.perf_counter() - start)
        seconds, lines, steps = run_process([LINE_80, "--width", "80", *seed], tmp / "line.json")
        assert lines == 1, f"the 80-character line came out as {lines} lines"
        t_line.append(seconds)
        steps_line.append(steps)
        start = time.perf_counter()
        ref.run([LINE_80], bundle.alphabet, steps, DEFAULT_BIAS, gen)
        t_ref.append(time.perf_counter() - start)
        seconds, lines, steps = run_process(["--text-file", str(text_file), "--width", "60",
                                             *seed], tmp / "paragraph.json")
        assert lines == len(PARAGRAPH), f"the paragraph came out as {lines} lines"
        t_para.append(seconds)
        steps_para.append(steps)
        print(f"  run {r + 1}: line {t_line[-1]:.2f} s ({steps_line[-1]} points), reference "
              f"{t_ref[-1]:.2f} s, paragraph {t_para[-1]:.2f} s ({steps_para[-1]} points)",
              flush=True)
    m_line, m_ref, m_para = (statistics.median(t) for t in (t_line, t_ref, t_para))
    print(f"\n1. one 80-character line, whole 'writesmooth write' process vs bare reference loop "
          f"over the same points:")
    print(f"  process     {m_line:8.2f} s  runs {runs(t_line)}  points {steps_line}")
    print(f"  reference   {m_ref:8.2f} s  runs {runs(t_ref)}  "
          f"({m_ref / statistics.median(steps_line) * 1e6:.0f} us/point)")
    print(f"  ratio       {m_line / m_ref:8.2f} x  (process / reference)")
    m_start, m_inproc = statistics.median(t_start), statistics.median(t_inproc)
    print(f"  of which: a process that only starts Python, imports torch and loads the model "
          f"{m_start:.2f} s (runs {runs(t_start)});")
    print(f"  the same line written in-process (model loaded) {m_inproc:.2f} s (runs "
          f"{runs(t_inproc)}): {m_inproc / m_ref:.2f} x the reference")
    print(f"\n2. 10-line paragraph (--width 60) vs the one line, whole process:")
    print(f"  paragraph   {m_para:8.2f} s  runs {runs(t_para)}  points {steps_para}")
    print(f"  ratio       {m_para / m_line:8.2f} x  (paragraph / line)")

    first, last = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        got = 0
        for _i, _ink in model.write_stream(PARAGRAPH, seed=args.seed):
            got += 1
            if got == 1:
                first.append(time.perf_counter() - start)
        last.append(time.perf_counter() - start)
        assert got == len(PARAGRAPH)
    m_first, m_last = statistics.median(first), statistics.median(last)
    print(f"\n3. time to the first finished line of the paragraph vs the whole (in-process):")
    print(f"  first line  {m_first:8.2f} s  runs {runs(first)}")
    print(f"  all lines   {m_last:8.2f} s  runs {runs(last)}")
    print(f"  ratio       {m_first / m_last:8.2f}    (first / all)")

    flops = step_flops(cfg)
    per_step, kind = step_time(model, 2000, args.repeats)
    per_step4, kind4 = step_time(model, 2000, args.repeats, batch=4)
    achieved = flops / per_step / 1e9
    rate = sgemm_rate(args.threads)
    rate_all = sgemm_rate(os.cpu_count() or 1)
    print(f"\n4. one network step (FastStepper.step, batch 1) vs the machine's fp32 matmul rate:")
    print(f"  FLOPs/step  {flops:,}")
    print(f"  time/step   {per_step * 1e6:8.1f} us  (best of {args.repeats} x 2,000 steps; "
          f"{kind})")
    print(f"  achieved    {achieved:8.2f} GFLOP/s")
    print(f"  sgemm       {rate:8.1f} GFLOP/s with {args.threads} thread(s): step reaches "
          f"{achieved / rate:.1%}")
    print(f"  sgemm       {rate_all:8.1f} GFLOP/s with {os.cpu_count()} thread(s): step reaches "
          f"{achieved / rate_all:.1%}")
    print(f"  batch 4     {per_step4 * 1e6:8.1f} us a step ({kind4}): a word's first four "
          f"drawings cost {per_step4 / per_step:.2f} x one line's step, "
          f"{4 * flops / per_step4 / 1e9:.2f} GFLOP/s")
    print(f"\nload average at end: {loadavg()}")


if __name__ == "__main__":
    main()
