"""A wheel install must carry the styles and the bundled library, not only the repo,
and be found under its distribution name (`reader` on the package index is another project)."""

import subprocess
import sys
import sysconfig
import zipfile

from helpers.paths import DATA, ROOT
from reader import __version__


def _wheel(folder):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(folder), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = folder.glob("paper_reader_tui-*.whl")
    return wheel


def test_wheel_contains_styles_and_bundled_data(tmp_path):
    names = set(zipfile.ZipFile(_wheel(tmp_path)).namelist())
    assert "reader/_styles/reader.tcss" in names
    assert {f"reader/_data/{p.name}" for p in DATA.glob("*.txt")} <= names
    assert "reader/cli.py" in names


def test_an_installed_wheel_gives_a_reader_command_with_its_styles_and_demo(tmp_path):
    """What `pipx install .` does, without the network: the wheel into a venv of its
    own (its dependencies seen from this one's site-packages, which the .pth adds
    after the venv's own: the wheel's `reader`, not the checkout's, is imported)."""
    wheel = _wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    found = subprocess.run(
        [venv / "bin" / "reader", "--home", str(tmp_path / "home"), "search", "diffusion"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0 and "iffusion" in found.stdout
    assert "demo library: 423 bundled papers" in found.stderr
    probe = (
        "from reader.resources import resource_dir; from importlib import metadata; import reader;"
        "print(resource_dir('styles')); print(reader.__file__); print(metadata.version(reader.DISTRIBUTION))"
    )
    styles, package, version = subprocess.run(
        [venv / "bin" / "python", "-c", probe], cwd=work, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert styles.startswith(str(site)) and package.startswith(str(site))
    assert version == __version__  # the fetch client's User-Agent reads it under that name
