// A small typed client over fetch for Atrium's public API (/v1). Every call
// sends the session cookie, X-Atrium-Origin: UI, and — on writes — the CSRF
// token from the readable atrium_csrf cookie (docs/access.md). Error envelopes
// ({"ok": false, error, message, details}) become ApiError.

export interface FieldError {
  field: string;
  reason: string;
}

export interface ErrorEnvelope {
  ok: false;
  error: string;
  message: string;
  details?: { fields?: FieldError[]; requestId?: string; [key: string]: unknown };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** Per-field errors from details.fields, in order. */
  readonly fieldErrors: FieldError[];

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    const fields = Array.isArray(details.fields) ? details.fields : [];
    this.fieldErrors = fields
      .filter((f): f is FieldError => !!f && typeof f === 'object' && typeof (f as FieldError).field === 'string')
      .map((f) => ({ field: f.field, reason: String(f.reason ?? '') }));
  }

  /** Field errors keyed by field path ("properties.replicas"); the first reason wins. */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.fieldErrors) if (!(f.field in out)) out[f.field] = f.reason;
    return out;
  }

  get requestId(): string | undefined {
    return typeof this.details.requestId === 'string' ? this.details.requestId : undefined;
  }
}

/** isApiError narrows unknown errors (from TanStack Query) to ApiError. */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** errorMessage gives a readable message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message || `${err.status} ${err.code}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export const CSRF_COOKIE = 'atrium_csrf';

type UnauthorizedHandler = (returnTo: string) => void;

function defaultUnauthorized(returnTo: string) {
  window.location.assign(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
}

let onUnauthorized: UnauthorizedHandler = defaultUnauthorized;

/** setUnauthorizedHandler replaces what a 401 does (the app navigates with its router). */
export function setUnauthorizedHandler(fn: UnauthorizedHandler | null) {
  onUnauthorized = fn ?? defaultUnauthorized;
}

export function currentPath(): string {
  if (typeof window === 'undefined') return '/';
  return window.location.pathname + window.location.search + window.location.hash;
}

export type QueryValue = string | number | boolean | undefined | null | string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not send the user to /sign-in on 401 (sign-in itself, probing /auth/me). */
  noAuthRedirect?: boolean;
  headers?: Record<string, string>;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => params.append(k, x));
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** request performs one API call and returns the parsed JSON body. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Atrium-Origin': 'UI', ...opts.headers };
  const m = method.toUpperCase();
  if (WRITE_METHODS.has(m)) {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: m,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Cannot reach the Atrium server. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok || (data && typeof data === 'object' && (data as { ok?: unknown }).ok === false)) {
    const env = (data ?? {}) as Partial<ErrorEnvelope>;
    const err = new ApiError(
      res.status,
      typeof env.error === 'string' ? env.error : res.ok ? 'error' : `http_${res.status}`,
      typeof env.message === 'string' && env.message ? env.message : res.statusText || `Request failed (${res.status})`,
      env.details && typeof env.details === 'object' ? env.details : {},
    );
    if (res.status === 401 && !opts.noAuthRedirect && !currentPath().startsWith('/sign-in')) {
      onUnauthorized(currentPath());
    }
    throw err;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
  delete: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
};

/** enc encodes one path segment. */
export const enc = encodeURIComponent;
