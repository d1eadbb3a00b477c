"""The model of the morning at the gates, lunch and dismissal; replications and metrics.

Named ``simulation`` (not ``simulate``) so that importing it never shadows the public function
``reopen_sim.simulate``.
"""
