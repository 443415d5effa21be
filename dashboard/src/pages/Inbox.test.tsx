import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import i18n from "../i18n";
import { ConversationRow } from "./Inbox";
import type { ConversationSummary } from "../lib/types";

const conversation: ConversationSummary = {
  id: "c1", organizationId: "o", channelId: "ch", channelName: "Tienda", channelType: "website", status: "pending", responderMode: "human", language: "es",
  pageUrl: null, visitorId: "abcdef12-0000-0000-0000-000000000000", lastMessage: { role: "system", content: "Te estoy conectando con una persona…", createdAt: new Date(Date.now() - 5 * 60_000).toISOString() },
  preview: { role: "visitor", content: "Quiero hablar con una persona", createdAt: new Date(Date.now() - 5 * 60_000).toISOString() },
  messageCount: 2, createdAt: new Date(Date.now() - 10 * 60_000).toISOString(), lastMessageAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  assignedUser: null, needsHuman: true, handedOffAt: new Date(Date.now() - 7 * 60_000).toISOString(),
  handoffSource: "ai", handoffReason: "frustrated", handoffSummary: "Pedido 42 con retraso",
};

function renderRow(lang: "en" | "es") {
  void i18n.changeLanguage(lang);
  return render(
    <MemoryRouter initialEntries={[`/${lang}/conversations`]}>
      <Routes>
        <Route path="/:lang/conversations" element={<ConversationRow c={conversation} to={`/${lang}/conversations/c1`} />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(cleanup);

describe("a conversation in the inbox list", () => {
  it("reads in Spanish, with a relative time and a needs-a-person flag", () => {
    renderRow("es");
    expect(screen.getByText("Visitante abcdef")).toBeTruthy();
    expect(screen.getByText("hace 5 minutos")).toBeTruthy();
    expect(screen.getByText("Espera a una persona")).toBeTruthy();
    expect(screen.getByText("Visitante: Quiero hablar con una persona")).toBeTruthy();
    expect(screen.queryByText(/Te estoy conectando/)).toBeNull();
    expect(screen.getByText("Visitante molesto")).toBeTruthy();
    expect(screen.getByText(/Pedido 42 con retraso/)).toBeTruthy();
    expect(screen.getByText("espera 7 min")).toBeTruthy();
    expect(screen.getByText(/Sin asignar/)).toBeTruthy();
    expect(screen.getByRole("link").getAttribute("href")).toBe("/es/conversations/c1");
  });
  it("reads in English", () => {
    renderRow("en");
    expect(screen.getByText("5 minutes ago")).toBeTruthy();
    expect(screen.getByText("Waiting for a person")).toBeTruthy();
    expect(screen.queryByText(/answers/)).toBeNull(); // nobody answers before someone did
    expect(screen.getByText("Frustrated visitor")).toBeTruthy();
  });
});

describe("the sources under an AI answer", () => {
  it("shows the titles, and each excerpt on expand and as a tooltip, in both languages", async () => {
    const { Sources } = await import("./Inbox");
    const sources = [
      { id: "x1", knowledgeId: "k1", title: "Horario", excerpt: "Abrimos de 8 a 18." },
      { id: "x2", knowledgeId: "k1", title: "Horario", excerpt: "Los domingos cerramos." },
    ];
    void i18n.changeLanguage("es");
    const { container } = render(<Sources sources={sources} />);
    expect(container.querySelector("summary")?.textContent).toBe("Fuentes: Horario");
    expect(screen.getByText("Abrimos de 8 a 18.")).toBeTruthy();
    expect(container.querySelector("li")?.getAttribute("title")).toBe("Abrimos de 8 a 18.");
    cleanup();
    void i18n.changeLanguage("en");
    const again = render(<Sources sources={sources} />);
    expect(again.container.querySelector("summary")?.textContent).toBe("Sources: Horario");
  });
});
