import { describe, expect, it } from "vitest";
import { type Delivery, deliveriesPollInterval, deliveryState, POLL_MS } from "./webhooks";

const NOW = Date.parse("2026-12-05T12:00:00Z");

const delivery = (over: Partial<Delivery>): Delivery => ({
  id: "3f6c1f5e-0000-4000-8000-000000000001",
  messageId: "msg_1",
  eventType: "webhook.test",
  status: "pending",
  attempts: 0,
  createdAt: "2026-12-05T11:59:58Z",
  lastAttemptAt: null,
  deliveredAt: null,
  nextAttemptAt: "2026-12-05T11:59:58Z",
  responseStatus: null,
  responseExcerpt: null,
  latencyMs: null,
  ...over,
});

describe("a webhook delivery's state", () => {
  it("reads as sending before its first attempt", () => {
    expect(deliveryState(delivery({ attempts: 0 }))).toBe("sending");
  });

  it("reads as retrying once an attempt has failed", () => {
    expect(deliveryState(delivery({ attempts: 2, responseStatus: 503 }))).toBe("retrying");
  });

  it("keeps delivered and failed as they are", () => {
    expect(deliveryState(delivery({ status: "delivered", attempts: 1 }))).toBe("delivered");
    expect(deliveryState(delivery({ status: "failed", attempts: 8 }))).toBe("failed");
  });
});

describe("polling the deliveries list", () => {
  it("polls while a delivery is on its way", () => {
    expect(deliveriesPollInterval([delivery({ attempts: 0 })], NOW)).toBe(POLL_MS);
  });

  it("polls while a retry is due within a minute", () => {
    expect(deliveriesPollInterval([delivery({ attempts: 1, nextAttemptAt: "2026-12-05T12:00:40Z" })], NOW)).toBe(POLL_MS);
  });

  it("stops when the next retry is hours away", () => {
    expect(deliveriesPollInterval([delivery({ attempts: 4, nextAttemptAt: "2026-12-05T15:00:00Z" })], NOW)).toBe(false);
  });

  it("stops when every delivery is settled, and before the list has loaded", () => {
    expect(deliveriesPollInterval([delivery({ status: "delivered", attempts: 1, nextAttemptAt: null })], NOW)).toBe(false);
    expect(deliveriesPollInterval(undefined, NOW)).toBe(false);
  });
});
