"""Memory: refuse a request before allocating when it would not fit (``check_memory``)."""

from __future__ import annotations

import os

#: bytes ``simulate_gd`` holds per (trial, layer, tap): filters, spectra, buffers, temporaries.
SIM_BYTES_PER_ENTRY = 96


def available_memory() -> int:
    """Bytes the system can still hand out (MemAvailable), or total RAM if unknown; at most
    the address-space limit of this process (``ulimit -v``) when one is set."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            avail = 8 * 2**30
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            avail = min(avail, soft)
    except (ImportError, OSError, ValueError):
        pass
    return avail


def memory_needed(trials: int, depth: int, n: int, bytes_per_entry: int = SIM_BYTES_PER_ENTRY) -> int:
    """Bytes a batch of ``trials`` networks of ``depth`` filters of length ``n`` needs."""
    return int(trials) * int(depth) * int(n) * bytes_per_entry


def _bytes(needed: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if needed >= size:
            return f"{needed / size:.3g} {unit}"
    return f"{needed / 2**10:.3g} KiB"


def check_memory(needed: int, what: str) -> None:
    """Refuse before allocating when ``needed`` bytes exceed 80% of the available memory;
    the message says how much the request would take."""
    avail = available_memory()
    if needed > 0.8 * avail:
        raise ValueError(
            f"{what} needs about {_bytes(needed)} of memory, "
            f"more than the {_bytes(0.8 * avail)} available; reduce it"
        )
