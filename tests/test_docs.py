"""The generated reference pages match the code, and the docs command works."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
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


# --- the project's own pages -----------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _section(text: str, heading: str) -> str:
    """The text of the section whose '## ' heading contains ``heading``."""
    parts = re.split(r"^## ", text, flags=re.M)
    found = [p for p in parts if p.splitlines()[0].find(heading) >= 0]
    assert found, f"docs/outputs.md has no section for {heading}"
    return found[0]


@pytest.fixture(scope="module")
def result_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small folder of each kind, written by the CLI as a user would."""
    from storm_cli.main import main

    root = tmp_path_factory.mktemp("outputs")
    commands = {
        "batch": ["batch", "mutiny_2023", "--runs", "40", "--executor", "inline", "--quiet"],
        "compare": ["compare", "mutiny_2023", "--intervene", "no_mediation", "--runs", "40"],
        "sweep": [
            "sweep",
            "mutiny_2023",
            "--param",
            "wagner.speed_kmh=30:60",
            "--analyze",
            "morris",
            "--points",
            "2",
            "--runs",
            "20",
        ],
        "attribute": ["attribute", "mutiny_hidden_patrons", "--outcome", "martial_law", "--runs", "20"],
    }
    for kind, args in commands.items():
        try:
            main([*args, "--out", str(root / kind)])
        except SystemExit as exit_:
            assert not exit_.code, f"{kind}: exit {exit_.code}"
    return {kind: root / kind for kind in commands}


def _columns(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return list(pd.read_parquet(path).columns)
    return list(pd.read_csv(path, comment="#", nrows=1).columns)


SECTIONS = {"batch": "`batch`", "compare": "`compare`", "sweep": "`sweep`", "attribute": "`attribute`"}


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_outputs_page_documents_every_file_and_column(kind: str, result_dirs: dict[str, Path]) -> None:
    text = (DOCS / "outputs.md").read_text(encoding="utf-8")
    section = _section(text, SECTIONS[kind])
    outcomes = _section(text, "Per-replicate outcomes")
    d = result_dirs[kind]
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    swept = {p["key"] for p in manifest.get("params", [])}
    # Dot files are the writers' own (a lock, temporary names), not results.
    files = sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith("."))
    assert files, d
    for path in files:
        assert f"`{path.name}`" in section, f"docs/outputs.md, {kind}: file {path.name} not listed"
        if path.suffix not in (".parquet", ".csv"):
            continue
        where = outcomes if path.name.startswith("outcomes") else section
        for col in _columns(path):
            if col in swept or (path.name == "transitions.csv" and col in sim.OUTCOMES):
                continue  # documented as "one column per swept key" / "one column per outcome"
            assert f"`{col}`" in where, f"docs/outputs.md, {kind}: column {col} of {path.name} not documented"
    for key in manifest:
        assert f"`{key}`" in section or f"`{key}`" in _section(text, "`batch`"), (
            f"docs/outputs.md, {kind}: manifest key {key} not documented"
        )


def test_outcome_vocabulary_is_defined() -> None:
    text = (DOCS / "design.md").read_text(encoding="utf-8")
    vocab = _section(text, "Outcome vocabulary")
    for outcome in sim.OUTCOMES:
        assert f"| `{outcome}` |" in vocab, outcome
    from sim.outputs import MUTINY_ENDS

    for end in MUTINY_ENDS:
        assert f"`{end}`" in vocab, end


#: Files that still cite the design notes outside the repository ("DESIGN.md, decision N",
#: which docs/design.md now carries as "docs/design.md, decision N") or the article's path,
#: waiting for their owners. Shrinks to empty; the test fails when one is fixed and still listed.
POINTING_OUTSIDE: set[str] = set()


def test_no_file_points_outside_the_repository() -> None:
    """No tracked file names the design notes, the article's path or a sibling folder of the checkout."""
    import subprocess

    root = DOCS.parent
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no list of tracked files")
    pattern = re.compile(r"DESIGN\.md|/work/shared|\.\./shared|shared/source")
    me = Path(__file__).resolve()
    offenders = []
    for name in listed.stdout.splitlines():
        path = root / name
        if path.resolve() == me or not path.is_file() or path.suffix in (".png", ".svg", ".ipynb"):
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{name}:{i}")
    files = {o.split(":")[0] for o in offenders}
    assert files <= POINTING_OUTSIDE, (
        f"files that point outside the repository: {sorted(files - POINTING_OUTSIDE)}"
    )
    fixed = POINTING_OUTSIDE - files
    assert not fixed, f"no longer point outside the repository, remove from POINTING_OUTSIDE: {sorted(fixed)}"


def test_run_py_without_the_venv_says_to_bootstrap() -> None:
    import subprocess
    import sys

    root = DOCS.parent
    # -S: no site-packages, as with a system Python that lacks the dependencies.
    done = subprocess.run(
        [sys.executable, "-S", "-E", "run.py", "list"], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "bash scripts/bootstrap.sh" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_citation_file_is_valid_cff() -> None:
    yaml = pytest.importorskip("yaml")
    root = DOCS.parent
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff.get(key), key
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["license"] == "MIT" and "MIT License" in (root / "LICENSE").read_text(encoding="utf-8")
    assert str(cff["version"]) == sim.__version__


@pytest.mark.parametrize(
    ("option", "extra"), [("", "-e ."), ("--viz", "-e .[viz]"), ("--test", "-e .[test]")]
)
def test_bootstrap_installs_what_each_documented_set_up_needs(
    option: str, extra: str, tmp_path: Path
) -> None:
    """scripts/bootstrap.sh (README's set-ups), run against a recording stand-in for the venv's Python:
    each option installs its extra; an unknown one is a usage error naming the valid ones."""
    import subprocess

    root = DOCS.parent
    (tmp_path / "scripts").mkdir()
    shutil.copy(root / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        '#!/usr/bin/env bash\necho "$*" >> "$(dirname "$0")/calls.log"\nexit 0\n', encoding="utf-8"
    )
    fake.chmod(0o755)
    done = subprocess.run(
        ["bash", "scripts/bootstrap.sh", *([option] if option else [])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    calls = (fake.parent / "calls.log").read_text(encoding="utf-8").splitlines()
    installs = [c for c in calls if c.startswith("-m pip install -q -e")]
    assert installs == [f"-m pip install -q {extra}"], calls
    bad = subprocess.run(
        ["bash", "scripts/bootstrap.sh", "--gui"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "bootstrap: unknown option --gui (valid: --viz, --test)"
