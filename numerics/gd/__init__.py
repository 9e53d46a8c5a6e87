"""Gradient descent: the phase-free Fourier-state simulators (one and k channels), their
compiled kernels, and the time-domain reference GD they are checked against."""
