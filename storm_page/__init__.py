"""The classroom page: an interactive counterfactual dashboard over the ``sim`` API.

SPECULATIVE SCENARIO — NOT A FORECAST. ``sim`` never imports this package.
"""
