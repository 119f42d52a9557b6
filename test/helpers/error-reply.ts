/**
 * Awaits a command that must fail and returns the error reply's message (throws when it succeeds).
 */
export async function err(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error reply');
}
