"""A blind mutation set (issue 27): written from THEORY.md and the source code only, without
reading the checks (theory/checks.py, proofs_check/claims/, paper/crosschecks.py), the tests
or the existing mutation list. Each entry names the claims whose checks *should* notice it;
whether they do is what a run of ``tools/mutate.py`` with these mutations measures.

Importable both as ``mutations_blind`` (run from tools/) and by path from anywhere::

    BLIND = importlib.util.module_from_spec(...)  # or: sys.path.insert(0, "tools")

Every ``old`` text occurs exactly once in its file (``check_unique`` below verifies it), and
every ``new`` text still imports and runs: a plausible bug, not a crash.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent

try:  # run from tools/ (or tools/ on sys.path)
    from mutate import Mutation
except ImportError:  # imported by path or as tools.mutations_blind
    _mod = sys.modules.get("mutate")
    if _mod is None:
        _spec = importlib.util.spec_from_file_location("mutate", _HERE / "mutate.py")
        assert _spec is not None and _spec.loader is not None
        _mod = importlib.util.module_from_spec(_spec)
        sys.modules["mutate"] = _mod
        _spec.loader.exec_module(_mod)
    Mutation = _mod.Mutation  # type: ignore[misc]


BLIND: tuple[Mutation, ...] = (
    # ------------------------------------------------------------------ theory/ (exact)
    Mutation(
        "B01",
        "T1: circular correlation (r ⋆ u)_k = sum_j r_j u_{j-k} computed as sum_j r_j u_{k-j} (a convolution)",
        "theory/signals.py",
        "r[j] * u[(j - k) % n]",
        "r[j] * u[(k - j) % n]",
        "T1,T2,C4",
        (),
    ),
    Mutation(
        "B02",
        "C1/C4: centering P v = v - mean(v) 1 divides the sum by n - 1 instead of n",
        "theory/signals.py",
        "mean = total(list(v)) * _reciprocal(v[0], n)",
        "mean = total(list(v)) * _reciprocal(v[0], n - 1)",
        "C1,C2,C4",
        (),
    ),
    Mutation(
        "B03",
        "C4: h = -(gamma sqrt(n)/s)(P - û ûᵀ) y with the projection's sign flipped (P + û ûᵀ)",
        "theory/networks.py",
        "(pyj - proj * uj)",
        "(pyj + proj * uj)",
        "C4,C2",
        (),
    ),
    Mutation(
        "B04",
        "CN output uses sqrt(n - 1) (unbiased variance) instead of sqrt(n): loss and C4's h disagree",
        "theory/networks.py",
        "return [gain * sqrt(n) * v / s + bias for v in pz]",
        "return [gain * sqrt(n - 1) * v / s + bias for v in pz]",
        "C4,C1",
        (),
    ),
    Mutation(
        "B05",
        "M3: CN backward (sqrt(n)/s)(P - û ûᵀ) delta without the centering P of delta",
        "theory/channels.py",
        "zip(center(delta), u_hat, strict=True)",
        "zip(delta, u_hat, strict=True)",
        "M3",
        (),
    ),
    Mutation(
        "B06",
        "M3: the forward pass puts a ReLU after the output convolution too (only hidden ones have it)",
        "theory/channels.py",
        "r = [_relu(va) for va in v] if relu and i < d - 1 else v",
        "r = [_relu(va) for va in v] if relu else v",
        "M3",
        (),
    ),
    Mutation(
        "B07",
        "T7: real log-moment -(gamma_E + ln 2)/2 written as -(gamma_E - ln 2)/2",
        "numerics/hp/constants.py",
        "return -(mp.euler + mpmath.log(2)) / 2",
        "return -(mp.euler - mpmath.log(2)) / 2",
        "T7",
        (),
    ),
    Mutation(
        "B08",
        "T7: the constants are computed at 15 digits whatever dps asks (precision not honoured)",
        "numerics/hp/constants.py",
        "with mp.workdps(dps + 10):",
        "with mp.workdps(15):",
        "T7",
        (),
    ),
    # --------------------------------------------------------------- numerics/gd (GD)
    Mutation(
        "B09",
        "T3/C5: Im q_w of q = -e conj(f̂) with the conjugate dropped (sign of the imaginary part)",
        "numerics/gd/compiled.py",
        "return er, ei, -(er * fr + ei * fi), er * fi - ei * fr",
        "return er, ei, -(er * fr + ei * fi), ei * fr - er * fi",
        "T3,C5",
        (),
    ),
    Mutation(
        "B10",
        "X2: the norm2 step eta ||c_i||^2 takes sum_w m_w |ĉ_w|^2 without Parseval's 1/n",
        "numerics/gd/compiled.py",
        "etas[i] = eta * c2 / n",
        "etas[i] = eta * c2",
        "X2",
        (),
    ),
    Mutation(
        "B11",
        "CN head: dL/dgain = n gain - sqrt(n) <û, y> loses the factor n on gain (compiled kernel)",
        "numerics/gd/compiled.py",
        "v_gain = mu * v_gain - eta * (n * gain - rt * proj)",
        "v_gain = mu * v_gain - eta * (gain - rt * proj)",
        "C5,C7",
        (),
    ),
    Mutation(
        "B12",
        "T9 (GD): tracked tau = |f̂|^2 S computed as |f̂| S",
        "numerics/gd/compiled.py",
        "tau = max(tau, fa**2 * S)",
        "tau = max(tau, fa * S)",
        "T9",
        (),
    ),
    Mutation(
        "B13",
        "T2/Parseval: the Nyquist frequency w = n/2 counted twice in the half spectrum (weight 2)",
        "numerics/gd/core.py",
        "    if n % 2 == 0:\n        w[-1] = 1.0",
        "    if n % 2 == 1:\n        w[-1] = 1.0",
        "T2,T3,X3",
        (),
    ),
    Mutation(
        "B14",
        "NumPy driver reports iterations k + 1 for a run that converged at step k (off by one)",
        "numerics/gd/core.py",
        "iterations[ids] = np.where(codes[finished] == CONVERGED, k, -1)",
        "iterations[ids] = np.where(codes[finished] == CONVERGED, k + 1, -1)",
        "M5,C7",
        (),
    ),
    Mutation(
        "B15",
        "stopping rule: a NaN loss that no underflow explains is labelled underflowed, not diverged",
        "numerics/gd/status.py",
        "    if not math.isfinite(loss):\n        return DIVERGED",
        "    if not math.isfinite(loss):\n        return UNDERFLOWED",
        "X4,C7",
        (),
    ),
    Mutation(
        "B16",
        "initialization: random_filters ignores its seed (fresh entropy each call)",
        "numerics/gd/simulate.py",
        "c = np.random.default_rng(seed).normal(0.0, np.sqrt(sigma2), size=(trials, depth, n))",
        "c = np.random.default_rng().normal(0.0, np.sqrt(sigma2), size=(trials, depth, n))",
        "T8,C6,C7",
        (),
    ),
    Mutation(
        "B17",
        "T1/T2 (time-domain GD): gradient DFT e_hat * conj(x̂ prod_{j!=i} ĉ_j) without the conjugate",
        "numerics/gd/simulate.py",
        "grad_hat = self.e_hat[:, None, :] * np.conj(others)",
        "grad_hat = self.e_hat[:, None, :] * others",
        "T1,T3,C5",
        (),
    ),
    Mutation(  # retargeted by the lead: the NumPy CN step was rewritten in the compiled kernel's order
        "B18",
        "C4/C5 (NumPy CN): <û, y> divided by s^2 instead of s",
        "numerics/gd/simulate.py",
        "proj = in_order(weights[1:] * (fz.real * yz.real + fz.imag * yz.imag)) / (n * s)",
        "proj = in_order(weights[1:] * (fz.real * yz.real + fz.imag * yz.imag)) / (n * s2)",
        "C5,C4",
        (),
    ),
    Mutation(
        "B19",
        "M1/M2: fan-out instead of fan-in initialization, N(0, 1/(n k_i)) with the output width (index transposed)",
        "numerics/hp/channels.py",
        "1.0 / math.sqrt(n * ks[i])",
        "1.0 / math.sqrt(n * ks[i + 1])",
        "M2,M4,X1",
        (),
    ),
    Mutation(
        "B20",
        "M2: spread (1/2)(sum psi'(k_j))^(1/2) evaluates psi' at k also for real frequencies (not k/2)",
        "numerics/hp/channels.py",
        "return 0.5 * math.sqrt(depth_factors * float(mpmath.psi(1, m)))",
        "return 0.5 * math.sqrt(depth_factors * float(mpmath.psi(1, k)))",
        "M2",
        (),
    ),
    Mutation(
        "B21",
        "M2: lambda_k = (psi(k) - log k)/2 evaluated without guard digits against the cancellation",
        "numerics/hp/channels.py",
        "with mp.workdps(dps + 10 + max(guard, 0)):",
        "with mp.workdps(dps):",
        "M2",
        (),
    ),
    Mutation(
        "B22",
        "M1 (certified): DFT twiddles from float cos/sin as exact balls (radius 0, value off by 1e-16)",
        "numerics/hp/channel_balls.py",
        "c, s = arb.cos_pi(arb(2 * j * w) / n), arb.sin_pi(arb(2 * j * w) / n)",
        "c, s = arb(math.cos(2 * math.pi * j * w / n)), arb(math.sin(2 * math.pi * j * w / n))",
        "M1,M2",
        (),
    ),
    Mutation(
        "B23",
        "M1: backpropagated residual through Ĉ_iᵀ instead of Ĉ_i^H (conjugate dropped)",
        "numerics/gd/channel_gd.py",
        'e = np.einsum("tabw,taw->tbw", np.conj(self.c_hat[i]), e)',
        'e = np.einsum("tabw,taw->tbw", self.c_hat[i], e)',
        "M1,M4,M5",
        (),
    ),
    Mutation(
        "B24",
        "M3 (width-k GD): û keeps its w = 0 component (missing centering of the normalized channel)",
        "numerics/gd/channel_gd.py",
        "                    u[..., 0] = 0.0\n",
        "",
        "M3,M4,M5",
        (),
    ),
    Mutation(
        "B25",
        "M5: step tuning ranks by the median of iterations with non-converged runs counted as -1 (not inf)",
        "numerics/gd/channel_gd.py",
        "its = np.where(res.converged, res.iterations, np.inf)\n                    key",
        "its = res.iterations\n                    key",
        "M5",
        (),
    ),
    # --------------------------------------------------------------- numerics/mc (MC)
    Mutation(
        "B26",
        "statistics: standard error of the mean slope divided by n instead of sqrt(n)",
        "numerics/mc/rates.py",
        "return SlopeFit(float(s.mean()), float(s.std(ddof=1) / math.sqrt(len(s)))",
        "return SlopeFit(float(s.mean()), float(s.std(ddof=1) / len(s))",
        "T8,M2,X1",
        (),
    ),
    Mutation(
        "B27",
        "T8: E||grad||^2 gives the Nyquist frequency m_w = 2 (complex) instead of 3 (real) for even n",
        "numerics/mc/rates.py",
        "    if n % 2 == 0:\n        m[n // 2] = 3.0",
        "    if n % 2 == 1:\n        m[n // 2] = 3.0",
        "T8",
        (),
    ),
    Mutation(
        "B28",
        "T8: ||grad_{c_1}|| uses u_1 including layer 1's own filter (prod over j >= 1, not j >= 2)",
        "numerics/mc/rates.py",
        "if D >= 2:",
        "if D >= 1:",
        "T8",
        (),
    ),
    Mutation(
        "B29",
        "T8: log-domain gradient norm log(sq)/2 loses its 1/2 (log of the square, not of the norm)",
        "numerics/mc/rates.py",
        "out[D] = float(mpmath.log(sq) / 2)",
        "out[D] = float(mpmath.log(sq))",
        "T8",
        (),
    ),
    Mutation(
        "B30",
        "T9: complex weights with E|z|^2 = 1/2 (divided by 2 instead of sqrt 2)",
        "numerics/mc/rates.py",
        "normal(size=(2, d)) / math.sqrt(2)",
        "normal(size=(2, d)) / 2",
        "T9,T6",
        (),
    ),
    Mutation(
        "B31",
        "X1: mean-field rate (1/2) ln(pi/(pi - 1)) with ReLU variance 1/2 - 1/pi, i.e. pi/(pi - 2)",
        "numerics/mc/explosion.py",
        "X1_RATE = 0.5 * math.log(math.pi / (math.pi - 1.0))",
        "X1_RATE = 0.5 * math.log(math.pi / (math.pi - 2.0))",
        "X1",
        (),
    ),
    Mutation(
        "B32",
        "X1 (time-domain path): CN backward (P - û ûᵀ) delta without centering delta",
        "numerics/mc/explosion.py",
        "pd = delta - delta.mean(-1, keepdims=True)",
        "pd = delta",
        "X1,M3",
        (),
    ),
    Mutation(
        "B33",
        "X1: weighted extrapolation r_inf + A/n with weights 1/se instead of 1/se^2",
        "numerics/mc/explosion.py",
        "W = 1.0 / se**2",
        "W = 1.0 / se",
        "X1",
        (),
    ),
    Mutation(
        "B34",
        "T6/T9 (GD vs GF): the loss tolerance for |r| <= goal |b| taken as goal, not goal^2",
        "numerics/mc/experiments.py",
        "tol = np.minimum((goal / r0) ** 2, 0.999)",
        "tol = np.minimum(goal / r0, 0.999)",
        "T9,T6",
        (),
    ),
    Mutation(
        "B35",
        "T9 (GD bound): step-size condition tau <= 1 relaxed to tau <= 2 for the valid runs",
        "numerics/mc/experiments.py",
        "valid = conv & (res.max_tau <= 1) & (res.max_sigma <= THETA_MAX)",
        "valid = conv & (res.max_tau <= 2) & (res.max_sigma <= THETA_MAX)",
        "T9",
        (),
    ),
    Mutation(
        "B36",
        "X2: the step-size grid stops extending when the best step is the smallest one (edge taken as interior)",
        "numerics/mc/cn_depth.py",
        "if min(tried) < best < max(tried) or extensions >= max_extend:",
        "if min(tried) <= best < max(tried) or extensions >= max_extend:",
        "X2",
        (),
    ),
    Mutation(
        "B37",
        # retargeted by the lead after X2's JSON store became the one cell store (issue 28): same bug
        "X2: the cell store never reports a finished cell, so a resume recomputes everything",
        "numerics/store/cells.py",
        '        return {k for (k,) in self.db.execute("SELECT key FROM cells")}',
        "        return set()",
        "X2",
        (),
    ),
    # ------------------------------------------------------------------ numerics/hp (exact GF)
    Mutation(
        "B38",
        "T9: GF declared stalled on a wrong-signed real path even when the smallest modulus is unique",
        "numerics/hp/gf_exact.py",
        "self.ties >= 2",
        "self.ties >= 1",
        "T9,T6,X3",
        (),
    ),
    Mutation(
        "B39",
        "T6 (certified time): the end ball's radius dropped from the enclosure (end - mid end) f(end)",
        "numerics/hp/gf_time.py",
        "total += (end - w_mid) * f(acb(end), False).real",
        "total += (end - w_mid).mid() * f(acb(end), False).real",
        "T6",
        (),
    ),
    Mutation(
        "B40",
        "X3: all-pass start with a random phase at Nyquist for even n (|ĉ_{n/2}| = |cos| != 1)",
        "numerics/hp/allpass.py",
        "    if n % 2 == 0:\n        spec[..., -1] = rng.choice",
        "    if n % 2 == 1:\n        spec[..., -1] = rng.choice",
        "X3,X4",
        (),
    ),
    Mutation(
        "B41",
        "T6: the goal check accepts residual goals down to 10^-2dps, below what dps digits resolve",
        "theory/validation/high_precision.py",
        "if goal < 10.0 ** (-dps):",
        "if goal < 10.0 ** (-2 * dps):",
        "T6",
        (),
    ),
    # --------------------------------------------------------------- figures, CLI, paper
    Mutation(
        "B42",
        "figure data: quartiles over draws with np.quantile, so one NaN draw blanks the median",
        "numerics/figures/one_channel.py",
        "q = np.nanquantile(values, [0.25, 0.5, 0.75], axis=axis)",
        "q = np.quantile(values, [0.25, 0.5, 0.75], axis=axis)",
        "T8,C6,T6",
        (),
    ),
    Mutation(
        "B43",
        "CLI: a depth range start:stop drops its (documented inclusive) stop",
        "proofs_check/cli.py",
        "vals = list(range(parts[0], parts[1] + 1, parts[2] if len(parts) == 3 else 1))",
        "vals = list(range(parts[0], parts[1], parts[2] if len(parts) == 3 else 1))",
        "C7",
        (),
    ),
    Mutation(
        "B44",
        "simulate: every seed of a cell uses the base seed (--seeds repeats one draw)",
        "proofs_check/simulate_cmd.py",
        "seeds = [args.sim_seed + k for k in range(args.seeds)]",
        "seeds = [args.sim_seed for k in range(args.seeds)]",
        "C7",
        (),
    ),
    Mutation(
        "B45",
        "P1: projected normalized gradient (I - û ûᵀ) y divides <Xw, y> by ||Xw|| instead of ||Xw||^2",
        "paper/histograms.py",
        "projected_y = y_hat - f_hat * (fy / f_norm**2)[:, None]",
        "projected_y = y_hat - f_hat * (fy / f_norm)[:, None]",
        "P1,C6",
        (),
    ),
    Mutation(
        "B46",
        "P1: input x centered by the mean over all draws, not per draw (X^T 1 != 0)",
        "paper/histograms.py",
        "x -= x.mean(axis=1, keepdims=True)",
        "x -= x.mean()",
        "P1",
        (),
    ),
    Mutation(
        "B47",
        "P2/P4/P5: the authors' block is conv -> ReLU -> CN; here conv -> CN -> ReLU (order swapped)",
        "paper/nets.py",
        "            if self.relu:\n                v = torch.relu(v)\n            if keep:\n"
        "                v.retain_grad()\n                self.record.append(v)\n"
        "            v = channel_norm(v[0], self.mode, beta, self.eps)[None]\n",
        "            if keep:\n                v.retain_grad()\n                self.record.append(v)\n"
        "            v = channel_norm(v[0], self.mode, beta, self.eps)[None]\n"
        "            if self.relu:\n                v = torch.relu(v)\n",
        "P2,P4,P5",
        (),
    ),
    Mutation(
        "B48",
        "P2/P3: the authors' CN with biased variance instead of their unbiased one",
        "paper/nets.py",
        "unbiased=True",
        "unbiased=False",
        "P2,P3",
        (),
    ),
    Mutation(
        "B49",
        "P2/P3/P4: step target with int(n fraction) + 1 ones (off by one)",
        "paper/nets.py",
        "y[..., : int(n * fraction)] = 1",
        "y[..., : int(n * fraction) + 1] = 1",
        "P2,P3,P4",
        (),
    ),
)


#: Added after the first score (docs/mutations.md, 29 of 49 caught by a check), so NOT blind:
#: for each survivor, the claim(s) whose new row was written for its kind of error and the test
#: files written or found for it. ``tools/mutate.py`` runs them besides the writer's own guess
#: above, which stays as written. ``{"B08": ("T7", ("tests/numerics/hp/test_precise.py",))}``
AFTER_SCORE: dict[str, tuple[str, tuple[str, ...]]] = {
    "B08": ("T7", ("tests/numerics/hp/test_precise.py",)),
    "B14": ("T3,C5", ("tests/numerics/gd/test_simulator.py",)),
    "B15": ("T3,C5", ("tests/numerics/gd/test_simulator.py", "tests/numerics/gd/test_status.py")),
    "B16": ("T8", ("tests/numerics/gd/test_simulator.py",)),
    "B17": ("T3,C5", ("tests/numerics/gd/test_simulator.py",)),
    "B18": ("C5", ("tests/numerics/gd/test_one_cn_step.py",)),
    "B19": ("M2", ("tests/numerics/hp/test_channels.py",)),
    "B21": ("M2", ("tests/numerics/hp/test_channels.py",)),
    "B22": ("M1", ("tests/numerics/hp/test_certified.py",)),
    "B25": ("M5", ("tests/numerics/gd/test_m5_table.py",)),
    "B35": ("T9", ("tests/numerics/mc/test_experiments.py",)),
    "B36": ("X2", ("tests/numerics/mc/test_cn_depth.py::test_a_best_step_at_the_lower_edge_is_extended",)),
    "B37": ("", ("tests/numerics/store/test_cells.py::test_a_finished_cell_is_never_computed_again",)),
    "B39": ("T6", ("tests/numerics/hp/test_hostile_certified.py",)),
    "B41": ("", ("tests/validation/test_hostile.py", "tests/numerics/hp/test_certified.py")),
    "B42": ("T9", ("tests/numerics/figures/test_figures.py::test_a_nan_draw_is_left_out_of_the_quartiles",)),
    "B43": ("", ("tests/proofs_check/test_cli.py::test_a_depth_range_includes_its_stop",)),
    "B44": ("", ("tests/proofs_check/test_cli.py::test_simulate_seeds_are_distinct_draws",)),
    "B45": ("C4", ("tests/paper/test_paper.py::test_P1_fourier_norms_equal_dense_matrices",)),
    "B46": ("C4", ("tests/paper/test_paper.py::test_P1_every_draw_is_centered",)),
    "B49": ("", ("tests/paper/test_paper.py::test_P2_P3_P4_step_target_is_their_step",)),
}


def check_unique(root: Path | None = None) -> list[str]:
    """Problems: an ``old`` text that does not occur exactly once, or a repeated ID."""
    root = root or _HERE.parent
    problems, seen = [], set()
    for m in BLIND:
        if m.id in seen:
            problems.append(f"{m.id}: duplicate ID")
        seen.add(m.id)
        count = (root / m.path).read_text().count(m.old)
        if count != 1:
            problems.append(f"{m.id}: old text occurs {count} times in {m.path}")
    return problems


if __name__ == "__main__":
    bad = check_unique()
    print("\n".join(bad) if bad else f"{len(BLIND)} blind mutations, every old text unique")
    sys.exit(1 if bad else 0)
