// The native entry's launcher: starts this release commit's app-token-action binary for the
// runner's platform with the step's environment, stdio and exit code, unchanged. Plain
// JavaScript on purpose: no dependencies and no build step, so the commit a workflow pins
// is exactly what runs (the binaries and their SHA-256 sums sit beside this file in bin/).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** process.platform-process.arch -> the binary in bin/ (written by scripts/native-action). */
const BINARIES = {
  'linux-x64': 'app-token-action-linux-x64',
  'linux-arm64': 'app-token-action-linux-arm64',
  'darwin-x64': 'app-token-action-darwin-x64',
  'darwin-arm64': 'app-token-action-darwin-arm64',
  'win32-x64': 'app-token-action-win32-x64.exe',
  // Windows on Arm runs x64 programs under its built-in emulation.
  'win32-arm64': 'app-token-action-win32-x64.exe',
};

/** Workflow-command escaping: the runner reads `%`, CR and LF escaped (`%` first). */
function escapeData(text) {
  return String(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text) {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function error(title, message) {
  process.stdout.write(`::error title=${escapeProperty(title)}::${escapeData(message)}\n`);
}

/** `owner/repo` of this action as the runner names it, for the messages. */
function actionName() {
  return process.env.GITHUB_ACTION_REPOSITORY || 'OWNER/app-token-action';
}

/** The binary's path, or null after one ::error saying which entry or release to use. */
function binaryFor(stage) {
  const platform = `${process.platform}-${process.arch}`;
  const name = BINARIES[platform];
  const quiet = stage === 'post'; // main already said it; post never fails the job
  if (!name) {
    if (!quiet) {
      error('Unsupported platform',
        `app-token-action/native has no binary for ${platform}: it runs on linux x64 and arm64, ` +
        'macOS x64 and arm64, and Windows x64 (arm64 through emulation). On another Linux ' +
        `runner with Docker, use the Docker entry: uses: ${actionName()}@<release SHA>.`);
    }
    return null;
  }
  const dir = path.join(__dirname, 'bin');
  const bin = path.join(dir, name);
  if (fs.existsSync(bin)) return bin;
  if (!quiet) {
    const ref = process.env.GITHUB_ACTION_REF || 'this commit';
    error('No binaries in this commit',
      fs.existsSync(dir)
        ? `The native entry at ${ref} lacks bin/${name} (${platform}): the release commit is incomplete. Pin another release.`
        : `The native entry at ${ref} carries no binaries: only release commits do (the release workflow adds them). ` +
          `Pin a release commit as the release notes show: uses: ${actionName()}/native@<release SHA> # vX.Y.Z.`);
  }
  return null;
}

/** Runs the binary for `stage` ('main' or 'post'); returns the exit code for the step. */
function launch(stage) {
  const bin = binaryFor(stage);
  if (!bin) return stage === 'post' ? 0 : 1;
  if (process.platform !== 'win32') {
    // An archive that lost the executable bit (some download paths do) still runs.
    try {
      fs.accessSync(bin, fs.constants.X_OK);
    } catch {
      fs.chmodSync(bin, 0o755);
    }
  }
  // Post is the binary's `post` command: the same program, environment and state.
  const args = stage === 'post' ? ['post'] : [];
  const run = spawnSync(bin, args, { stdio: 'inherit', windowsHide: true });
  if (run.error) {
    error('Could not start app-token-action', `${bin}: ${run.error.message}`);
    return stage === 'post' ? 0 : 1;
  }
  if (run.status === null) {
    error('app-token-action stopped', `${path.basename(bin)} was stopped by ${run.signal}.`);
    return stage === 'post' ? 0 : 1;
  }
  return run.status;
}

module.exports = { BINARIES, launch };
