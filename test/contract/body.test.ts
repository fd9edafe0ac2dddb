// The body reader's limits, as functions: nesting depth counted on the raw text (strings and
// escapes skipped), and which content types are JSON.
import { describe, expect, it } from 'vitest';
import { isJsonContentType, jsonDepth, MAX_JSON_DEPTH, parseJsonBody } from '../../main/serve/body';

describe('jsonDepth', () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['[[]]', 2],
    ['{"a":[{"b":[1]}]}', 4],
    ['[[],[],[[]]]', 3],
    ['"[[[[[["', 0],
    ['{"a":"]]]]"}', 1],
    ['{"a":"\\"[[[[\\""}', 1],
    ['["\\\\", [[]]]', 3],
  ])('%s → %i', (text, depth) => expect(jsonDepth(text)).toBe(depth));

  it('stops counting past the limit, and never recurses', () => {
    expect(jsonDepth('['.repeat(1_000_000), 40)).toBe(41);
    expect(jsonDepth('['.repeat(200_000) + ']'.repeat(200_000))).toBe(200_000);
  });
});

describe('parseJsonBody', () => {
  it('takes exactly MAX_JSON_DEPTH levels, refuses one more', () => {
    const at = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parseJsonBody(at(MAX_JSON_DEPTH)).ok).toBe(true);
    const r = parseJsonBody(at(MAX_JSON_DEPTH + 1));
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: `request body nests deeper than ${MAX_JSON_DEPTH} levels`, details: { limit: MAX_JSON_DEPTH } } });
  });

  it('is no body for blank text, and INVALID_INPUT for bad syntax', () => {
    expect(parseJsonBody('  \n')).toEqual({ ok: true, value: undefined });
    expect(parseJsonBody('{"a":')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: 'request body is not valid JSON' } });
  });
});

describe('isJsonContentType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json', ' application/json ;charset=UTF-8'])('%s is JSON', (t) =>
    expect(isJsonContentType(t)).toBe(true),
  );
  it.each([undefined, '', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq'])('%s is not', (t) =>
    expect(isJsonContentType(t)).toBe(false),
  );
});
