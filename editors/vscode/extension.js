// The Maestro spec extension: colours come from the TextMate grammar
// (syntaxes/), everything else from `maestro lsp`, started here over stdio.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions(config) {
  const command = config.get("path") || "maestro";
  const args = ["lsp"];
  for (const file of config.get("varFiles") || []) args.push("--var-file", file);
  for (const v of config.get("vars") || []) args.push("--var", v);
  return { command, args, transport: TransportKind.stdio };
}

function documentSelector(config) {
  const selector = [{ language: "maestro" }];
  // JSON request bodies are checked only where the user says they live
  // (checking every .json in a workspace would be noise).
  for (const pattern of config.get("jsonBodies") || []) selector.push({ language: "json", pattern });
  return selector;
}

async function start() {
  const config = vscode.workspace.getConfiguration("maestro.lsp");
  const cwd = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0].uri.fsPath;
  const server = serverOptions(config);
  if (cwd) server.options = { cwd };
  client = new LanguageClient("maestro", "Maestro spec", server, {
    documentSelector: documentSelector(config),
  });
  await client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("maestro.restartServer", async () => {
      if (client) await client.stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("maestro.lsp")) {
        if (client) await client.stop();
        await start();
      }
    })
  );
  try {
    await start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `Maestro: cannot start the language server (${err.message}); set maestro.lsp.path to your maestro executable.`
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverOptions, documentSelector };
