"""reader: triage research papers in the terminal."""

__version__ = "0.1.0"
