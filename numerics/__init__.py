"""Numerics for the theory: exact (mpmath) gradient norms and gradient-flow times, the
vectorized GD simulator, Monte Carlo rates, sweeps and (in ``numerics.figures.one_channel``, not
imported here so that importing ``numerics`` does not load matplotlib) the figures.

The names below are the public API; each is documented in its module.

>>> import numerics
>>> f = numerics.random_filters(2, 3, 8, seed=0)  # (trials, depth, n), taps N(0, 1/n)
>>> f.shape
(2, 3, 8)
"""

from numerics.gd.channel_gd import init_grad_norms, simulate_gd_channels
from numerics.gd.reference import gd_reference, grad_norms_time_domain
from numerics.gd.simulate import GDResult, random_filters, simulate_gd
from numerics.hp.allpass import allpass_filters, balanced_time_complex, stall_floor
from numerics.hp.channels import channel_grad_norms, random_channel_filters, width_rate, width_rate_quadrature
from numerics.hp.constants import Constant, t7_constants
from numerics.hp.flow import (
    ScalarFlow,
    balanced_time,
    exact_time,
    flow_time,
    gd_steps_lower_bound,
    gf_solution,
    lower_bound,
    sign_mismatch,
    time_by_s_integral,
    typical_rate,
)
from numerics.hp.precise import agreeing_digits, grad_norms, precision_guard
from numerics.mc.experiments import (
    GDBoundReport,
    c4_bound,
    cn_limit_law,
    gradient_norms_at_init,
    norm_growth_two_paths,
    t9_gd_bound_edge,
    t9_gd_bounds,
)
from numerics.mc.explosion import relu_cn_rate
from numerics.mc.rates import (
    SlopeFit,
    complex_weights,
    crossing_time_law,
    log_grad_norm_profile,
    mismatch_slowdown,
    second_moment_exact,
    second_moment_mc,
    t8_slope,
    t9_fixed_delta_slope,
    t9_growth,
)
from numerics.mc.trainability import trainability_map
from numerics.store.sweep import SweepConfig, best_step_sizes, run_sweep, summarize
from theory import __version__

__all__ = [
    "__version__",
    "agreeing_digits",
    "allpass_filters",
    "balanced_time_complex",
    "balanced_time",
    "best_step_sizes",
    "c4_bound",
    "channel_grad_norms",
    "cn_limit_law",
    "complex_weights",
    "Constant",
    "crossing_time_law",
    "exact_time",
    "flow_time",
    "gd_reference",
    "gd_steps_lower_bound",
    "GDBoundReport",
    "GDResult",
    "gf_solution",
    "grad_norms",
    "grad_norms_time_domain",
    "gradient_norms_at_init",
    "init_grad_norms",
    "log_grad_norm_profile",
    "lower_bound",
    "mismatch_slowdown",
    "norm_growth_two_paths",
    "precision_guard",
    "random_channel_filters",
    "random_filters",
    "relu_cn_rate",
    "run_sweep",
    "ScalarFlow",
    "second_moment_exact",
    "second_moment_mc",
    "sign_mismatch",
    "simulate_gd",
    "simulate_gd_channels",
    "stall_floor",
    "SlopeFit",
    "summarize",
    "SweepConfig",
    "t7_constants",
    "t8_slope",
    "t9_fixed_delta_slope",
    "t9_gd_bound_edge",
    "t9_gd_bounds",
    "t9_growth",
    "time_by_s_integral",
    "trainability_map",
    "typical_rate",
    "width_rate",
    "width_rate_quadrature",
]
