// Sample channel events, shaped like the contract's examples: used by the demo, the tests and the benchmarks.

const DAY_MS = 24 * 60 * 60_000;

/**
 * The sample's use dates, three weeks ahead: a tour at 18:00 in Seoul, and a day ticket the day after. Relative to
 * the day it runs, so that the status sync polls the sample's AX orders (it stops a few days after a use date).
 */
export function sampleUseDates(now: number = Date.now()): { tour: string; dayTicket: string } {
  const day = (offset: number) => new Date(now + offset * DAY_MS).toISOString().slice(0, 10);
  return { tour: `${day(21)}T18:00:00+09:00`, dayTicket: day(22) };
}

export function sampleOrderPlaced(orderId: string) {
  const dates = sampleUseDates();
  return {
    type: "order.placed",
    timestamp: new Date().toISOString(),
    data: {
      order_id: orderId,
      placed_at: "2026-11-23T08:59:41Z",
      currency: "KRW",
      subtotal: "180000",
      discount: "18000",
      discount_method: "10% member discount",
      total: "162000",
      is_voucher: true,
      comment: "Anniversary trip",
      purchaser: {
        name: "Kim Minji",
        country_code: "82",
        phone: "01012345678",
        email: "minji@example.com",
        additional: { english_name: "Minji Kim" },
        note: "Vegetarian meals",
      },
      representative: null,
      items: [
        {
          item_id: `${orderId}-1`,
          ax: {
            product_type: "tour",
            mapping_code: "af01c7c4-1637-46fb-b289-a090a9be0397",
            option_code: "d96b2ed4-12c5-4fb5-ae94-4f39b11ee980",
          },
          date: dates.tour,
          quantity: 2,
          unit_price: "60000",
          discount: "0",
          amount: "60000",
          tickets: [
            { ticket_id: `${orderId}-1-1`, traveler: { name: "Kim Minji" } },
            { ticket_id: `${orderId}-1-2`, traveler: { name: "Lee Jun", email: "jun@example.com" } },
          ],
        },
        {
          item_id: `${orderId}-2`,
          ax: {
            product_type: "day-ticket",
            mapping_code: "5b0e3f7a-2d5c-4c1e-9a41-7f0f1c2b9e10",
            option_code: "0c8f5e4b-3a71-4d2e-8b6a-1e9d2f3c4a5b",
          },
          date: dates.dayTicket,
          quantity: 1,
          unit_price: "60000",
          amount: "60000",
        },
      ],
    },
  };
}
