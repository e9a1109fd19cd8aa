#!/usr/bin/env node
// The `stratus` command: runs the built JavaScript (dist/, made by `npm run build`, which `npm ci` runs).
await import("../dist/cli.js");
