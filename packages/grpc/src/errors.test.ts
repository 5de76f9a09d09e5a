import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { RegionalGrpcError } from './errors.js';

describe('RegionalGrpcError', () => {
  it("quotes the server's details printable and bounded, and keeps them raw in .details", () => {
    const details = `down\r\n2025-01-01 ERROR forged line\u001b[31m ${'A'.repeat(60_000)}`;
    const error = new RegionalGrpcError({
      code: status.UNAVAILABLE,
      details,
      metadata: new Metadata(),
      service: 'greeter',
      method: 'SayHello',
      attempts: [],
      stoppedBecause: 'max-attempts',
      summary: 'greeter: call failed after 3 attempt(s)',
      cause: undefined,
    });
    for (const raw of ['\r', '\n', '\u001b']) expect(error.message).not.toContain(raw);
    expect(error.message).toMatch(
      /^14 UNAVAILABLE: down\\r\\n2025-01-01 ERROR forged line\\u001b\[31m A+… \(\d+ more characters\) \(greeter: call failed/,
    );
    expect(error.message.length).toBeLessThan(700);
    expect(error.details).toBe(details);
  });
});
