// What the renderer throws when a call fails: the envelope's error, kept as data.
export interface ErrorInfo {
  code: string;
  message: string;
  status?: number;
  details?: unknown;
}

export class ApiError extends Error implements ErrorInfo {
  readonly code: string;
  readonly status?: number;
  readonly details?: unknown;
  readonly method?: string;

  constructor(info: ErrorInfo, method?: string) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.status = info.status;
    this.details = info.details;
    this.method = method;
  }
}

/** Any thrown value as ErrorInfo, for showing in an ErrorBanner. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof ApiError) return { code: e.code, message: e.message, status: e.status, details: e.details };
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as { code: unknown; message: unknown };
    return { code: String(o.code), message: String(o.message) };
  }
  return { code: 'CLIENT_ERROR', message: e instanceof Error ? e.message : String(e) };
}
