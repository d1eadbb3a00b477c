"""Dismissal: classes leave at the plan's time by the gate they arrived through, in single file.

Rule (DOMAIN: younger grades leave first, 5 minutes apart; the plan fixes each class's slot): at its
dismissal time each room empties in single file, one student every ``spacing ÷ walking speed``
seconds in student-number order; students walk to the class's gate (``capacity.walk_m`` at
``policy.walking_speed_m_s``) and pass it through any of the entrance's ``lanes`` in single file,
each lane passing one person every ``spacing ÷ speed`` seconds — the rate behind
``capacity.exit_rate_per_min``. The gate is the same lane engine as in the morning (shortest line).
"""

from __future__ import annotations

from reopen_sim.scenario.schema import Policy


def single_file_gap_min(policy: Policy) -> float:
    """Time between two people walking in single file: spacing ÷ walking speed, in minutes."""
    return policy.queue_spacing_m / policy.walking_speed_m_s / 60.0
