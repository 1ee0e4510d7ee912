"""Result folders: atomic writes, labelled Parquet and CSV, manifests, checksums.

One module for every directory the engine writes (``batch``, ``compare``,
``sweep``, ``attribute``) and reads back (``plot``, the page):

- **Atomic**: every file is written under a temporary name beside its final
  one (``.tmp-PID-NAME``), flushed to disk, then renamed over it, so a file
  that exists is whole. ``manifest.json`` is written last.
- **Labelled CSV**: plain CSV that ``pandas.read_csv``, R's ``read.csv`` and a
  spreadsheet load as they are. The banner and the hypotheses that were on are
  two trailing columns repeated on every row, :data:`LABEL_COLUMNS`
  (``banner``, ``hypotheses_on``; a comparison adds ``hypotheses_on_b``).
  Notes that used to be ``#`` lines go into the manifest (``file_notes``).
- **Labelled Parquet**: the schema metadata carries the banner, the
  hypotheses, the scenario hash, the seed, the runs and the engine, also as
  pandas ``attrs`` (``PANDAS_ATTRS``), so ``pd.read_parquet`` gives them back
  in ``df.attrs``.
- **One time unit**: every timestamp column is written as ``datetime64[ms]``
  (:data:`TIME_UNIT`), in every file.
- **Provenance**: :func:`provenance` gives the command line, the git commit
  (read from ``.git`` on disk, no network) and the versions of Python and the
  libraries that shape results.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .banner import BANNER, hypotheses_line
from .errors import StormError, UsageError

MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"
#: The one unit of every timestamp column in every file.
TIME_UNIT = "ms"
#: Columns appended to every CSV: the banner and the hypotheses on (ids, ", "-joined, or "none").
LABEL_COLUMNS = ("banner", "hypotheses_on", "hypotheses_on_b")
#: Libraries whose versions a manifest records (distribution names).
VERSIONED = ("mesa", "numpy", "pandas", "pyarrow", "scipy", "SALib", "dask", "distributed")
_PANDAS_ATTRS = b"PANDAS_ATTRS"  # the key pandas itself uses for df.attrs in Parquet


class OutputError(StormError):
    """An output directory cannot be written or read (exit status 1)."""


# --- atomic files -------------------------------------------------------------------


def tmp_path(path: Path) -> Path:
    """The temporary name ``path`` is written under before it is renamed."""
    return path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")


@contextlib.contextmanager
def atomic(path: str | Path, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` once written.

    OSErrors propagate as they are (callers say what is saved); the temporary
    file never outlives the block.
    """
    path = Path(path)
    tmp = tmp_path(path)
    try:
        yield tmp
        if fsync:  # on disk before the rename makes it visible
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic(path) as tmp:
        tmp.write_bytes(data)


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Atomically write ``data`` as indented UTF-8 JSON (values JSON cannot hold as strings)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    write_bytes(path, text.encode("utf-8"))


def read_json(path: str | Path) -> dict[str, Any]:
    """A JSON object from ``path``; :class:`OutputError` naming the file otherwise."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise OutputError(f"{path}: cannot read: {_short(err)}") from None
    if not isinstance(data, dict):
        raise OutputError(f"{path}: not a JSON object")
    return data


def _short(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err)
    return text.splitlines()[0] if text else type(err).__name__


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(path: str | Path, files: Sequence[Path]) -> None:
    """Write ``sha256sum``-style lines for ``files`` (in the same directory) to ``path``."""
    lines = "".join(f"{sha256_file(f)}  {f.name}\n" for f in files)
    write_bytes(path, lines.encode("ascii"))


def read_checksums(path: str | Path) -> dict[str, str]:
    """{file name: sha256} from a file written by :func:`write_checksums`; ValueError if damaged."""
    out: dict[str, str] = {}
    for line in Path(path).read_text(encoding="ascii").splitlines():
        m = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
        if not m:
            raise ValueError(f"not a checksum line: {line[:40]!r}")
        out[m.group(2)] = m.group(1)
    if not out:
        raise ValueError("no checksums")
    return out


# --- labels ---------------------------------------------------------------------------


def hypotheses_text(on: Sequence[str] | None) -> str:
    """Hypothesis ids as one CSV cell: ``a, b`` or ``none``."""
    return ", ".join(on) if on else "none"


def labels(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What every table of a result carries: banner, hypotheses, hash, seed, runs, engine."""
    out: dict[str, Any] = {"banner": BANNER, "hypotheses_on": list(manifest.get("hypotheses_on") or [])}
    if "hypotheses_on_b" in manifest:
        out["hypotheses_on_b"] = list(manifest["hypotheses_on_b"] or [])
    for key in ("scenario_hash", "seed", "runs", "engine"):
        out[key] = manifest.get(key)
    return out


def label_frame(df: pd.DataFrame, manifest: Mapping[str, Any]) -> pd.DataFrame:
    """``df`` with its ``attrs`` set from ``manifest`` (in place; returned for chaining)."""
    df.attrs.update(labels(manifest))
    return df


def hypothesis_lines(manifest: Mapping[str, Any]) -> list[str]:
    """'Hypotheses on: ...' — one line, or one per variant of a comparison."""
    if "hypotheses_on_b" in manifest:
        return [
            "A (as written) " + hypotheses_line(manifest["hypotheses_on"]),
            "B (changed) " + hypotheses_line(manifest["hypotheses_on_b"]),
        ]
    return [hypotheses_line(manifest.get("hypotheses_on", []))]


def schema_metadata(
    manifest: Mapping[str, Any], attrs: Mapping[str, Any] | None = None
) -> dict[bytes, bytes]:
    """Parquet schema metadata: one key per label, plus ``PANDAS_ATTRS`` for ``df.attrs``."""
    lab = labels(manifest)
    meta = {
        b"banner": BANNER.encode(),
        b"hypotheses_on": json.dumps(lab["hypotheses_on"]).encode(),
        b"hypotheses_line": " | ".join(hypothesis_lines(manifest)).encode(),
        b"scenario_hash": str(lab["scenario_hash"]).encode(),
        b"seed": str(lab["seed"]).encode(),
        b"runs": str(lab["runs"]).encode(),
        b"engine": str(lab["engine"]).encode(),
    }
    if "hypotheses_on_b" in lab:
        meta[b"hypotheses_on_b"] = json.dumps(lab["hypotheses_on_b"]).encode()
    merged = {**dict(attrs or {}), **lab}
    meta[_PANDAS_ATTRS] = json.dumps(merged, default=str).encode()
    return meta


def with_metadata(
    table: pa.Table, manifest: Mapping[str, Any], attrs: Mapping[str, Any] | None = None
) -> pa.Table:
    """``table`` with the labels of ``manifest`` in its schema metadata (other keys kept)."""
    meta = dict(table.schema.metadata or {})
    meta.update(schema_metadata(manifest, attrs))
    return table.replace_schema_metadata(meta)


def unify_times(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every timestamp column in :data:`TIME_UNIT` (a copy only if one changes)."""
    changed = {}
    for name, dtype in df.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            if dtype.unit != TIME_UNIT:
                changed[name] = df[name].dt.as_unit(TIME_UNIT)
        elif pd.api.types.is_datetime64_dtype(dtype) and dtype != f"datetime64[{TIME_UNIT}]":
            changed[name] = df[name].astype(f"datetime64[{TIME_UNIT}]")
    if not changed:
        return df
    out = df.assign(**{str(k): v for k, v in changed.items()})
    out.attrs = dict(df.attrs)
    return out


def arrow_table(df: pd.DataFrame, manifest: Mapping[str, Any]) -> pa.Table:
    """A labelled Arrow table of ``df`` (no index; timestamps in :data:`TIME_UNIT`)."""
    df = unify_times(df)
    table = pa.Table.from_pandas(df, preserve_index=False)
    return with_metadata(table, manifest, _jsonable(df.attrs))


def _jsonable(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(attrs), default=str)) if attrs else {}


def write_parquet(path: str | Path, df: pd.DataFrame, manifest: Mapping[str, Any]) -> Path:
    """A labelled Parquet file (see :func:`schema_metadata`), written atomically."""
    path = Path(path)
    table = arrow_table(df, manifest)
    try:
        with atomic(path) as tmp:
            pq.write_table(table, tmp)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {_short(err)}") from None
    return path


def read_parquet(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """A Parquet file written here; ``df.attrs`` holds its labels."""
    path = Path(path)
    try:
        return pd.read_parquet(path, **kwargs)
    except (OSError, pa.ArrowException) as err:
        raise OutputError(f"{path}: cannot read: {_short(err)}") from None


def csv_frame(df: pd.DataFrame, manifest: Mapping[str, Any]) -> pd.DataFrame:
    """``df`` with the label columns appended (banner, hypotheses on, and B's for a comparison)."""
    lab = labels(manifest)
    extra = {"banner": BANNER, "hypotheses_on": hypotheses_text(lab["hypotheses_on"])}
    if "hypotheses_on_b" in lab:
        extra["hypotheses_on_b"] = hypotheses_text(lab["hypotheses_on_b"])
    out = unify_times(df).assign(**extra)
    out.attrs = {}
    return out


def write_csv(
    path: str | Path,
    df: pd.DataFrame,
    manifest: dict[str, Any],
    notes: Sequence[str] = (),
    index: bool = False,
) -> Path:
    """A plain CSV with the label columns; ``notes`` go to ``manifest["file_notes"][name]``.

    The manifest is written after the data files, so notes recorded here reach it.
    """
    path = Path(path)
    if notes:
        manifest.setdefault("file_notes", {})[path.name] = list(notes)
    try:
        with atomic(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
            csv_frame(df, manifest).to_csv(fh, index=index)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {_short(err)}") from None
    return path


def read_csv(path: str | Path, keep_labels: bool = False, **kwargs: Any) -> pd.DataFrame:
    """A CSV written by :func:`write_csv`; the label columns move to ``df.attrs``.

    Older files whose first lines are ``#`` comments are read too (those lines skipped).
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            skip = 0
            for line in fh:
                if not line.startswith("#"):
                    break
                skip += 1
        df = pd.read_csv(path, skiprows=skip, **kwargs)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise OutputError(f"{path}: cannot read: {_short(err)}") from None
    present = [c for c in LABEL_COLUMNS if c in df.columns]
    if present and len(df):
        for c in present:
            text = str(df[c].iloc[0])
            df.attrs[c] = text if c == "banner" else ([] if text == "none" else text.split(", "))
    if not keep_labels:
        df = df.drop(columns=present)
    return df


# --- manifests and folders --------------------------------------------------------------

LOCK = ".lock"


@contextlib.contextmanager
def lock_dir(
    out: Path, error: type[StormError] = OutputError, busy: str = "another run is writing to it"
) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (one writer at a time; its temporary files are its own).

    Raises ``error`` with a one-line message if ``out`` cannot be written or is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    try:
        fh = open(out / LOCK, "a+")  # noqa: SIM115 - held for the whole run
    except OSError as err:
        raise error(f"--out {out}: cannot write: {_short(err)}") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise error(f"--out {out}: {busy}") from None
        yield


def prepare_out(out: str | Path, overwrite: bool = False) -> Path:
    """Create ``out``; refuse (exit 2) a file, an empty name, or a directory already holding a result."""
    if str(out) == "":
        raise UsageError("--out: must name a directory, got ''")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path}: is a file, not a directory")
    if (path / MANIFEST).exists() and not overwrite:
        raise UsageError(
            f"--out {path}: already holds a result ({MANIFEST}); choose another directory or pass --overwrite"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"--out {path}: cannot create the directory: {_short(err)}") from None
    return path


def write_manifest(out: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` (last, so its presence means the directory is whole)."""
    path = Path(out) / MANIFEST
    try:
        write_json(path, manifest)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {_short(err)}") from None
    return path


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The manifest of a result directory; one-line errors if there is none or it is not one."""
    path = Path(directory)
    if not path.exists():
        raise UsageError(f"{path}: no such directory")
    if not path.is_dir():
        raise UsageError(f"{path}: is a file, not a result directory")
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise OutputError(f"{path}: not a result directory (no {MANIFEST})")
    manifest = read_json(mpath)
    if not isinstance(manifest.get("kind"), str):
        raise OutputError(f"{mpath}: not a result manifest (no 'kind' key)")
    return manifest


# --- provenance ------------------------------------------------------------------------------


def _version_of(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    """Python's version and those of the libraries in :data:`VERSIONED` (None if absent)."""
    from . import __version__

    out: dict[str, str | None] = {"perfect-storm": __version__, "python": platform.python_version()}
    out.update({name: _version_of(name) for name in VERSIONED})
    return out


def _git_dir(root: Path) -> Path | None:
    dot = root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():  # a worktree or submodule: "gitdir: PATH"
        text = dot.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:") :].strip())
            return target if target.is_absolute() else (root / target)
    return None


def git_commit(root: str | Path | None = None) -> str | None:
    """The commit checked out at ``root`` (the repository holding this package), read from disk.

    None when there is no repository (an installed package) or it cannot be read.
    """
    base = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    try:
        gdir = _git_dir(base)
        if gdir is None:
            return None
        head = (gdir / "HEAD").read_text(encoding="utf-8").strip()
        if re.fullmatch(r"[0-9a-f]{40,64}", head):
            return head
        if not head.startswith("ref:"):
            return None
        ref = head[4:].strip()
        common = gdir
        if (gdir / "commondir").is_file():
            common = (gdir / (gdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for where in (gdir, common):
            if (where / ref).is_file():
                return (where / ref).read_text(encoding="utf-8").strip() or None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except (OSError, UnicodeDecodeError):
        return None
    return None


def provenance(command: Sequence[str] | None = None) -> dict[str, Any]:
    """What a manifest records about how it was made: command line, git commit, versions."""
    return {
        "command": list(command) if command is not None else list(sys.argv),
        "git_commit": git_commit(),
        "versions": versions(),
    }
