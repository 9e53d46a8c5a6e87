"""Monte Carlo: rates of log-gradient norms in the depth, second moments, and the
experiments behind T8, T9, C3, C4 and C6."""
