/** The plain HTTP request/response values passed between the gateway and the codecs. */

export interface HttpRequest {
  method: string;
  /** Raw (still percent-encoded) path, without the query string. */
  path: string;
  /** Raw query string without the leading `?` ("" when none). */
  rawQuery: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body, already gunzipped. */
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}
