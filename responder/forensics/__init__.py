"""Forensics: sweep the account at Binance's weight limit, flag abnormal activity, estimate the loss.

The planner, rules, baseline, verdict and loss modules are pure; the executor and the sweep are the
edges that call the `Exchange` protocol. `investigate()` (in `sweep`) is the entry point the CLI and
the wizard's "Investigate" step call.
"""
