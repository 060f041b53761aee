"""End to end in a real editor: headless Neovim (0.7+, its built-in LSP client
and the shipped editors/neovim/maestro.lua) opens a spec with a typo, gets the
diagnostic, applies the quick fix, formats, and writes the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from maestro_spec.compiler.fmt import format_text

from .conftest import ROOT

NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim (nvim) is not installed: apt-get install -y neovim")

SCRIPT = r"""
local out = {}
local function log(s) table.insert(out, s) end
local ok, err = pcall(function()
  vim.g.maestro_lsp_cmd = vim.fn.json_decode(os.getenv("MAESTRO_LSP_CMD"))
  dofile(os.getenv("MAESTRO_NVIM_SETUP"))
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("MAESTRO_SPEC")))
  local buf = vim.api.nvim_get_current_buf()
  log("filetype " .. vim.bo[buf].filetype)
  local got = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  if not got then error("no diagnostics within 20s") end
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    log("diagnostic " .. tostring(code) .. " " .. d.lnum .. ":" .. d.col .. " " .. d.message:gsub("\n", " | "))
  end
  -- the quick fix, through Neovim's own code-action flow (first choice taken)
  vim.ui.select = function(items, opts, on_choice)
    log("actions " .. #items)
    on_choice(items[1], 1)
  end
  local d = vim.diagnostic.get(buf)[1]
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local before = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
  vim.lsp.buf.code_action()
  local fixed = vim.wait(10000, function()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") ~= before
  end, 50)
  if not fixed then error("the quick fix changed nothing within 10s") end
  local cleared = vim.wait(10000, function() return #vim.diagnostic.get(buf) == 0 end, 50)
  log("cleared " .. tostring(cleared))
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ timeout_ms = 10000 })
  else
    vim.lsp.buf.formatting_sync(nil, 10000)
  end
  vim.cmd("write")
  log("written")
end)
if not ok then log("ERROR " .. tostring(err)) end
local f = io.open(os.getenv("MAESTRO_NVIM_LOG"), "w")
f:write(table.concat(out, "\n") .. "\n")
f:close()
vim.cmd("qa!")
"""

SPEC = '# a spec with a typo\ninput   "Write a haiku about the sea."   budget hihg\nlanguage    french\n'


def test_neovim_fixes_formats_and_writes_a_spec(tmp_path):
    spec = tmp_path / "haiku.maestro"
    spec.write_text(SPEC, encoding="utf-8")
    script = tmp_path / "e2e.lua"
    script.write_text(SCRIPT, encoding="utf-8")
    log = tmp_path / "nvim.log"
    env = dict(
        os.environ,
        MAESTRO_SPEC=str(spec),
        MAESTRO_NVIM_LOG=str(log),
        MAESTRO_NVIM_SETUP=str(ROOT / "editors" / "neovim" / "maestro.lua"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        # The server of this checkout, not a `maestro` on PATH.
        MAESTRO_LSP_CMD=json.dumps([sys.executable, "-m", "maestro_spec.cli", "lsp"]),
    )
    proc = subprocess.run(
        [NVIM, "--headless", "--clean", "-c", f"luafile {script}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL,
    )
    assert log.exists(), f"nvim wrote no log: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    lines = log.read_text(encoding="utf-8").splitlines()
    assert not [l for l in lines if l.startswith("ERROR")], lines
    assert "filetype maestro" in lines
    diagnostic = [l for l in lines if l.startswith("diagnostic ")]
    assert diagnostic == ["diagnostic E240 1:48 unknown budget 'hihg': allowed are low, medium, high | hint: did you mean 'high'?"]
    assert "cleared true" in lines and "written" in lines
    fixed = SPEC.replace("hihg", "high")
    assert spec.read_text(encoding="utf-8") == format_text(fixed).text
    assert format_text(fixed).text != fixed  # formatting did change it
