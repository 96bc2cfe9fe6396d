/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; getStatus?: () => number; getResponse?: () => unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; getStatus?: () => number; getResponse?: () => unknown };
  }
  throw new Error('expected a rejection, got a value');
}
