"""Benchmark: writing with the full 3x400 Graves network on the CPU.

Prints, for one 80-character line, the median time of the sampler (``draw.draw_lines``, the
code ``writesmooth write`` runs) against a plain reference in the same run: a Python loop that
per step concatenates the inputs, calls three ``nn.LSTMCell``s, computes the window, the output
layer and ``network.sample`` -- the same weights, the same work. Then ten 60-character lines as one
batch against one such line, and one 60-character line written as the best of
``--candidates`` (default 4: the candidates drawn as one batch, then read by a reader of the
bundled size, ``reader.read``) against a single sample.

The weights are random (timing does not depend on them), so the stop rule is switched off and
every line runs a fixed number of steps: ``--points-per-char`` (default 25, IAM-OnDB writes about
21) times its length, i.e. 2,000 steps for 80 characters and 1,500 for 60.

    python benchmarks/bench_write.py            # about a minute on a 2-core CPU
    python benchmarks/bench_write.py --runs 3 --threads 1
"""
from __future__ import annotations

import argparse
import statistics
import string
import time

import torch
from torch import nn

from writesmooth_lstm_graves.alphabet import Alphabet
from writesmooth_lstm_graves.convert import Normaliser, offsets_to_ink
from writesmooth_lstm_graves.network import GravesConfig, GravesNet, sample
from writesmooth_lstm_graves.reader import Reader, ReaderConfig, ReaderNet, read
from writesmooth_lstm_graves.draw import draw_lines
from writesmooth_lstm_graves.weights import Bundle

TEXT_80 = "The quick brown fox jumps over the lazy dog, then writes a line of eighty chars!"
TEXT_60 = "Handwriting synthesis with recurrent networks (Graves, 2013)"
ALPHABET = string.ascii_letters + string.digits + " .,;:!?'\"()-&/#+*"  # 79 classes, as IAM's


def make_bundle() -> Bundle:
    torch.manual_seed(0)
    alphabet = Alphabet("".join(sorted(set(ALPHABET))))
    config = GravesConfig(alphabet_size=len(alphabet))  # Graves: 3 x 400, M=20, K=10
    net = GravesNet(config=config).eval()
    return Bundle(net=net, config=config, alphabet=alphabet,
                  norm=Normaliser((8.0, 0.1), (43.0, 36.0)))


class Reference:
    """The straightforward sampler: one ``nn.LSTMCell`` per layer, stepped in Python."""

    def __init__(self, net: GravesNet) -> None:
        cfg = net.config
        self.net, self.K, self.M = net, cfg.window, cfg.mixtures
        self.cells = [net.cell1]
        for lstm in net.upper:
            cell = nn.LSTMCell(lstm.input_size, lstm.hidden_size)
            cell.load_state_dict({"weight_ih": lstm.weight_ih_l0, "weight_hh": lstm.weight_hh_l0,
                                  "bias_ih": lstm.bias_ih_l0, "bias_hh": lstm.bias_hh_l0})
            self.cells.append(cell)

    @torch.inference_mode()
    def run(self, texts: list[str], alphabet: Alphabet, steps: int, bias: float,
            gen: torch.Generator) -> torch.Tensor:
        net, B = self.net, len(texts)
        U = max(map(len, texts)) + 1
        chars = torch.zeros(B, U, dtype=torch.int64)
        mask = torch.zeros(B, U)
        for b, t in enumerate(texts):
            chars[b, :len(t)] = torch.from_numpy(alphabet.encode(t))
            mask[b, :len(t)] = 1
        onehot = net.one_hot(chars, mask)
        positions = torch.arange(U, dtype=torch.float32)
        H = net.config.hidden
        h = [torch.zeros(B, H) for _ in self.cells]
        c = [torch.zeros(B, H) for _ in self.cells]
        kappa = torch.zeros(B, self.K)
        w = torch.zeros(B, net.config.alphabet_size)
        x = torch.tensor([[0.0, 0.0, 1.0]]).repeat(B, 1)
        out = []
        for _ in range(steps):
            h[0], c[0] = self.cells[0](torch.cat([x, w], 1), (h[0], c[0]))
            a, b, k = torch.exp(net.attn(h[0])).chunk(3, dim=-1)
            kappa = kappa + k
            dist2 = (kappa[..., None] - positions) ** 2
            phi = (a[..., None] * torch.exp(-b[..., None] * dist2)).sum(1)
            w = torch.bmm(phi[:, None, :], onehot)[:, 0]
            for i in range(1, len(self.cells)):
                h[i], c[i] = self.cells[i](torch.cat([x, h[i - 1], w], 1), (h[i], c[i]))
            params = net.out(torch.cat(h, 1))
            x = sample(params, self.M, bias, gen)
            out.append(x)
        return torch.stack(out)


def ours(bundle: Bundle, texts: list[str], steps: int, bias: float, gen: torch.Generator):
    # with the benchmark's thread count (the sampler on its own uses SAMPLING_THREADS)
    return draw_lines(bundle, texts, bias=bias, generator=gen, stop_rule=False,
                      caps=[steps] * len(texts), threads=torch.get_num_threads())


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def check_same_step(bundle: Bundle) -> float:
    """Largest difference between the sampler's first step and the network's forward."""
    from writesmooth_lstm_graves.fast_step import FastStepper

    net = bundle.net
    chars = torch.from_numpy(bundle.alphabet.encode(TEXT_80))[None]
    mask = torch.ones_like(chars, dtype=torch.float32)
    stepper = FastStepper(net, 1, net.one_hot(chars, mask))
    with torch.inference_mode():
        params = net(torch.tensor([[[0.0, 0.0, 1.0]]]), chars, mask)[0][0]
    return float((stepper.step() - params).abs().max())


def make_reader(alphabet: Alphabet) -> Reader:
    """A reader of the bundled size with random weights (its time does not depend on them)."""
    config = ReaderConfig(alphabet_size=len(alphabet))
    return Reader(net=ReaderNet(config=config).eval(), alphabet=alphabet, scale=(42.0, 37.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each (median reported)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument("--points-per-char", type=int, default=25)
    ap.add_argument("--bias", type=float, default=0.75)
    ap.add_argument("--candidates", type=int, default=4)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    bundle = make_bundle()
    ref = Reference(bundle.net)
    n80, n60 = args.points_per_char * len(TEXT_80), args.points_per_char * len(TEXT_60)
    gen = torch.Generator().manual_seed(0)
    print(f"network 3x{bundle.config.hidden}, M={bundle.config.mixtures}, K={bundle.config.window},"
          f" {sum(p.numel() for p in bundle.net.parameters()):,} parameters; "
          f"torch {torch.__version__}, {args.threads} thread(s); median of {args.runs} runs")
    print(f"one step, sampler vs forward: max |difference| {check_same_step(bundle):.1e}")
    ours(bundle, [TEXT_60], 50, args.bias, gen)  # warm-up: thread pools, allocator
    ref.run([TEXT_60], bundle.alphabet, 50, args.bias, gen)

    # interleaved, so a noisy neighbour slows both alike
    t_ours, t_ref = [], []
    for _ in range(args.runs):
        t_ours += timed(lambda: ours(bundle, [TEXT_80], n80, args.bias, gen), 1)
        t_ref += timed(lambda: ref.run([TEXT_80], bundle.alphabet, n80, args.bias, gen), 1)
    m_ours, m_ref = statistics.median(t_ours), statistics.median(t_ref)
    print(f"\none 80-character line, {n80} steps:")
    print(f"  sampler     {m_ours:7.3f} s  ({m_ours / n80 * 1e6:6.0f} us/step)  "
          f"runs {', '.join(f'{t:.2f}' for t in t_ours)}")
    print(f"  reference   {m_ref:7.3f} s  ({m_ref / n80 * 1e6:6.0f} us/step)  "
          f"runs {', '.join(f'{t:.2f}' for t in t_ref)}")
    print(f"  speed-up    {m_ref / m_ours:7.2f} x   (aim: under 1 s: "
          f"{'met' if m_ours < 1.0 else 'not met'})")

    one, ten = [], []
    for _ in range(args.runs):
        one += timed(lambda: ours(bundle, [TEXT_60], n60, args.bias, gen), 1)
        ten += timed(lambda: ours(bundle, [TEXT_60] * 10, n60, args.bias, gen), 1)
    m_one, m_ten = statistics.median(one), statistics.median(ten)
    print(f"\nten 60-character lines as one batch vs one line, {n60} steps:")
    print(f"  one line    {m_one:7.3f} s  runs {', '.join(f'{t:.2f}' for t in one)}")
    print(f"  ten lines   {m_ten:7.3f} s  runs {', '.join(f'{t:.2f}' for t in ten)}")
    print(f"  ratio       {m_ten / m_one:7.2f} x   (aim: under 3 x: "
          f"{'met' if m_ten < 3 * m_one else 'not met'})")

    n = args.candidates
    reader = make_reader(bundle.alphabet)

    def by_reader():
        lines = ours(bundle, [TEXT_60] * n, n60, args.bias, gen)
        inks = [offsets_to_ink(bundle.norm.invert(d.offsets), text=TEXT_60) for d in lines]
        return read(reader, inks)

    single, reading = [], []
    for _ in range(args.runs):
        single += timed(lambda: ours(bundle, [TEXT_60], n60, args.bias, gen), 1)
        reading += timed(by_reader, 1)
    m_single, m = statistics.median(single), statistics.median(reading)
    print(f"\none 60-character line, best of {n} candidates (drawn as one batch, then read) "
          f"vs one sample:")
    runs = lambda times: ", ".join(f"{t:.2f}" for t in times)  # noqa: E731
    print(f"  one sample            {m_single:7.3f} s  runs {runs(single)}")
    print(f"  best of {n}, reader    {m:7.3f} s  runs {runs(reading)}  ({m / m_single:.2f} x)")


if __name__ == "__main__":
    main()
