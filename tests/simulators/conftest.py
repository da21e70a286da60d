"""Fixtures of the simulator tests. The NL simulator on the real ReDial catalog (`natural_sim`)
is session-wide (tests/conftest.py)."""
