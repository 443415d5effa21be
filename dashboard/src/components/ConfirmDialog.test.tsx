import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import i18n from "../i18n";
import { ApiError } from "../lib/api";
import { ConfirmDialog } from "./ui";

beforeAll(() => {
  // jsdom has <dialog> but not its modal methods
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & { showModal: () => void; close: () => void };
  proto.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  proto.close ??= function (this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
});
afterEach(cleanup);

function renderDialog(props: Partial<Parameters<typeof ConfirmDialog>[0]> = {}) {
  const onConfirm = vi.fn();
  render(<ConfirmDialog open title="Delete Panadería?" message="Everything goes." confirmLabel="Delete organization" onConfirm={onConfirm} onClose={() => {}} {...props} />);
  return onConfirm;
}

describe("the confirmation dialog", () => {
  it("waits for the exact name before confirming", async () => {
    await i18n.changeLanguage("en");
    const onConfirm = renderDialog({ typedName: "Panadería" });
    const confirm = screen.getByRole("button", { name: "Delete organization", hidden: true });
    const input = screen.getByLabelText("Type Panadería to confirm");
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: "panaderia" } });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    fireEvent.submit(confirm.closest("form")!);
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.change(input, { target: { value: "Panadería " } });
    expect((confirm as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(confirm);
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
  it("confirms at once without a name, and shows the API's refusal as it words it, in Spanish too", async () => {
    await i18n.changeLanguage("es");
    const onConfirm = renderDialog({ error: new ApiError(409, "own_account", "You cannot delete your own account; ask another super admin.") });
    expect(screen.getByRole("alert", { hidden: true }).textContent).toBe("You cannot delete your own account; ask another super admin.");
    expect(screen.getByRole("button", { name: "Cancelar", hidden: true })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Delete organization", hidden: true }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
