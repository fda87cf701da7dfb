import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorNotice } from "./ui";

/**
 * A modal confirmation on the native <dialog>. Focus starts on the safe button (Keep / Not yet),
 * so a reflexive Enter never cancels, deletes or refunds anything; the action needs a deliberate
 * move to its button. Focus is trapped while open, Escape closes (unless the action is under
 * way), and focus goes back to the control that opened it. `onConfirm` may throw; its error is
 * shown in the dialog.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  cancelLabel = "Keep it",
  tone = "primary",
  confirmDisabled = false,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  cancelLabel?: string;
  tone?: "primary" | "danger";
  /** Keeps the confirm button off until the dialog's content has what it needs (a choice, a preview). */
  confirmDisabled?: boolean;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const safe = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setError(undefined);
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      safe.current?.focus();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);

  /** Back to the opener; if a re-render replaced it, to the page's heading rather than <body>. */
  const restoreFocus = () => {
    const target = opener.current;
    opener.current = null;
    if (target?.isConnected) target.focus();
    else document.querySelector<HTMLElement>("main h1")?.focus();
  };

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const titleId = `dialog-title-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape while the action runs would hide its outcome; let it finish first.
        if (busy) event.preventDefault();
      }}
      onClose={() => {
        restoreFocus();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div class="dialog-body">{children}</div>
      <ErrorNotice error={error} />
      <div class="button-row">
        <button
          type="button"
          class={tone === "danger" ? "danger" : "primary"}
          disabled={busy || confirmDisabled}
          onClick={confirm}
        >
          {busy ? "Working…" : confirmLabel}
        </button>
        <button ref={safe} type="button" class="secondary" disabled={busy} onClick={onClose}>
          {cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
