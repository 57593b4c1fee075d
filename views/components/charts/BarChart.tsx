import type { ViewContext } from '../../../src/http/env.js';

export type Bar = { label: string; value: number; shown: string };

const ROW = 28;
const LABEL_WIDTH = 140;
const WIDTH = 480;

/**
 * Horizontal bars drawn on the server as inline SVG (no script, scales to any
 * width), followed by a table of the same numbers for screen readers and for
 * anyone who prefers them. The SVG is decorative beside its table.
 */
export function BarChart({ view, title, bars, id }: { view: ViewContext; title: string; bars: Bar[]; id: string }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * ROW;
  // Room after the longest bar for its printed value (a currency amount).
  const barSpace = WIDTH - LABEL_WIDTH - 120;
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      {bars.length === 0 ? (
        <p class="muted">{view.t('portal:dashboards.empty')}</p>
      ) : (
        <>
          <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="presentation" aria-hidden="true" focusable="false" class="bars">
            {bars.map((b, i) => {
              const w = max > 0 ? Math.max(1, Math.round((b.value / max) * barSpace)) : 1;
              const y = i * ROW;
              return (
                <g>
                  <text x={LABEL_WIDTH - 8} y={y + 18} text-anchor="end" class="bar-label">
                    {b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label}
                  </text>
                  <rect x={LABEL_WIDTH} y={y + 5} width={w} height={ROW - 10} rx="3" class="bar" />
                  <text x={LABEL_WIDTH + w + 6} y={y + 18} class="bar-value">
                    {b.shown}
                  </text>
                </g>
              );
            })}
          </svg>
          <table class="chart-table">
            <caption class="visually-hidden">{title}</caption>
            <tbody>
              {bars.map((b) => (
                <tr>
                  <th scope="row">{b.label}</th>
                  <td class="number">{b.shown}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </figure>
  );
}
