// `npm run decode-stack -- <function zip | .mjs.map> [file]`: turns the minified positions of a stack trace copied
// from CloudWatch (`at fn (file:///var/task/functions/process-event.impl.mjs:1:23456)`) into source positions, with
// the source maps packaged beside the bundles (a function's entry and its implementation). The Lambdas do not load
// their maps (no `--enable-source-maps`: parsing one costs about 17 ms of CPU per cold start), so their traces are
// decoded here, after the fact.
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { zipEntries } from "./zip";

/** The source maps of a function zip (its entry's and its implementation's), by bundle file name; or one `.map`. */
export function loadSourceMaps(file: string): Map<string, SourceMap> {
  const parse = (text: string) => new SourceMap(JSON.parse(text) as SourceMapPayload);
  if (!file.endsWith(".zip"))
    return new Map([[path.basename(file).replace(/\.map$/, ""), parse(readFileSync(file, "utf8"))]]);
  const maps = zipEntries(file).filter((candidate) => candidate.name.endsWith(".mjs.map"));
  if (maps.length === 0) throw new Error(`${file} holds no .mjs.map`);
  return new Map(
    maps.map((entry) => [path.basename(entry.name).replace(/\.map$/, ""), parse(entry.data().toString())]),
  );
}

const FRAME = /(?:file:\/\/)?([^\s()]+\.mjs):(\d+):(\d+)/g;

/** Each `<bundle>.mjs:<line>:<column>` of the text replaced by `<source file>:<line>:<column>`, with that bundle's map. */
export function decodeStack(text: string, maps: Map<string, SourceMap>): string {
  return text.replace(FRAME, (whole, file: string, line: string, column: string) => {
    const map = maps.get(path.basename(file)) ?? (maps.size === 1 ? [...maps.values()][0] : undefined);
    // Stack traces count lines and columns from 1, source maps from 0.
    const entry = map?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !("originalSource" in entry) || !entry.originalSource) return whole;
    const source = entry.originalSource.replace(/^.*?(node_modules\/|(?:functions|lib)\/)/, "$1");
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const [mapFile, traceFile] = process.argv.slice(2);
  if (!mapFile) {
    console.error(
      "usage: npm run decode-stack -- <.serverless/<function>.zip | bundle.mjs.map> [trace file, or stdin]",
    );
    process.exit(2);
  }
  const trace = readFileSync(traceFile ?? 0, "utf8");
  process.stdout.write(decodeStack(trace, loadSourceMaps(mapFile)));
}
