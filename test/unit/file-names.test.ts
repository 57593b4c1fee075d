import { describe, expect, it } from 'vitest';
import { cleanFilename } from '../../src/crm/notes.js';

describe('cleanFilename', () => {
  it('drops bidirectional controls, so a name reads as what it is', () => {
    expect(cleanFilename('evil\u202Efdp.exe')).toBe('evilfdp.exe');
    expect(cleanFilename('a\u2066b\u2067c\u2068d\u2069e\u200Ef\u200Fg\u061Ch\u202Ai\u202Bj\u202Ck\u202Dl.txt')).toBe('abcdefghijkl.txt');
  });

  it('keeps the last path segment and replaces what a file system or a header cannot hold', () => {
    expect(cleanFilename('../../etc/passwd')).toBe('passwd');
    expect(cleanFilename('C:\\temp\\re"port<1>.pdf')).toBe('re_port_1_.pdf');
    expect(cleanFilename('line\r\nbreak.txt')).toBe('line__break.txt');
    expect(cleanFilename('\u202E')).toBe('file');
  });
});
