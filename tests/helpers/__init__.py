"""What several test modules share: paths, and the helpers that read the app's screen.

Importable from any test folder as `helpers` (pyproject puts tests/ on pytest's path).
The *_child.py files here are scripts the system tests run in their own processes.
"""
