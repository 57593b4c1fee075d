import { describe, expect, it } from 'vitest';
import { Alert } from '../../views/components/Alert.js';

describe('views', () => {
  it('renders JSX with hono/jsx and escapes text', async () => {
    const html = await (<Alert kind="error">{'<b>x</b>'}</Alert>).toString();
    expect(html).toBe('<div class="alert alert-error" role="alert">&lt;b&gt;x&lt;/b&gt;</div>');
  });
});
