"""The hypothesis plug-in contract (docs/design.md, decision 5), Axelrod-style.

One base class of checks, run against every registered hypothesis: a new file
in ``sim/hypotheses/`` is picked up by the registry and tested here with no
change to this file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ARTICLE, assert_rows_identical, frames_differ, simulate_cached, words

import sim
from sim import catalog
from sim.errors import UsageError
from sim.hypotheses import REGISTRY, REQUIRED_METADATA, Hypothesis
from sim.hypotheses.base import EVENT_HOOKS, QUANTITIES
from sim.params import Param

SOURCES = ("history", "base rate", "guess")
#: A run of this many consecutive words shared with the article counts as copying.
COPY_RUN = 8
RUNS, SEED = 2000, 7


@pytest.fixture(scope="module")
def article() -> str:
    # The article is not part of the repository (it is not ours to publish).
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found at {ARTICLE}")
    return ARTICLE.read_text(encoding="utf-8")


def test_registry_matches_the_package() -> None:
    """Every module in sim/hypotheses/ (but the base) registers exactly one id."""
    files = sorted(
        p.stem
        for p in (catalog.SCENARIO_DIR.parent / "sim" / "hypotheses").glob("*.py")
        if p.stem not in ("__init__", "base")
    )
    modules = sorted(cls.__module__.rsplit(".", 1)[-1] for cls in REGISTRY.values())
    assert modules == files
    assert set(sim.HYPOTHESIS_IDS) == set(REGISTRY)
    assert len(sim.HYPOTHESIS_IDS) == len(set(sim.HYPOTHESIS_IDS))


def test_design_ids_are_all_registered() -> None:
    fixed = {
        "controlled_leaks",
        "hidden_patrons",
        "leader_gated_mediation",
        "false_intelligence",
        "nuclear_leak",
        "long_range_storm",
        "ballistic_pretext",
    }
    assert fixed <= set(REGISTRY)


def test_registering_an_id_twice_is_refused() -> None:
    from sim.hypotheses import register

    class Impostor(Hypothesis):
        metadata = {"id": "hidden_patrons"}

    with pytest.raises(ValueError, match="hidden_patrons"):
        register(Impostor)
    assert REGISTRY["hidden_patrons"] is not Impostor


@pytest.mark.parametrize("hid", sim.HYPOTHESIS_IDS)
class TestHypothesisContract:
    """Every registered hypothesis passes every check in this class."""

    # --- metadata -----------------------------------------------------------

    def test_metadata_complete(self, hid: str) -> None:
        meta = REGISTRY[hid].metadata
        for key in REQUIRED_METADATA:
            assert key in meta, f"{hid}: metadata lacks {key!r}"
            assert isinstance(meta[key], str) and meta[key].strip(), f"{hid}: empty {key!r}"
        assert meta["id"] == hid
        assert meta["status"] == "speculative"

    def test_section_is_a_heading_of_the_article(self, hid: str, article: str) -> None:
        section = REGISTRY[hid].metadata["section"]
        lines = {line.strip() for line in article.splitlines()}
        assert section in article
        assert section.strip() in lines, f"{hid}: section {section!r} is not a line of the article"

    def test_claim_is_a_paraphrase(self, hid: str, article: str) -> None:
        claim = words(REGISTRY[hid].metadata["claim"])
        text = " " + " ".join(words(article)) + " "
        assert len(claim) >= COPY_RUN, f"{hid}: the claim is too short to say anything"
        copied = [
            " ".join(claim[i : i + COPY_RUN])
            for i in range(len(claim) - COPY_RUN + 1)
            if " " + " ".join(claim[i : i + COPY_RUN]) + " " in text
        ]
        assert not copied, f"{hid}: claim copies the article verbatim: {copied[0]!r}"

    def test_probe_is_a_shipped_scenario(self, hid: str) -> None:
        probe = catalog.SCENARIO_DIR / REGISTRY[hid].metadata["probe"]
        assert probe.is_file(), f"{hid}: probe {probe.name} is not in scenarios/"
        sim.load_scenario(probe)

    # --- parameters ---------------------------------------------------------

    def test_parameters_declared(self, hid: str) -> None:
        params = REGISTRY[hid].params
        assert params, f"{hid}: no parameters declared"
        for name, spec in params.items():
            assert isinstance(spec, Param)
            assert name.isidentifier() and name != "on"
            assert spec.low <= spec.default <= spec.high, f"{hid}.{name}: default out of range"
            assert spec.low < spec.high
            assert spec.unit.strip() and spec.meaning.strip(), f"{hid}.{name}: unit/meaning empty"
            assert spec.source.startswith(SOURCES), f"{hid}.{name}: source {spec.source!r}"

    def test_defaults_apply(self, hid: str) -> None:
        cls = REGISTRY[hid]
        h = cls()
        assert h.on is False
        assert h.values == {n: float(p.default) for n, p in cls.params.items()}
        for name, value in h.values.items():
            if not callable(getattr(cls, name, None)):  # a hook may share a parameter's name
                assert getattr(h, name) == value

    def test_out_of_range_value_raises_naming_the_key(self, hid: str) -> None:
        cls = REGISTRY[hid]
        for name, spec in cls.params.items():
            for bad in (spec.high + 1, spec.low - 1):
                with pytest.raises(ValueError, match=rf"hypotheses\.{hid}\.{name}.*out of range"):
                    cls(on=True, **{name: bad})

    def test_unknown_parameter_raises_naming_it(self, hid: str) -> None:
        cls = REGISTRY[hid]
        with pytest.raises(ValueError, match=rf"hypotheses\.{hid}.*'no_such_knob'") as err:
            cls(on=True, no_such_knob=0.5)
        for name in cls.params:
            assert name in str(err.value), "the valid parameter names are listed"

    def test_wrong_type_raises(self, hid: str) -> None:
        cls = REGISTRY[hid]
        name = next(iter(cls.params))
        for bad in ("0.5", True, None, [0.5]):
            with pytest.raises(ValueError, match=rf"hypotheses\.{hid}\.{name}.*expected a number"):
                cls(on=True, **{name: bad})

    def test_set_validates_through_the_scenario(self, hid: str) -> None:
        spec = sim.load_scenario(catalog.SCENARIO_DIR / REGISTRY[hid].metadata["probe"])
        name, p = next(iter(REGISTRY[hid].params.items()))
        with pytest.raises(UsageError, match=rf"hypotheses\.{hid}\.{name}.*out of range"):
            spec.with_overrides(sets=[f"hypotheses.{hid}.{name}={p.high + 1}"])
        with pytest.raises(UsageError, match="unknown hypothesis parameter"):
            spec.with_overrides(sets=[f"hypotheses.{hid}.no_such_knob=1"])
        mid = (p.low + p.high) / 2
        assert spec.with_overrides(sets=[f"hypotheses.{hid}.{name}={mid}"]).hypotheses[hid][name] == mid

    # --- instances ----------------------------------------------------------

    def test_clone_equals_and_is_new(self, hid: str) -> None:
        cls = REGISTRY[hid]
        values = {n: (p.low + p.high) / 2 for n, p in cls.params.items()}
        for on in (False, True):
            h = cls(on=on, **values)
            c = h.clone()
            assert c == h and c is not h and type(c) is cls
            assert c.values is not h.values
            assert c.values == values and c.on is on
        assert cls(on=True) != cls(on=False)

    # --- behaviour ----------------------------------------------------------

    def test_null_version_differs_on_its_probe(self, hid: str) -> None:
        spec = sim.load_scenario(catalog.SCENARIO_DIR / REGISTRY[hid].metadata["probe"])
        on = simulate_cached(spec.with_overrides(with_=[hid]), RUNS, SEED)
        off = simulate_cached(spec.with_overrides(without=[hid]), RUNS, SEED)
        assert on.attrs["hypotheses_on"] != off.attrs["hypotheses_on"]
        assert hid in on.attrs["hypotheses_on"] and hid not in off.attrs["hypotheses_on"]
        assert frames_differ(on, off), f"{hid}: switching it on changes nothing on its probe"

    def test_reproducible(self, hid: str) -> None:
        spec = sim.load_scenario(catalog.SCENARIO_DIR / REGISTRY[hid].metadata["probe"])
        spec = spec.with_overrides(with_=[hid])
        a = sim.simulate(spec, runs=200, seed=SEED)
        b = sim.simulate(spec, runs=200, seed=SEED)
        c = sim.simulate(spec, runs=200, seed=SEED + 1)
        assert not frames_differ(a, b)
        assert frames_differ(a, c)

    def test_expected_direction_on_its_probe(self, hid: str) -> None:
        """Each plug-in declares what it does, and does it: not only 'differs'."""
        cls = REGISTRY[hid]
        assert cls.expect is not None, f"{hid}: declares no behavioural expectation (expect = ...)"
        column, category, direction = cls.expect
        assert direction in ("higher", "lower")
        spec = sim.load_scenario(catalog.SCENARIO_DIR / cls.metadata["probe"])
        on = simulate_cached(spec.with_overrides(with_=[hid]), RUNS, SEED)
        off = simulate_cached(spec.with_overrides(without=[hid]), RUNS, SEED)

        def measure(df: pd.DataFrame) -> float:
            col = df[column]
            return float((col.astype(str) == category).mean()) if category is not None else float(col.mean())

        a, b = measure(on), measure(off)
        assert (a > b) if direction == "higher" else (a < b), f"{hid}: {column} {category} on {a} vs off {b}"

    # --- the shared hooks -----------------------------------------------------

    def test_adjusts_only_declared_quantities(self, hid: str) -> None:
        cls = REGISTRY[hid]
        assert set(cls.adjustments) <= set(QUANTITIES)
        assert cls(on=True).overrides() <= set(EVENT_HOOKS)
        assert cls.adjustments or cls(on=True).overrides(), f"{hid}: acts through no hook at all"

    def test_off_everywhere_is_the_null_version(self, hid: str) -> None:
        """Switched off in every replicate (as an array), it is exactly the null version."""
        cls = REGISTRY[hid]
        spec = sim.load_scenario(catalog.SCENARIO_DIR / cls.metadata["probe"]).with_overrides(without=[hid])
        off = simulate_cached(spec, 300, SEED)
        arr = sim.simulate(spec, runs=300, seed=SEED, worlds={f"hypotheses.{hid}.on": np.zeros(300, bool)})
        assert_rows_identical(off, arr.drop(columns=["draw", f"hypotheses.{hid}.on"]))

    def test_per_replicate_switch_matches_each_side(self, hid: str) -> None:
        """A switch that differs by replicate gives, per replicate, the all-on or the all-off row."""
        cls = REGISTRY[hid]
        spec = sim.load_scenario(catalog.SCENARIO_DIR / cls.metadata["probe"])
        on = simulate_cached(spec.with_overrides(with_=[hid]), 300, SEED)
        off = simulate_cached(spec.with_overrides(without=[hid]), 300, SEED)
        mask = np.arange(300) % 3 == 0
        mixed = sim.simulate(spec, runs=300, seed=SEED, worlds={f"hypotheses.{hid}.on": mask})
        mixed = mixed.drop(columns=["draw", f"hypotheses.{hid}.on"])
        assert_rows_identical(mixed[mask], on[mask])
        assert_rows_identical(mixed[~mask], off[~mask])


def test_a_hypothesis_with_only_neutral_hooks_changes_nothing() -> None:
    """The base class's hooks are neutral: a plug-in that defines none leaves every result as it was."""
    from sim.hypotheses.base import register, unregister

    @register
    class Inert(Hypothesis):
        metadata = {k: "inert" for k in REQUIRED_METADATA} | {"id": "inert_probe", "status": "speculative"}
        params = {"x": Param(0.5, 0, 1, "share", "nothing", "guess")}

    try:
        spec = catalog.load("mutiny_2023")
        a = sim.simulate(spec.with_overrides(on=["inert_probe"]), runs=200, seed=3)
        b = sim.simulate(spec.with_overrides(off=["inert_probe"]), runs=200, seed=3)
        assert_rows_identical(a, b)
    finally:
        unregister("inert_probe")
