import { describe, expect, it } from "vitest";
import { blankMeta, metaBody } from "./MetaConnection";

describe("a channel's connection to Meta in the request", () => {
  it("sends only what was typed, so that stored secrets are kept", () => {
    const stored = { connected: true, webhookUrl: "u", phoneNumberId: "123", businessAccountId: "456", pageId: null, accessTokenHint: "...abcd", appSecretHint: "...ef01", verifyToken: "verify-me" };
    const draft = { ...blankMeta, accountId: "123", businessAccountId: "456", verifyToken: "verify-me", appSecret: " new-secret-0123456789 " };
    expect(metaBody("whatsapp", draft, stored)).toEqual({ whatsapp: { appSecret: "new-secret-0123456789" } });
    expect(metaBody("whatsapp", { ...draft, appSecret: "" }, stored)).toEqual({});
  });

  it("names Messenger's fields as the API does, and nothing for a website", () => {
    const draft = { ...blankMeta, accountId: "789", accessToken: "page-token", appSecret: "s", verifyToken: "v" };
    expect(metaBody("messenger", draft, undefined)).toEqual({ messenger: { pageId: "789", pageAccessToken: "page-token", appSecret: "s", verifyToken: "v" } });
    expect(metaBody("website", draft, undefined)).toEqual({});
  });
});
