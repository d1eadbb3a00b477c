"""Contacts from the simulated day, the networkx contact graph, and tracing."""
