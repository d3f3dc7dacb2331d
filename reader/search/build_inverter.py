"""The package's build hook (hatchling's): compiles inverter.c beside itself.

An editable install (`make`'s) imports the module from here; a wheel carries it.
Without a C compiler the package still works, as the warning says: the index's
postings are then made in Python, 4x slower (an import of 1M papers: 40 s more
CPU). pip shows the warning only with -v; `tests/unit/test_inverter.py` says it too.
"""

from __future__ import annotations

import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path(__file__).with_name("inverter.c")


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        built = SOURCE.with_name(f"_inverter{sysconfig.get_config_var('EXT_SUFFIX')}")
        # Compiled and linked as this Python builds its own extensions (LDSHARED: -shared
        # here, a bundle on macOS; CCSHARED: -fPIC).
        linker = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
        position = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC")
        include = sysconfig.get_paths()["include"]
        command = [*linker, *position, "-O2", "-I", include, str(SOURCE), "-o", str(built)]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as error:
            said = getattr(error, "stderr", None) or error
            self.app.display_warning(f"{SOURCE.name} not compiled, the search index will be built in Python ({said})")
            built.unlink(missing_ok=True)  # an older build must not stand in for this source
            return
        if version != "editable":
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            build_data["force_include"][str(built)] = f"reader/search/{built.name}"
