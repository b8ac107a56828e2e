// AX's inventory and prices for the OCTO API, cached briefly per product (AX asks channels to read prices often,
// research file §3.9; availability searches would otherwise ask AX on every call). A confirmation reads them fresh.
import type { AxInventorySlot, AxOptionPrice, AxInventoryPage } from "../ax/catalog-schemas";
import { AxError } from "../ax/errors";
import type { AxProductType } from "../ax/schemas";
import type { Clock } from "../orders/ports";
import { axUnavailable } from "./errors";
import type { ProductMapping } from "./mapping";

export interface AxCatalogReader {
  getInventoryPage(
    type: AxProductType,
    productCode: string,
    page: { page: number; pageSize: number },
  ): Promise<AxInventoryPage>;
  getPrices(type: AxProductType, productCode: string): Promise<AxOptionPrice[]>;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 50;

export class CachedAxCatalog {
  private readonly inventories = new Map<string, { at: number; value: Promise<AxInventorySlot[]> }>();
  private readonly priceLists = new Map<string, { at: number; value: Promise<AxOptionPrice[]> }>();

  constructor(
    private readonly ax: AxCatalogReader,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  inventory(product: ProductMapping, fresh = false): Promise<AxInventorySlot[]> {
    return this.cached(this.inventories, product, fresh, () => this.readInventory(product));
  }

  prices(product: ProductMapping, fresh = false): Promise<AxOptionPrice[]> {
    return this.cached(this.priceLists, product, fresh, () =>
      this.ask("its prices", () => this.ax.getPrices(product.product_type, product.ax_product_code)),
    );
  }

  private async readInventory(product: ProductMapping): Promise<AxInventorySlot[]> {
    const slots: AxInventorySlot[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.ask("its inventory", () =>
        this.ax.getInventoryPage(product.product_type, product.ax_product_code, { page, pageSize: PAGE_SIZE }),
      );
      slots.push(...answer.slots);
      if (answer.last_page ?? answer.largest_option_page < PAGE_SIZE) break;
    }
    return slots;
  }

  private async ask<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof AxError) throw axUnavailable(what);
      throw error;
    }
  }

  private cached<T>(
    cache: Map<string, { at: number; value: Promise<T> }>,
    product: ProductMapping,
    fresh: boolean,
    read: () => Promise<T>,
  ): Promise<T> {
    const key = `${product.product_type}/${product.ax_product_code}`;
    const now = this.clock.now().getTime();
    const hit = cache.get(key);
    if (!fresh && hit && now - hit.at < this.ttlMs) return hit.value;
    const value = read();
    cache.set(key, { at: now, value });
    // A failed read is not kept: the next call asks AX again.
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  }
}
