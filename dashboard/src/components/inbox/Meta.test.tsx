import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import i18n from "../../i18n";
import { ConversationRow } from "../../pages/Inbox";
import { DeliveryState, personMayWrite } from "./Meta";
import type { ConversationSummary, Message } from "../../lib/types";

const now = new Date().toISOString();
const whatsapp: ConversationSummary = {
  id: "c1", organizationId: "o", channelId: "ch", channelName: "Brisa WhatsApp", channelType: "whatsapp", status: "open", responderMode: "ai",
  language: "es", pageUrl: null, visitorId: "abcdef12-0000-0000-0000-000000000000", lastMessage: null, messageCount: 1, createdAt: now,
  lastMessageAt: now, assignedUser: null, needsHuman: false, contact: { id: "13055551234", name: "Ana <b>Pérez</b>", phone: "+13055551234" },
};
const failed: Message = {
  id: "m1", role: "agent", content: "¿Sigues ahí?", createdAt: now,
  delivery: { status: "failed", failureReason: "window_closed", errorCode: 131047, errorMessage: "Re-engagement message", updatedAt: now },
};

afterEach(cleanup);

describe("WhatsApp and Messenger in the inbox", () => {
  it("names the contact and shows the channel's badge in the list, the name as text", () => {
    void i18n.changeLanguage("es");
    render(
      <MemoryRouter>
        <ConversationRow c={whatsapp} to="/es/conversations/c1" />
      </MemoryRouter>,
    );
    expect(screen.getByText("Ana <b>Pérez</b>")).toBeTruthy();
    expect(screen.getByText("WhatsApp")).toBeTruthy();
  });

  it("says why a message was not delivered, in both languages", () => {
    void i18n.changeLanguage("en");
    const { unmount } = render(<DeliveryState m={failed} />);
    expect(screen.getByRole("status").textContent).toMatch(/^Not delivered: outside the customer service window.*131047: Re-engagement message\)$/);
    unmount();
    void i18n.changeLanguage("es");
    render(<DeliveryState m={failed} />);
    expect(screen.getByRole("status").textContent).toMatch(/^No entregado: fuera de la ventana de atención/);
  });

  it("lets a person write within 24 hours, and on Messenger within the human-agent days", () => {
    expect(personMayWrite({ replyWindow: null })).toBe(true);
    expect(personMayWrite({ replyWindow: { channel: "whatsapp", open: false, lastCustomerMessageAt: now, closesAt: now, humanAgentUntil: null } })).toBe(false);
    expect(personMayWrite({ replyWindow: { channel: "messenger", open: false, lastCustomerMessageAt: now, closesAt: now, humanAgentUntil: now } })).toBe(true);
  });
});
