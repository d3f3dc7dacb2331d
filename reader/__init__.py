"""reader: triage research papers in the terminal."""

__version__ = "0.1.0"
DISTRIBUTION = "paper-reader-tui"  # the name installed under (pyproject.toml), not `reader`: see there
