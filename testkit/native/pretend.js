// Test-only, never shipped: loaded with `node --require` before the launcher to make this
// machine's x64 node look like another runner. PRETEND_PLATFORM / PRETEND_ARCH replace
// process.platform / process.arch; PRETEND_EMULATOR (qemu-aarch64-static) starts the
// program the launcher picks under that emulator, since this machine cannot exec AArch64
// code. The launcher itself runs unchanged.
'use strict';
const cp = require('node:child_process');

if (process.env.PRETEND_PLATFORM) {
  Object.defineProperty(process, 'platform', { value: process.env.PRETEND_PLATFORM });
}
if (process.env.PRETEND_ARCH) {
  Object.defineProperty(process, 'arch', { value: process.env.PRETEND_ARCH });
}
const emulator = process.env.PRETEND_EMULATOR;
if (emulator) {
  const spawnSync = cp.spawnSync;
  cp.spawnSync = (file, args, options) => spawnSync(emulator, [file, ...args], options);
}
