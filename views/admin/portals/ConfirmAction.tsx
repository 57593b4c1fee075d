import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';

export type ConfirmActionProps = {
  view: ViewContext;
  title: string;
  /** What confirming does, one sentence each, with the numbers. */
  facts: string[];
  /** The people it applies to, and those it leaves alone with why. */
  people?: string[] | undefined;
  skipped?: string[] | undefined;
  /** Pages where what the warning is about can be put right first. */
  links?: { href: string; label: string }[] | undefined;
  /** Where the Confirm button posts: the same address and fields as the first request, with confirm=1. */
  action: string;
  fields: [string, string][];
  confirmLabel: string;
  cancelHref: string;
  /** Nothing would change: the page explains why and offers no Confirm button. */
  nothingToDo?: string | undefined;
};

/** A destructive action stated before it happens: a plain page with a Confirm form and a Cancel link. */
export function ConfirmAction(props: ConfirmActionProps) {
  const { t } = props.view;
  return (
    <section class="confirm-action" aria-labelledby="confirm-title">
      <h1 id="confirm-title">{props.title}</h1>
      {props.nothingToDo ? (
        <Alert kind="info">{props.nothingToDo}</Alert>
      ) : (
        <Alert kind="warning">
          <ul>
            {props.facts.map((f) => (
              <li>{f}</li>
            ))}
          </ul>
        </Alert>
      )}
      {props.links && props.links.length > 0 && (
        <ul class="confirm-links">
          {props.links.map((l) => (
            <li>
              <a href={l.href}>{l.label}</a>
            </li>
          ))}
        </ul>
      )}
      {props.people && props.people.length > 0 && (
        <ul class="confirm-people">
          {props.people.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      )}
      {props.skipped && props.skipped.length > 0 && (
        <>
          <p>{t('portalusers:confirm.skipped', { count: props.skipped.length })}</p>
          <ul>
            {props.skipped.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </>
      )}
      <form method="post" action={props.action} class="actions">
        {props.fields.map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirm" value="1" />
        {!props.nothingToDo && (
          <button type="submit" class="button danger">
            {props.confirmLabel}
          </button>
        )}
        <a class="button secondary" href={props.cancelHref}>
          {t('portalusers:confirm.cancel')}
        </a>
      </form>
    </section>
  );
}
