"""Author tools: release exercises from solutions, build source notebooks from Python,
the thread between steps, and the benchmarks (``course bench``, ``bench-checks``, ``bench-class``)."""
