/** Exit code of a usage or connection error (diff uses 1 for drift, so CI can tell them apart). */
export const EXIT_ERROR = 2;

/** An expected failure: the CLI prints its message as one line and exits with `EXIT_ERROR`, never a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}

interface HttpFailure {
  message: string;
  response: { status: number; url?: string };
}

const isHttpFailure = (error: unknown): error is HttpFailure =>
  error instanceof Error && typeof (error as Partial<HttpFailure>).response?.status === 'number';

/**
 * One readable line for any failure of a command. Only status codes, paths and Keycloak's error codes are
 * quoted — never request bodies, which may hold secrets and passwords.
 */
export function describeFailure(error: unknown, keycloakUrl: string): string {
  if (error instanceof CliError) return error.message;
  if (isHttpFailure(error)) {
    const { status, url } = error.response;
    const path = url ? new URL(url).pathname : 'a request';
    return `Keycloak at ${keycloakUrl} answered ${status} to ${path}: ${error.message}`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (error instanceof TypeError && error.message === 'fetch failed')
    return `cannot reach Keycloak at ${keycloakUrl} (${cause?.code ?? cause?.message ?? 'no answer'})`;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The status of a failed admin API call, if it was one. */
export const httpStatusOf = (error: unknown): number | undefined =>
  isHttpFailure(error) ? error.response.status : undefined;
