"""The domain never imports Textual: the CLI stays fast and the core stays testable."""

import ast
import subprocess
import sys

from helpers.paths import ROOT

UI = ("app.py", "screens", "widgets")


def test_domain_modules_do_not_import_textual():
    offenders = []
    for path in (ROOT / "reader").rglob("*.py"):
        relative = path.relative_to(ROOT / "reader")
        if relative.parts[0] in UI:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{relative}: {n}" for n in names if n.split(".")[0] in ("textual", "textual_serve")]
    assert offenders == []


def test_cli_commands_run_without_loading_textual(home):
    code = (
        "import sys; from reader.cli import main; "
        "rc = main(['search', 'diffusion', '--limit', '1']); "
        "sys.exit(3 if 'textual' in sys.modules else rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_screens_and_widgets_never_touch_files():
    """They show what the library gives them and ask it for changes; files are the store's."""
    offenders = []
    for path in [*(ROOT / "reader" / "screens").rglob("*.py"), *(ROOT / "reader" / "widgets").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module == "reader":
                names = [f"reader.{a.name}" for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n in ("reader.store", "reader.files")]
    assert offenders == []
