import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/mail/render.js';
import { type WelcomeStaffProps, welcomeStaffEmail } from '../../views/emails/welcome-staff.js';

const lucia: WelcomeStaffProps = {
  name: 'Lucía Fernández',
  orgName: 'Acme Consulting',
  loginUrl: 'https://crm.acme.example/admin/login',
  email: 'lucia@acme.example',
};

const mallory: WelcomeStaffProps = {
  name: '<script>alert("owned")</script>',
  orgName: 'Smith & Sons',
  loginUrl: 'https://crm.smith.example/admin/login?from=email&lang=en',
  email: 'mallory@smith.example',
};

describe('welcome-staff email in English', () => {
  it('names the template and language', async () => {
    const mail = await renderEmail(welcomeStaffEmail, lucia, 'en');
    expect(mail.template).toBe('welcome-staff');
    expect(mail.language).toBe('en');
  });

  it('has a subject naming the organization', async () => {
    const mail = await renderEmail(welcomeStaffEmail, lucia, 'en');
    expect(mail.subject).toBe('Welcome to Acme Consulting on Porta');
  });

  it('is an HTML document in English', async () => {
    const mail = await renderEmail(welcomeStaffEmail, lucia, 'en');
    expect(mail.html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(mail.html).toContain('<title>Welcome to Acme Consulting on Porta</title>');
    expect(mail.html.endsWith('</html>')).toBe(true);
  });

  it('links to the login URL from the button and the fallback link', async () => {
    const mail = await renderEmail(welcomeStaffEmail, lucia, 'en');
    const hrefs = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(['https://crm.acme.example/admin/login', 'https://crm.acme.example/admin/login']);
    expect(mail.html).toContain('>Sign in to Porta</a>');
    expect(mail.html).toContain('<a href="https://crm.acme.example/admin/login">https://crm.acme.example/admin/login</a>');
  });

  it('greets the person and tells them their account email', async () => {
    const mail = await renderEmail(welcomeStaffEmail, lucia, 'en');
    expect(mail.html).toContain('Hello Lucía Fernández,</h1>');
    expect(mail.html).toContain('<p>Acme Consulting is set up on Porta and you are its first administrator.</p>');
    expect(mail.html).toContain('<p>Sign in with your email address, lucia@acme.example.</p>');
    expect(mail.html).toContain('This email was sent by Acme Consulting through Porta.</p>');
  });

  it('has the exact plain-text version', async () => {
    const mail = await renderEmail(welcomeStaffEmail, lucia, 'en');
    expect(mail.text).toBe(
      [
        'Hello Lucía Fernández,',
        '',
        'Acme Consulting is set up on Porta and you are its first administrator.',
        'Sign in with your email address, lucia@acme.example.',
        '',
        'Sign in to Porta: https://crm.acme.example/admin/login',
        '',
        '-- ',
        'This email was sent by Acme Consulting through Porta.',
      ].join('\n'),
    );
  });
});

describe('welcome-staff email with hostile or special characters', () => {
  it('escapes a name holding a script tag in the HTML', async () => {
    const mail = await renderEmail(welcomeStaffEmail, mallory, 'en');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Hello &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;,');
  });

  it('escapes an ampersand in the organization name and in the link', async () => {
    const mail = await renderEmail(welcomeStaffEmail, mallory, 'en');
    expect(mail.html).toContain('<title>Welcome to Smith &amp; Sons on Porta</title>');
    expect(mail.html).toContain('href="https://crm.smith.example/admin/login?from=email&amp;lang=en"');
    expect(mail.html).not.toContain('Smith & Sons');
  });

  it('keeps the subject and text unescaped, since they are not HTML', async () => {
    const mail = await renderEmail(welcomeStaffEmail, mallory, 'en');
    expect(mail.subject).toBe('Welcome to Smith & Sons on Porta');
    expect(mail.text).toContain('Hello <script>alert("owned")</script>,');
    expect(mail.text).toContain('Sign in to Porta: https://crm.smith.example/admin/login?from=email&lang=en');
  });
});
