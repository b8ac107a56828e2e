// The console's committed bundle is what its sources build to, and stays small.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assetsFile, buildConsoleAssets, gzipSize, serializeAssets } from "../../scripts/build-console";

describe("console assets", () => {
  it("console/dist/assets.json is up to date with console/src (run `npm run console:build`)", async () => {
    expect(readFileSync(assetsFile, "utf8")).toBe(serializeAssets(await buildConsoleAssets()));
  });

  it("weigh well under 200 KB compressed, all assets together", async () => {
    const assets = await buildConsoleAssets();
    const total = Object.values(assets).reduce((sum, content) => sum + gzipSize(content), 0);
    expect(total).toBeLessThan(50 * 1024);
    expect(Object.keys(assets).sort()).toEqual(["app.css", "app.js", "index.html"]);
  });
});
