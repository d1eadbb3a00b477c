"""The scenario: schema (pydantic), loading (YAML, roster CSV/XLSX), derived capacities."""
