"""Service benchmarks: `make bench` (python -m bench). Loopback only, bounded in time."""
