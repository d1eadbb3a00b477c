"""Figures, the HTML report, notices and translations. Only this package and cli.py write files."""
