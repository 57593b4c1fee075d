import { describe, expect, it } from 'vitest';
import { matches } from '../../src/invitations/auto-invite.js';
import { checkTemplate, defaultTemplate, unknownPlaceholders } from '../../src/invitations/templates.js';

describe('placeholders of an invitation email', () => {
  it('finds the unknown ones, once each, whatever the spacing', () => {
    expect(unknownPlaceholders('Hola {{ name }}, {{nombre}} y {{ nombre }} en {{portal}} {{ first name }}')).toEqual(['{{nombre}}', '{{first name}}']);
    expect(unknownPlaceholders('{{name}} {{portal}} {{organization}} {{link}} {{expires}}')).toEqual([]);
  });

  it('refuses empty parts, and names the unknown placeholders', () => {
    expect(checkTemplate({ subject: '  ', body: 'Hi {{link}}' })).toEqual({ subject: { key: 'portalusers:email.errors.subjectRequired' } });
    expect(checkTemplate({ subject: 'Hi', body: 'Go to {{url}} by {{when}}' })).toEqual({
      body: { key: 'portalusers:email.errors.unknownPlaceholders', params: { placeholders: '{{url}}, {{when}}' } },
    });
  });

  it('starts from the built-in wording written with placeholders, which passes the check', () => {
    const es = defaultTemplate('es');
    expect(es.subject).toBe('Su invitación a {{portal}}');
    expect(es.body).toContain('Hola, {{name}}:');
    expect(checkTemplate(es)).toEqual({});
  });
});

describe('an automatic invitation rule’s value', () => {
  it('compares picklists exactly, text without case or spaces, and checkboxes as true or false', () => {
    expect(matches({ type: 'picklist' }, 'qualified', 'qualified')).toBe(true);
    expect(matches({ type: 'picklist' }, 'Qualified', 'qualified')).toBe(false);
    expect(matches({ type: 'text' }, ' Customer ', 'customer')).toBe(true);
    expect(matches({ type: 'text' }, null, 'customer')).toBe(false);
    expect(matches({ type: 'boolean' }, true, 'true')).toBe(true);
    expect(matches({ type: 'boolean' }, false, 'false')).toBe(true);
    expect(matches({ type: 'boolean' }, undefined, 'false')).toBe(false);
  });
});
