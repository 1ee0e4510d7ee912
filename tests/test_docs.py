"""The generated reference pages match the code, and the docs command works."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import sim
from sim import docgen
from storm_cli import cli


def test_generated_pages_are_current() -> None:
    stale = docgen.stale_pages()
    assert not stale, f"regenerate with `perfect-storm docs`: {[p.name for p in stale]}"


def test_hypotheses_page_covers_every_hypothesis_and_parameter() -> None:
    text = docgen.hypotheses_markdown()
    assert sim.BANNER in text
    for hid, cls in sim.HYPOTHESES.items():
        assert f"## `{hid}`" in text
        assert cls.metadata["section"] in text
        for name in cls.params:
            assert f"| `{name}` |" in text


def test_scenarios_page_covers_every_key() -> None:
    text = docgen.scenarios_markdown()
    for key in sim.scenario.settable_keys():
        if not key.startswith("hypotheses."):
            assert f"`{key}`" in text, key
    for name in sim.INTERVENTIONS:
        assert f"`{name}`" in text


def test_docs_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(docgen, "DOCS_DIR", tmp_path)
    (tmp_path / "hypotheses.md").write_text("old", encoding="utf-8")
    result = CliRunner().invoke(cli, ["docs", "--check"])
    assert result.exit_code == 1
    assert "stale docs: hypotheses.md, scenarios.md" in result.output
    result = CliRunner().invoke(cli, ["docs"])
    assert result.exit_code == 0
    assert CliRunner().invoke(cli, ["docs", "--check"]).exit_code == 0
