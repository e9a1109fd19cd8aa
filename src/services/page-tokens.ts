/** Opaque paging tokens shared by the services: base64url JSON, so clients cannot depend on their shape (as with AWS's). */

export const encodeToken = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

/** The value inside a token Stratus wrote, or undefined for anything else (each service answers its own error). */
export function readToken<T>(token: string, check: (value: unknown) => value is T): T | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (check(parsed)) return parsed;
  } catch {
    // not a token Stratus wrote
  }
  return undefined;
}

/** Tokens that carry a position in a list: `{ "o": <offset> }`. */
export const isOffset = (value: unknown): value is { o: number } =>
  typeof value === "object" && value !== null && "o" in value && typeof value.o === "number" && Number.isInteger(value.o) && value.o >= 0;
