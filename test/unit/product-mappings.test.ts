// Reading product mappings from an operator's CSV or JSON file: every row validated, errors name the line.
import { describe, expect, it } from "vitest";
import { MappingInputError, parseMappingFile, validateMapping } from "../../local/cli/products";

describe("product mapping files", () => {
  it("reads a CSV with a header (BOM, blank lines and padding tolerated)", () => {
    const csv =
      "\uFEFFsku,product_type,mapping_code,option_code\n LOTTE-1 ,day-ticket,map-1,opt-1\n\nTOUR-1,tour,map-2,opt-2\n";
    expect(parseMappingFile("products.csv", csv)).toEqual([
      { sku: "LOTTE-1", product_type: "day-ticket", mapping_code: "map-1", option_code: "opt-1" },
      { sku: "TOUR-1", product_type: "tour", mapping_code: "map-2", option_code: "opt-2" },
    ]);
  });

  it("reads a JSON array", () => {
    const json = JSON.stringify([{ sku: "A", product_type: "tour", mapping_code: "m", option_code: "o" }]);
    expect(parseMappingFile("products.json", json)).toHaveLength(1);
  });

  it("names the line and the field of a bad CSV row", () => {
    const csv = "sku,product_type,mapping_code,option_code\nA,tour,m,o\nB,boat,m,o\n";
    expect(() => parseMappingFile("p.csv", csv)).toThrow(
      new MappingInputError('p.csv line 3: product_type must be "tour" or "day-ticket"'),
    );
  });

  it("names the entry of a bad JSON mapping and refuses a file that is not an array", () => {
    expect(() =>
      parseMappingFile(
        "p.json",
        JSON.stringify([{ sku: "", product_type: "tour", mapping_code: "m", option_code: "o" }]),
      ),
    ).toThrow(/p\.json entry 1: sku is empty/);
    expect(() => parseMappingFile("p.json", "{}")).toThrow(/must be an array/);
    expect(() => parseMappingFile("p.json", "{")).toThrow(/not valid JSON/);
  });

  it("names the missing cells of a short CSV row", () => {
    expect(() => parseMappingFile("p.csv", "sku,product_type,mapping_code,option_code\nA,tour\n")).toThrow(
      "p.csv line 2: mapping_code is missing; option_code is missing",
    );
  });

  it("names a wrong CSV header instead of reporting every row", () => {
    expect(() => parseMappingFile("p.csv", "sku,type,mapping,option_code\nA,tour,m,o\n")).toThrow(
      "p.csv: the CSV header must be sku,product_type,mapping_code,option_code; missing: product_type, mapping_code; unknown: type, mapping",
    );
  });

  it("reports a duplicate sku with the row it repeats, every bad row at once", () => {
    const csv = "sku,product_type,mapping_code,option_code\nA,tour,m,o\nB,boat,m,o\nA,tour,m2,o2\n";
    expect(() => parseMappingFile("p.csv", csv)).toThrow(
      'p.csv line 3: product_type must be "tour" or "day-ticket"\np.csv line 4: sku A is also on row 2',
    );
  });

  it("validates one mapping given on the command line", () => {
    expect(() => validateMapping({ sku: "A", product_type: "tour", mapping_code: "m" }, "products add")).toThrow(
      /products add: option_code/,
    );
  });
});
