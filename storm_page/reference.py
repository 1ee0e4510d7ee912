"""What the page says about its sources: the article the hypotheses paraphrase, and their reference.

Free of any UI code; the hypotheses page and the context line read it.
"""

from __future__ import annotations

from pathlib import Path

import sim


def article() -> dict[str, str]:
    """The article the hypotheses paraphrase: title, author, date, publication where the project records them.

    Read from ``sim.hypotheses.ARTICLE`` (the engine's record of its source);
    a field the project does not record is left out rather than guessed.
    """
    meta = getattr(sim.hypotheses, "ARTICLE", None) or {}
    # The engine marks a field its copy lacks as "not recorded ..." rather than omitting it.
    return {
        k: str(meta[k])
        for k in ("title", "author", "date", "publication", "url")
        if meta.get(k) and not str(meta[k]).startswith("not recorded")
    }


def section_headings() -> list[tuple[str, list[str]]]:
    """The article's section headings the hypotheses cite, with the ids citing each."""
    out: dict[str, list[str]] = {}
    for hid in sim.HYPOTHESIS_IDS:
        out.setdefault(sim.HYPOTHESES[hid].metadata["section"], []).append(hid)
    return list(out.items())


def hypotheses_markdown() -> str:
    """docs/hypotheses.md if the checkout has it, else the same facts from the registry."""
    path = Path(__file__).resolve().parent.parent / "docs" / "hypotheses.md"
    if path.exists():
        return path.read_text(encoding="utf-8")
    lines = ["# Hypotheses", "", f"**{sim.BANNER}.** Each paraphrases a claim of an opinion article."]
    for hid in sim.HYPOTHESIS_IDS:
        m = sim.HYPOTHESES[hid].metadata
        lines += [
            "",
            f"## `{hid}` — {m['title']}",
            "",
            f'- **Article section:** "{m["section"]}"',
            f"- **Claim (paraphrased):** {m['claim']}",
            f"- **Null version (off):** {m['null']}",
        ]
    return "\n".join(lines)


_DOC_STYLE = (
    "<style>.hyp-doc table{border-collapse:collapse;font-size:0.85em;margin:6px 0}"
    ".hyp-doc td,.hyp-doc th{border:1px solid #ccc;padding:2px 6px}.hyp-doc h2{margin-top:18px}</style>"
)


def hypotheses_html() -> str:
    """:func:`hypotheses_markdown` as HTML (our own docs, so safe to inline)."""
    import markdown  # a dependency of solara

    body = markdown.markdown(hypotheses_markdown(), extensions=["tables"])
    return f'{_DOC_STYLE}<div class="hyp-doc">{body}</div>'
