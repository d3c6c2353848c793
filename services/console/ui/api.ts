// Calls the console's API: JSON in and out, problem+json errors turned into exceptions with their detail.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.detail ?? body.title ?? `HTTP ${status}`));
    this.status = status;
    this.code = String(body.code ?? '');
    this.body = body;
  }
}

export function userName(): string {
  return localStorage.getItem('console-user') ?? '';
}

const TOKEN_KEY = 'console-token';

/** The token signed in with, kept for this tab only (sessionStorage) and sent with every request. */
export function signedInToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Fired when the API answers 401: the app shows the sign-in form. */
export const UNAUTHORIZED_EVENT = 'console-unauthorized';

export async function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const headers: Record<string, string> = {};
  if (init?.body !== undefined) headers['content-type'] = 'application/json';
  if (userName()) headers['x-console-user'] = userName();
  const token = signedInToken();
  if (token !== null && path !== '/api/session') headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, {
    method: init?.method ?? (init?.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 401 && path !== '/api/session') window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  if (!res.ok) throw new ApiError(res.status, body);
  return body as T;
}

export const enc = encodeURIComponent;
