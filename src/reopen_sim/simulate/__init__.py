"""The SimPy model of the morning at the gates, lunch and dismissal; replications and metrics."""
