/**
 * A form for a chaos knob, generated from the JSON schema its service publishes in `GET /chaos`: numbers with
 * their bounds, enums as choices, booleans as checkboxes, lists as comma-separated text, `instance` as a choice
 * of the service's instances. The body is checked against the schema before it is sent (the console server and
 * the service check it again).
 */
import { checkAgainstSchema, type JsonSchema } from '../../shared/knob-schema';

export interface KnobInfo {
  name: string;
  summary: string;
  default_ttl_s: number | null;
  schema: JsonSchema;
}

let counter = 0;
const uid = (prefix: string) => `${prefix}-${++counter}`;

const typeOf = (schema: JsonSchema): string =>
  (Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type) ?? 'string';

function bounds(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined)
    parts.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

/** Reads a field's value for the body; undefined leaves the field out. */
type Reader = () => unknown;

function field(
  name: string,
  schema: JsonSchema,
  required: boolean,
  instances: string[],
): { element: HTMLElement; read: Reader; control: HTMLInputElement | HTMLSelectElement } {
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  const id = uid(`f-${name}`);
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = `${name}${required ? ' (required)' : ''}`;
  const hint = document.createElement('small');
  hint.id = `${id}-hint`;
  hint.textContent = [bounds(schema), schema.description].filter(Boolean).join(' · ');
  const type = typeOf(schema);
  let control: HTMLInputElement | HTMLSelectElement;
  let read: Reader;

  if (name === 'instance' && type === 'string') {
    const select = document.createElement('select');
    select.append(new Option('every replica', ''));
    for (const instance of instances) select.append(new Option(instance, instance));
    control = select;
    read = () => select.value || undefined;
  } else if (schema.enum) {
    const select = document.createElement('select');
    if (!required)
      select.append(
        new Option(schema.default !== undefined ? `default (${JSON.stringify(schema.default)})` : '—', ''),
      );
    for (const value of schema.enum) select.append(new Option(String(value), String(value)));
    control = select;
    read = () => {
      if (select.value === '') return undefined;
      const match = schema.enum!.find((value) => String(value) === select.value);
      return match;
    };
  } else if (type === 'boolean') {
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = schema.default === true || (required && name === 'enable');
    control = input;
    read = () => (required || input.checked !== (schema.default === true) ? input.checked : undefined);
  } else if (type === 'number' || type === 'integer') {
    const input = document.createElement('input');
    input.type = 'number';
    input.inputMode = 'decimal';
    input.step = type === 'integer' ? '1' : 'any';
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
    if (schema.default !== undefined) input.placeholder = JSON.stringify(schema.default);
    input.required = required;
    control = input;
    read = () => (input.value.trim() === '' ? undefined : Number(input.value));
  } else if (type === 'array') {
    const input = document.createElement('input');
    input.type = 'text';
    input.placeholder = 'comma-separated, e.g. /users/**';
    control = input;
    read = () => {
      const items = input.value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      if (items.length === 0) return undefined;
      const itemType = typeOf(schema.items ?? {});
      return itemType === 'number' || itemType === 'integer' ? items.map(Number) : items;
    };
  } else {
    const input = document.createElement('input');
    input.type = 'text';
    if (schema.maxLength !== undefined) input.maxLength = schema.maxLength;
    input.required = required;
    control = input;
    read = () => (input.value === '' ? undefined : input.value);
  }
  control.id = id;
  control.name = name;
  control.setAttribute('aria-describedby', hint.id);
  if (control instanceof HTMLInputElement && control.type === 'checkbox') {
    wrapper.classList.add('check');
    wrapper.append(control, label, hint);
  } else {
    wrapper.append(label, control, hint);
  }
  return { element: wrapper, read, control };
}

/**
 * The form of one knob; `send(body)` is called with a body that fits the schema and resolves to an error message
 * (shown by the form) or null.
 */
export function knobForm(
  service: string,
  knob: KnobInfo,
  instances: string[],
  send: (body: Record<string, unknown>) => Promise<string | null>,
): HTMLElement {
  const details = document.createElement('details');
  details.className = 'knob';
  details.dataset.knob = knob.name;
  const summary = document.createElement('summary');
  summary.textContent = `${knob.name} — ${knob.summary.replace(/^👉\s*/, '')}`;
  details.append(summary);
  const form = document.createElement('form');
  form.noValidate = true; // checked below against the schema, with messages read out
  form.setAttribute('aria-label', `${knob.name} on ${service}`);
  const schema = knob.schema;
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    ...field(name, property, required.has(name), instances),
  }));
  const errors = document.createElement('p');
  errors.className = 'form-errors';
  errors.id = uid('errors');
  errors.setAttribute('role', 'alert');
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.textContent = `Set ${knob.name}`;
  if (knob.default_ttl_s !== null) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = `Without ttl_s this fault ends itself after ${knob.default_ttl_s} s.`;
    form.append(note);
  }
  form.append(...fields.map((entry) => entry.element), errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    for (const entry of fields) {
      const value = entry.read();
      if (value !== undefined) body[entry.name] = value;
    }
    const problems = checkAgainstSchema(schema, body);
    for (const entry of fields) {
      const mine = problems.filter(
        (problem) => problem.startsWith(`${entry.name} `) || problem.startsWith(`${entry.name}[`),
      );
      const invalid = mine.length > 0;
      entry.control.setAttribute('aria-invalid', String(invalid));
      if (entry.control instanceof HTMLInputElement || entry.control instanceof HTMLSelectElement)
        entry.control.setCustomValidity(invalid ? mine.join('; ') : '');
    }
    if (problems.length) {
      errors.textContent = problems.join('; ');
      fields.find((entry) => entry.control.getAttribute('aria-invalid') === 'true')?.control.focus();
      return;
    }
    errors.textContent = '';
    submit.disabled = true;
    void send(body).then((error) => {
      submit.disabled = false;
      errors.textContent = error ?? '';
    });
  });
  details.append(form);
  return details;
}
