// `npm run decode-stack -- <function zip | .mjs.map> [file]`: turns the minified positions of a stack trace copied
// from CloudWatch (`at fn (file:///var/task/functions/process-event.mjs:1:23456)`) into source positions, with the
// source map packaged beside the bundle. The Lambdas do not load their maps (no `--enable-source-maps`: parsing
// one costs about 17 ms of CPU per cold start), so their traces are decoded here, after the fact.
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { zipEntries } from "./zip";

/** The source map of a function zip (its one `.mjs.map`) or of a `.map` file. */
export function loadSourceMap(file: string): SourceMap {
  if (file.endsWith(".zip")) {
    const entry = zipEntries(file).find((candidate) => candidate.name.endsWith(".mjs.map"));
    if (!entry) throw new Error(`${file} holds no .mjs.map`);
    return new SourceMap(JSON.parse(entry.data().toString("utf8")) as SourceMapPayload);
  }
  return new SourceMap(JSON.parse(readFileSync(file, "utf8")) as SourceMapPayload);
}

const FRAME = /(?:file:\/\/)?([^\s()]+\.mjs):(\d+):(\d+)/g;

/** Each `<bundle>.mjs:<line>:<column>` of the text replaced by `<source file>:<line>:<column>`. */
export function decodeStack(text: string, map: SourceMap): string {
  return text.replace(FRAME, (whole, _file: string, line: string, column: string) => {
    // Stack traces count lines and columns from 1, source maps from 0.
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!("originalSource" in entry) || !entry.originalSource) return whole;
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
  process.stdout.write(decodeStack(trace, loadSourceMap(mapFile)));
}
