"""The CP-SAT timetable model, its solve and explanation, the baseline and the independent checker."""
