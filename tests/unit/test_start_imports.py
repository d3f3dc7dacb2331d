"""A start imports what its first screen needs: modules only some commands use wait
for them (PyYAML for a papis import, markdown-it for the palette's Keys panel)."""

from __future__ import annotations

import subprocess
import sys


def test_the_app_starts_without_the_modules_of_its_rarer_commands():
    code = (
        "import sys; import reader.app, reader.screens.main; "
        "print(' '.join(m for m in ('yaml', 'markdown_it') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.split() == []
