"""The VS Code extension starts `maestro lsp` with the configured path and
options. Run under Node with stand-ins for the `vscode` and
`vscode-languageclient` modules (no VS Code here), recording what the
extension asks of them."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .conftest import ROOT

VSCODE = ROOT / "editors" / "vscode"
NODE = shutil.which("node")

HARNESS = r"""
const Module = require("module");
const calls = { clients: [], commands: [], errors: [] };
const settings = JSON.parse(process.argv[3]);
const stubs = {
  vscode: {
    workspace: {
      getConfiguration: (section) => ({ get: (key) => settings[section + "." + key] }),
      workspaceFolders: [{ uri: { fsPath: "/work/project" } }],
      onDidChangeConfiguration: () => ({ dispose() {} }),
    },
    commands: { registerCommand: (name) => { calls.commands.push(name); return { dispose() {} }; } },
    window: { showErrorMessage: (m) => calls.errors.push(m) },
  },
  "vscode-languageclient/node": {
    TransportKind: { stdio: 0 },
    LanguageClient: class {
      constructor(id, name, server, client) { calls.clients.push({ id, name, server, client }); }
      async start() { calls.started = true; }
      async stop() {}
    },
  },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request in stubs ? request : resolve.call(this, request, ...rest);
};
for (const [name, exports] of Object.entries(stubs)) {
  require.cache[name] = { id: name, filename: name, loaded: true, exports };
}
const ext = require(process.argv[2]);
ext.activate({ subscriptions: [] }).then(() => console.log(JSON.stringify(calls)));
"""

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js (node) is not installed")


def _activate(tmp_path, settings: dict) -> dict:
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    out = subprocess.run(
        [NODE, str(harness), str(VSCODE / "extension.js"), json.dumps(settings)],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_extension_starts_maestro_lsp_from_the_configured_path(tmp_path):
    calls = _activate(tmp_path, {"maestro.lsp.path": "/opt/venv/bin/maestro", "maestro.lsp.varFiles": ["vars.json"], "maestro.lsp.vars": ["tone=dry"], "maestro.lsp.jsonBodies": ["**/requests/*.json"]})
    (client,) = calls["clients"]
    assert calls["started"] and not calls["errors"]
    assert client["server"]["command"] == "/opt/venv/bin/maestro"
    assert client["server"]["args"] == ["lsp", "--var-file", "vars.json", "--var", "tone=dry"]
    assert client["server"]["options"] == {"cwd": "/work/project"}
    assert client["client"]["documentSelector"] == [{"language": "maestro"}, {"language": "json", "pattern": "**/requests/*.json"}]
    assert "maestro.restartServer" in calls["commands"]


def test_extension_defaults_to_maestro_on_path(tmp_path):
    (client,) = _activate(tmp_path, {})["clients"]
    assert client["server"]["command"] == "maestro" and client["server"]["args"] == ["lsp"]
    assert client["client"]["documentSelector"] == [{"language": "maestro"}]


def test_manifest_wires_the_extension_and_keeps_the_grammar():
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    assert (VSCODE / manifest["main"]).is_file()
    assert manifest["activationEvents"] == ["onLanguage:maestro"]
    assert "vscode-languageclient" in manifest["dependencies"]
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["maestro.lsp.path"]["default"] == "maestro"
    source = (VSCODE / "extension.js").read_text(encoding="utf-8")
    for key in settings:
        assert f'"{key.removeprefix("maestro.lsp.")}"' in source, key
    assert manifest["contributes"]["grammars"][0]["path"] == "./syntaxes/maestro.tmLanguage.json"
