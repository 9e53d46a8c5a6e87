"""Mutation run: does every formula have a check or a test that fails when it is wrong?

Each mutation replaces one exact piece of source text (it must occur exactly once) in a
temporary copy of the work tree (the files as they are on disk, not HEAD), then runs

1. ``python -m proofs_check --only <claims> --json ...``: the claims the mutation concerns
   (a fast subset of the default run; ``--all-claims`` runs every claim), and
2. ``python -m pytest -q <test files>`` (``--all-tests`` runs the whole suite),

and prints which check or test caught it. The tests run only when no check caught the
mutation (``--both`` runs them always; it takes about twice as long). A check "catches" a
mutation when it passes on the unmutated copy (the baseline run first) and fails, errors or
disappears under the mutation; a test catches it when it fails under the mutation and
passes on the unmutated copy (the listed files run whole, unmutated once per set of files;
tests failing unmutated are reported and never counted). A mutation nothing catches is
reported as SURVIVED, and the exit code is 1. A mutation whose text is no longer found is
reported as STALE (exit code 1 as well): update its ``old`` text after the code moved.

Usage (from the repository root; the machine is shared, so nice and one job at a time)::

    nice -n 10 python tools/mutate.py                 # every mutation
    nice -n 10 python tools/mutate.py --only M07,M21  # some of them
    python tools/mutate.py --list

To add a mutation, append a ``Mutation`` to ``MUTATIONS``: an ID, what it breaks, the file,
the exact old text and its replacement, the claim IDs whose checks should catch it, and
the test files that should.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(
    ".git", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache", "*.sqlite"
)


@dataclass(frozen=True)
class Mutation:
    id: str
    what: str
    path: str
    old: str
    new: str
    claims: str  # comma-separated claim IDs for ``proofs_check --only``
    tests: tuple[str, ...]  # test files (or node IDs) for pytest


P, N, S, T, W, WC, FL = (
    "tests/claims/test_properties.py",
    "tests/numerics/hp/test_precise.py",
    "tests/numerics/gd/test_simulator.py",
    "tests/theory/test_theory.py",
    "tests/numerics/hp/test_channels.py",
    "tests/numerics/gd/test_channels_compiled.py",
    "tests/numerics/hp/test_flow.py",
)

MUTATIONS: tuple[Mutation, ...] = (
    # ---- the 20 mutations of the earlier closing note (issue 2/5/6, stop 7)
    Mutation(
        "M01",
        "T1 sign flipped",
        "theory/networks.py",
        "return [-g for g in correlate(residual(filters, x, y), all_but(filters, x, i))]",
        "return [g for g in correlate(residual(filters, x, y), all_but(filters, x, i))]",
        "T1",
        (P, T),
    ),
    Mutation(
        "M02",
        "correlation index j-k -> j+k",
        "theory/signals.py",
        "return [total([r[j] * u[(j - k) % n] for j in range(n)]) for k in range(n)]",
        "return [total([r[j] * u[(j + k) % n] for j in range(n)]) for k in range(n)]",
        "T1,T2",
        (P, T),
    ),
    Mutation(
        "M03",
        "convolution index j-k -> j+k",
        "theory/signals.py",
        "return [total([a[k] * b[(j - k) % n] for k in range(n)]) for j in range(n)]",
        "return [total([a[k] * b[(j + k) % n] for k in range(n)]) for j in range(n)]",
        "T1,T2",
        (P, T),
    ),
    Mutation(
        "M04",
        "C4: sqrt(n) -> n in h",
        "theory/networks.py",
        "return [-(gain * sqrt(n) / s) * (pyj - proj * uj)",
        "return [-(gain * n / s) * (pyj - proj * uj)",
        "C4",
        (P, N),
    ),
    Mutation(
        "M05",
        "C4: projection sign",
        "theory/networks.py",
        "return [-(gain * sqrt(n) / s) * (pyj - proj * uj)",
        "return [-(gain * sqrt(n) / s) * (pyj + proj * uj)",
        "C4",
        (P, N),
    ),
    Mutation(
        "M06",
        "T3: step sign",
        "numerics/gd/simulate.py",
        "g = 1.0 + etas[:, :, None] * self.q[:, None, :] / self.rho2",
        "g = 1.0 - etas[:, :, None] * self.q[:, None, :] / self.rho2",
        "T3,C5",
        (P, S),
    ),
    Mutation(
        "M07",
        "T4: modulus update drops Im g",
        "numerics/gd/simulate.py",
        "self.rho2 = self.rho2 * (g.real**2 + g.imag**2)",
        "self.rho2 = self.rho2 * g.real**2",
        "T3,C3,C5",
        (P, S),
    ),
    Mutation(
        "M08",
        "C5: drop sqrt(n) in h-hat",
        "numerics/gd/simulate.py",
        "e[:, 1:] = -(head.gain * rt / s)[:, None]",
        "e[:, 1:] = -(head.gain / s)[:, None]",
        "C3,C5,C6",
        (P, S),
    ),
    Mutation(
        "M09",
        "plain loss factor 1/2 dropped",
        "numerics/gd/simulate.py",
        "loss = (weights * abs2(r)).sum(-1) / (2 * n)",
        "loss = (weights * abs2(r)).sum(-1) / n",
        "T3",
        (P, S),
    ),
    Mutation(
        "M10",
        "half-spectrum weight of w=0",
        "numerics/gd/core.py",
        "    w[0] = 1.0\n    if n % 2 == 0:",
        "    w[0] = 2.0\n    if n % 2 == 0:",
        "T2,T3,T8",
        (P, N),
    ),
    Mutation(
        "M11",
        "CN gain gradient sign (Fourier path)",
        "numerics/gd/simulate.py",
        "return loss, e, n * head.gain - rt * proj,",
        "return loss, e, n * head.gain + rt * proj,",
        "C5,C7",
        (P, S),
    ),
    Mutation(
        "M12",
        "grad_norms: 1/n dropped",
        "numerics/hp/precise.py",
        "out[i] = (sum((p * s for p, s in zip(prefix[i], suffix)), arb(0)) / n).sqrt()",
        "out[i] = (sum((p * s for p, s in zip(prefix[i], suffix)), arb(0))).sqrt()",
        "T2,C4,C6",
        (N,),
    ),
    Mutation(
        "M13",
        "grad_norms CN: sqrt(n) -> n (arb path)",
        "numerics/hp/precise.py",
        "scale = -arb(n).sqrt() / s",
        "scale = -arb(n) / s",
        "C4,C6",
        (N,),
    ),
    Mutation(
        "M14",
        "T6 integrand de/(2 R q): factor 2 dropped (real-point evaluation, gf_time)",
        "numerics/hp/gf_time.py",
        "return ds / (2 * big_r(q, k) * q)",
        "return ds / (big_r(q, k) * q)",
        "T6,T9",
        (N, FL),
    ),
    Mutation(
        "M15",
        "T6 bound: factor 2 dropped",
        "numerics/hp/flow.py",
        "return d1 / (2 * abs(flow.r0) * abs(flow.a)",
        "return d1 / (abs(flow.r0) * abs(flow.a)",
        "T6,T9",
        (N, FL),
    ),
    Mutation(
        "M16",
        "T6 at the turning point: e = t^2 without its Jacobian 2t (extra factor 1/2; real-point evaluation, gf_time)",
        "numerics/hp/gf_time.py",
        "return ds / (big_r(s * root, a2 * e * d1_e) * root)",
        "return ds / (2 * big_r(s * root, a2 * e * d1_e) * root)",
        "T6,T9",
        (N, FL),
    ),
    Mutation(
        "M17",
        "T9 GD bound doubled",
        "numerics/mc/experiments.py",
        "gd_bound = 2 / (2 + theta) * bound / eta",
        "gd_bound = 4 / (2 + theta) * bound / eta",
        "T9",
        (S,),
    ),
    Mutation(
        "M18",
        "T8 second moment: real m_w = 2",
        "numerics/mc/rates.py",
        "m[0] = 3.0",
        "m[0] = 2.0",
        "T8",
        (N,),
    ),
    Mutation(
        "M19",
        "T7 delta_c: e^delta dropped",
        "numerics/hp/constants.py",
        "mpmath.log(t) + mpmath.exp(t) * mpmath.e1(t), mpmath.mpf",
        "mpmath.log(t) + mpmath.e1(t), mpmath.mpf",
        "T7",
        (N,),
    ),
    Mutation(
        "M20",
        "T7 complex log moment factor 1/2",
        "numerics/hp/constants.py",
        "return -mp.euler / 2",
        "return -mp.euler",
        "T7",
        (N,),
    ),
    # ---- new: the code of the audit (issue 13) and the independent paths it added
    Mutation(
        "M21",
        "time-domain reference: CN backward sign",
        "numerics/gd/reference.py",
        "e = -(gain[:, None] * np.sqrt(n) / s) * ((y - y.mean()) - proj * u_hat)",
        "e = -(gain[:, None] * np.sqrt(n) / s) * ((y - y.mean()) + proj * u_hat)",
        "C3,C5",
        (P, S),
    ),
    Mutation(
        "M22",
        "time-domain second moment: 1/n of the c_1 expectation dropped",
        "numerics/gd/reference.py",
        "np.sum(gram**2, (-2, -1)) / n)",
        "np.sum(gram**2, (-2, -1)))",
        "T8",
        (N,),
    ),
    Mutation(
        "M23",
        "T8 second moment: complex m_w = 2 -> 2.2",
        "numerics/mc/rates.py",
        "m = np.full(n, 2.0)",
        "m = np.full(n, 2.2)",
        "T8",
        (N,),
    ),
    Mutation(
        "M24",
        "T8 profile: log ||grad||^2 reported as log ||grad||",
        "numerics/mc/rates.py",
        "out[D] = float(mpmath.log(sq) / 2)",
        "out[D] = float(mpmath.log(sq))",
        "T8",
        (N,),
    ),
    Mutation(
        "M25",
        "Fourier-state gradient norms: 1/n dropped",
        "numerics/gd/simulate.py",
        "/ self.rho2).sum(-1) / self.n)",
        "/ self.rho2).sum(-1))",
        "T2,T8,C3,C6",
        (P, S),
    ),
    Mutation(
        "M26",
        "C3 experiment: eta^2 -> eta",
        "numerics/mc/experiments.py",
        "predicted = eta**2 * res.record",
        "predicted = eta * res.record",
        "C3",
        (),
    ),
    Mutation(
        "M27",
        "C6 limit law: sqrt(n) dropped",
        "numerics/mc/experiments.py",
        "return math.sqrt(n) * np.abs(y_hat[w])",
        "return np.abs(y_hat[w])",
        "C6",
        (),
    ),
    Mutation(
        "M28",
        "CN output: sqrt(n) -> n",
        "theory/networks.py",
        "return [gain * sqrt(n) * v / s + bias for v in pz]",
        "return [gain * n * v / s + bias for v in pz]",
        "C1,C2,C4",
        (P, T),
    ),
    Mutation(
        "M29",
        "CN bias in the Fourier state: DFT of the constant bias 1 is n, not 1",
        "numerics/gd/simulate.py",
        "o[:, 0] = n * head.bias",
        "o[:, 0] = head.bias",
        "C5,C7",
        (P, S),
    ),
    Mutation(
        "M30",
        "T5: GF rhs conj dropped",
        "numerics/hp/flow.py",
        "return [r * mpmath.conj(a * mpmath.fprod(z[:i] + z[i + 1 :])) for i in range(len(z))]",
        "return [r * (a * mpmath.fprod(z[:i] + z[i + 1 :])) for i in range(len(z))]",
        "T5",
        (N,),
    ),
    # ---- new: width-k networks (THEORY section 4, claims M1-M5) and the compiled kernel
    Mutation(
        "M31",
        "M1 backprop: delta_{i-1}[b] by convolution with c_i[a,b] (not its adjoint, correlation)",
        "theory/channels.py",
        "                acc = correlate(delta[0], filters[i][0][b])\n"
        "                for a in range(1, len(delta)):\n"
        "                    acc = _add(acc, correlate(delta[a], filters[i][a][b]))",
        "                acc = convolve(delta[0], filters[i][0][b])\n"
        "                for a in range(1, len(delta)):\n"
        "                    acc = _add(acc, convolve(delta[a], filters[i][a][b]))",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M32",
        "M1 gradient: correlate with the pre-CN/ReLU v_{i-1} instead of the layer output z_{i-1}",
        "theory/channels.py",
        "z_in = fw.z[i - 1] if i > 0 else [list(x)]",
        "z_in = fw.v[i - 1] if i > 0 else [list(x)]",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M33",
        "M3 CN backward: centering P of delta dropped",
        "theory/channels.py",
        "for pd, u in zip(center(delta), u_hat, strict=True)",
        "for pd, u in zip(delta, u_hat, strict=True)",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M34",
        "M3 CN gain gradient sign (time domain)",
        "theory/channels.py",
        "g_gain[i] = [-inner(da, cn_output(ra, 1, 0, sqrt))",
        "g_gain[i] = [inner(da, cn_output(ra, 1, 0, sqrt))",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M35",
        "channel_grad_norms: Parseval factor 1/n dropped",
        "numerics/hp/channels.py",
        "mpmath.fsum(m * _sq(ew) * _sq(zw) for m, ew, zw in zip(mult, e, inputs[i])) / n",
        "mpmath.fsum(m * _sq(ew) * _sq(zw) for m, ew, zw in zip(mult, e, inputs[i]))",
        "M1",
        (W,),
    ),
    Mutation(
        "M36",
        "channel_grad_norms: back-propagate with C^T, not C^H (conj dropped)",
        "numerics/hp/channels.py",
        "[mpmath.conj(m[a][b]) for a in range(len(m))]",
        "[m[a][b] for a in range(len(m))]",
        "M1",
        (W,),
    ),
    Mutation(
        "M37",
        "channel_grad_norms CN: s = ||P v|| includes w = 0 (centering dropped)",
        "numerics/hp/channels.py",
        "s2 = mpmath.fsum(m * abs(t) ** 2 for m, t in zip(mult[1:], v[1:])) / n",
        "s2 = mpmath.fsum(m * abs(t) ** 2 for m, t in zip(mult, v)) / n",
        "M1",
        (W,),
    ),
    Mutation(
        "M38",
        "width_rate: real frequency at k, not k/2",
        "numerics/hp/channels.py",
        "m = mpmath.mpf(k) / 2 if real else mpmath.mpf(k)\n        if m >= dps",
        "m = mpmath.mpf(k)\n        if m >= dps",
        "M2",
        (W,),
    ),
    Mutation(
        "M39",
        "width_rate: (psi(k) - log k) not halved (rate of ||grad||^2)",
        "numerics/hp/channels.py",
        "value = (mpmath.digamma(m) - mpmath.log(m)) / 2",
        "value = mpmath.digamma(m) - mpmath.log(m)",
        "M2",
        (W,),
    ),
    Mutation(
        "M40",
        "spread: factor 1/2 dropped (sd of log ||grad||^2)",
        "numerics/hp/channels.py",
        "return 0.5 * math.sqrt(depth_factors * float(mpmath.psi(1, m)))",
        "return math.sqrt(depth_factors * float(mpmath.psi(1, m)))",
        "M2",
        (W,),
    ),
    Mutation(
        "M41",
        "mean square: target |x̂_w|^2/n (Parseval confused)",
        "numerics/hp/channels.py",
        "target = np.abs(x_hat) ** 2",
        "target = np.abs(x_hat) ** 2 / n",
        "M2",
        (W,),
    ),
    Mutation(
        "M42",
        "nested Monte Carlo: first layer's fan-in factor sqrt(k) dropped",
        "numerics/hp/channels.py",
        "col = math.sqrt(k) * W[:, :, 0]",
        "col = W[:, :, 0]",
        "M2",
        (W,),
    ),
    Mutation(
        "M43",
        "channel GD: step sign",
        "numerics/gd/channel_gd.py",
        "self.v_c[i] = mu * self.v_c[i] - etas[i] * self.grad_c[i]",
        "self.v_c[i] = mu * self.v_c[i] + etas[i] * self.grad_c[i]",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M44",
        "channel GD: gain momentum reads the bias velocity",
        "numerics/gd/channel_gd.py",
        "self.v_g[i] = mu * self.v_g[i] - eta * self.grad_g[i]",
        "self.v_g[i] = mu * self.v_b[i] - eta * self.grad_g[i]",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M45",
        "channel GD: CN gain gradient sqrt(n) dropped",
        "numerics/gd/channel_gd.py",
        "self.grad_g[i] = np.sqrt(n) * self.inner(e, u)",
        "self.grad_g[i] = self.inner(e, u)",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M46",
        "channel GD: CN bias gradient ê_0/n (it is ê_0 = sum_j e_j)",
        "numerics/gd/channel_gd.py",
        "self.grad_b[i] = e[..., 0].real",
        "self.grad_b[i] = e[..., 0].real / n",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M47",
        "channel GD: ReLU mask dropped in the backward pass",
        "numerics/gd/channel_gd.py",
        'e = np.fft.rfft(self.to_time(e) * entry["mask"], axis=-1)',
        "e = np.fft.rfft(self.to_time(e), axis=-1)",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "M48",
        "compiled step: g = 1 + eta conj(q)/rho2 (sign of Im)",
        "numerics/gd/compiled.py",
        "gi = etas[i] * q_i / r2\n                    if mu",
        "gi = -etas[i] * q_i / r2\n                    if mu",
        "T3,C5",
        (S,),
    ),
    Mutation(
        "M49",
        "compiled momentum: m = g - 1, not (g - 1)/g",
        "numerics/gd/compiled.py",
        "mr[w, i], mi[w, i] = _divide(gr - 1.0, gi, gr, gi)",
        "mr[w, i], mi[w, i] = gr - 1.0, gi",
        "T3,C5",
        (S,),
    ),
    Mutation(
        "M50",
        "compiled CN: proj = n <Pz, y>/s without the 1/n",
        "numerics/gd/compiled.py",
        "proj = pr / (n * s)",
        "proj = pr / s",
        "C3,C5",
        (S,),
    ),
    Mutation(
        "M51",
        "compiled T9 tracking: tau = |f̂| S (|f̂|^2 intended; S = sum_i eta_i/rho2_i)",
        "numerics/gd/compiled.py",
        "tau = max(tau, fa**2 * S)",
        "tau = max(tau, fa * S)",
        "T9",
        (S,),
    ),
    Mutation(
        "M52",
        "compiled CN: output gain gradient sign",
        "numerics/gd/compiled.py",
        "v_gain = mu * v_gain - eta * (n * gain - rt * proj)",
        "v_gain = mu * v_gain - eta * (n * gain + rt * proj)",
        "C5",
        (S,),
    ),
    Mutation(
        "M53",
        "channel_grad_norms CN forward: z = sqrt(n) v/s without sqrt(n)",
        "numerics/hp/channels.py",
        "[mpmath.sqrt(n) * v[w][a] / s[a] for a in range(ks[i + 1])]",
        "[v[w][a] / s[a] for a in range(ks[i + 1])]",
        "M1",
        (W,),
    ),
    Mutation(
        "M54",
        "compiled record: gradient norm without Parseval's 1/n",
        "numerics/gd/compiled.py",
        "rec_grad[j, t, i] = math.sqrt(g2 / n)",
        "rec_grad[j, t, i] = math.sqrt(g2)",
        "C3,T8",
        (S,),
    ),
    # ---- new: the compiled width-k kernel (the default for linear width-k runs)
    Mutation(
        "M55",
        "compiled channels: CN gain gradient sqrt(n) <e, u> without sqrt(n)",
        "numerics/gd/compiled_channels.py",
        "grad_gain, grad_bias = rt * ip, er[p, a, 0]",
        "grad_gain, grad_bias = ip, er[p, a, 0]",
        "M1,M3",
        (WC, W),
    ),
    Mutation(
        "M56",
        "compiled channels: e <- C^T e (conj dropped) in the sum over a >= 1",
        "numerics/gd/compiled_channels.py",
        "er[q, b, w] += ar * er[p, a, w] + ai * ei[p, a, w]\n"
        "                                    ei[q, b, w] += ar * ei[p, a, w] - ai * er[p, a, w]",
        "er[q, b, w] += ar * er[p, a, w] - ai * ei[p, a, w]\n"
        "                                    ei[q, b, w] += ar * ei[p, a, w] + ai * er[p, a, w]",
        "M1,M3",
        (WC, W),
    ),
    Mutation(
        "M57",
        "compiled channels: step sign (momentum-free update)",
        "numerics/gd/compiled_channels.py",
        "cr[i, a, b, w] += -(eta_i * gr)\n                                        ci[i, a, b, w] += -(eta_i * gi)",
        "cr[i, a, b, w] += eta_i * gr\n                                        ci[i, a, b, w] += eta_i * gi",
        "M1,M3",
        (WC, W),
    ),
    # ---- new: the branches of the exact flow time (numerics/hp/flow.py after the flow merge)
    Mutation(
        "M58",
        "flow time, start far above the target: q^2 increment (r0 - r1)(g0 - q_r), not (g0 + q_r)",
        "numerics/hp/gf_time.py",
        "(r0 - r1) * (g0 + q_r)",
        "(r0 - r1) * (g0 - q_r)",
        "T6,T9",
        (FL,),
    ),
    Mutation(
        "M59",
        "flow time through 0: a unique smallest layer taken for a stall (ties >= 1)",
        "numerics/hp/gf_exact.py",
        "and self.ties >= 2",
        "and self.ties >= 1",
        "T6,T9",
        (FL,),
    ),
    Mutation(
        "M60",
        "flow time, turning point: |f|^2 = h (not h^2) off the line through 0",
        "numerics/hp/gf_time.py",
        'h**2 / geo.a2, "x at the turning point"',
        'h / geo.a2, "x at the turning point"',
        "T6,T9",
        (FL,),
    ),
    Mutation(
        "M61",
        "flow time: sign of the start gap |r0| - c (which side of the turning point): g0_num = +Re(f0 conj r0)",
        "numerics/hp/gf_exact.py",
        "g0_num=-f0_conj_r0[0],",
        "g0_num=f0_conj_r0[0],",
        "T6,T9",
        (FL,),
    ),
    Mutation(
        "M62",
        "flow time, arb quadrature: Jacobian of e = u1 expm1(w) taken as u1 expm1(w)",
        "numerics/hp/gf_time.py",
        "s = u1 * w.expm1()\n        ds = u1 * w.exp()\n        if turning:  # e = s^2",
        "s = u1 * w.expm1()\n        ds = u1 * w.expm1()\n        if turning:  # e = s^2",
        "T6,T9",
        (FL,),
    ),
    Mutation(
        "M63",
        "CN error spectrum (mpmath, used by the T8 profile): sqrt(n) -> n",
        "numerics/hp/precise.py",
        "scale = -mpmath.sqrt(n) / s",
        "scale = -n / s",
        "T8,C6",
        (N,),
    ),
)

# ---- the independent set of issue 22: written from THEORY.md and the source tree alone,
# without reading proofs_check/claims, docs/mutations.md or the mutations above. Each `what`
# starts with its kind of blind spot: [1] a special input where the error cancels, [2] a
# typed constant, [3] statistics, [4] a tolerance constant, [5] a path only torch exercises,
# [6] a self-referential comparison (the reference quietly becomes the checked function: the
# values still agree, so only a check of the two sides' independence can see it), [w] the
# width-k code. Scores and what each kind of check was missing: docs/mutations.md,
# "Independent set".
AP, EX, PP, CLI, ST, CF, AC = (
    "tests/numerics/hp/test_allpass.py",
    "tests/numerics/mc/test_explosion.py",
    "tests/paper/test_paper.py",
    "tests/proofs_check/test_cli.py",
    "tests/claims/test_statistics.py",  # the statistics tested as code
    "tests/claims/test_can_fail.py",  # every check can fail; its two sides come from different code
    "tests/claims/test_allpass_claim.py",
)

INDEPENDENT: tuple[Mutation, ...] = (
    Mutation(
        "N01",
        "[1] T6 lower bound: |f| >= (1 - goal)|b| read as goal |b| (equal at goal = 0.5)",
        "numerics/hp/flow.py",
        "log_star = 2 * mpmath.log((1 - goal) * abs(flow.b) / abs(flow.a))",
        "log_star = 2 * mpmath.log(goal * abs(flow.b) / abs(flow.a))",
        "T6,T9",
        (FL, P),
    ),
    Mutation(
        "N02",
        "[1] exact GF time: the path ends at |r| = (1 - goal)|b| instead of goal |b| (equal at goal = 0.5)",
        "numerics/hp/gf_exact.py",
        "r1=q_to_arb(ex.goal) * q_to_arb(ex.b2).sqrt(),",
        "r1=q_to_arb(1 - ex.goal) * q_to_arb(ex.b2).sqrt(),",
        "T6,T9,X3",
        (FL,),
    ),
    Mutation(
        "N03",
        "[1] T8 exact second moment: m_w = 3 put on w = n/2 - 1 instead of n/2 (a frequency-index "
        "slip, invisible when |x̂_w| is flat, e.g. x = e0)",
        "numerics/mc/rates.py",
        "m[n // 2] = 3.0",
        "m[n // 2 - 1] = 3.0",
        "T8",
        (N,),
    ),
    Mutation(
        "N04",
        "[1][w] width-k exact norms: the Nyquist frequency w = n/2 counted twice (invisible at odd n)",
        "numerics/hp/channels.py",
        "return [1 if (w == 0 or 2 * w == n) else 2 for w in range(n // 2 + 1)]",
        "return [1 if w == 0 else 2 for w in range(n // 2 + 1)]",
        "M1,M2,M3",
        (W,),
    ),
    Mutation(
        "N05",
        "[1][w] width-k exact norms: ||ê z^H||_F^2 of the rank-one gradient taken as |ê . z|^2 "
        "(equal at k = 1)",
        "numerics/hp/channels.py",
        "mpmath.fsum(m * _sq(ew) * _sq(zw) for m, ew, zw in zip(mult, e, inputs[i])) / n",
        "mpmath.fsum(m * abs(mpmath.fdot(ew, zw)) ** 2 for m, ew, zw in zip(mult, e, inputs[i])) / n",
        "M1,M2,M3",
        (W,),
    ),
    Mutation(
        "N06",
        "[1][w] width-k CN: s = ||P v|| includes w = 0 (invisible whenever the channel's input is "
        "centered: every layer after the first, and the first when x is centered)",
        "numerics/hp/channels.py",
        "zip(mult[1:], v[1:])",
        "zip(mult, v)",
        "M1,M3",
        (W,),
    ),
    Mutation(
        "N07",
        "[1] compiled CN GD: the output-bias gradient n b - ŷ_0 becomes b - ŷ_0 (invisible when y "
        "is centered: the bias then stays 0)",
        "numerics/gd/compiled.py",
        "v_bias = mu * v_bias - eta * (n * bias - y_re[0])",
        "v_bias = mu * v_bias - eta * (bias - y_re[0])",
        "C3,C5,C7",
        (S,),
    ),
    Mutation(
        "N08",
        "[1] all-pass filters: the random sign goes to the last bin when n is odd, not when n is even "
        "(at even n the Nyquist bin keeps a complex phase, so |ĉ_{n/2}| != 1)",
        "numerics/hp/allpass.py",
        "    if n % 2 == 0:\n        spec[..., -1]",
        "    if n % 2 == 1:\n        spec[..., -1]",
        "X3",
        (AP,),
    ),
    Mutation(
        "N09",
        "[1] X3(b) balanced time: speed factor |x̂|^(1/d) instead of |x̂|^(2/d) (invisible when "
        "|x̂_w| = 1, e.g. x = e0)",
        "numerics/hp/allpass.py",
        "scale = d * abs(a) ** (mpmath.mpf(2) / d)",
        "scale = d * abs(a) ** (mpmath.mpf(1) / d)",
        "X3",
        (AP,),
    ),
    Mutation(
        "N10",
        "[1] T8 log-norm profile: |ĉ_1|^2 multiplied into 'all but layer 1' (a per-draw constant "
        "offset: every slope in d is unchanged)",
        "numerics/mc/rates.py",
        "            if D >= 2:\n",
        "            if D >= 1:\n",
        "T8,C6",
        (N,),
    ),
    Mutation(
        "N11",
        "[1][w] M2 nested Monte Carlo: the first layer loses its sqrt(k) fan-in factor (it enters "
        "only through f̂ << ŷ: a change below 1e-2, none at k = 1)",
        "numerics/hp/channels.py",
        "col = math.sqrt(k) * W[:, :, 0]",
        "col = W[:, :, 0]",
        "M2",
        (W,),
    ),
    Mutation(
        "N12",
        "[1][w] compiled width-k GD: e <- Ĉ^H e skips output channel a = 1 (invisible at k = 1)",
        "numerics/gd/compiled_channels.py",
        "for a in range(1, ko):",
        "for a in range(2, ko):",
        "M1,M3",
        (WC, W),
    ),
    Mutation(
        "N13",
        "[1] X3(c) layers_flip: only w = 0 is examined, never w = n/2 (invisible at odd n)",
        "numerics/hp/allpass.py",
        "for w in [0] + ([n // 2] if n % 2 == 0 else []):",
        "for w in [0]:",
        "X3",
        (AP, AC),
    ),
    Mutation(
        "N14",
        "[2] typed gamma_E/2: one digit of gamma_E changed (0.5772... -> 0.5792..., the target moves 1e-3)",
        "numerics/mc/rates.py",
        "GAMMA_HALF = 0.5 * 0.57721566490153286061",
        "GAMMA_HALF = 0.5 * 0.57921566490153286061",
        "T7,T8,T9",
        (N,),
    ),
    Mutation(
        "N15",
        "[2] X1's mean-field rate: (1/2) ln(pi/(pi - 1.01)) (the target moves 0.0024)",
        "numerics/mc/explosion.py",
        "X1_RATE = 0.5 * math.log(math.pi / (math.pi - 1.0))",
        "X1_RATE = 0.5 * math.log(math.pi / (math.pi - 1.01))",
        "X1",
        (EX,),
    ),
    Mutation(
        "N16",
        "[2][5] the authors' CN epsilon 1e-5 typed as 1e-4 (paper networks)",
        "paper/nets.py",
        "EPS_AUTHORS = 1e-5",
        "EPS_AUTHORS = 1e-4",
        "M3",
        (PP,),
    ),
    Mutation(
        "N17",
        "[2] M2 spread of log||grad||: the factor 1/2 typed as 0.55",
        "numerics/hp/channels.py",
        "return 0.5 * math.sqrt(depth_factors * float(mpmath.psi(1, m)))",
        "return 0.55 * math.sqrt(depth_factors * float(mpmath.psi(1, m)))",
        "M2",
        (W,),
    ),
    Mutation(
        "N18",
        "[2] T7 real log-moment: ln 2 typed with one wrong digit (0.6941... for 0.6931...)",
        "numerics/hp/constants.py",
        "return -(mp.euler + mpmath.log(2)) / 2",
        'return -(mp.euler + mpmath.mpf("0.6941471805599453")) / 2',
        "T7,T9",
        (N,),
    ),
    Mutation(
        "N19",
        "[3] slope fits: the standard error is the standard deviation of the per-draw slopes "
        "(no 1/sqrt(draws): every z-test several times weaker)",
        "numerics/mc/rates.py",
        "return SlopeFit(float(s.mean()), float(s.std(ddof=1) / math.sqrt(len(s))), len(s), tuple(depths))",
        "return SlopeFit(float(s.mean()), float(s.std(ddof=1)), len(s), tuple(depths))",
        "T8,T9,M2,X1",
        (ST, N, W, EX),
    ),
    Mutation(
        "N20",
        "[3] T8 Monte Carlo second moment: the median of ||grad||^2 instead of its mean",
        "numerics/mc/rates.py",
        "return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))",
        "return float(np.median(v)), float(v.std(ddof=1) / math.sqrt(len(v)))",
        "T8",
        (ST, N),
    ),
    Mutation(
        "N21",
        "[3] M2 spread check: standard error of the sd = se(var)/sd instead of se(var)/(2 sd) (test "
        "twice as weak)",
        "numerics/hp/channels.py",
        "return sd, se_var / (2 * sd), spread(",
        "return sd, se_var / sd, spread(",
        "M2",
        (ST, W),
    ),
    Mutation(
        "N22",
        "[3] T9 GD vs GF: abs() dropped from the relative error eta*steps/T - 1 before its median "
        "(GD much faster than GF would pass)",
        "numerics/mc/experiments.py",
        "rel = np.abs(eta * res.iterations[conv] - t_exact[conv]) / t_exact[conv]",
        "rel = (eta * res.iterations[conv] - t_exact[conv]) / t_exact[conv]",
        "T9",
        (ST, S, "tests/numerics/mc/test_experiments.py"),
    ),
    Mutation(
        "N23",
        "[3] X1 extrapolation r_inf + A/n: weights 1/se instead of 1/se^2",
        "numerics/mc/explosion.py",
        "W = 1.0 / se**2",
        "W = 1.0 / se",
        "X1",
        (ST, EX),
    ),
    Mutation(
        "N24",
        "[3] M2 mean square: E|f̂|^4 of a complex frequency computed with the real factor (k + 2) "
        "(standard error too large)",
        "numerics/hp/channels.py",
        "    c = 2 if real else 1\n",
        "    c = 2\n",
        "M2",
        (ST, W),
    ),
    Mutation(
        "N25",
        "[4] X3 tie tolerance 1e-9 loosened 1000x (moduli 1e-7 apart count as tied: a floor where GF "
        "crosses 0)",
        "numerics/hp/allpass.py",
        "TIE_RTOL = 1e-9",
        "TIE_RTOL = 1e-6",
        "X3",
        (AP, AC),
    ),
    Mutation(
        "N26",
        "[4][5] paper cross-checks: autograd vs closed form tolerance 1e-10 loosened 1000x",
        "proofs_check/claims/paper.py",
        "TOL_EXACT = 1e-10",
        "TOL_EXACT = 1e-7",
        "C4",
        (PP, CLI),
    ),
    Mutation(
        "N27",
        "[4][5] paper M3 eps prediction tolerance 1e-6 loosened 1000x",
        "proofs_check/claims/paper.py",
        "TOL_EPS_PREDICTION = 1e-6",
        "TOL_EPS_PREDICTION = 1e-3",
        "M3",
        (PP, CLI),
    ),
    Mutation(
        "N28",
        "[5] C4 closed form: the output gain dropped from h (invisible at gain 1)",
        "theory/networks.py",
        "return [-(gain * sqrt(n) / s) * (pyj - proj * uj) for pyj, uj in zip(py, u_hat, strict=True)]",
        "return [-(sqrt(n) / s) * (pyj - proj * uj) for pyj, uj in zip(py, u_hat, strict=True)]",
        "C4,C2",
        (T, PP),
    ),
    Mutation(
        "N29",
        "[5] P1 projection: <Xw, y> from Re(X̂ŵ ŷ) without the conjugate",
        "paper/histograms.py",
        "fy = np.sum((f_hat * np.conj(y_hat)).real, axis=1) / n",
        "fy = np.sum((f_hat * y_hat).real, axis=1) / n",
        "C4,C6",
        (PP,),
    ),
    Mutation(
        "N30",
        "[5] the authors' CN with the biased variance (their unbiased=True dropped)",
        "paper/nets.py",
        "torch.sqrt(v.var(-1, unbiased=True, keepdim=True) + eps)",
        "torch.sqrt(v.var(-1, unbiased=False, keepdim=True) + eps)",
        "C4",
        (PP,),
    ),
    Mutation(
        "N31",
        "[5] paper cross-checks: a kernel tap k is placed at (k - p) mod n, not (p - k) mod n "
        "(filter reversed; invisible for symmetric kernels)",
        "paper/crosschecks.py",
        "c[(p - k) % n] = v",
        "c[(k - p) % n] = v",
        "T1,C4",
        (PP,),
    ),
    Mutation(
        "N32",
        "[5] compiled CN GD: the trained output gain ignored (a = sqrt(n)/s; invisible while gain = 1, "
        "i.e. at step 0)",
        "numerics/gd/compiled.py",
        "a, p = gain * rt / s, proj / s",
        "a, p = rt / s, proj / s",
        "C3,C5,C7",
        (S,),
    ),
    Mutation(
        "N33",
        "[6] ClosedForm.autodiff_gradients (the sympy.diff reference) returns the closed form it checks",
        "theory/networks.py",
        "return tuple(sympy.Matrix([sympy.diff(self.loss, s) for s in c]) for c in self.filters)",
        "return self.gradients",
        "T1,C4,C2",
        (CF,),
    ),
    Mutation(
        "N34",
        "[6] X1's time-domain path (no FFT) quietly calls the Fourier GD core it is compared with",
        "numerics/mc/explosion.py",
        "out[t] = math.log(time_domain_grad_norms([layer[0] for layer in f], x, y, relu=relu)[0])",
        "out[t] = math.log(init_grad_norms(x, y, f, normalized=True, relu=relu)[0, 0])",
        "X1",
        (CF,),
    ),
    Mutation(
        "N35",
        "[6] width_rate_quadrature (the reference for lambda_k) returns the digamma closed form",
        "numerics/hp/channels.py",
        "value = mpmath.quad(integrand, [0, mpmath.sqrt(m), mpmath.inf]) / (2 * mpmath.gamma(m))",
        "value = (mpmath.digamma(m) - mpmath.log(m)) / 2",
        "M2",
        (CF,),
    ),
    Mutation(
        "N36",
        "[6] time_by_s_integral (T6's independent quadrature) returns exact_time, the function it checks",
        "numerics/hp/flow.py",
        "    return mpmath.quad(integrand, sorted(pts))",
        "    return exact_time(ScalarFlow.from_weights(z0, a, b), goal)",
        "T6",
        (CF,),
    ),
    Mutation(
        "N37",
        "[6] T7: the quadrature of E log|Z| returns the closed form -gamma_E/2",
        "numerics/hp/constants.py",
        "return mpmath.quad(lambda t: mpmath.log(t) * mpmath.exp(-t), [0, 1, mpmath.inf]) / 2",
        "return complex_log_moment_closed()",
        "T7",
        (CF,),
    ),
    Mutation(
        "N38",
        "[w] width-k NumPy GD (the ReLU path, M4's and X1's norms): e <- Ĉ^T e instead of Ĉ^H e "
        "(plain linear norms unchanged; with CN or ReLU the norms change too)",
        "numerics/gd/channel_gd.py",
        'e = np.einsum("tabw,taw->tbw", np.conj(self.c_hat[i]), e)',
        'e = np.einsum("tabw,taw->tbw", self.c_hat[i], e)',
        "M3,M4,X1",
        (WC, W, EX),
    ),
    Mutation(
        "N39",
        "[w][5] compiled width-k CN backward: the channel gain dropped from gain sqrt(n)/s (invisible "
        "while every gain is 1, i.e. at step 0)",
        "numerics/gd/compiled_channels.py",
        "factor = gain[i, a] * rt / s_cn[i, a]",
        "factor = rt / s_cn[i, a]",
        "M1,M3,M5",
        (WC,),
    ),
    Mutation(
        "N40",
        "[1] GD half-spectrum weights: w = 0 counted twice (invisible when x and y are centered)",
        "numerics/gd/core.py",
        "    w[0] = 1.0\n",
        "    w[0] = 2.0\n",
        "T3,T4,C7",
        (S,),
    ),
    Mutation(
        "N41",
        "[3] T9 for GD: the tracked condition tau = |f|^2 S (S = sum_i eta_i/rho2_i) computed as |f| S",
        "numerics/gd/compiled.py",
        "tau = max(tau, fa**2 * S)",
        "tau = max(tau, fa * S)",
        "T9",
        (S,),
    ),
)

# The blind set B01-B49 (issue 27), written without reading the checks or tests; it lives in its
# own file so that its writer never saw the lists above. It imports ``Mutation`` from this module.
sys.modules.setdefault("mutate", sys.modules[__name__])
sys.path.insert(0, str(Path(__file__).resolve().parent))
if "mutations_blind" in sys.modules and not hasattr(sys.modules["mutations_blind"], "BLIND"):  # its import
    BLIND: tuple[Mutation, ...] = ()
else:
    from mutations_blind import AFTER_SCORE, BLIND  # noqa: E402

    # What was added after the blind set's first score (not blind; see AFTER_SCORE): the claim
    # holding each survivor's new row joins the writer's guess, and its test files join in.
    BLIND = tuple(
        dataclasses.replace(
            m,
            claims=",".join(
                dict.fromkeys(c for c in [*m.claims.split(","), *AFTER_SCORE[m.id][0].split(",")] if c)
            ),
            tests=m.tests + AFTER_SCORE[m.id][1],
        )
        if m.id in AFTER_SCORE
        else m
        for m in BLIND
    )

MUTATIONS = MUTATIONS + INDEPENDENT + BLIND


def _copy_tree(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=IGNORE)
    return dest


def _run(cmd: list[str], cwd: Path, timeout: float) -> tuple[int, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    # its own process group: on a timeout the workers proofs_check started are killed too
    p = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return -1, "timeout"
    return p.returncode, out


def _check_statuses(tree: Path, claims: str, timeout: float) -> dict[str, str]:
    """Status per check, keyed 'claim: check name'; a claim that errored maps 'claim' to 'error'."""
    out = tree / "mutate_report.json"
    if out.exists():
        out.unlink()
    cmd = [sys.executable, "-m", "proofs_check", "--json", str(out)] + (["--only", claims] if claims else [])
    code, _ = _run(cmd, tree, timeout)
    if not out.exists():
        return {"(proofs_check)": "timeout" if code == -1 else f"exit code {code}"}
    report = json.loads(out.read_text())
    statuses = {}
    for claim in report["claims"]:
        statuses[claim["id"]] = claim["status"]
        for c in claim.get("checks", []):
            statuses[f"{claim['id']}: {c['name']}"] = (
                "measured" if c["method"] == "measurement" else ("pass" if c["passed"] else "fail")
            )
    return statuses


def _failing_tests(tree: Path, tests: tuple[str, ...], timeout: float) -> list[str]:
    """Node IDs of the failing tests (the whole files run, no ``-x``); a pytest run that
    reports no failing test yet exits nonzero (collection error, timeout) is one entry."""
    if not tests:
        return []
    cmd = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *tests]
    code, text = _run(cmd, tree, timeout)
    failing = [
        line.split(" ", 1)[1].split(" - ")[0]
        for line in text.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    ]
    if code not in (0, 1) or (code == 1 and not failing):
        failing.append(f"pytest exit code {code}")
    return failing


def _caught_checks(base: dict[str, str], mutated: dict[str, str]) -> list[str]:
    """Checks that pass at baseline and fail, error or vanish under the mutation (a claim
    that errors has no checks: then the claim itself is listed)."""
    if "(proofs_check)" in mutated:
        return [f"proofs_check produced no report ({mutated['(proofs_check)']})"]
    out = [
        f"{k} [{mutated.get(k, 'missing')}]"
        for k, v in base.items()
        if v == "pass" and mutated.get(k) != "pass"
    ]
    checks = [k for k in out if ":" in k.split(" [")[0]]
    errored = [k for k in out if ":" not in k.split(" [")[0] and "error" in k]
    return errored + [k for k in checks if "[missing]" not in k] if errored else checks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", help="comma-separated mutation IDs")
    p.add_argument("--list", action="store_true", help="list the mutations and exit")
    p.add_argument("--all-claims", action="store_true", help="run every claim, not only the mutation's")
    p.add_argument(
        "--all-tests", action="store_true", help="run the whole test suite, not only the listed files"
    )
    p.add_argument("--both", action="store_true", help="run the tests even when a check caught the mutation")
    p.add_argument(
        "--default-claims",
        action="store_true",
        help="score against the default run only: drop the paper's claims (P1-P6, torch) from each "
        "mutation's claims; a mutation left with none is scored by its tests alone",
    )
    p.add_argument("--timeout", type=float, default=900, help="seconds per proofs_check or pytest run")
    args = p.parse_args(argv)
    chosen = MUTATIONS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m.id for m in MUTATIONS}
        if unknown:
            p.error(f"--only: unknown mutation IDs {sorted(unknown)}")
        chosen = tuple(m for m in MUTATIONS if m.id in wanted)
    if args.default_claims:
        chosen = tuple(
            dataclasses.replace(m, claims=",".join(c for c in m.claims.split(",") if c and c[0] != "P"))
            for m in chosen
        )
    if args.list:
        for m in chosen:
            print(f"{m.id}  {m.path:26s} {m.what}  [claims {m.claims}; tests {', '.join(m.tests) or '-'}]")
        return 0

    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        tree = _copy_tree(Path(tmp) / "tree")
        claims = (
            "" if args.all_claims else ",".join(sorted({c for m in chosen for c in m.claims.split(",") if c}))
        )
        t0 = time.time()
        # no claim at all (every chosen mutation is in torch-only code, --default-claims): tests only
        base = _check_statuses(tree, claims, args.timeout) if claims or args.all_claims else {}
        failing = sorted(k for k, v in base.items() if v in ("fail", "error") and ":" in k)
        print(
            f"baseline: {sum(v == 'pass' for v in base.values())} passing checks/claims ({claims or 'all'}), "
            f"{len(failing)} failing before any mutation{': ' + '; '.join(failing) if failing else ''} "
            f"({time.time() - t0:.0f} s)",
            flush=True,
        )
        rows, bad = [], 0
        base_tests: dict[tuple[str, ...], set[str]] = {}
        for m in chosen:
            t0 = time.time()
            target = tree / m.path
            original = target.read_text()
            if original.count(m.old) != 1:
                rows.append((m, "STALE", f"old text found {original.count(m.old)} times in {m.path}"))
                bad += 1
                print(f"{m.id} STALE: old text found {original.count(m.old)} times in {m.path}", flush=True)
                continue
            target.write_text(original.replace(m.old, m.new))
            try:
                if not m.claims and not args.all_claims:  # no default claim runs this code
                    mutated = dict(base)
                else:
                    mutated = _check_statuses(tree, "" if args.all_claims else m.claims, args.timeout)
                mine = set(m.claims.split(","))
                caught = _caught_checks(
                    {k: v for k, v in base.items() if args.all_claims or k.split(":")[0] in mine}, mutated
                )
                tests = ("tests",) if args.all_tests else m.tests
                test = None
                if tests and (args.both or not caught):
                    if tests not in base_tests:  # a test counts only if it passes unmutated
                        target.write_text(original)
                        base_tests[tests] = set(_failing_tests(tree, tests, args.timeout))
                        target.write_text(original.replace(m.old, m.new))
                    new_fail = [
                        t for t in _failing_tests(tree, tests, args.timeout) if t not in base_tests[tests]
                    ]
                    test = "; ".join(new_fail[:2]) + (
                        f" (+{len(new_fail) - 2} more)" if len(new_fail) > 2 else ""
                    )
                    if base_tests[tests]:
                        test += f" [{len(base_tests[tests])} failing unmutated, not counted]"
                    test = test if new_fail else None
            finally:
                target.write_text(original)
            verdict = "caught" if caught or test else "SURVIVED"
            bad += verdict == "SURVIVED"
            by = "; ".join(caught[:3]) + (f" (+{len(caught) - 3} more)" if len(caught) > 3 else "")
            ran = args.both or not caught
            detail = f"checks: {by or 'none'} | tests that failed: {(test or 'none') if ran else 'not run'}"
            rows.append((m, verdict, detail))
            print(f"{m.id} {verdict} ({time.time() - t0:.0f} s) {m.what}: {detail}", flush=True)
        caught_n = sum(r[1] == "caught" for r in rows)
        print(f"\n{caught_n}/{len(rows)} mutations caught ({100 * caught_n / max(len(rows), 1):.0f}%)")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
