"""Benchmarks (not timed unit tests): `./dev bench` runs `python -m bench`."""
