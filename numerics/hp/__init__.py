"""High precision: mpmath and arb (python-flint) gradient norms, exact gradient-flow times,
and the constants of T7 and M2."""
