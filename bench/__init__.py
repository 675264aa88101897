"""Benchmarks (not tests): each figure is printed as a ratio to a bare-framework baseline
measured in the same run, so numbers compare across machines."""
