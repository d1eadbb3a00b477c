"""The certificate of a plan certified by simulation: ``certificate.json`` written with the
timetable (all or nothing), and its summary in words for the terminal and the report."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.i18n import Catalogue
from reopen_sim.optimizer.certify import advice_settings, certificate_json, scenario_digest, timetable_digest
from reopen_sim.optimizer.reasons import Reason
from reopen_sim.plan import Plan
from reopen_sim.report.timetable import write_timetable
from reopen_sim.scenario.schema import Scenario
from reopen_sim.scenario.setting_names import Setting

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


def reason_text(d: dict[str, object], cat: Catalogue) -> str:
    """A stored reason (``{"key", "fields"}`` of a certificate or a desk test) in the catalogue's
    language. Settings its advice names come back as :class:`Setting` (a certificate written before
    they were stored names the YAML keys, as it did then); a ``cause`` is a key, given them too."""
    fields = {**advice_settings(), **{k: Setting.from_stored(v) for k, v in dict(d["fields"]).items()}}  # type: ignore[call-overload]
    if isinstance(fields.get("cause"), str):
        fields["cause"] = Reason(
            str(fields["cause"]), {k: v for k, v in fields.items() if isinstance(v, Setting)}
        )
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
                "certify.cli.met",
                n=c["replications"],
                seed=c["fresh_seed"],
                gained=reason_text(c["gained"], cat),
            )
        ]
    return [cat("certify.cli.unmet", n=c["replications"]), *(reason_text(r, cat) for r in c["unmet_reasons"])]


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


_KEYS = ("window_limits", "scenario_sha256", "timetable_sha256")
# Why a certificate does not apply to the timetable being checked: English text and catalogue key.
_MISFITS = {
    "unreadable": ("a certificate.json written by reopen-sim plan --certify", "certificate_unreadable"),
    "foreign": ("a certificate made for this school's scenario as it is now", "certificate_foreign"),
    "stale": (
        "a certificate made for this timetable (it differs from the certified one)",
        "certificate_stale",
    ),
}


def _misfit(path: Path, sc: Scenario, plan: Plan) -> tuple[dict[str, Any] | None, str]:
    """The certificate at ``path`` and ``""``, or ``None`` and why it does not apply to ``plan`` of
    ``sc`` (``unreadable``, ``foreign``: another school or the scenario changed since, ``stale``:
    the timetable was edited or re-planned since it was certified)."""
    try:
        c = json.loads(path.read_text(encoding="utf-8"))
        if not all(isinstance(c[k], list if k == "window_limits" else str) for k in _KEYS):
            return None, "unreadable"
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return None, "unreadable"
    if c["scenario_sha256"] != scenario_digest(sc):
        return None, "foreign"
    if c["timetable_sha256"] != timetable_digest(plan):
        return None, "stale"
    return c, ""


def certificate_for_check(
    sc: Scenario, plan: Plan, timetable: Path, given: Path | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The certificate ``check`` judges ``plan`` with, and a notice key when one was set aside.

    ``given`` (``--certificate``) must belong to this scenario and this timetable, else it is
    refused (``InputError``, exit 2). Without it, ``certificate.json`` beside the timetable is used
    when it belongs to them; one that does not (the timetable edited by hand since, another school)
    is set aside with a notice (``certify.check.ignored_<why>``) and the static capacities apply."""
    path = given if given is not None else timetable.parent / CERTIFICATE
    if given is None and not path.is_file():
        return None, None
    cert, why = _misfit(path, sc, plan)
    if cert is not None:
        return cert, None
    if given is not None:
        english, key = _MISFITS[why]
        raise InputError([InputIssue(str(path), "--certificate", "", english, key=key)])
    return None, f"certify.check.ignored_{why}"


__all__ = [
    "CERTIFICATE",
    "certificate_for_check",
    "certificate_lines",
    "certificate_view",
    "write_plan_files",
]
