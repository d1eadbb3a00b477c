"""The certificate of a plan certified by simulation: ``certificate.json`` written with the
timetable (all or nothing), and its summary in words for the terminal and the report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from reopen_sim.i18n import Catalogue
from reopen_sim.optimizer.certify import certificate_json
from reopen_sim.optimizer.reasons import Reason
from reopen_sim.plan import Plan
from reopen_sim.report.timetable import write_timetable
from reopen_sim.scenario.schema import Scenario

CERTIFICATE = "certificate.json"


def write_plan_files(plan: Plan, scenario: Scenario, out_dir: str | Path, lang: str = "en") -> list[Path]:
    """Write the timetable (``report.timetable.write_timetable``) and, for a certified plan,
    ``certificate.json`` beside it: the certificate is written to a temporary file first and renamed
    only once the timetable is written, so a failure leaves neither new file. A plan without a
    certificate removes a stale ``certificate.json`` of an earlier run from the folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / CERTIFICATE
    if "certificate" not in plan.meta:
        paths = list(write_timetable(plan, scenario, out, lang))
        target.unlink(missing_ok=True)
        return paths
    fd, name = tempfile.mkstemp(prefix=f".{CERTIFICATE}.tmp-", dir=out)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(certificate_json(plan))
        os.chmod(tmp, 0o644)
        paths = list(write_timetable(plan, scenario, out, lang))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return [*paths, target]


def _reason(d: dict[str, object], cat: Catalogue) -> str:
    fields = dict(d["fields"])  # type: ignore[call-overload]
    if isinstance(fields.get("cause"), str):
        fields["cause"] = Reason(str(fields["cause"]), {})
    return Reason(str(d["key"]), fields).render(cat)


def certificate_lines(plan: Plan, cat: Catalogue) -> list[str]:
    """The certificate in a few sentences of the catalogue's language: met or not, what
    certification gained, and each reason it is not met."""
    c = plan.meta.get("certificate")
    if not c:
        return []
    if c["met"]:
        return [
            cat(
                "certify.cli.met", n=c["replications"], seed=c["fresh_seed"], gained=_reason(c["gained"], cat)
            )
        ]
    return [cat("certify.cli.unmet", n=c["replications"]), *(_reason(r, cat) for r in c["unmet_reasons"])]


def _ci_text(fig: dict[str, float | None]) -> str:
    mean, lo, hi = fig.get("mean"), fig.get("lo"), fig.get("hi")
    if mean is None:
        return "–"
    if lo is None or hi is None:
        return f"{mean:.1f}"
    return f"{mean:.1f} [{lo:.1f}, {hi:.1f}]"


def certificate_view(plan: Plan, cat: Catalogue) -> dict[str, object] | None:
    """The report's certificate section: its sentences and, per gate, the simulated p95 queue and
    late students (mean [95% interval]) against the marked places; ``None`` for an uncertified plan."""
    c = plan.meta.get("certificate")
    if not c:
        return None
    gates = [
        {
            "gate": g["gate"],
            "queue": _ci_text(g["p95_queue_people"]),
            "places": g["marked_places"],
            "late": _ci_text(g["late"]),
        }
        for g in c["gates"]
    ]
    return {"lines": certificate_lines(plan, cat), "gates": gates}


__all__ = ["CERTIFICATE", "certificate_lines", "certificate_view", "write_plan_files"]
