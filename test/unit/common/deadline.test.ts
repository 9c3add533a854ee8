import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, withDeadline, withTimeout } from '../../../src/common/deadline.js';

describe('deadline', () => {
  it('settles as the promise does before the deadline', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });

  it('rejects with a named DeadlineExceededError when the promise never settles', async () => {
    const err = await withTimeout(new Promise(() => {}), 20, 'waiting for nothing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as Error).message).toBe('waiting for nothing did not finish within 20 ms');
  });

  it('a deadline already past rejects at once, and the abandoned promise cannot reject unhandled', async () => {
    const late = Promise.reject(new Error('late'));
    await expect(withDeadline(late, Date.now() - 1, () => new Error('past'))).rejects.toThrow('past');
  });
});
