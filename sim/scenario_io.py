"""Reading scenario text safely, checking values, and writing a resolved scenario back as TOML.

Every input has a bound checked before work starts: only regular files are
read (a named pipe would block forever), at most :data:`MAX_FILE_BYTES`,
nested at most :data:`MAX_NESTING` levels, and text keys hold printable text
only (a title with terminal escape sequences would be printed as it is).
"""

from __future__ import annotations

import codecs
import json
import os
import reprlib
import stat
import tomllib
import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .errors import ScenarioError

#: A scenario file is a page of TOML; a larger one is a mistake, not a scenario.
MAX_FILE_BYTES = 1 << 20
#: Tables and arrays nest at most this deep (the format itself needs 3).
MAX_NESTING = 32

_REPR = reprlib.Repr(maxlevel=3, maxstring=60, maxother=60, maxlist=6, maxdict=6)
# Bidirectional overrides can make text display in another order than it reads.
_BIDI = set(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_OTHER_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def short(value: object) -> str:
    """A bounded repr for error messages (a 5,000-character name or a deep list stays one short line)."""
    return _REPR.repr(value)


def short_path(path: str | Path, limit: int = 300) -> str:
    text = str(path)
    return (
        text if len(text) <= limit else f"{text[: limit // 2]}…{text[-limit // 2 :]} ({len(text)} characters)"
    )


def read_text(path: Path) -> str:
    """The UTF-8 text of a regular file of at most MAX_FILE_BYTES; ScenarioError naming the file if not.

    A UTF-8 byte-order mark is accepted and dropped (editors on Windows write
    one); a UTF-16 or UTF-32 one is an error that says so.
    """
    name = short_path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(f"{name}: no such scenario file") from None
    except (OSError, ValueError) as err:  # ENAMETOOLONG, ELOOP, EACCES; ValueError: a NUL byte
        raise ScenarioError(f"{name}: cannot read: {_reason(err)}") from None
    _check_regular(name, st)
    try:
        # O_NONBLOCK: if the path was swapped for a pipe after the stat, open does not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise ScenarioError(f"{name}: cannot read: {_reason(err)}") from None
    try:
        _check_regular(name, os.fstat(fd))
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            block = os.read(fd, 1 << 16)
            if not block:
                break
            chunks.append(block)
            size += len(block)
    except OSError as err:
        raise ScenarioError(f"{name}: cannot read: {_reason(err)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{name}: larger than {MAX_FILE_BYTES:,} bytes; a scenario file is a page of TOML"
        )
    for bom, encoding in _OTHER_BOMS.items():
        if data.startswith(bom):
            raise ScenarioError(f"{name}: starts with a {encoding} byte-order mark; save the file as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            f"{name}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); save it as UTF-8"
        ) from None


def _check_regular(name: str, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError(f"{name}: is a directory, not a scenario file")
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(f"{name}: not a regular file (a named pipe, device or socket); give a TOML file")
    if st.st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{name}: {st.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a scenario file may have"
        )


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def loads_toml(text: str, name: str) -> dict[str, Any]:
    """Parse TOML; a syntax error or nesting deeper than MAX_NESTING is a ScenarioError naming ``name``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{name}: invalid TOML: {err}") from None
    except RecursionError:  # the parser recurses once per level of nested arrays or inline tables
        raise ScenarioError(f"{name}: nested too deeply (at most {MAX_NESTING} levels)") from None
    check_nesting(data, name)
    return data


def check_nesting(data: object, name: str) -> None:
    """ScenarioError if ``data`` nests deeper than MAX_NESTING (checked without recursion)."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ScenarioError(f"{name}: nested too deeply (at most {MAX_NESTING} levels)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def check_text(where: str, value: object, multiline: bool = False) -> str:
    """``value`` as printable text: a ValueError naming ``where`` for a non-string or a control character.

    Newlines and tabs are allowed in multi-line keys; escape sequences,
    other control characters and bidirectional overrides never are.
    """
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {short(value)}")
    allowed = "\n\t" if multiline else ""
    for i, ch in enumerate(value):
        if ch in allowed:
            continue
        if unicodedata.category(ch) == "Cc" or ch in _BIDI:
            raise ValueError(
                f"{where}: contains the control character U+{ord(ch):04X} at position {i}; "
                "text keys take printable text only"
            )
    return value


def parse_time(value: object, where: str) -> datetime:
    """A TOML datetime/date or an ISO string, as a naive datetime in whole seconds."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ScenarioError(
                f"{where}: time zones are not supported; give a local date-time like 2023-06-23T21:00"
            )
        if value.microsecond:
            # Whole seconds keep every time exact in the hash and the span at least a second.
            raise ScenarioError(f"{where}: give whole seconds, got {value.isoformat()}")
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parse_time(parsed, where)
    raise ScenarioError(f"{where}: expected a date-time like 2023-06-23T21:00, got {short(value)}")


def fmt_time(t: datetime) -> str:
    """A time to the second, as written in resolved scenarios, manifests and hashes."""
    return t.strftime("%Y-%m-%dT%H:%M:%S") if t.year >= 1000 else t.isoformat(timespec="seconds")


# --- writing a resolved scenario back as TOML ---------------------------------------


def _key(k: str) -> str:
    bare = k and all(c.isascii() and (c.isalnum() or c in "_-") for c in k)
    return k if bare else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, datetime):
        return fmt_time(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def _multiline(text: str) -> str:
    # Every quote escaped, so no run of three ends the string early; the newline after
    # the opening quotes is dropped by every TOML reader, so a leading newline survives.
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"""\n{body}"""'


def dumps_toml(data: dict[str, Any], time_keys: tuple[str, ...] = ("start", "end", "at")) -> str:
    """TOML for a resolved scenario dict: scalars, tables, ``[[shocks]]`` and inline tables in ``uncertain``.

    Keys named in ``time_keys`` whose values are ISO strings are written as TOML
    date-times, so the file reads like a hand-written one.
    """
    lines: list[str] = []

    def scalar(k: str, v: Any) -> str:
        if k in time_keys and isinstance(v, str):
            try:
                return f"{_key(k)} = {fmt_time(datetime.fromisoformat(v))}"
            except ValueError:
                pass
        if isinstance(v, str) and "\n" in v:
            return f"{_key(k)} = {_multiline(v)}"
        return f"{_key(k)} = {_value(v)}"

    def table(prefix: str, node: dict[str, Any], inline_children: bool = False) -> None:
        plain = {k: v for k, v in node.items() if not isinstance(v, dict) or inline_children}
        plain = {k: v for k, v in plain.items() if not (isinstance(v, list) and v and isinstance(v[0], dict))}
        if prefix and plain:
            lines.append(f"\n[{prefix}]")
        lines.extend(scalar(k, v) for k, v in plain.items())
        if inline_children:
            return
        for k, v in node.items():
            if isinstance(v, dict):
                table(f"{prefix}.{_key(k)}" if prefix else _key(k), v, inline_children=k == "uncertain")

    table("", {k: v for k, v in data.items() if k != "shocks"})
    for shock in data.get("shocks", []):
        lines.append("\n[[shocks]]")
        lines.extend(scalar(k, v) for k, v in shock.items())
    return "\n".join(lines).lstrip("\n") + "\n"
