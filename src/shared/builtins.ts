/** Node built-ins loaded with `require`: an ESM import of them evaluates every lazy export (measured ~12 MB for http, ~3 MB for crypto). */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const http = require("node:http") as typeof import("node:http");
export const crypto = require("node:crypto") as typeof import("node:crypto");
