import { requestIdOf, traceContextOf } from './request-context';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceContextOf (W3C Trace Context)', () => {
  it('takes a valid traceparent, with its tracestate', () => {
    expect(traceContextOf({ traceparent: PARENT, tracestate: 'portal=t61rcWkgMzE,other=1' })).toEqual({ traceparent: PARENT, tracestate: 'portal=t61rcWkgMzE,other=1' });
    expect(traceContextOf({ traceparent: PARENT })).toEqual({ traceparent: PARENT });
  });

  it('reads a later version as version 00 (forward compatible), extra fields dropped', () => {
    expect(traceContextOf({ traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future' })).toEqual({ traceparent: PARENT });
  });

  it.each([
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with more fields', `${PARENT}-extra`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['free text', 'alice@example.org'],
  ])('ignores an invalid traceparent (%s), and its tracestate with it', (_, traceparent) => {
    expect(traceContextOf({ traceparent, tracestate: 'portal=1' })).toBeUndefined();
  });

  it('has none without a traceparent, whatever the tracestate', () => {
    expect(traceContextOf({ tracestate: 'portal=1' })).toBeUndefined();
  });
});

describe('requestIdOf', () => {
  it('takes a well-formed X-Request-Id', () => {
    expect(requestIdOf('3f2c1a9e-req_42.a:b')).toBe('3f2c1a9e-req_42.a:b');
    expect(requestIdOf(['first', 'second'])).toBe('first');
  });

  it.each([['an e-mail address', 'alice@example.org'], ['spaces', 'a b'], ['too long', 'x'.repeat(129)], ['empty', '']])('refuses %s', (_, value) => {
    expect(requestIdOf(value)).toBeUndefined();
  });
});
