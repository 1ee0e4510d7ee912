"""A batch's chunk files: written whole, checked before they are trusted.

Each chunk (replicates ``first .. first+count-1``) is three files in ``DIR/chunks/``:

- ``chunk-FIRST-COUNT.npz``: the chunk's per-step series histogram, with its
  ``first`` and ``count``;
- ``chunk-FIRST-COUNT.parquet``: its outcome rows (labelled, see :mod:`sim.resultdir`);
- ``chunk-FIRST-COUNT.sha256``: the SHA-256 of both, ``sha256sum`` style,
  written last, so its presence marks the chunk complete.

:func:`verify_chunk` trusts a chunk only if both checksums match and the files
hold exactly the replicates the name says (the ``replicate`` column is
``first .. first+count-1``, the histogram carries the same ``first``/``count``
and has the scenario's shape). Anything else (a flipped byte, a file swapped
for its neighbour's, a truncated or undecodable file) is reported as a reason,
never raised: the batch computes that chunk again.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import resultdir as rd

PREFIX = "chunk-"


def plan_chunks(runs: int, chunk: int, segments: Sequence[int] = ()) -> list[tuple[int, int]]:
    """(first, count) of each chunk: replicates first..first+count-1.

    ``segments``: the sizes the batch had before each extension; each segment
    is chunked on its own, so the plan of a smaller batch is a prefix of its
    extension's.
    """
    plan: list[tuple[int, int]] = []
    start = 0
    for end in [*(s for s in segments if s < runs), runs]:
        plan.extend((first, min(chunk, end - first)) for first in range(start, end, chunk))
        start = end
    return plan


def segments_ok(old: dict[str, Any]) -> bool:
    """Whether a manifest's ``runs`` and ``segments`` (sizes before each extension) make a plan."""
    runs, segments = old.get("runs"), old.get("segments", [old.get("runs")])
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 1 or not isinstance(segments, list):
        return False
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in segments):
        return False
    return bool(segments) and segments[-1] == runs and all(a < b for a, b in pairwise([0, *segments]))


def chunk_stem(first: int, count: int) -> str:
    return f"{PREFIX}{first:09d}-{count:09d}"


def chunk_paths(chunks: Path, first: int, count: int) -> tuple[Path, Path, Path]:
    """(histogram .npz, rows .parquet, checksums .sha256) of one chunk."""
    stem = chunk_stem(first, count)
    return chunks / f"{stem}.npz", chunks / f"{stem}.parquet", chunks / f"{stem}.sha256"


def write_chunk(
    chunks: Path, first: int, count: int, df: pd.DataFrame, counts: np.ndarray, manifest: dict[str, Any]
) -> None:
    """Write one chunk: histogram, rows, then the checksums that mark it complete."""
    npz, rows, sums = chunk_paths(chunks, first, count)
    with rd.atomic(npz) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, counts=counts, first=first, count=count)
    table = rd.arrow_table(df, manifest)
    with rd.atomic(rows) as tmp:
        pq.write_table(table, tmp)
    rd.write_checksums(sums, [npz, rows])


def is_complete(chunks: Path, first: int, count: int) -> bool:
    """Whether the chunk's checksum file, written last, exists (not whether it is sound)."""
    return chunk_paths(chunks, first, count)[2].is_file()


def replicates_ok(ids: np.ndarray, first: int, count: int) -> str | None:
    """None if ``ids`` is exactly ``first .. first+count-1``, else what it holds instead."""
    ids = np.asarray(ids)
    if len(ids) == count and np.array_equal(ids, np.arange(first, first + count)):
        return None
    if len(ids) == 0:
        return "holds no replicates"
    return (
        f"holds {len(ids):,} replicates {int(ids.min()):,}..{int(ids.max()):,}, "
        f"not {count:,} replicates {first:,}..{first + count - 1:,}"
    )


def verify_chunk(
    chunks: Path, first: int, count: int, shape: tuple[int, ...] | None = None
) -> tuple[np.ndarray | None, str | None]:
    """(histogram, None) for a sound chunk; (None, reason) for a damaged one; (None, None) if absent.

    A chunk whose checksum file is missing was not finished (an interrupted
    write): absent, not damaged.
    """
    npz, rows, sums = chunk_paths(chunks, first, count)
    if not sums.is_file():
        return None, None
    try:
        expected = rd.read_checksums(sums)
    except (OSError, ValueError, UnicodeDecodeError):
        return None, f"{sums.name} is damaged"
    for path in (npz, rows):
        if path.name not in expected:
            return None, f"{sums.name} lacks {path.name}"
        try:
            actual = rd.sha256_file(path)
        except OSError as err:
            return None, f"{path.name} cannot be read ({err.strerror or err})"
        if actual != expected[path.name]:
            return None, f"{path.name} does not match its checksum"
    try:
        # Any failure to decode is damage (zlib.error, BadZipFile, ValueError, EOFError...).
        with np.load(npz, allow_pickle=False) as data:
            counts = np.asarray(data["counts"])
            got = (int(data["first"]), int(data["count"]))
    except Exception as err:  # noqa: BLE001 - see above
        return None, f"{npz.name} cannot be decoded ({type(err).__name__})"
    if got != (first, count):
        return None, f"{npz.name} holds replicates {got[0]:,} (+{got[1]:,}), not {first:,} (+{count:,})"
    if shape is not None and counts.shape != tuple(shape):
        return None, f"{npz.name} has shape {counts.shape}, not {tuple(shape)}"
    try:
        ids = pq.read_table(rows, columns=["replicate"]).column("replicate").to_numpy()
    except Exception as err:  # noqa: BLE001 - any decoding failure is damage
        return None, f"{rows.name} cannot be decoded ({type(err).__name__})"
    wrong = replicates_ok(ids, first, count)
    if wrong:
        return None, f"{rows.name} {wrong}"
    return counts, None


def remove_chunk(chunks: Path, first: int, count: int) -> None:
    """Delete a chunk's files (checksums first, so a half-deleted chunk reads as unfinished)."""
    for path in reversed(chunk_paths(chunks, first, count)):
        path.unlink(missing_ok=True)


class ChunkUnreadable(Exception):
    """A chunk file that passed its checks cannot be read when the result is assembled."""


def concat_chunks(
    chunks: Path,
    plan: Sequence[tuple[int, int]],
    path: Path,
    manifest: dict[str, Any],
    outcomes: Sequence[str],
    row_group: int,
) -> np.ndarray:
    """Concatenate the plan's chunk rows into one labelled Parquet file at ``path``; count the outcomes.

    Rows are written in replicate order in row groups of exactly ``row_group``
    rows (the last one shorter), so the file's bytes do not depend on how the
    batch was chunked, resumed or extended. At most a row group and a chunk are
    in memory. Returns the count of each of ``outcomes``.
    """
    counts = np.zeros(len(outcomes), dtype=np.int64)
    writer: pq.ParquetWriter | None = None
    meta: dict[bytes, bytes] = {}
    buffered: list[pa.Table] = []
    rows = 0
    with rd.atomic(path) as tmp:
        try:
            for first, count in plan:
                src = chunk_paths(chunks, first, count)[1]
                try:
                    table = pq.read_table(src)
                except (OSError, pa.ArrowException) as err:
                    raise ChunkUnreadable(f"{src}: cannot read ({err})") from None
                if writer is None:
                    meta = dict(rd.with_metadata(table, manifest).schema.metadata or {})
                    writer = pq.ParquetWriter(tmp, table.schema.with_metadata(meta))
                codes = pd.Categorical(table.column("outcome").to_pandas(), categories=outcomes).codes
                counts += np.bincount(codes[codes >= 0], minlength=len(outcomes))
                buffered.append(table.replace_schema_metadata(meta))
                rows += table.num_rows
                while rows >= row_group:
                    merged = pa.concat_tables(buffered)
                    writer.write_table(merged.slice(0, row_group), row_group_size=row_group)
                    buffered, rows = [merged.slice(row_group)], rows - row_group
            if rows and writer is not None:
                writer.write_table(pa.concat_tables(buffered), row_group_size=row_group)
        finally:
            if writer is not None:
                writer.close()
    return counts
