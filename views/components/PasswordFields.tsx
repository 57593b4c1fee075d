import { TextField } from './Field.js';

/**
 * A new password and its confirmation, as every form that sets one asks for
 * them: the rules as the first field's hint, both marked new-password for
 * password managers, each with its message when refused.
 */
export function PasswordFields(props: {
  label: string;
  confirmLabel: string;
  hint: string;
  errors: { password?: string | undefined; passwordConfirm?: string | undefined };
}) {
  return (
    <>
      <TextField name="password" type="password" label={props.label} hint={props.hint} error={props.errors.password} required autocomplete="new-password" />
      <TextField name="passwordConfirm" type="password" label={props.confirmLabel} error={props.errors.passwordConfirm} required autocomplete="new-password" />
    </>
  );
}
