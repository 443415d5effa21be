import { describe, expect, it } from "vitest";
import { previewDocument } from "./WidgetPreview";

const SNIPPET = '<script src="https://chat.example/widget/chatflow360.js" data-key="0b6f" defer></script>';

describe("the widget preview's page", () => {
  it("holds the channel's snippet as is, on a page in the chosen language", () => {
    const page = previewDocument(SNIPPET, "es", "Tu widget");

    expect(page).toContain(SNIPPET);
    expect(page).toMatch(/^<!doctype html><html lang="es">/);
  });

  it("escapes the title it is given", () => {
    const page = previewDocument(SNIPPET, "en", 'Café "Luna" <b>');

    expect(page).toContain("<title>Café &quot;Luna&quot; &lt;b&gt;</title>");
  });
});
