"""Packaging metadata: an SPDX license with its file, a setuptools that reads it."""

from __future__ import annotations

import re
import tomllib

from .conftest import ROOT


def test_license_is_an_spdx_expression_with_its_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # The generated parser is Lark's code under the MPL-2.0 (its notice says so, file by file).
    assert project["project"]["license"] == "MIT AND MPL-2.0"
    standalone = (ROOT / "maestro_spec" / "grammar" / "standalone.py").read_text(encoding="utf-8")
    assert "Mozilla Public License, v. 2.0" in standalone and "https://mozilla.org/MPL/2.0/" in standalone
    assert project["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    # PEP 639 metadata needs setuptools 77 or later to build.
    (requirement,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert int(re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", requirement).group(1)) >= 77
