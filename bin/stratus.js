#!/usr/bin/env node
// The `stratus` command. Node >= 22.18 runs the TypeScript sources directly (type stripping).
await import("../src/cli.ts");
