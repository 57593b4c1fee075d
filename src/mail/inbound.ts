import { convert } from 'html-to-text';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { LOOP_HEADER } from './transport.js';

// Reading an inbound message: who sent it, what it answers, the new text
// without the quoted history, its attachments, and whether a machine sent it
// (an auto-reply, a bounce, a list) or it is one of our own coming back.
// What the message then does is the caller's business (cases/email-replies).

/** Larger messages are refused before they are read. */
export const INBOUND_MAX_BYTES = 25 * 1024 * 1024;

/** Placed at the top of emails one may answer: what is below it in a reply is history. */
export const REPLY_MARKER = '##-';

export type InboundMessage = {
  messageId: string | undefined;
  /** The From address, lower case. */
  from: string | undefined;
  /** To, Cc, Delivered-To and the envelope's recipients, lower case. */
  recipients: string[];
  subject: string;
  /** Message ids from In-Reply-To and References, without angle brackets. */
  references: string[];
  /** The new text of the message, its quoted history and signature trimmed. */
  body: string;
  attachments: { name: string; type: string; bytes: Uint8Array }[];
  /** Why it looks sent by a machine (auto-reply, bounce, list), if it does. */
  automated: 'auto_submitted' | 'auto_reply' | 'bulk' | 'list' | 'bounce' | undefined;
  /** It carries our loop header: an email Porta sent, delivered back to it. */
  ours: boolean;
};

export type Envelope = { from?: string | undefined; to?: string[] };

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase())).filter(Boolean);

const header = (mail: ParsedMail, name: string): string => {
  const value = mail.headers.get(name);
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  return String(value);
};

const stripBrackets = (id: string) => id.trim().replace(/^<|>$/g, '');

export async function parseInbound(raw: Buffer, envelope: Envelope = {}): Promise<InboundMessage> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const refs = [...(mail.inReplyTo ? [mail.inReplyTo] : []), ...(Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [])]
    .flatMap((r) => r.split(/\s+/))
    .filter(Boolean)
    .map(stripBrackets);
  const deliveredTo = header(mail, 'delivered-to')
    .split(',')
    .map((a) => stripBrackets(a).toLowerCase())
    .filter(Boolean);
  // The HTML part, where there is one, marks its quoted history as such; mailparser's own text of it would not.
  const text = typeof mail.html === 'string' && mail.html.trim() ? htmlToText(mail.html) : (mail.text ?? '');
  return {
    messageId: mail.messageId ? stripBrackets(mail.messageId) : undefined,
    from: addresses(mail.from)[0],
    recipients: [...new Set([...addresses(mail.to), ...addresses(mail.cc), ...deliveredTo, ...(envelope.to ?? []).map((a) => a.toLowerCase())])],
    subject: mail.subject ?? '',
    references: [...new Set(refs)],
    body: newText(text),
    // Inline images (signature logos, referenced from the HTML) are part of the message's look, not files sent.
    attachments: mail.attachments
      .filter((a) => !a.related && a.contentType !== 'message/delivery-status')
      .map((a) => ({ name: a.filename ?? 'file', type: a.contentType, bytes: new Uint8Array(a.content) })),
    automated: automated(mail, envelope),
    ours: mail.headers.has(LOOP_HEADER.toLowerCase()),
  };
}

/** RFC 3834 and the conventions mail servers and lists follow. */
function automated(mail: ParsedMail, envelope: Envelope): InboundMessage['automated'] {
  const autoSubmitted = header(mail, 'auto-submitted').trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return 'auto_submitted';
  if (['x-autoreply', 'x-autorespond', 'x-autoresponder'].some((h) => mail.headers.has(h))) return 'auto_reply';
  const contentType = header(mail, 'content-type').toLowerCase();
  const sender = addresses(mail.from)[0] ?? '';
  if (
    envelope.from === '' ||
    contentType.includes('multipart/report') ||
    mail.headers.has('x-failed-recipients') ||
    /^(mailer-daemon|postmaster)@/.test(sender)
  )
    return 'bounce';
  if (/^(bulk|junk|list|auto_reply)$/.test(header(mail, 'precedence').trim().toLowerCase())) return 'bulk';
  // mailparser gathers List-* headers under "list".
  if (mail.headers.has('list') || mail.headers.has('list-id') || mail.headers.has('list-unsubscribe')) return 'list';
  return undefined;
}

function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      // Quoted history as mail programs mark it.
      { selector: 'blockquote', format: 'skip' },
      { selector: 'div.gmail_quote', format: 'skip' },
      { selector: 'div.moz-cite-prefix', format: 'skip' },
      { selector: '#divRplyFwdMsg', format: 'skip' },
      { selector: '#appendonsend', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
    ],
  });
}

// Lines where quoted history starts, in the languages Porta speaks.
const ATTRIBUTION = [/^on\b.*\bwrote:$/i, /^le\b.*\ba écrit\s?:$/i, /^el\b.*\bescribió:$/i, /^em\b.*\bescreveu:$/i];
const ORIGINAL = /^-{2,}\s*(original message|message d'origine|mensaje original|mensagem original)\s*-{2,}$/i;
const HEADER_BLOCK = /^\*?(from|de|von)\s?:\*?\s/i;
const HEADER_NEXT = /^\*?(sent|envoyé|enviado|date|fecha|data|to|à|para)\s?:\*?\s/i;

/** The new text of a reply: up to the first sign of quoted history or signature, quoted lines dropped. */
export function newText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimEnd();
    const plain = line.replace(/^(>\s?)+/, '').trim();
    if (plain.startsWith(REPLY_MARKER)) break;
    if (line === '--' || line === '-- ' || (lines[i] ?? '') === '-- ') break;
    if (ORIGINAL.test(plain) || /^_{10,}$/.test(plain)) break;
    // An attribution may be wrapped over up to three lines ("On …, Porta <\nreplies@…> wrote:").
    const joined = [plain, (lines[i + 1] ?? '').trim(), (lines[i + 2] ?? '').trim()];
    if (ATTRIBUTION.some((re) => re.test(joined[0] ?? '') || re.test(joined.slice(0, 2).join(' ')) || re.test(joined.join(' ')))) break;
    if (HEADER_BLOCK.test(plain) && HEADER_NEXT.test((lines[i + 1] ?? '').trim())) break;
    if (/^>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}
