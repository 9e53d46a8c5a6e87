import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))
# Derandomized: the suite draws the same examples on every run (the project's determinism
# rule), so a CI result is reproducible; `--hypothesis-seed=N` or the "explore" profile
# (HYPOTHESIS_PROFILE=explore) searches new examples.
settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
