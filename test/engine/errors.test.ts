// Errors are data: { code, message, details?, status }, with stable codes and HTTP statuses.
import { describe, expect, it } from 'vitest';
import { CrosspodError, ERROR_STATUS, fromErrorBody, isCrosspodError, isErrorCode, toErrorBody, type ErrorBody, type ErrorCode } from '../../shared/errors';

describe('errors', () => {
  it('CrosspodError carries code, message, status and details', () => {
    const e = new CrosspodError('POD_NOT_FOUND', 'Pod x could not be found.', { pod_id: 'x' });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(CrosspodError);
    expect(isCrosspodError(e)).toBe(true);
    expect(isCrosspodError(new Error('x'))).toBe(false);
    expect([e.name, e.code, e.message, e.status, e.details]).toEqual(['CrosspodError', 'POD_NOT_FOUND', 'Pod x could not be found.', 404, { pod_id: 'x' }]);
    expect(e.stack).toContain('CrosspodError');
  });

  it('toBody gives the exact body, without a details key when there are none', () => {
    expect(new CrosspodError('TOP_POD_EXISTS', 'Top region already exists', { pod_id: 'p' }).toBody()).toEqual({
      code: 'TOP_POD_EXISTS',
      message: 'Top region already exists',
      status: 409,
      details: { pod_id: 'p' },
    });
    const bare = new CrosspodError('POD_NAME_REQUIRED', 'Valid region_name is required for pod').toBody();
    expect(bare).toStrictEqual({ code: 'POD_NAME_REQUIRED', message: 'Valid region_name is required for pod', status: 422 });
    expect(Object.keys(bare)).toEqual(['code', 'message', 'status']);
    // Falsy details are still details.
    expect(new CrosspodError('INVALID_INPUT', 'm', 0).toBody()).toStrictEqual({ code: 'INVALID_INPUT', message: 'm', status: 400, details: 0 });
    expect(new CrosspodError('INVALID_INPUT', 'm', null).toBody()).toStrictEqual({ code: 'INVALID_INPUT', message: 'm', status: 400, details: null });
  });

  it('the body survives JSON, and fromErrorBody rebuilds the same error', () => {
    const e = new CrosspodError('OVER_QUOTA', 'Quota exceeded for resources: network', { overs: [{ resource: 'network', limit: 1, in_use: 1, requested: 1 }] });
    const wire = JSON.parse(JSON.stringify(e.toBody())) as ErrorBody;
    expect(wire).toEqual({ code: 'OVER_QUOTA', message: 'Quota exceeded for resources: network', status: 409, details: { overs: [{ resource: 'network', limit: 1, in_use: 1, requested: 1 }] } });
    const back = fromErrorBody(wire);
    expect(back).toBeInstanceOf(CrosspodError);
    expect(back.toBody()).toEqual(wire);
    expect(toErrorBody(back)).toEqual(wire);
    const bare = fromErrorBody({ code: 'NOT_FOUND', message: 'gone', status: 404 });
    expect(bare.toBody()).toStrictEqual({ code: 'NOT_FOUND', message: 'gone', status: 404 });
  });

  it('fromErrorBody takes the status from the code, not from the body', () => {
    expect(fromErrorBody({ code: 'POD_IN_USE', message: 'm', status: 200 }).status).toBe(409);
  });

  it('toErrorBody turns anything thrown into a body', () => {
    expect(toErrorBody(new CrosspodError('DATABASE_CORRUPT', 'bad', { file: 'f' }))).toStrictEqual({ code: 'DATABASE_CORRUPT', message: 'bad', status: 500, details: { file: 'f' } });
    expect(toErrorBody(new Error('boom'))).toStrictEqual({ code: 'INTERNAL', message: 'boom', status: 500 });
    expect(toErrorBody(new TypeError('x is not a function'))).toStrictEqual({ code: 'INTERNAL', message: 'x is not a function', status: 500 });
    expect(toErrorBody('plain string')).toStrictEqual({ code: 'INTERNAL', message: 'plain string', status: 500 });
    expect(toErrorBody(undefined)).toStrictEqual({ code: 'INTERNAL', message: 'undefined', status: 500 });
    expect(toErrorBody(null)).toStrictEqual({ code: 'INTERNAL', message: 'null', status: 500 });
    expect(toErrorBody(42)).toStrictEqual({ code: 'INTERNAL', message: '42', status: 500 });
    // An error with a non-Crosspod `code` (SQLite, Node) is INTERNAL with its message.
    const sqlite = Object.assign(new Error('UNIQUE constraint failed: pods.region_name'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(toErrorBody(sqlite)).toStrictEqual({ code: 'INTERNAL', message: 'UNIQUE constraint failed: pods.region_name', status: 500 });
  });

  it('toErrorBody keeps a body that crossed a transport, as a copy with its code’s status', () => {
    const body = { code: 'POD_NOT_FOUND', message: 'Pod x could not be found.', status: 404, details: { pod_id: 'x' } };
    const out = toErrorBody(body);
    expect(out).toStrictEqual(body);
    expect(out).not.toBe(body);
    expect(toErrorBody({ code: 'NOT_FOUND', message: 'm', status: 404 })).toStrictEqual({ code: 'NOT_FOUND', message: 'm', status: 404 });
    expect(toErrorBody({ code: 'POD_IN_USE', message: 'm', status: 200 })).toStrictEqual({ code: 'POD_IN_USE', message: 'm', status: 409 });
  });

  it('toErrorBody does not trust an unknown code, even one on Object.prototype', () => {
    expect(toErrorBody({ code: 'SOMETHING_NEW', message: 'from a newer server', status: 418 })).toStrictEqual({ code: 'INTERNAL', message: 'from a newer server', status: 500 });
    expect(toErrorBody({ code: 'toString', message: 'sneaky', status: 200 })).toStrictEqual({ code: 'INTERNAL', message: 'sneaky', status: 500 });
    expect(toErrorBody({ code: 'constructor', message: 'sneaky', status: 200 })).toStrictEqual({ code: 'INTERNAL', message: 'sneaky', status: 500 });
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('POD_NOT_FOUND')).toBe(true);
    expect(isErrorCode(404)).toBe(false);
  });

  it('an error rebuilt from a newer peer’s unknown code is still a 500', () => {
    const e = fromErrorBody({ code: 'FUTURE_CODE' as ErrorCode, message: 'm', status: 409 });
    expect(e.code).toBe('FUTURE_CODE');
    expect(e.status).toBe(500);
  });

  it('every code is SCREAMING_SNAKE and maps to an HTTP status 4xx or 5xx', () => {
    const entries = Object.entries(ERROR_STATUS);
    expect(entries.length).toBeGreaterThan(40);
    for (const [code, status] of entries) {
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(Number.isInteger(status), code).toBe(true);
      expect(status >= 400 && status <= 599, `${code} -> ${status}`).toBe(true);
      expect(new CrosspodError(code as ErrorCode, 'm').status).toBe(status);
    }
  });

  it('the statuses the reference and the design name', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      INVALID_INPUT: 400,
      UNKNOWN_METHOD: 404,
      NOT_FOUND: 404,
      POD_NOT_FOUND: 404,
      POD_NAME_REQUIRED: 422,
      TOP_POD_EXISTS: 409,
      POD_NAME_DUPLICATED: 409,
      POD_IN_USE: 409,
      NO_POD_FOR_AZ: 400,
      EXTERNAL_NET_POD_NOT_SPECIFIED: 400,
      AVAILABILITY_ZONE_NOT_FOUND: 404,
      IP_ADDRESS_IN_USE: 409,
      OVER_QUOTA: 409,
      ROUTING_CREATE_FAIL: 500,
      ROUTING_BIND_FAIL: 500,
      UNSUPPORTED_MEDIA_TYPE: 415,
      DATABASE_CORRUPT: 500,
      MIGRATION_EDITED: 500,
      DATABASE_TOO_NEW: 500,
      INTERNAL: 500,
    };
    for (const [code, status] of Object.entries(expected)) expect([code, ERROR_STATUS[code as ErrorCode]]).toEqual([code, status]);
  });
});
