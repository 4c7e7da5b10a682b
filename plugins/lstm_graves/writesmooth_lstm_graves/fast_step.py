"""Inference-only stepping of a :class:`GravesNet`, and biased sampling from its mixture.

Sampling runs thousands of dependent steps on tiny batches, so the time goes to reading the
weights and to per-operator overhead, not to arithmetic. :class:`FastStepper` therefore
uses weights rearranged once per network (``step_weights.py``) so that a step is a handful of
in-place operators on preallocated buffers: every layer reads one contiguous slice of a single
activation row ``Z = [h1 | x | w | h2 | h3]`` (no per-step concatenation), writes its hidden
state straight back into ``Z``, and the output layer reads the whole row. It computes what the
network's ``forward`` computes step by step (tests hold it to 1e-5 in fp32; several lines on a
CPU with native bfloat16 multiply in bfloat16, held to its rounding).

On the CPU the small per-step work (attention window, sampling, stop test) runs in numpy on
views of the same memory: a numpy operator on a few hundred numbers costs well under a
microsecond, a torch one (or even a torch slice) two to three. Other devices use the torch path,
which computes the same thing up to rounding (tests compare the two on the CPU): run on the CPU,
each half of it (window, draw) changes the last bits, and so a seed's strokes.

:class:`MixtureSampler` draws from the biased mixture (Graves eqs. 61-62) with noise taken in
chunks (``noise.py``): the component by the Gumbel-max trick (the same distribution as sampling
the softmax), then a correlated Gaussian, then the pen bit.
"""
from __future__ import annotations

import numpy as np
import torch

from .network import LOG_SD_MIN, RHO_RAW_CLAMP, GravesNet, State
from .noise import GeneratorNoise, KeyedNoise
from .step_weights import kind_for, linear_pointwise, step_weights


class FastStepper:
    """Steps a batch of ``B`` lines; set the input and state, then call :meth:`step`."""

    @torch.no_grad()
    def __init__(self, net: GravesNet, batch: int, onehot: torch.Tensor | None, *,
                 use_numpy: bool | None = None, kind: str | None = None) -> None:
        cfg = net.config
        p = next(net.parameters())
        dev, dt = p.device, p.dtype
        self.use_numpy = dev.type == "cpu" if use_numpy is None else use_numpy
        H, L = cfg.hidden, cfg.layers
        V = cfg.alphabet_size if cfg.conditional else 0
        K = cfg.window if cfg.conditional else 0
        self.H, self.L, self.V, self.K, self.B = H, L, V, K, batch
        self.x0, self.w0 = H, H + 3       # where x and w start in Z
        self.hstart = [0] + [H + 3 + V + i * H for i in range(L - 1)]
        width = H + 3 + V + (L - 1) * H
        self.Z = torch.zeros(batch, width, device=dev, dtype=dt)
        self.c = [torch.zeros(batch, H, device=dev, dtype=dt) for _ in range(L)]
        self.gates = torch.empty(batch, 4 * H, device=dev, dtype=dt)
        self.tanh_c = torch.empty(batch, H, device=dev, dtype=dt)
        g = self.gates
        self.i, self.f, self.g, self.o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        self.h = [self.Z[:, s:s + H] for s in self.hstart]
        self.x = self.Z[:, self.x0:self.x0 + 3]
        self.w = self.Z[:, self.w0:self.w0 + V]
        # per layer: (input view of Z, weight, bias, c, h view, bfloat16 input buffer); views
        # made once, since even taking a torch slice costs microseconds. The weights come
        # prepared for this batch's kind of product (``step_weights.py``)
        self.kind = kind_for(batch, dev, dt) if kind is None else kind
        prepared = step_weights(net, self.kind, (self.x0, self.w0, self.hstart, width))
        self.layers = [(self.Z[:, a:b], w, bias, self.c[j], self.h[j],
                        torch.empty(batch, b - a, dtype=torch.bfloat16)
                        if self.kind == "bf16" else None)
                       for j, (a, b, w, bias) in enumerate(prepared.layers)]
        self.out_wt, self.out_b = prepared.out_wt, prepared.out_b
        self.params = torch.empty(batch, cfg.output_size, device=dev, dtype=dt)
        self.kappa = self.phi = None
        if K:
            if onehot is None or onehot.shape[0] != batch or onehot.shape[2] != V:
                raise ValueError("a conditional network needs a (B, U, V) one-hot text")
            self._window_buffers(net, onehot.detach().to(dev, dt).contiguous())
        self.set_input(torch.tensor([0.0, 0.0, 1.0], device=dev, dtype=dt))  # the start token

    def _window_buffers(self, net: GravesNet, onehot: torch.Tensor) -> None:
        B, K, V, U = self.B, self.K, self.V, onehot.shape[1]
        dev, dt = onehot.device, onehot.dtype
        self.attn_wt = net.attn.weight.detach().t().contiguous()
        self.attn_b = net.attn.bias.detach().clone()
        self.abk = torch.empty(B, 3 * K, device=dev, dtype=dt)
        self.kappa = torch.zeros(B, K, device=dev, dtype=dt)
        self.dist = torch.empty(B, K, U, device=dev, dtype=dt)
        self.phi3 = torch.empty(B, 1, U, device=dev, dtype=dt)
        self.phi = self.phi3[:, 0]
        self.w3 = torch.empty(B, 1, V, device=dev, dtype=dt)
        self.positions = torch.arange(U, device=dev, dtype=dt)
        self.onehot = onehot
        if self.use_numpy:  # numpy views of the same memory
            n = {name: getattr(self, name).numpy() for name in
                 ("abk", "kappa", "dist", "phi3", "w3", "positions", "onehot")}
            self.np = n
            abk = n["abk"]
            n["a"], n["b"], n["k"] = abk[:, None, :K], abk[:, K:2 * K, None], abk[:, 2 * K:]
            n["kappa3"], n["w"], n["w3_0"] = n["kappa"][:, :, None], self.w.numpy(), n["w3"][:, 0]
        else:
            self.a, self.b = self.abk[:, :K].unsqueeze(1), self.abk[:, K:2 * K].unsqueeze(2)
            self.k, self.kappa3 = self.abk[:, 2 * K:], self.kappa.unsqueeze(2)
            self.w3_0 = self.w3[:, 0]

    # --- state ---------------------------------------------------------------------------
    @torch.no_grad()
    def set_input(self, x: torch.Tensor) -> None:
        """The offset fed to the next step: ``(3,)`` or ``(B, 3)``, normalised."""
        self.x.copy_(x)

    @torch.no_grad()
    def load_state(self, state: State) -> None:
        for j in range(self.L):
            self.h[j].copy_(state.h[j])
            self.c[j].copy_(state.c[j])
        if self.K:
            self.kappa.copy_(state.kappa)
            self.w.copy_(state.w)

    def state(self) -> State:
        """A copy of the recurrent state, in :class:`network.State` form."""
        return State([h.clone() for h in self.h], [c.clone() for c in self.c],
                     self.kappa.clone() if self.K else None, self.w.clone() if self.K else None)

    # --- one step --------------------------------------------------------------------------
    def _cell(self, layer: int) -> None:
        inp, w, bias, c, h, low = self.layers[layer]
        if low is not None:  # bfloat16: the input rounded, the gates computed, back to fp32
            low.copy_(inp)
            torch.sigmoid(linear_pointwise(low, w, bias, "none", [], ""), out=self.gates)
        elif self.kind == "onednn":
            torch.sigmoid(linear_pointwise(inp, w, bias, "none", [], ""), out=self.gates)
        else:
            torch.addmm(bias, inp, w, out=self.gates)
            self.gates.sigmoid_()
        c.mul_(self.f)
        c.addcmul_(self.i, self.g, value=2.0)   # + i * (2 sigmoid(2g) - 1) = + i * tanh(g)
        c.sub_(self.i)
        torch.tanh(c, out=self.tanh_c)
        torch.mul(self.o, self.tanh_c, out=h)

    def _window_numpy(self) -> None:
        n = self.np
        torch.addmm(self.attn_b, self.h[0], self.attn_wt, out=self.abk)
        np.exp(n["abk"], out=n["abk"])
        n["kappa"] += n["k"]
        d = n["dist"]
        np.subtract(n["kappa3"], n["positions"], out=d)
        np.square(d, out=d)
        d *= n["b"]
        np.negative(d, out=d)
        np.exp(d, out=d)
        np.matmul(n["a"], d, out=n["phi3"])    # phi = sum_k a_k exp(-b_k (kappa_k - u)^2)
        np.matmul(n["phi3"], n["onehot"], out=n["w3"])
        n["w"][...] = n["w3_0"]

    def _window_torch(self) -> None:
        # _window_numpy for other devices: on the CPU it rounds differently, and is slower
        torch.addmm(self.attn_b, self.h[0], self.attn_wt, out=self.abk)
        self.abk.exp_()
        self.kappa.add_(self.k)
        d = self.dist
        torch.sub(self.kappa3, self.positions, out=d)
        d.square_()
        d.mul_(self.b)
        d.neg_()
        d.exp_()
        torch.bmm(self.a, d, out=self.phi3)
        torch.bmm(self.phi3, self.onehot, out=self.w3)
        self.w.copy_(self.w3_0)

    def step(self) -> torch.Tensor:
        """Advance one step from the current input; returns ``params (B, O)`` (a buffer that the
        next step overwrites). ``self.phi (B, U)`` holds this step's window weights. Every
        buffer is detached, so no autograd context is needed (nor paid for per step)."""
        self._cell(0)
        if self.K:
            self._window_numpy() if self.use_numpy else self._window_torch()
        for layer in range(1, self.L):
            self._cell(layer)
        torch.addmm(self.out_b, self.Z, self.out_wt, out=self.params)
        return self.params


class MixtureSampler:
    """Draws ``(dx, dy, eos)`` per line from ``params`` with bias ``bias`` and writes it both to
    the row given and to the stepper's input. Noise comes in chunks of ``chunk`` steps from
    ``noise`` (``noise.py``; a generator: :class:`noise.GeneratorNoise` of it), so a seed
    fixes every stroke."""

    def __init__(self, stepper: FastStepper, mixtures: int, bias: float,
                 noise: torch.Generator | GeneratorNoise | KeyedNoise, *,
                 chunk: int = 256) -> None:
        m, B = mixtures, stepper.B
        self.m, self.B, self.bias, self.chunk = m, B, float(bias), chunk
        self.use_numpy = stepper.use_numpy
        self.device, self.dtype = stepper.params.device, stepper.params.dtype
        if isinstance(noise, torch.Generator):
            noise = GeneratorNoise(noise, B, m, self.device, self.dtype)
        self.noise = noise
        self.scale = 1.0 + self.bias
        cols = [1 + m, 1 + 2 * m, 1 + 3 * m, 1 + 4 * m, 1 + 5 * m]  # mu_x mu_y sd_x sd_y rho
        dev, dt = self.device, self.dtype
        if self.use_numpy:
            p = stepper.params.numpy()
            self.p, self.logits, self.eos_logit = p, p[:, 1:1 + m], p[:, 0]
            self.x = stepper.x.numpy()
            self.pick = np.empty((B, m), np.float32)
            self.rows, self.cols = np.arange(B)[:, None], np.array(cols)
            self.gidx = np.empty((B, 5), np.int64)
        else:
            p = stepper.params
            self.p, self.logits, self.eos_logit, self.x = p, p[:, 1:1 + m], p[:, 0], stepper.x
            self.pick = torch.empty(B, m, device=dev, dtype=dt)
            self.idx = torch.empty(B, device=dev, dtype=torch.int64)
            self.cols = torch.tensor(cols, device=dev, dtype=torch.int64)
            self.gidx = torch.empty(B, 5, device=dev, dtype=torch.int64)
            self.g5 = torch.empty(B, 5, device=dev, dtype=dt)
            self.sech = torch.empty(B, device=dev, dtype=dt)
            self.q = torch.empty(B, device=dev, dtype=dt)
            self.eos = torch.empty(B, device=dev, dtype=torch.bool)
        self.t = chunk  # forces a draw on first use

    def _refill(self) -> None:
        gumbel, normal, logistic = self.noise.chunk(self.chunk)
        if self.use_numpy:
            gumbel, normal, logistic = gumbel.numpy(), normal.numpy(), logistic.numpy()
        self.gumbel, self.normal, self.logistic = gumbel, normal, logistic
        self.t = 0

    def draw(self, out) -> None:
        """Sample from the stepper's current ``params`` into ``out (B, 3)`` (numpy on the CPU
        path, torch otherwise) and into the stepper's input."""
        if self.t == self.chunk:
            self._refill()
        t = self.t
        self.t += 1
        if self.use_numpy:
            self._draw_numpy(t, out)
        else:
            self._draw_torch(t, out)

    def _draw_numpy(self, t: int, out: np.ndarray) -> None:
        pick = self.pick
        # component: argmax of biased logits + Gumbel noise, i.e. a draw from softmax(pi (1 + b))
        np.multiply(self.logits, self.scale, out=pick)
        pick += self.gumbel[t]
        np.add(pick.argmax(1)[:, None], self.cols, out=self.gidx)
        g = self.p[self.rows, self.gidx]                                  # (B, 5)
        sd = np.exp(np.maximum(g[:, 2:4] - self.bias, LOG_SD_MIN))        # eq. 62
        r = np.clip(g[:, 4], -RHO_RAW_CLAMP, RHO_RAW_CLAMP)
        n = self.normal[t]
        out[:, 0] = g[:, 0] + sd[:, 0] * n[:, 0]
        # correlated: rho n1 + sqrt(1 - rho^2) n2, with sqrt(1 - tanh(r)^2) = 1 / cosh(r)
        out[:, 1] = g[:, 1] + sd[:, 1] * (np.tanh(r) * n[:, 0] + n[:, 1] / np.cosh(r))
        out[:, 2] = self.eos_logit > self.logistic[t]
        self.x[...] = out

    def _draw_torch(self, t: int, out: torch.Tensor) -> None:
        # _draw_numpy for other devices: on the CPU it rounds differently, and is slower
        g5 = self.g5
        torch.add(self.gumbel[t], self.logits, alpha=self.scale, out=self.pick)
        torch.argmax(self.pick, 1, out=self.idx)
        torch.add(self.idx.unsqueeze(1), self.cols, out=self.gidx)
        torch.gather(self.p, 1, self.gidx, out=g5)
        sd = g5[:, 2:4]
        sd.sub_(self.bias).clamp_min_(LOG_SD_MIN).exp_()
        r = g5[:, 4]
        r.clamp_(-RHO_RAW_CLAMP, RHO_RAW_CLAMP)
        torch.cosh(r, out=self.sech)
        self.sech.reciprocal_()
        r.tanh_()
        n = self.normal[t]
        torch.addcmul(g5[:, 0], sd[:, 0], n[:, 0], out=out[:, 0])
        torch.mul(r, n[:, 0], out=self.q)
        self.q.addcmul_(self.sech, n[:, 1])
        torch.addcmul(g5[:, 1], sd[:, 1], self.q, out=out[:, 1])
        torch.gt(self.eos_logit, self.logistic[t], out=self.eos)
        out[:, 2].copy_(self.eos)
        self.x.copy_(out)


class StateRing:
    """The recurrent state of every row after each of the last ``size`` steps, so that a line
    can go on from the step where one of its rows ended (the word search, ``search.py``)."""

    def __init__(self, stepper: FastStepper, size: int) -> None:
        s = stepper
        if not s.K:
            raise ValueError("only a conditional network's state is kept")
        self.s, self.size = s, size
        self.Z = torch.empty(size, *s.Z.shape, device=s.Z.device, dtype=s.Z.dtype)
        self.c = torch.empty(size, s.L, s.B, s.H, device=s.Z.device, dtype=s.Z.dtype)
        self.kappa = torch.empty(size, *s.kappa.shape, device=s.Z.device, dtype=s.kappa.dtype)
        self.t = -1  # the last step recorded

    def record(self, t: int) -> None:
        """Keep the state after step ``t`` (the input slot holds the point drawn there)."""
        i = t % self.size
        self.Z[i].copy_(self.s.Z)
        for j in range(self.s.L):
            self.c[i, j].copy_(self.s.c[j])
        self.kappa[i].copy_(self.s.kappa)
        self.t = t

    def state(self, t: int, row: int) -> tuple[State, torch.Tensor]:
        """Row ``row``'s state after step ``t`` (one row) and the point drawn there, to feed
        next."""
        if not self.t - self.size < t <= self.t:
            raise ValueError(f"step {t} is no longer kept (steps {self.t - self.size + 1}.."
                             f"{self.t} are)")
        s, i = self.s, t % self.size
        Z = self.Z[i, row:row + 1]
        state = State([Z[:, a:a + s.H].clone() for a in s.hstart],
                      [self.c[i, j, row:row + 1].clone() for j in range(s.L)],
                      self.kappa[i, row:row + 1].clone(), Z[:, s.w0:s.w0 + s.V].clone())
        return state, Z[0, s.x0:s.x0 + 3].clone()
