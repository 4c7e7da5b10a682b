"""Layer 1 and the attention window for training: one autograd node with a hand-written BPTT.

Recording ~20 small operations per time step in the autograd graph cost as much as the layer's
matrix products (profiled: 0.5 s of graph building for 600 steps, and a backward of as many tiny
nodes). Here the forward runs graph-free into preallocated buffers, saving what the backward
needs; the backward walks the steps in reverse with the derivatives written out below, and the
weight gradients come at the end as two large matmuls over all steps (inner dimension T x B)
instead of one batch-sized matmul per step. tests/test_network.py holds every gradient to those
of a plain autograd step loop.

Per step t (i, f, g, o gates as in nn.LSTMCell; u = 0..U-1 character positions):
    z = gx_t + [w_{t-1}, h_{t-1}] @ Wr          i, f, o = sigmoid(z.), g = tanh(z_g)
    c_t = f c_{t-1} + i g                        h_t = o tanh(c_t)
    a, b, k = exp(h_t @ Wa + ba)                 kappa_t = kappa_{t-1} + k
    E_ku = exp(-b_k (kappa_k - u)^2)             phi_u = sum_k a_k E_ku      w_t = phi @ onehot
"""
from __future__ import annotations

import torch


class Layer1(torch.autograd.Function):
    """``apply(gx, Wr, Wa, ba, onehot, h0, c0, kappa0, w0, keep_phi)`` ->
    ``(hs (T,B,H), ws (T,B,V), c_T, kappa_T, phis (T,B,U) or empty)``.

    ``gx``: the input's share of the gates, biases included, for every step; ``Wr``: (V+H, 4H),
    rows for ``w`` then ``h`` (or (H, 4H) and ``Wa = None`` for the unconditional network).
    Runs in fp32 whatever autocast is active: the recurrence is a chain of small matmuls where
    bf16 saves little and would round the state 600 times.
    """

    @staticmethod
    def forward(ctx, gx, Wr, Wa, ba, onehot, h0, c0, kappa0, w0, keep_phi):
        with torch.autocast(gx.device.type, enabled=False):
            return _forward(ctx, gx.float(), Wr.float(), None if Wa is None else Wa.float(),
                            None if ba is None else ba.float(), onehot, h0.float(), c0.float(),
                            None if kappa0 is None else kappa0.float(),
                            None if w0 is None else w0.float(), keep_phi)

    @staticmethod
    def backward(ctx, g_hs, g_ws, g_cT, g_kappaT, _g_phis):
        with torch.autocast(g_hs.device.type, enabled=False):
            return _backward(ctx, g_hs, g_ws, g_cT, g_kappaT)


def _forward(ctx, gx, Wr, Wa, ba, onehot, h0, c0, kappa0, w0, keep_phi):
    T, B, G = gx.shape
    H = G // 4
    cond = Wa is not None
    V = Wr.shape[0] - H
    dev = gx.device
    new = lambda *shape: torch.empty(*shape, device=dev, dtype=torch.float32)  # noqa: E731
    inp = new(T, B, V + H)      # [w_{t-1}, h_{t-1}]: the input of each step's matmul
    act = new(T, B, G)          # activated gates i, f, g, o
    cs = new(T + 1, B, H)       # c_{t-1} for t = 0..T
    hs = new(T, B, H)
    cs[0] = c0
    if cond:
        K = Wa.shape[1] // 3
        U = onehot.shape[1]
        abk = new(T, B, 3 * K)  # exp(attention parameters): a, b, k
        kappas = new(T, B, K)
        ws = new(T, B, onehot.shape[2])
        phis = new(T, B, U) if keep_phi else new(0)
        positions = torch.arange(U, device=dev, dtype=torch.float32)
        kappa, w = kappa0, w0
    h = h0
    z = new(B, G)
    for t in range(T):
        if cond:
            inp[t, :, :V] = w
        inp[t, :, V:] = h
        torch.addmm(gx[t], inp[t], Wr, out=z)
        a_t = act[t]
        torch.sigmoid(z, out=a_t)
        torch.tanh(z[:, 2 * H:3 * H], out=a_t[:, 2 * H:3 * H])
        i, f, g, o = a_t.chunk(4, 1)
        c = cs[t + 1]
        torch.mul(f, cs[t], out=c)
        c.addcmul_(i, g)
        h = hs[t]
        torch.mul(o, torch.tanh(c), out=h)
        if cond:
            e = abk[t]
            torch.addmm(ba, h, Wa, out=e)
            e.exp_()
            a, b, k = e.chunk(3, 1)
            kappa = torch.add(kappa, k, out=kappas[t])
            # no graph is recorded here, so in-place operations are safe and save allocations
            E = (kappa[:, :, None] - positions).square_().mul_(b[:, :, None]).neg_().exp_()
            phi = torch.bmm(a[:, None, :], E)                    # (B, 1, U)
            if keep_phi:
                phis[t] = phi[:, 0]
            w = ws[t]
            torch.bmm(phi, onehot, out=w[:, None, :])
    # gx itself is not needed (its gradient is computed afresh): not keeping it saves T*B*4H
    ctx.save_for_backward(Wr, Wa, onehot, inp, act, cs, hs,
                          abk if cond else None, kappas if cond else None)
    ctx.sizes = (T, B, H, V)
    if not cond:
        ws, kappa_T, phis = new(0), new(0), new(0)
    else:
        kappa_T = kappas[T - 1].clone()
    ctx.mark_non_differentiable(phis)  # for the attention figures only
    return hs, ws, cs[T].clone(), kappa_T, phis


def _backward(ctx, g_hs, g_ws, g_cT, g_kappaT):
    Wr, Wa, onehot, inp, act, cs, hs, abk, kappas = ctx.saved_tensors
    T, B, H, V = ctx.sizes
    cond = Wa is not None
    g_gx = torch.empty_like(act)   # gradient of each step's gates z: also the rows of dWr
    gh = torch.zeros(B, H, device=act.device)      # from step t+1 through its input
    gc = g_cT.float().clone() if g_cT is not None else torch.zeros_like(gh)
    g_hs = g_hs.float() if g_hs is not None else torch.zeros_like(hs)
    if cond:
        K = Wa.shape[1] // 3
        U = onehot.shape[1]
        positions = torch.arange(U, device=act.device, dtype=torch.float32)
        onehot_t = onehot.transpose(1, 2)
        g_abk = torch.empty_like(abk)
        gw = torch.zeros(B, V, device=act.device)  # from step t+1 through its input
        gk = (g_kappaT.float().clone() if g_kappaT is not None and g_kappaT.numel()
              else torch.zeros(B, K, device=act.device))
        g_ws = g_ws.float() if g_ws is not None and g_ws.numel() else torch.zeros(T, B, V, device=act.device)
        Wa_t = Wa.t()
    Wr_t = Wr.t()
    for t in range(T - 1, -1, -1):
        gh = gh + g_hs[t]
        # (no graph is recorded in a backward: in-place operations below are safe)
        if cond:
            # the window: w_t = phi @ onehot, phi = sum_k a_k E_k, E = exp(-b d^2), d = kappa - u
            a, b, k = abk[t].chunk(3, 1)
            d = kappas[t][:, :, None] - positions                    # (B, K, U)
            d2 = d.square()
            E = (d2 * b[:, :, None]).neg_().exp_()
            g_phi = torch.bmm((gw + g_ws[t])[:, None, :], onehot_t)  # (B, 1, U)
            ga = torch.bmm(E, g_phi.transpose(1, 2))[:, :, 0]      # (B, K)
            q = E.mul_(g_phi).mul_(a[:, :, None])                   # dL/dE * E
            gb = (q * d2).sum(2)                                    # -dL/db
            gk = gk - (q.mul_(d).sum(2)).mul_(b).mul_(2)            # kappa_t feeds kappa_{t+1} too
            ge = g_abk[t]
            torch.mul(ga, a, out=ge[:, :K])
            torch.mul(gb, b, out=ge[:, K:2 * K]).neg_()
            torch.mul(gk, k, out=ge[:, 2 * K:])
            gh = torch.addmm(gh, ge, Wa_t)
        at = act[t]
        i, f, g, o = at.chunk(4, 1)
        tc = torch.tanh(cs[t + 1])
        gc = gc + (1 - tc * tc).mul_(o).mul_(gh)
        gz = g_gx[t]
        gi, gf, gg, go = gz.chunk(4, 1)
        # the gates' gradients before their nonlinearity, then all four derivatives at once
        torch.mul(gc, g, out=gi)
        torch.mul(gc, cs[t], out=gf)
        torch.mul(gc, i, out=gg)
        torch.mul(gh, tc, out=go)
        deriv = at * (1 - at)                                        # sigmoid' for i, f, o
        torch.mul(g, g, out=deriv[:, 2 * H:3 * H]).neg_().add_(1)  # tanh' for g
        gz.mul_(deriv)
        gc = gc * f
        g_inp = gz @ Wr_t                                            # (B, V + H)
        gh = g_inp[:, V:]
        if cond:
            gw = g_inp[:, :V]
    # every step's weight gradient at once: inner dimension T x B, not B
    g_Wr = inp.reshape(T * B, -1).t() @ g_gx.reshape(T * B, -1)
    if not cond:
        return g_gx, g_Wr, None, None, None, gh, gc, None, None, None
    g_Wa = hs.reshape(T * B, H).t() @ g_abk.reshape(T * B, -1)
    g_ba = g_abk.sum((0, 1))
    return g_gx, g_Wr, g_Wa, g_ba, None, gh, gc, gk, gw, None
