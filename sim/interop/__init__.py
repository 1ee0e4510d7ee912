"""Perfect Storm inside the field's tools: the EMA workbench (:mod:`sim.interop.ema`).

SPECULATIVE SCENARIO — NOT A FORECAST. Whatever a tool does with these
results, they stay conditional on the hypotheses switched on.

The submodules import their tool lazily: ``import sim`` never needs them.
"""
