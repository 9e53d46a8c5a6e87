"""X4's map (numerics.mc.trainability): the all-pass start at width k, one cell, the causes read from
planted runs, the record's contract, and --dask against serial bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest

import numerics
from numerics.gd.channel_gd import simulate_gd_channels
from numerics.mc import cn_depth
from numerics.mc import trainability as tr

SMALL = {"draws": 3, "seed": 0, "max_iter": 300, "tune_draws": 2}


@pytest.fixture(scope="module")
def planted():
    return tr.planted_runs(0)


@pytest.mark.parametrize(
    "cause", ["vanished", "tied_stall", "smallest_frequency_stall", "diverged", "still_falling"]
)
def test_planted_cause_is_read_from_the_final_state(planted, cause):
    (run,) = [r for r in planted if r["cause"] == cause]
    got = tr.classify_causes(
        run["x"], run["y"], run["start"], run["res"], eta=run["eta"], normalized=run["normalized"]
    )
    assert got == [cause]


def test_smallest_frequency_stall_agrees_with_x2s_stall_state(planted):
    """The planted X2 stall: cn_depth.stall_state (NumPy phase-free CN state, its own run) puts the
    remaining loss at the frequency that started smallest too."""
    (run,) = [r for r in planted if r["cause"] == "smallest_frequency_stall"]
    f = np.concatenate([a[:, 0] for a in run["start"]], axis=1)
    st = cn_depth.stall_state(run["x"], run["y"], f, eta=run["eta"], steps=int(run["res"].steps_run))
    assert st["share"][0].argmax() == st["rel0"][0, 1:].argmin() + 1 == len(run["x"]) // 2


def test_a_tie_broken_beyond_rounding_is_not_a_tied_stall(planted):
    (run,) = [r for r in planted if r["cause"] == "tied_stall"]
    start = [a.copy() for a in run["start"]]
    start[0][..., :] += 0.05 / start[0].shape[-1]  # ĉ_(1,0) = 1.05: the tie is broken
    res = simulate_gd_channels(
        run["x"], run["y"], start, eta=run["eta"], max_iter=3000, tol=1e-3, record=True
    )
    got = tr.classify_causes(run["x"], run["y"], start, res, eta=run["eta"], normalized=False)
    assert got != ["tied_stall"]


@pytest.mark.parametrize("n", [6, 7])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_allpass_channels_are_unitary_blocks_with_real_taps(n, k):
    layers = tr.allpass_channels(n, 4, k, trials=2, seed=3)
    assert [a.shape[1:3] for a in layers] == [(k, 1), (k, k), (k, k), (1, k)]
    for a in layers:
        spec = np.fft.fft(a, axis=-1)  # full spectrum of real taps: conjugate symmetric by construction
        assert np.isrealobj(a)
        for w in range(n):
            block = spec[..., w]
            gram = (
                np.einsum("tab,tac->tbc", block.conj(), block) if block.shape[1] >= block.shape[2] else None
            )
            if gram is not None:
                assert np.allclose(gram, np.eye(block.shape[2]), atol=1e-12)
            else:
                assert np.allclose(
                    np.einsum("tab,tcb->tac", block, block.conj()), np.eye(block.shape[1]), atol=1e-12
                )
        for w in [0] + ([n // 2] if n % 2 == 0 else []):
            assert np.allclose(spec[..., w].imag, 0, atol=1e-13)
    assert np.array_equal(tr.allpass_channels(n, 4, k, trials=2, seed=3)[1], layers[1])


def test_cell_record_fields_and_determinism():
    cell = tr.cells_of([8], [1], [3], ["allpass+cn"], **SMALL)[0]
    a, b = tr.cell_result(cell), tr.cell_result(cell)
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    for key in (
        "median_steps",
        "converged_fraction",
        "best_eta",
        "eta_interior",
        "causes",
        "n",
        "k",
        "config",
        "depth",
    ):
        assert key in a
    assert set(a["causes"]) == set(tr.CAUSES)
    assert sum(a["causes"].values()) == a["draws"] - sum(a["converged"])
    json.dumps(a, allow_nan=False)


def test_tuning_draws_are_reused_bit_for_bit():
    """The cell runs the non-tuning draws alone at the best step; a run of every draw at that step
    gives the same iteration counts (a trial's numbers do not depend on its batch)."""
    cell = tr.cells_of([8], [2], [3], ["fanin"], **SMALL)[0]
    got = tr.cell_result(cell)
    x, y = cn_depth.problem(8, 0)
    f = tr.start_filters(8, 3, 2, "fanin", 3, 0)
    res = simulate_gd_channels(x, y, f, eta=got["best_eta"], max_iter=300, tol=1e-3, threads=1)
    assert got["iterations"] == [int(v) for v in res.iterations]


def test_trainability_map_records_and_row_fits():
    out = numerics.trainability_map(8, [1], [2, 3, 4], ["fanin+cn"], **SMALL)
    assert [(c["n"], c["k"], c["config"], c["depth"]) for c in out["cells"]] == [
        (8, 1, "fanin+cn", d) for d in (2, 3, 4)
    ]
    (row,) = out["rows"]
    assert {"law", "exponent", "stderr", "sentence"} <= set(row)
    assert row["sentence"].startswith("n=8, k=1, fanin+cn")


def test_bad_config_is_refused_naming_the_parameter():
    with pytest.raises(ValueError, match="configs"):
        numerics.trainability_map(8, [1], [2], ["allpass+bn"], draws=1, seed=0)
    with pytest.raises(ValueError, match="depths"):
        numerics.trainability_map(8, [1], [1], ["fanin"], draws=1, seed=0)


def test_dask_gives_the_serial_bits(dask_cluster):
    args = (8, [1], [2, 3], ["fanin", "allpass+cn"])
    serial = numerics.trainability_map(*args, **SMALL)
    spread = numerics.trainability_map(*args, **SMALL, dask=dask_cluster.address)
    strip = lambda out: [{k: v for k, v in c.items() if k != "seconds"} for c in out["cells"]]  # noqa: E731
    assert strip(serial) == strip(spread)
    assert serial["rows"] == spread["rows"]
