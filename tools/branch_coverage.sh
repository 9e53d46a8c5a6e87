#!/bin/sh
# Branch coverage of stall_floor (numerics/hp/allpass.py), the status rule (numerics/gd/status.py)
# and the validation layer (theory/validation), from the tests that target them (issue 27).
#
#   tools/branch_coverage.sh            # prints the report (statements, branches, missing lines)
#
# NUMBA_DISABLE_JIT=1 runs the njit functions (classify, the kernels) as Python, so coverage
# sees the status rule's branches; the tests below keep their runs short enough for that.
# The data file is written under /tmp, nothing in the tree.
set -e
cd "$(dirname "$0")/.."
DATA="${TMPDIR:-/tmp}/proofs_check_branch_coverage.$$"
NUMBA_DISABLE_JIT=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" python -m coverage run --branch \
    --data-file="$DATA" \
    --include='numerics/hp/allpass.py,numerics/gd/status.py,theory/validation/*' \
    -m pytest -q -n 0 -p no:cacheprovider \
    tests/validation/test_budget.py tests/validation/test_bad_inputs.py tests/validation/test_layer.py \
    tests/validation/test_branches.py tests/numerics/gd/test_status.py tests/numerics/gd/test_exact_zero.py \
    "$@"
python -m coverage report --data-file="$DATA" --show-missing --skip-covered
python -m coverage report --data-file="$DATA" --format=total >/dev/null
rm -f "$DATA"
