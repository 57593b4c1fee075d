import type { Child } from 'hono/jsx';

type Common = { name: string; label: string; error?: string | undefined; hint?: string | undefined; required?: boolean };

function describedBy(name: string, error?: string, hint?: string) {
  const ids = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

function Messages({ name, error, hint }: { name: string; error?: string | undefined; hint?: string | undefined }) {
  return (
    <>
      {hint && (
        <p class="hint" id={`${name}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${name}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

/** A labelled input with its hint and its error beside it. */
export function TextField(props: Common & { type?: string; value?: string | undefined; autocomplete?: string; inputmode?: string; maxlength?: number }) {
  const { name, label, error, hint, required, type = 'text', value, autocomplete, maxlength } = props;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={name}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      <input
        id={name}
        name={name}
        type={type}
        value={type === 'password' ? undefined : value}
        required={required}
        autocomplete={autocomplete}
        maxlength={maxlength}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(name, error, hint)}
      />
      <Messages name={name} error={error} hint={hint} />
    </div>
  );
}

/** A choice; options of one `group` are drawn together under its label. */
export type Option = { value: string; label: string; group?: string | undefined };

/** Consecutive options of one group together; options without a group stand alone. */
function grouped(options: Option[]): { label: string | undefined; options: Option[] }[] {
  const out: { label: string | undefined; options: Option[] }[] = [];
  for (const o of options) {
    const last = out.at(-1);
    if (last && o.group !== undefined && last.label === o.group) last.options.push(o);
    else out.push({ label: o.group, options: [o] });
  }
  return out;
}

export function SelectField(props: Common & { options: Option[]; value?: string | undefined; children?: Child }) {
  const { name, label, error, hint, required, options, value } = props;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={name}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      <select id={name} name={name} required={required} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(name, error, hint)}>
        {grouped(options).map((g) => {
          const items = g.options.map((o) => (
            <option value={o.value} selected={o.value === value}>
              {o.label}
            </option>
          ));
          return g.label === undefined ? items : <optgroup label={g.label}>{items}</optgroup>;
        })}
      </select>
      <Messages name={name} error={error} hint={hint} />
    </div>
  );
}
