/** The project's own AWS facts under data/ (gzip JSON), read by the services on first use, never at start-up. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const dataDir = new URL("../../data/", import.meta.url);

/** Parses data/<path> (e.g. "ec2/zones.json.gz"); the caller's type describes the file it wrote with `npm run data`. */
export const readDataFile = <T>(path: string): T => JSON.parse(gunzipSync(readFileSync(new URL(path, dataDir))).toString("utf8")) as T;
