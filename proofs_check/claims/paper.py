"""The paper's experiments P1-P6 (THEORY section 5) as a claim family that needs the extra ``paper``.

Each claim runs its PyTorch experiment (``paper.<module>.run``) at the quick size into a
temporary folder and turns the report entry into checks: every autograd-versus-closed-form
cross-check against its tolerance, and for P6 the paper's statement (with CN the first-layer
gradient at the end is >= 10x the no-CN one and the final loss >= 10x lower). These claims
are not in the default run (``CLAIMS`` of the registry); ``proofs_check paper`` runs them
with figures, and ``--list`` shows them as needing the extra. PyTorch is imported only when
a claim runs, never when this module is imported.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from proofs_check.claims.base import Claim, Context, compared
from theory.checks import Check

EXTRA = "paper"
TOL_EXACT = 1e-10  # float64 autograd vs closed form (measured ~1e-15)
TOL_EPS_PREDICTION = 1e-6  # M3 with eps: measured <grad,row> vs its predicted eps term (measured ~1e-9)
P6_RATIO = 10.0  # the paper's P6 reading: CN gradient >= 10x, CN loss >= 10x lower

#: id -> (module in ``paper``, title, figure file stems it writes)
EXPERIMENTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "P1": (
        "histograms",
        "Gradient-norm histograms at initialization, linear single channel (Fig. 4a/4b)",
        ("p1_histograms",),
    ),
    "P2": ("step_fit", "Multi-channel ReLU CNN fitting a step (Figs. 1-2)", ("p2_step_fit",)),
    "P3": (
        "linear_head",
        "Linear single-channel CNN with the authors' sigmoid head (Fig. 5)",
        ("p3_linear_head", "training_curves"),
    ),
    "P4": ("landscape", "Loss landscapes after training (Fig. 3)", ("p4_landscape",)),
    "P5": (
        "init_grads",
        "Gradient norms at initialization, multi-channel ReLU CNN (Fig. 4c/4d)",
        ("p5_init_grads",),
    ),
    "P6": ("deep_decoder", "Deep decoder fitting an image (motivating example)", ("p6_deep_decoder",)),
}
IDS = tuple(EXPERIMENTS)


def runner(eid: str) -> Callable[..., dict]:
    """``paper.<module>.run`` of experiment ``eid`` (imports PyTorch)."""
    return importlib.import_module(f"paper.{EXPERIMENTS[eid][0]}").run


#: Who computes each side of the paper's cross-checks (theory.checks.Check.sides).
AUTOGRAD_VS_CLOSED_FORM = ("torch.autograd.grad", "paper.crosschecks")
P6_SIDES = ("paper.deep_decoder", "paper.deep_decoder")
P6_SAME_CODE = (
    "one decoder trained with and without CN: the check is a ratio of two runs, not two computations"
)


def _flatten(d: dict, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flatten(v, key + ".")
        elif isinstance(v, (int, float)) and not isinstance(v, bool) or v is None:
            yield key, v


def checks(entry: dict) -> list[Check]:
    """The checks of one report entry: cross-checks (autograd vs closed form to TOL_EXACT,
    M3's eps prediction to TOL_EPS_PREDICTION, the authors' literal code), and P6's ratios."""
    out = []
    for key, value in _flatten(entry["ours"].get("crosschecks", {})):
        exact = (
            key.endswith(("_rel_err", "max_abs_cos_grad_row"))
            and "1e-05" not in key
            and "prediction" not in key
        )
        v = float("nan") if value is None else float(value)
        if exact:
            out.append(
                compared(
                    key, "float64", v, 0.0, TOL_EXACT, sides=AUTOGRAD_VS_CLOSED_FORM,
                    detail="autograd vs closed form (float64): the recorded relative error",
                )
            )  # fmt: skip
        elif (
            key.endswith("max_rel_err_vs_eps_prediction") and value is not None
        ):  # None: eps 0, no prediction
            out.append(
                compared(
                    key,
                    "float64",
                    v,
                    0.0,
                    TOL_EPS_PREDICTION,
                    sides=AUTOGRAD_VS_CLOSED_FORM,
                    detail="M3 with eps vs its predicted eps term: the recorded relative error",
                )  # fmt: skip
            )
    literal = entry["ours"].get("literal_check")
    if literal:
        out.append(
            compared(
                "their code == X^T y/||Xw||",
                "float64",
                float(literal["theirs_vs_XTy_over_normXw_max_rel"]),
                0.0,
                TOL_EXACT,
                sides=("paper.histograms", "paper.crosschecks"),
                detail="the authors' normalized-gradient code, literally, against X^T y/||Xw||",
            )
        )
    if entry["id"] == "P6":
        ours = entry["ours"]
        cn, plain = ours["with_cn"], ours["without_cn"]
        gain = cn["bn_gain_init"]
        grad = cn["first_layer_grad_norm_end"][0] / plain["first_layer_grad_norm_end"][0]
        loss = plain["final_loss"][0] / cn["final_loss"][0]
        out.append(
            compared(
                "first-layer gradient at the end, CN / no CN >= 10",
                "simulation",
                P6_RATIO / grad if grad > 0 else float("inf"),
                0.0,
                1.0,
                sides=P6_SIDES,
                same_code=P6_SAME_CODE,
                detail=f"seed 0, gain start {gain}: ratio {grad:.3g} (discrepancy = 10 / ratio)",
                values={"ratio": grad},
            )
        )
        out.append(
            compared(
                "final loss, no CN / CN >= 10",
                "simulation",
                P6_RATIO / loss if loss > 0 else float("inf"),
                0.0,
                1.0,
                sides=P6_SIDES,
                same_code=P6_SAME_CODE,
                detail=f"seed 0, gain start {gain}: ratio {loss:.3g} (discrepancy = 10 / ratio)",
                values={"ratio": loss},
            )
        )
    return out


def failures(entries: list[dict]) -> list[str]:
    """The failing checks of the report entries, one line each ('P2 name = value > tolerance')."""
    return [
        f"{e['id']} {c.name} = {c.discrepancy} > {c.tolerance}"
        for e in entries
        for c in checks(e)
        if not c.passed
    ]


def _claim(eid: str) -> Claim:
    module, title, _ = EXPERIMENTS[eid]

    def run(ctx: Context) -> list[Check]:
        with tempfile.TemporaryDirectory() as out:
            kwargs: dict[str, Any] = {"quick": not ctx.full, "full": False}
            if eid in ("P1", "P5"):
                kwargs["seed"] = ctx.seed
            else:
                kwargs["seeds"] = 1
            return checks(runner(eid)(out, **kwargs))

    return Claim(
        eid,
        title,
        "pytorch",
        f"the paper's experiment {eid} as its authors ran it (THEORY section 5); autograd agrees with the closed forms",
        f"needs the extra '{EXTRA}' (PyTorch); quick sizes; see docs/paper.md",
        run,
    )


CLAIMS: tuple[Claim, ...] = tuple(_claim(eid) for eid in IDS)
