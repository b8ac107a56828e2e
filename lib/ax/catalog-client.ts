// AX's catalog calls, for the OCTO supplier API (issue #20; research file §3.6, §3.9, §3.10): a client of its own,
// so the functions that never read the catalog (the worker, the sync) do not carry its parsers.
import { AxClient, type AxCallOptions } from "./client";
import type { AxEndpoint } from "./errors";
import {
  parseInventoryPage,
  parsePrices,
  parseProductDetail,
  type AxInventoryPage,
  type AxOptionPrice,
  type AxProductDetail,
} from "./catalog-schemas";
import type { AxProductType } from "./schemas";

export class AxCatalogClient extends AxClient {
  protected override resourceOf(endpoint: AxEndpoint): string {
    return endpoint === "product_detail"
      ? "products"
      : endpoint === "price"
        ? "price"
        : endpoint === "inventory"
          ? "inventory"
          : "orders";
  }

  /** GET /products/{type}/{product_code}: the product's options, required traveler information and contents. */
  async getProductDetail(
    type: AxProductType,
    productCode: string,
    options: AxCallOptions = {},
  ): Promise<AxProductDetail> {
    return this.call("product_detail", "GET", [type, productCode], options, undefined, undefined, (response) =>
      parseProductDetail(response.body, response.context),
    );
  }

  /** GET /price/{type}/{product_code}: the latest selling price of each option. */
  async getPrices(type: AxProductType, productCode: string, options: AxCallOptions = {}): Promise<AxOptionPrice[]> {
    return this.call("price", "GET", [type, productCode], options, undefined, undefined, (response) =>
      parsePrices(response.body, response.context),
    );
  }

  /** GET /inventory/{type}/{product_code}?page=&page_size=: one page of each option's inventory slots. */
  async getInventoryPage(
    type: AxProductType,
    productCode: string,
    page: { page: number; pageSize: number },
    options: AxCallOptions = {},
  ): Promise<AxInventoryPage> {
    return this.call(
      "inventory",
      "GET",
      [type, productCode],
      { ...options, query: { page: String(page.page), page_size: String(page.pageSize) } },
      undefined,
      undefined,
      (response) => parseInventoryPage(response.body, response.context),
    );
  }
}
