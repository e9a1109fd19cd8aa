/** Assertions the tests share: what an SDK call threw, and the AwsError a handler rejects with. */
import assert from "node:assert/strict";

/** What the SDK throws for an AWS error: name, message, `$metadata` and any modelled members of the error. */
export type SdkFailure = Error & Record<string, unknown> & { $metadata: { httpStatusCode?: number; requestId?: string } };

/** Awaits a call expected to fail and returns the SDK's exception (anything not an Error is rethrown). */
export async function sdkFailure(promise: Promise<unknown>): Promise<SdkFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as SdkFailure;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Expects a handler to throw an AwsError: code, HTTP status and (when given) the exact message or a pattern. */
export async function rejectsWithAwsError(promise: Promise<unknown>, code: string, status: number, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof Error);
    const failure = error as Error & { code?: string; status?: number };
    assert.equal(failure.code, code, failure.message);
    assert.equal(failure.status, status);
    if (typeof message === "string") assert.equal(failure.message, message);
    else if (message) assert.match(failure.message, message);
    return true;
  });
}
