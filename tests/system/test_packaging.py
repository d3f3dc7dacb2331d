"""A wheel install must carry the styles and the bundled library, not only the repo."""

import subprocess
import sys
import zipfile

from helpers.paths import DATA, ROOT


def test_wheel_contains_styles_and_bundled_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("reader-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "reader/_styles/reader.tcss" in names
    assert {f"reader/_data/{p.name}" for p in DATA.glob("*.txt")} <= names
    assert "reader/cli.py" in names
