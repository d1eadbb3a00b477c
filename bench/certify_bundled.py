"""Certification on the bundled schools: what it changed and how long it took.

.venv/bin/python bench/certify_bundled.py [N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import reopen_sim as rs
from reopen_sim.scenario.load import load_scenario


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for path in sorted(Path("scenarios").glob("*.yaml")):
        if path.name.startswith("district"):
            continue
        sc = load_scenario(path)
        t0 = time.perf_counter()
        plan = rs.optimize(sc, time_limit_s=30, certify=n)
        c = plan.meta["certificate"]
        print(
            f"== {path.name}: met={c['met']} in {time.perf_counter() - t0:.1f} s, {len(c['rounds'])} rounds"
        )
        print("  ", c["gained"]["text"])
        for r in c["unmet_reasons"]:
            print("   unmet:", r["text"])
        for r in c["rounds"]:
            w = r.get("worst_gate_window") or {}
            print(
                f"   {r['round']} {r['kind']:8} ends {r.get('plan', {}).get('arrival_ends')} met={r.get('met')} "
                f"worst {w.get('gate')} {w.get('window')} {w.get('students')} q={w.get('queue_people')} "
                f"limit {w.get('queue_limit_people')} {r.get('note', '')}"
            )
        for g in c["gates"]:
            print(f"   gate {g['gate']}: p95 queue {g['p95_queue_people']} of {g['marked_places']} places")


if __name__ == "__main__":
    main()
