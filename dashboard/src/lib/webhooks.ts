/** Outbound webhook deliveries on the client: what a delivery's state reads as, and when the list polls. */
import type { components } from "../api/schema";

export type Delivery = components["schemas"]["DeliveryOut"];

/** A pending delivery never tried is on its way (the worker picks it up within seconds); one tried is retrying. */
export type DeliveryState = "sending" | "retrying" | "delivered" | "failed";

export const POLL_MS = 3000;
/** A retry due this soon is watched too, so its outcome shows without a click on Refresh. */
const SOON_MS = 60_000;

export function deliveryState(d: Delivery): DeliveryState {
  if (d.status !== "pending") return d.status;
  return d.attempts === 0 ? "sending" : "retrying";
}

/** TanStack Query's refetchInterval: every 3 s while a delivery is on its way or about to be retried. */
export function deliveriesPollInterval(deliveries: Delivery[] | undefined, now: number = Date.now()): number | false {
  const watched = deliveries?.some(
    (d) =>
      d.status === "pending" && (d.attempts === 0 || (d.nextAttemptAt !== null && Date.parse(d.nextAttemptAt) - now <= SOON_MS)),
  );
  return watched ? POLL_MS : false;
}
