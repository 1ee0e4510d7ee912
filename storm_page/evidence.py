"""The hypotheses page's evidence section: what the calibration says about each hypothesis.

Every number is sim.calibration.evidence's (through storm_page.history), shown as
``perfect-storm evidence DIR`` prints it and labelled with what it is conditional on.
"""

from __future__ import annotations

import solara

from . import history
from .components import SMALL, H

_CELL = "border:1px solid #ccc;padding:2px 8px;text-align:left"


@solara.component
def EvidenceSection() -> None:
    """Per hypothesis: prior and posterior P(on), Bayes factor, the pattern that moves it most."""
    cal, why = history.status()
    with H("div", testid="evidence", style="margin:10px 0 18px"):
        H("h2", "Evidence from history (conditional)", style="margin-bottom:4px")
        if cal is None:
            H("p", why, testid="evidence-how")
            return
        table = history.evidence(cal)
        H(
            "p",
            f"{table.attrs['heading']}. Effective sample size {table.attrs['effective_sample_size']:,.0f}; "
            f"calibration {cal.name}, on {', '.join(cal.scenarios) or 'its scenarios'}.",
            testid="evidence-heading",
            style="font-size:0.92em",
        )
        with H("table", testid="evidence-table", style="border-collapse:collapse;font-size:0.9em"):
            with H("tr"):
                for head in (
                    "hypothesis",
                    "prior P(on)",
                    "posterior P(on) [95 %]",
                    "Bayes factor",
                    "the pattern that moves it most",
                ):
                    H("th", head, style=_CELL)
            for row in history.evidence_rows(cal):
                hid = row["hypothesis"]
                with H("tr", testid=f"evidence-{hid}", attrs={"data-given": row["given"]}):
                    H("td", hid, style=_CELL + ";font-family:monospace")
                    H("td", row["prior"], testid=f"evidence-prior-{hid}", style=_CELL)
                    H("td", row["posterior"], testid=f"evidence-posterior-{hid}", style=_CELL)
                    H("td", row["bayes_factor"], testid=f"evidence-bf-{hid}", style=_CELL)
                    H(
                        "td",
                        row["moved_most_by"],
                        testid=f"evidence-moved-{hid}",
                        attrs={"title": cal.pattern_observed(row["pattern"])},
                        style=_CELL,
                    )
        H(
            "p",
            "Read each row as: given this model, these priors and these patterns, how much more (Bayes "
            "factor above 1) or less (below 1) likely the switch is on than the prior's even odds. It is "
            "not evidence that the claim is true of the real world: another model, other priors or "
            "other patterns would give other numbers. The last column is the pattern whose omission "
            "changes P(on) most.",
            testid="evidence-caveat",
            style=SMALL,
        )
