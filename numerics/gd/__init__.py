"""Gradient descent: one driver (``core``) and one stopping rule (``status``) for the phase-free
Fourier-state simulators of one channel (``simulate``, the width-1 fast path) and of width k
(``channel_gd``), their compiled kernels (``compiled``, ``compiled_channels``), and the
time-domain reference GD they are checked against (``reference``)."""
