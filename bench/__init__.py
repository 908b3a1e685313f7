"""Performance and resilience benchmarks (``python -m bench``; not part of the test suite).

Every speed figure is a ratio against a baseline measured in the same run, because the
machines these run on are small and shared: absolute requests per second say little, a
ratio taken minutes apart on the same machine says what the service itself costs.
Everything listens on loopback only.
"""
