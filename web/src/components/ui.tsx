import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { explain } from "../lib/errors";

let firstPage = true;

/**
 * A page: sets the document title and, after client-side navigation, moves focus to the
 * heading so screen readers announce the new page (the first load keeps the natural order).
 */
export function Page({
  title,
  heading,
  intro,
  actions,
  children,
  wide = false,
}: {
  title: string;
  heading?: ComponentChildren;
  intro?: ComponentChildren;
  actions?: ComponentChildren;
  children?: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Lectern`;
  }, [title]);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <div class={wide ? "page page-wide" : "page"}>
      <div class="page-head">
        <div>
          <h1 ref={ref} tabIndex={-1}>
            {heading ?? title}
          </h1>
          {intro && <p class="lede">{intro}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
      {children}
    </div>
  );
}

/** ids for aria-describedby: the hint and the error of a field. */
export function describedBy(id: string, hint?: unknown, error?: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

/** A label, the control (children, which carries `id`), a hint and an inline error. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class={error ? "field has-error" : "field"}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** An error in words, announced to screen readers. */
export function ErrorNotice({
  error,
  title,
  children,
}: {
  error?: unknown;
  title?: string;
  children?: ComponentChildren;
}) {
  if (!error && !children) return null;
  return (
    <div class="notice notice-error" role="alert">
      {title && <strong>{title} </strong>}
      {error ? explain(error) : null}
      {children}
    </div>
  );
}

export function Notice({
  tone = "info",
  children,
  live = false,
}: {
  tone?: "info" | "success" | "warning";
  children: ComponentChildren;
  live?: boolean;
}) {
  return (
    <div class={`notice notice-${tone}`} role={live ? "status" : undefined}>
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Badge({ tone = "neutral", children }: { tone?: string; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** Loading, error or the content, for a resource with data. */
export function Async<T>({
  resource,
  label,
  children,
}: {
  resource: { data: T | undefined; error: unknown; loading: boolean; reload: () => Promise<void> };
  label?: string;
  children: (data: T) => ComponentChildren;
}) {
  if (resource.data !== undefined) return <>{children(resource.data)}</>;
  if (resource.error)
    return (
      <ErrorNotice error={resource.error}>
        {" "}
        <button type="button" class="link-button" onClick={() => void resource.reload()}>
          Try again
        </button>
      </ErrorNotice>
    );
  return <Loading label={label} />;
}
