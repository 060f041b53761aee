-- Neovim set-up for .maestro specs: filetype, and `maestro lsp` on every spec.
-- Works with Neovim 0.7 and later, without plugins. In your init.lua:
--   vim.g.maestro_lsp_cmd = { "maestro", "lsp" }   -- optional: another path or options
--   dofile("/path/to/maestro-spec/editors/neovim/maestro.lua")
-- Request bodies (.json) are checked too when you attach the server to them:
--   vim.g.maestro_lsp_json = true   (every .json buffer; off by default)

vim.cmd([[
  augroup maestro_filetype
    autocmd!
    autocmd BufRead,BufNewFile *.maestro setfiletype maestro
  augroup END
]])

local function root_of(path)
  local found = vim.fn.finddir(".git", vim.fn.fnamemodify(path, ":p:h") .. ";")
  if found ~= "" then
    return vim.fn.fnamemodify(found, ":p:h:h")
  end
  return vim.fn.getcwd()
end

local clients = {} -- root -> client id (0.7 has no vim.lsp.start)

local function attach(bufnr)
  local root = root_of(vim.api.nvim_buf_get_name(bufnr))
  local config = {
    name = "maestro",
    cmd = vim.g.maestro_lsp_cmd or { "maestro", "lsp" },
    root_dir = root,
  }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

vim.api.nvim_create_autocmd("FileType", {
  pattern = vim.g.maestro_lsp_json and { "maestro", "json" } or { "maestro" },
  callback = function(args)
    attach(args.buf)
  end,
})
