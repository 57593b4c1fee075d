import { describe, expect, it } from 'vitest';
import { newText, parseInbound } from '../../src/mail/inbound.js';

// The new text of a reply, as the common mail programs quote, in the four languages.

describe('the new text of a reply', () => {
  it.each([
    [
      'Gmail, English, attribution wrapped',
      'Thanks, that fixed it.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Acme <\nreplies+abc@porta.test> wrote:\n> Try restarting.\n',
    ],
    ['French', 'Thanks, that fixed it.\n\nLe mar. 1 déc. 2026 à 10:00, Acme <replies@porta.test> a écrit :\n> Essayez de redémarrer.'],
    ['Spanish', 'Thanks, that fixed it.\n\nEl mar, 1 dic 2026 a las 10:00, Acme escribió:\n> Reinicie.'],
    ['Portuguese', 'Thanks, that fixed it.\n\nEm ter., 1 de dez. de 2026 às 10:00, Acme escreveu:\n> Reinicie.'],
    [
      'Outlook header block',
      'Thanks, that fixed it.\n\n________________________________\nFrom: Acme <replies@porta.test>\nSent: Tuesday, 1 December 2026 10:00\nSubject: Printer',
    ],
    ['Outlook header block, French', 'Thanks, that fixed it.\n\nDe : Acme <replies@porta.test>\nEnvoyé : mardi 1 décembre 2026 10:00\nObjet : Printer'],
    ['original message line', 'Thanks, that fixed it.\n-----Original Message-----\nFrom: Acme'],
    ['our marker, quoted', 'Thanks, that fixed it.\n\n> ##- Please type your reply above this line -##\n> Try restarting.'],
    ['a signature', 'Thanks, that fixed it.\n-- \nCarla Núñez\nGlobex'],
    ['bottom-posted quote', '> Try restarting.\n> It may help.\n\nThanks, that fixed it.'],
  ])('%s', (_name, text) => {
    expect(newText(text)).toBe('Thanks, that fixed it.');
  });

  it('keeps a message with no history as it is, lines and all', () => {
    expect(newText('Line one\n\nLine two\r\nOn second thought, it works.')).toBe('Line one\n\nLine two\nOn second thought, it works.');
  });

  it('reads an HTML-only message without its quoted part or images', async () => {
    const raw = [
      'From: carla@globex.example',
      'To: replies+abc@porta.test',
      'Subject: Re: x',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<div>Thanks, <b>that</b> fixed it.<img src="cid:logo"></div><blockquote type="cite">Try restarting.</blockquote>',
    ].join('\r\n');
    const m = await parseInbound(Buffer.from(raw));
    expect(m.body).toBe('Thanks, that fixed it.');
    expect(m.from).toBe('carla@globex.example');
    expect(m.automated).toBeUndefined();
  });

  it.each([
    ['Auto-Submitted: auto-replied', 'auto_submitted'],
    ['Auto-Submitted: no', undefined],
    ['Precedence: bulk', 'bulk'],
    ['List-Id: <news.example>', 'list'],
    ['X-Failed-Recipients: a@b.example', 'bounce'],
    ['X-Autorespond: yes', 'auto_reply'],
  ])('sees %s as %s', async (headerLine, expected) => {
    const m = await parseInbound(Buffer.from(`From: carla@globex.example\r\nTo: replies@porta.test\r\n${headerLine}\r\nSubject: x\r\n\r\nHi\r\n`));
    expect(m.automated).toBe(expected);
  });
});
