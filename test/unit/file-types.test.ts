import { describe, expect, it } from 'vitest';
import { checkUpload } from '../../src/crm/file-types.js';
import { ATTACHMENT_MAX_BYTES } from '../../src/crm/notes.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('which files a portal user may attach', () => {
  it('takes a PDF, an image and a text file whose content matches their names', () => {
    expect(checkUpload('invoice.PDF', bytes('%PDF-1.7\n…'))).toEqual({ ok: true, type: 'application/pdf' });
    expect(checkUpload('photo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toEqual({ ok: true, type: 'image/png' });
    expect(checkUpload('notes.txt', bytes('Serial: 123 – ñ'))).toEqual({ ok: true, type: 'text/plain; charset=utf-8' });
  });

  it('refuses a file whose content is not what its name says', () => {
    expect(checkUpload('invoice.pdf', bytes('MZ\x90\x00 not a pdf'))).toEqual({ ok: false, problem: 'content_mismatch' });
    expect(checkUpload('photo.jpg', bytes('%PDF-1.7'))).toEqual({ ok: false, problem: 'content_mismatch' });
    expect(checkUpload('notes.txt', new Uint8Array([0x41, 0x00, 0x42]))).toEqual({ ok: false, problem: 'content_mismatch' });
  });

  it('refuses kinds it does not take, empty files and files over the limit', () => {
    expect(checkUpload('setup.exe', bytes('MZ'))).toEqual({ ok: false, problem: 'type_not_allowed' });
    expect(checkUpload('no-extension', bytes('%PDF-'))).toEqual({ ok: false, problem: 'type_not_allowed' });
    expect(checkUpload('empty.pdf', new Uint8Array())).toEqual({ ok: false, problem: 'missing' });
    const big = new Uint8Array(ATTACHMENT_MAX_BYTES + 1);
    big.set(bytes('%PDF-'));
    expect(checkUpload('big.pdf', big)).toEqual({ ok: false, problem: 'too_large' });
  });
});
