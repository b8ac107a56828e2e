// `npm run console:build`: bundles the console (console/src) with esbuild into console/dist/assets.json, the one
// file the console function and the local stack serve. A test rebuilds it and fails if the committed one is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..", "console");

export async function buildConsoleAssets(): Promise<Record<string, string>> {
  const result = await build({
    entryPoints: [join(root, "src", "app.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    legalComments: "none",
  });
  const script = result.outputFiles[0]?.text ?? "";
  return {
    "index.html": readFileSync(join(root, "src", "index.html"), "utf8"),
    "app.js": script,
    "app.css": readFileSync(join(root, "src", "app.css"), "utf8"),
  };
}

export const assetsFile = join(root, "dist", "assets.json");

export function serializeAssets(assets: Record<string, string>): string {
  return `${JSON.stringify(assets, null, 2)}\n`;
}

export const gzipSize = (content: string) => gzipSync(content, { level: 9 }).length;

if (import.meta.url === `file://${process.argv[1] ?? ""}`) {
  const assets = await buildConsoleAssets();
  writeFileSync(assetsFile, serializeAssets(assets));
  const sizes = Object.entries(assets).map(([name, content]) => `${name} ${(gzipSize(content) / 1024).toFixed(1)} KB`);
  const total = Object.values(assets).reduce((sum, content) => sum + gzipSize(content), 0);
  console.log(`console/dist/assets.json: ${sizes.join(", ")} gzip; total ${(total / 1024).toFixed(1)} KB`);
}
