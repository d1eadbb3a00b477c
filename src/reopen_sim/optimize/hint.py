"""A greedy first guess handed to CP-SAT as a solution hint (first-fit decreasing).

CP-SAT's deterministic (interleaved) search has no feasibility-jump or local-search workers, and
packing 70 classes of ~50 into gate-windows of ~170 takes it seconds to find a first plan. A
first-fit-decreasing guess — arrival groups in order, largest class first into the first gate-window
that keeps every gate rule — usually is a plan, and the solver starts from it. A hint is only a
suggestion: where the guess breaks a rule the solver repairs or ignores it, so this module need not be
complete or correct, only cheap and deterministic.
"""

from __future__ import annotations

from collections import defaultdict

from reopen_sim.optimize.model import TimetableModel


def _arrival_guess(tm: TimetableModel) -> dict[int, tuple[int, int]]:
    sc, pol = tm.scenario, tm.scenario.policy
    n_win = sc.day.n_windows
    pins = {p.class_id: p for p in sc.pins}
    order = list(pol.arrival_order)
    in_order = {g for grp in order for g in grp}
    rest = tuple(g for g in sc.grades if g not in in_order)
    load: dict[tuple[int, int], int] = defaultdict(int)
    grades: dict[tuple[int, int], set[int]] = defaultdict(set)
    kinds: dict[tuple[int, int], set[bool]] = defaultdict(set)
    out: dict[int, tuple[int, int]] = {}
    start = 0
    for grp in [*order, rest]:
        members = [c for c, cls in enumerate(sc.classes) if cls.grade in grp]
        members.sort(key=lambda c: (sc.classes[c].id not in pins, -sc.classes[c].students, c))
        first = start if grp is not rest else 0
        last_used = first
        for c in members:
            cls = sc.classes[c]
            pin = pins.get(cls.id)
            placed = False
            for w in range(first, n_win):
                if pin is not None and pin.window_at is not None and sc.day.window_start_min(w) != pin.window_at:
                    continue
                for g in tm.gates_of(c):
                    if pin is not None and pin.gate is not None and tm.gate_ids[g] != pin.gate:
                        continue
                    if load[g, w] + cls.students > tm.gate_capacity[g]:
                        continue
                    if len(grades[g, w] | {cls.grade}) > pol.max_grades_per_gate_window:
                        continue
                    if pol.separate_boarders and kinds[g, w] - {cls.boarding}:
                        continue
                    out[c] = (g, w)
                    load[g, w] += cls.students
                    grades[g, w].add(cls.grade)
                    kinds[g, w].add(cls.boarding)
                    last_used = max(last_used, w)
                    placed = True
                    break
                if placed:
                    break
        if grp is not rest:
            start = last_used + 1
    return out


def _room_guess(tm: TimetableModel) -> dict[int, tuple[int, dict[int, int]]]:
    sc = tm.scenario
    max_rooms = sc.policy.max_rooms_per_class if sc.policy.allow_split_classes else 1
    free = {t.index: len(t.rooms) for t in tm.room_types}
    caps = {t.index: t.capacity for t in tm.room_types}
    out: dict[int, tuple[int, dict[int, int]]] = {}
    for c in sorted(range(len(sc.classes)), key=lambda c: (-sc.classes[c].students, c)):
        n = sc.classes[c].students
        fits = [t for t in free if free[t] and caps[t] >= n]
        if fits:
            t = min(fits, key=lambda t: (caps[t], t))
            free[t] -= 1
            out[c] = (t, {})
            continue
        avail = sorted((t for t in free if free[t]), key=lambda t: (-caps[t], t))
        if not avail or max_rooms == 1:
            continue
        t0 = avail[0]
        free[t0] -= 1
        left = n - caps[t0]
        extra: dict[int, int] = defaultdict(int)
        for _ in range(max_rooms - 1):
            cands = [t for t in free if free[t]]
            if not cands or left <= 0:
                break
            fit = [t for t in cands if caps[t] >= left]
            t = min(fit, key=lambda t: (caps[t], t)) if fit else max(cands, key=lambda t: (caps[t], -t))
            free[t] -= 1
            extra[t] += 1
            left -= caps[t]
        out[c] = (t0, dict(extra))
    return out


def _sitting_guess(tm: TimetableModel) -> dict[int, int]:
    from reopen_sim.scenario import capacity as cap

    sc = tm.scenario
    if not tm.sit:
        return {}
    seats = cap.canteen_capacity(sc.canteen)
    used = [0] * sc.canteen.max_sittings
    out = {}
    for c in sorted(range(len(sc.classes)), key=lambda c: (-sc.classes[c].students, c)):
        n = sc.classes[c].students
        s = min(range(len(used)), key=lambda s: (used[s] + n > seats, used[s], s))
        used[s] += n
        out[c] = s
    return out


def _dismissal_guess(tm: TimetableModel) -> dict[int, int]:
    sc = tm.scenario
    order = list(sc.policy.dismissal_order)
    n = sc.day.dismissal_slots
    out = {}
    for c, cls in enumerate(sc.classes):
        k = next((i for i, grp in enumerate(order) if cls.grade in grp), None)
        out[c] = min(k, n - 1) if k is not None else 0
    return out


def add_hint(tm: TimetableModel) -> None:
    """Hint the decision variables with the greedy guess (partial where the guess is)."""
    m = tm.model
    arrival = _arrival_guess(tm)
    for (c, g, w), v in tm.x.items():
        if c in arrival:
            m.AddHint(v, int(arrival[c] == (g, w)))
    rooms = _room_guess(tm)
    for (c, t), v in tm.prim.items():
        if c in rooms:
            m.AddHint(v, int(rooms[c][0] == t))
    for (c, t), v in tm.over.items():
        if c in rooms:
            m.AddHint(v, rooms[c][1].get(t, 0))
    sit = _sitting_guess(tm)
    for (c, s), v in tm.sit.items():
        if c in sit:
            m.AddHint(v, int(sit[c] == s))
    dis = _dismissal_guess(tm)
    for (c, k), v in tm.dslot.items():
        m.AddHint(v, int(dis[c] == k))
