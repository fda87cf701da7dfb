import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorNotice } from "./ui";

/**
 * A modal confirmation on the native <dialog>: focus moves in and is trapped, Escape cancels,
 * focus returns to the opener. `onConfirm` may throw; its error is shown in the dialog.
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setError(undefined);
      dialog.showModal();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);

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
    <dialog ref={ref} class="dialog" aria-labelledby={titleId} onClose={onClose}>
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
        <button type="button" class="secondary" disabled={busy} onClick={onClose}>
          {cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
