#!/usr/bin/env node
// Entry of `npx safeguards`: runs the TypeScript operator CLI through tsx (a dependency of this repo).
require('tsx/cjs/api').register();
require('../local/cli.ts')
  .runCli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
