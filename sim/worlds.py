"""Per-replicate worlds: dotted keys with one value per replicate.

A world table is how every ensemble feature reaches the engine: uncertain
parameters (drawn per replicate), sweeps (each design point a block of
replicates), attribution (2^k switch combinations) and calibration (each
particle a replicate). This module checks such a table and splits it into
model parameters, hypothesis switches and hypothesis parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import hypotheses as hyp
from .errors import choices_hint
from .params import PARAMS


def valid_keys() -> list[str]:
    """Every key a world may set."""
    keys = [k for k, p in PARAMS.items() if not p.structural]
    for hid, cls in hyp.REGISTRY.items():
        keys += [f"hypotheses.{hid}.on", *(f"hypotheses.{hid}.{n}" for n in cls.params)]
    return keys


def split_worlds(
    worlds: Mapping[str, Any], replicates: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """(model parameters, hypothesis switches, hypothesis parameters), each value checked.

    Raises ValueError naming the key: an unknown key, a wrong length, a value
    outside the declared range, a structural parameter.
    """
    params: dict[str, np.ndarray] = {}
    switches: dict[str, np.ndarray] = {}
    hvalues: dict[str, dict[str, np.ndarray]] = {}
    for key, raw in worlds.items():
        values = np.asarray(raw)
        if values.shape != (replicates,):
            raise ValueError(
                f"{key}: expected one value per replicate ({replicates}), got shape {values.shape}"
            )
        if key in PARAMS:
            params[key] = PARAMS[key].check_array(key, values)
            continue
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "hypotheses" and parts[1] in hyp.REGISTRY:
            hid, leaf = parts[1], parts[2]
            if leaf == "on":
                if values.dtype != bool:
                    raise ValueError(f"{key}: expected true/false per replicate, got {values.dtype}")
                switches[hid] = values
                continue
            spec = hyp.REGISTRY[hid].params.get(leaf)
            if spec is not None:
                hvalues.setdefault(hid, {})[leaf] = spec.check_array(key, values)
                continue
        raise ValueError(f"unknown world key {key!r}{choices_hint(key, valid_keys())}")
    return params, switches, hvalues
