"""Claim X1: ReLU + CN explodes at the mean-field rate (beyond the paper)."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
from mpmath import mp

from numerics.mc import explosion as ex
from numerics.store.cells import run_cells
from proofs_check.claims import estimators
from proofs_check.claims.base import Claim, Context, agree, compared, measurement, worst_pair
from proofs_check.claims.independence import disabled
from theory.checks import Check


# ------------------------------------------------------------------------------- X1
def _rate_row(
    n: int, k: int, draws: int, seed: int, relu: bool = True, rate: dict | None = None
) -> tuple[Check, float, float]:
    """The measurement row of one rate estimate (``rate``: the X1 cell's result, computed here if None)."""
    if rate is None:
        rate = ex.rate_cell(ex.rate_params(n, k, draws, seed, relu))
    est, se = rate["estimate"], rate["stderr"]
    pred = ex.X1_RATE if relu else 0.0
    label = "ReLU + CN" if relu else "linear CN"
    row = measurement(
        f"{label} rate, n={n}, k={k}",
        f"slope of mean log||grad_(C_1) L|| between d=8 and 32, {draws} draws per depth, GD-core backprop "
        f"(numerics.gd.channel_gd.init_grad_norms); {est:.5f} +- {se:.5f} against {pred:.5f}",
        {
            "n": n,
            "k": k,
            "rate": {"estimate": est, "stderr": se},
            "prediction": pred,
            "draws": draws,
            "z_score": (est - pred) / se,
        },
    )
    return row, est, se


def _rates(ctx: Context, cells: list[dict]) -> list[dict]:
    """The X1 cells (``numerics.mc.explosion.rate_cell``) through the one runner: under --full in
    the store ``ctx.store`` and where ``ctx.dask`` says, else here and in memory."""
    if not ctx.full:
        return run_cells(ex.EXPERIMENT, ex.rate_cell, cells, progress=False)
    return run_cells(ex.EXPERIMENT, ex.rate_cell, cells, store=ctx.store, dask=ctx.dask, progress=True)


def _mean_field_rate_by_quadrature(dps: int) -> Any:
    """(1/2) log(E relu(z)^2 / Var relu(z)), z ~ N(0, 1), the Gaussian moments by mpmath
    quadrature: per layer E||delta||^2 gains 1/2 (the ReLU mask) and n/s^2 (CN's Jacobian),
    s^2/n = Var relu(z) (docs/derivations.md, X1). Shares nothing with ``X1_RATE``'s formula."""
    with mp.workdps(dps):
        phi = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        second = mpmath.quad(lambda z: z * z * phi(z), [0, mpmath.inf])
        first = mpmath.quad(lambda z: z * phi(z), [0, mpmath.inf])
        return mpmath.log(second / (second - first**2)) / 2


def run_x1(ctx: Context) -> list[Check]:
    out: list[Check] = [
        agree(
            "X1 constant: X1_RATE (float closed form) vs (1/2) log(E relu^2 / Var relu) by quadrature",
            "high-precision",
            ex.X1_RATE,
            _mean_field_rate_by_quadrature(ctx.dps),
            14,
            sides=("numerics.mc.explosion.X1_RATE", "mpmath.quad"),
            detail="the typed prediction against the Gaussian moments of the mean-field sketch, "
            "integrated by mpmath; 14 of float64's ~16 digits required",
        )
    ]
    # two paths, same draws: GD core (Fourier matrices) vs plain NumPy time domain (no FFT)
    n, k, d = 32, 3, 6
    x, y = ex.problem(n, ctx.seed)
    f = ex.draw_filters(n, d, k, ctx.seed, 0)
    from numerics.gd.channel_gd import init_grad_norms

    core = init_grad_norms(x, y, f, normalized=True, relu=True)[0]
    with disabled(init_grad_norms):  # the reference may not call the core it checks
        direct = np.array(ex.time_domain_grad_norms([layer[0] for layer in f], x, y, relu=True))
    rel = float(np.max(np.abs(core - direct) / direct))
    lhs, rhs = worst_pair(zip(core.tolist(), direct.tolist()), "rel")
    out.append(
        compared(
            "per-layer ||grad_(C_i) L||: GD core vs time-domain backprop",
            "float64",
            lhs,
            rhs,
            1e-12,
            comparison="rel",
            sides=("numerics.gd.channel_gd.init_grad_norms", "numerics.mc.explosion.time_domain_grad_norms"),
            detail="lhs: per-frequency matrices, ReLU through inverse FFTs; rhs: circulant gathers, no FFT; "
            f"n={n}, k={k}, d={d}, ReLU + CN; tolerance 1e-12 relative (float64 over d layers); sides: the "
            f"worst layer (max relative difference {rel:.2g})",
            values={"gd_core_layer1": float(core[0]), "time_domain_layer1": float(direct[0]), "max_rel": rel},
        )
    )
    fa = ex.relu_cn_rate(64, 4, draws=12, seed=ctx.seed)
    with disabled(init_grad_norms):
        fb = ex.relu_cn_rate(64, 4, draws=12, seed=ctx.seed, path="time")
    out.append(
        compared(
            "rate estimate n=64, k=4: GD core vs time-domain path (same draws)",
            "float64",
            fa.estimate,
            fb.estimate,
            1e-10,
            sides=(
                "numerics.gd.channel_gd.init_grad_norms (relu_cn_rate, path='fourier')",
                "numerics.mc.explosion.time_domain_grad_norms (relu_cn_rate, path='time')",
            ),
            detail="the same 12 draws at d=8 and 32 through both backprop paths; tolerance 1e-10 absolute",
            values={"fourier": fa.estimate, "time": fb.estimate, "stderr": fa.stderr},
        )
    )
    # the rate against n and k
    grid = (
        [(n_, k_) for k_ in (1, 2, 4, 8, 16, 32) for n_ in (64, 128, 256, 512, 1024)]
        if ctx.full
        else [(64, 1), (256, 1), (1024, 1), (64, 8), (128, 8), (256, 8), (512, 8)]
    )
    draws_for = {1: 400, 2: 200, 4: 100, 8: 40, 16: 20, 32: 20}
    linear = (1024 if ctx.full else 256, 1, 100, ctx.seed, False)
    cells = [ex.rate_params(n_, k_, draws_for[k_], ctx.seed) for n_, k_ in grid] + [ex.rate_params(*linear)]
    rates = _rates(ctx, cells)
    table: dict[tuple[int, int], tuple[float, float]] = {}
    for (n_, k_), rate in zip(grid, rates):
        row, est, se = _rate_row(n_, k_, draws_for[k_], ctx.seed, rate=rate)
        table[(n_, k_)] = (est, se)
        out.append(row)
    big = max(n_ for n_, k_ in table if k_ == 1)
    est, se = table[(big, 1)]
    out.append(
        compared(
            f"largest-n rate vs (1/2) ln(pi/(pi-1)), n={big}, k=1",
            "simulation",
            est,
            ex.X1_RATE,
            2.0,
            scale=se,
            sides=("numerics.mc.explosion.relu_cn_rate", "numerics.mc.explosion.X1_RATE"),
            detail=f"lhs: Monte Carlo slope {est:.5f} +- {se:.5f} (GD-core backprop, {draws_for[1]} draws per "
            f"depth); rhs: the mean-field constant {ex.X1_RATE:.5f} (closed form); discrepancy in standard "
            "errors, passes within 2",
            values={"rate": {"estimate": est, "stderr": se}, "prediction": ex.X1_RATE, "n": big, "k": 1},
        )
    )
    for k_ in sorted({k_ for _, k_ in table}):
        ns = sorted(n_ for n_, kk in table if kk == k_)
        if len(ns) < 3:
            continue
        excesses = [table[(n_, k_)][0] - ex.X1_RATE for n_ in ns]
        if min(excesses) <= 0:
            out.append(
                measurement(
                    f"finite-n excess, k={k_}: no power law (the excess changes sign)",
                    f"rate - 0.19159 at n={ns}: " + ", ".join(f"{e:+.4f}" for e in excesses),
                    {"k": k_, **{f"n{n_}_excess": e for n_, e in zip(ns, excesses)}},
                )
            )
            continue
        try:
            law = ex.excess_power_law(
                ns, [table[(n_, k_)][0] for n_ in ns], [table[(n_, k_)][1] for n_ in ns]
            )
        except (RuntimeError, ValueError) as err:  # no power law fits (e.g. the excess changes sign)
            out.append(measurement(f"finite-n excess fit, k={k_}", f"no fit: {err}", {"k": k_}))
            continue
        out.append(
            measurement(
                f"finite-n excess fit, k={k_}: rate(n) - 0.19159 = A n^-p",
                f"weighted least squares over n={ns}: A={law['A']:.3g} +- {law['A_stderr']:.2g}, "
                f"p={law['p']:.3g} +- {law['p_stderr']:.2g}, chi2/dof={law['chi2_per_dof']:.2g}",
                {"k": k_, **law},
            )
        )
    for k_ in sorted({k_ for _, k_ in table}):
        ns = sorted(
            n_
            for n_, kk in table
            if kk == k_ and (n_ >= 256 if k_ == 1 else n_ >= 64 if not ctx.full else n_ >= 128)
        )
        if len(ns) < 2:
            continue
        fit_ = ex.extrapolate_rate(ns, [table[(n_, k_)][0] for n_ in ns], [table[(n_, k_)][1] for n_ in ns])
        out.append(
            compared(
                f"n -> infinity extrapolation vs (1/2) ln(pi/(pi-1)), k={k_}",
                "simulation",
                fit_["r_inf"],
                ex.X1_RATE,
                3.0,
                scale=fit_["r_inf_stderr"],
                sides=("numerics.mc.explosion.extrapolate_rate", "numerics.mc.explosion.X1_RATE"),
                detail=f"lhs: r_inf of the weighted fit rate(n) = r_inf + A/n over n={ns} (of the GD-core "
                "rates above; k=1 uses n >= 256, where the excess has stopped changing sign); rhs: the "
                f"constant {ex.X1_RATE:.5f}; r_inf = {fit_['r_inf']:.5f} +- {fit_['r_inf_stderr']:.5f}, "
                f"A = {fit_['A']:.3g} +- {fit_['A_stderr']:.2g}; discrepancy in standard errors, passes within 3",
                values={"k": k_, "prediction": ex.X1_RATE, **fit_},
            )
        )
    lin, lest, lse = _rate_row(*linear, rate=rates[-1])
    out.append(lin)
    # the weighted extrapolation above on planted rates: against numpy.polyfit, and calibrated
    out += estimators.extrapolation_rows(ctx)
    return out


# ------------------------------------------------------------------------------- X3

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "X1",
        "ReLU + CN explodes at the mean-field rate (1/2) ln(pi/(pi-1))",
        "float64, simulation",
        "(1/d) log||grad_(C_1) L|| -> (1/2) ln(pi/(pi-1)) = 0.19159 per layer as n -> inf, every k",
        "ReLU after every hidden convolution, CN (gain 1, bias 0) after every convolution; full-length "
        "filters, fan-in init; x, y ~ N(0, I)",
        run_x1,
    ),
)
