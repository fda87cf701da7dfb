// Stripe's form encoding: `metadata[bookingId]=x`, `expand[]=a`, `expand[0]=a`.
// Values stay strings; the typed readers below convert them the way Stripe does.

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

export class FormError extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly code = "parameter_invalid",
  ) {
    super(message);
  }
}

export function parseForm(input: string | URLSearchParams): FormObject {
  const params = typeof input === "string" ? new URLSearchParams(input) : input;
  const root: FormObject = {};
  for (const [key, value] of params) assign(root, splitKey(key), value, key);
  return densify(root) as FormObject;
}

function splitKey(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match?.[1]) return [key];
  const segments = [match[1]];
  for (const part of (match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)) segments.push(part[1] ?? "");
  return segments;
}

function assign(root: FormObject, segments: string[], value: string, rawKey: string): void {
  let node = root;
  segments.forEach((segment, i) => {
    // `a[]` appends: the next free index, turned into a real array by densify().
    const key = segment === "" ? String(Object.keys(node).length) : segment;
    if (key === "__proto__") throw new FormError(`Invalid parameter name: ${rawKey}`, rawKey);
    const existing = Object.hasOwn(node, key) ? node[key] : undefined;
    if (i === segments.length - 1) {
      if (existing !== undefined && typeof existing !== "string") {
        throw new FormError(`Invalid value for ${rawKey}: it is also used as a hash.`, rawKey);
      }
      node[key] = value;
      return;
    }
    if (typeof existing === "string") {
      throw new FormError(`Invalid hash for ${rawKey}: it is also given as a plain value.`, rawKey);
    }
    const child: FormObject = (existing as FormObject | undefined) ?? {};
    node[key] = child;
    node = child;
  });
}

// Objects whose keys are exactly 0..n-1 become arrays, the way Stripe reads `x[0]=a&x[1]=b`.
function densify(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((key) => [key, densify(value[key] as FormValue)] as const);
  if (keys.length > 0 && keys.every((key, i) => key === String(i))) return entries.map(([, v]) => v);
  return Object.fromEntries(entries);
}

// Typed readers. Each throws FormError naming the param, as Stripe's 400s do.

export function readString(form: FormObject, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new FormError(`Invalid string: ${name} must be a string.`, name);
  return value;
}

export function requireString(form: FormObject, name: string): string {
  const value = readString(form, name);
  if (value === undefined || value === "") {
    throw new FormError(`Missing required param: ${name}.`, name, "parameter_missing");
  }
  return value;
}

export function readInteger(form: FormObject, name: string): number | undefined {
  const value = readString(form, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value)) {
    throw new FormError(`Invalid integer: ${value}`, name, "parameter_invalid_integer");
  }
  return Number(value);
}

export function readBoolean(form: FormObject, name: string): boolean | undefined {
  const value = readString(form, name);
  if (value === undefined) return undefined;
  if (value !== "true" && value !== "false") throw new FormError(`Invalid boolean: ${value}`, name);
  return value === "true";
}

export function readEnum<T extends string>(
  form: FormObject,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = readString(form, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new FormError(`Invalid ${name}: must be one of ${allowed.join(", ")}`, name);
  }
  return value as T;
}

export function readHash(form: FormObject, name: string): FormObject | undefined {
  const value = form[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string") throw new FormError(`Invalid object: ${name} must be a hash.`, name);
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  return value;
}

export function readStringList(form: FormObject, name: string): string[] {
  const value = form[name];
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : Object.values(value);
  return list.map((item) => {
    if (typeof item !== "string") throw new FormError(`Invalid array: ${name} must hold strings.`, name);
    return item;
  });
}

/** Stripe's metadata rules: at most 50 keys, keys ≤ 40 chars, values ≤ 500; "" unsets a key. */
export function readMetadata(form: FormObject): Record<string, string> | undefined {
  if (form.metadata === "") return {};
  const hash = readHash(form, "metadata");
  if (!hash) return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(hash)) {
    if (typeof value !== "string")
      throw new FormError(`Invalid metadata value for ${key}.`, `metadata[${key}]`);
    if (key.length > 40)
      throw new FormError("Metadata keys can be at most 40 characters.", `metadata[${key}]`);
    if (value.length > 500)
      throw new FormError("Metadata values can be at most 500 characters.", `metadata[${key}]`);
    result[key] = value;
  }
  return result;
}

export function rejectUnknown(form: FormObject, allowed: readonly string[]): void {
  for (const key of Object.keys(form)) {
    if (!allowed.includes(key)) {
      throw new FormError(`Received unknown parameter: ${key}`, key, "parameter_unknown");
    }
  }
}
