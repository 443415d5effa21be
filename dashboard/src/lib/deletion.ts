/** Deleting one item only after the user confirms it in a ConfirmDialog. */
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";

/** `target` is the item the dialog asks about; spread `dialog` into the ConfirmDialog.
 * On success the dialog closes before `onDeleted` runs; on failure it stays open and shows why. */
export function useConfirmedDelete<T>(remove: (item: T) => Promise<unknown>, onDeleted: (item: T) => void) {
  const [target, setTarget] = useState<T | null>(null);
  const mutation = useMutation({
    mutationFn: remove,
    onSuccess: (_, item) => {
      setTarget(null);
      onDeleted(item);
    },
  });
  return {
    target,
    ask: (item: T) => {
      mutation.reset(); // the refusal of an earlier attempt is not this item's
      setTarget(item);
    },
    dialog: {
      open: target !== null,
      busy: mutation.isPending,
      error: mutation.error,
      onConfirm: () => {
        if (target !== null) mutation.mutate(target);
      },
      onClose: () => setTarget(null),
    },
  };
}
