"""Notebooks in tests/notebooks/ run in a real Jupyter kernel (nbclient), figures inline.

The kernel is the Python running the tests (a kernel spec written to a
temporary JUPYTER_PATH, so a fresh venv needs no ``ipykernel install``), with
the repository on its path. No notebook uses ``%matplotlib``: a figure that
is the last value of a cell must show as a PNG by itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((ROOT / "tests" / "notebooks").glob("*.ipynb"))
KERNEL = "perfect-storm-tests"


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Perfect Storm (tests)",
        "language": "python",
        "env": {"PYTHONPATH": str(ROOT)},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own default, as for a user
    return KERNEL


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["figures.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_figures(path: Path, kernel: str) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any("%matplotlib" in c.source or "plt.show" in c.source for c in code)
    client = nbclient.NotebookClient(
        nb, kernel_name=kernel, timeout=600, resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        if "plots." in cell.source.splitlines()[-1]:
            pngs = [o for o in cell.outputs if o.output_type == "execute_result" and "image/png" in o.data]
            assert len(pngs) == 1, f"no inline PNG for: {cell.source}"
            assert len(pngs[0].data["image/png"]) > 10_000  # base64 of a real figure
    assert "regime" in "".join(str(o.get("data", {}).get("text/plain", "")) for o in code[0].outputs)
