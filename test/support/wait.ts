/** Polls a condition until it holds (no fixed sleeps in tests). */
export async function waitFor(check: () => Promise<boolean> | boolean, { timeoutMs = 15_000, intervalMs = 100 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
