"""The CP-SAT timetable model, its solve and explanation, the baseline and the independent checker.

Named ``optimizer`` (not ``optimize``) so that importing it never shadows the public function
``reopen_sim.optimize``.
"""
