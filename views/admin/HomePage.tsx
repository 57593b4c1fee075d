import type { Org } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';
import type { HomeStats } from '../../src/org/stats.js';

export function HomePage({ view, org, stats, now }: { view: ViewContext; org: Org; stats: HomeStats; now: Date }) {
  const { t, fmt } = view;
  return (
    <section>
      <h1>{t('admin:home.title', { name: view.staff?.name ?? '' })}</h1>
      <p>{t('admin:home.now', { time: fmt.dateTime(now) })}</p>
      <div class="cards">
        <div class="card">
          <h2>{t('admin:home.org')}</h2>
          <dl class="details">
            <dt>{t('setup:orgName')}</dt>
            <dd>{org.name}</dd>
            <dt>{t('setup:defaultLanguage')}</dt>
            <dd>{fmt.languageName(org.default_language)}</dd>
            <dt>{t('setup:timeZone')}</dt>
            <dd>{org.time_zone}</dd>
            <dt>{t('setup:timeFormat')}</dt>
            <dd>{t(`common:timeFormat.${org.time_format}`)}</dd>
            <dt>{t('setup:country')}</dt>
            <dd>{fmt.countryName(org.country)}</dd>
            <dt>{t('setup:emailDomains')}</dt>
            <dd>{org.email_domains.length ? org.email_domains.join(', ') : t('common:none')}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>{t('admin:home.stats')}</h2>
          <dl class="details">
            {stats.contacts !== undefined && (
              <>
                <dt>{t('admin:home.contacts')}</dt>
                <dd>{fmt.number(stats.contacts)}</dd>
              </>
            )}
            <dt>{t('admin:home.staffUsers')}</dt>
            <dd>{fmt.number(stats.staffUsers)}</dd>
            <dt>{t('admin:home.pendingEmails')}</dt>
            <dd>
              <a href="/admin/outbox">{fmt.number(stats.pendingEmails)}</a>
            </dd>
          </dl>
        </div>
      </div>
    </section>
  );
}
