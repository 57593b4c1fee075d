import { ATTACHMENT_MAX_BYTES } from './notes.js';

// Which files may be attached from a portal, checked by what they contain:
// a name ending in .pdf must hold a PDF. Kinds are recognised by their first
// bytes (file signatures); text by being valid UTF-8 without NUL bytes.

type Kind = 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp' | 'zip' | 'ole' | 'text';

const BY_EXTENSION: Record<string, { kind: Kind; type: string }> = {
  pdf: { kind: 'pdf', type: 'application/pdf' },
  png: { kind: 'png', type: 'image/png' },
  jpg: { kind: 'jpeg', type: 'image/jpeg' },
  jpeg: { kind: 'jpeg', type: 'image/jpeg' },
  gif: { kind: 'gif', type: 'image/gif' },
  webp: { kind: 'webp', type: 'image/webp' },
  docx: { kind: 'zip', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  xlsx: { kind: 'zip', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  pptx: { kind: 'zip', type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation' },
  odt: { kind: 'zip', type: 'application/vnd.oasis.opendocument.text' },
  ods: { kind: 'zip', type: 'application/vnd.oasis.opendocument.spreadsheet' },
  doc: { kind: 'ole', type: 'application/msword' },
  xls: { kind: 'ole', type: 'application/vnd.ms-excel' },
  txt: { kind: 'text', type: 'text/plain; charset=utf-8' },
  csv: { kind: 'text', type: 'text/csv; charset=utf-8' },
};

/** The extensions a portal upload may have, for the file input's `accept` and the page's hint. */
export const UPLOAD_EXTENSIONS = Object.keys(BY_EXTENSION);

const starts = (bytes: Uint8Array, signature: number[], offset = 0) => signature.every((b, i) => bytes[offset + i] === b);
const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));

function holds(kind: Kind, bytes: Uint8Array): boolean {
  switch (kind) {
    case 'pdf':
      return starts(bytes, ascii('%PDF-'));
    case 'png':
      return starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'jpeg':
      return starts(bytes, [0xff, 0xd8, 0xff]);
    case 'gif':
      return starts(bytes, ascii('GIF87a')) || starts(bytes, ascii('GIF89a'));
    case 'webp':
      return starts(bytes, ascii('RIFF')) && starts(bytes, ascii('WEBP'), 8);
    case 'zip':
      return starts(bytes, [0x50, 0x4b, 0x03, 0x04]);
    case 'ole':
      return starts(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    case 'text':
      if (bytes.includes(0)) return false;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        return true;
      } catch {
        return false;
      }
  }
}

export type UploadProblem = 'missing' | 'too_large' | 'type_not_allowed' | 'content_mismatch';

/** Whether a file may be attached, and the content type it is stored and served with (never the browser's claim). */
export function checkUpload(name: string, bytes: Uint8Array): { ok: true; type: string } | { ok: false; problem: UploadProblem } {
  if (bytes.byteLength === 0) return { ok: false, problem: 'missing' };
  if (bytes.byteLength > ATTACHMENT_MAX_BYTES) return { ok: false, problem: 'too_large' };
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const expected = BY_EXTENSION[extension];
  if (!expected) return { ok: false, problem: 'type_not_allowed' };
  if (!holds(expected.kind, bytes)) return { ok: false, problem: 'content_mismatch' };
  return { ok: true, type: expected.type };
}
