"""A synthetic district: N realistic schools of mixed kinds and sizes from a seed (tests, benchmarks).

Kinds are drawn with shares close to China's national school counts (Ministry of Education,
*Statistical Bulletin on the Development of National Education 2022*: about 149,000 primary,
52,500 junior secondary and 15,000 senior high schools; nine-year schools are counted within
these — assumed here 5 % of all schools). Sizes are uniform in a range typical of each kind
(assumed from the plans' schools: a 24-class junior middle school has ~1,100 students). Boarders:
none in primary schools, up to 30 % in junior middle and nine-year schools, up to 60 % in high
schools (assumed; DOMAIN: boarders use their own entrances). Each school is built by
:func:`reopen_sim.generate.generate_school` from its own spawned seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reopen_sim.district.load import District, PhasedReturn, WhatIf, make_school
from reopen_sim.generate import generate_school

KIND_SHARES: dict[str, float] = {"primary": 0.64, "junior_middle": 0.23, "high": 0.08, "nine_year": 0.05}
STUDENTS_RANGE: dict[str, tuple[int, int]] = {
    "primary": (300, 1500),
    "junior_middle": (600, 2000),
    "high": (900, 3000),
    "nine_year": (600, 2400),
}
MAX_BOARDING_SHARE: dict[str, float] = {"primary": 0.0, "junior_middle": 0.3, "high": 0.6, "nine_year": 0.3}


def default_what_ifs() -> tuple[WhatIf, ...]:
    """The what-ifs a district planner asks first (DOMAIN: spacing 1 m vs 1.5 m, a gate closed,
    screening method, phased return with graduating grades first)."""
    phased = PhasedReturn(
        name="phased return",
        days=(
            {"day": 1, "grades": (6, 9, 12)},  # DOMAIN: graduating grades get priority
            {"day": 2, "grades": (5, 8, 11)},
        ),
    )
    return (
        WhatIf(name="baseline"),
        WhatIf(name="spacing 1.5 m", overrides={"policy": {"queue_spacing_m": 1.5}}),
        WhatIf(name="largest gate closed", close_gates=("largest",)),
        WhatIf(
            name="manual thermometers",
            every_entrance={
                "screening_method": "manual_thermometer",
                # DOMAIN: a manual reading with recording ~30 s a person
                "service_time_s": {"dist": "lognormal", "mean": 30.0, "sd": 10.0},
            },
        ),
        *phased.what_ifs(),
    )


def generate_district(
    n_schools: int,
    seed: int,
    *,
    what_ifs: Sequence[WhatIf] | None = None,
    max_students: int | None = None,
    name: str | None = None,
) -> District:
    """``n_schools`` generated schools (mixed kinds, sizes, boarding) and what-ifs to sweep.

    Same ``n_schools`` and ``seed`` → the same district; school k depends only on ``seed`` and k,
    so a larger district extends a smaller one. ``max_students`` caps every school's size (tests).
    """
    if n_schools < 1:
        raise ValueError("n_schools must be at least 1")
    root = np.random.SeedSequence(seed)
    kinds = list(KIND_SHARES)
    shares = np.array([KIND_SHARES[k] for k in kinds])
    schools = []
    for k, child in enumerate(root.spawn(n_schools)):
        rng = np.random.default_rng(child)
        kind = kinds[int(rng.choice(len(kinds), p=shares / shares.sum()))]
        lo, hi = STUDENTS_RANGE[kind]
        n = int(rng.integers(lo, hi + 1))
        if max_students is not None:
            n = min(n, max_students)
        boarding = float(rng.uniform(0.0, MAX_BOARDING_SHARE[kind])) if rng.random() < 0.5 else 0.0
        school_seed = int(child.generate_state(1)[0])
        label = f"S{k + 1:03d} {kind.replace('_', ' ')}"
        raw = generate_school(school_seed, n_students=n, kind=kind, boarding_share=boarding, name=label)  # type: ignore[arg-type]
        schools.append(make_school(label, raw, file=f"<generated school {k + 1}>", base_dir="."))
    return District(
        name=name or f"Generated district ({n_schools} schools, seed {seed})",
        schools=tuple(schools),
        what_ifs=tuple(what_ifs) if what_ifs is not None else default_what_ifs(),
        meta={"generated": True, "seed": seed, "n_schools": n_schools},
    )
