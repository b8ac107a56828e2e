// esbuild plugins of the Lambda bundles (serverless.yml `custom.esbuild.plugins`; the benchmark's builds load them
// too). docs/cold-starts-and-cost.md explains both; BENCHMARKS.md measures them.
import { builtinModules } from "node:module";
import path from "node:path";
import process from "node:process";

const BUILTINS = new Set(builtinModules);
/** What a function's implementation file is called, next to its entry: `get-order.mjs` → `get-order.impl.mjs`. */
export const IMPLEMENTATION_SUFFIX = ".impl";

/**
 * Node's builtins as `require` loads them, never as ES modules. On Node 22 an ES-module import of a builtin builds a
 * namespace from every export and runs the module's lazy getters: `import http from "node:http"` loads undici
 * (through `http.WebSocket`) and alone costs more than an empty module's whole start; `node:process`, `node:fs` and
 * `node:stream` add more. Each import of a builtin becomes `process.getBuiltinModule(...)`, which returns the module
 * object as `require` does, its getters untouched. `node:http` and `node:https` are loaded at their first use (every
 * import of them is a default import, used inside functions: the request handlers, the AX client), so that TLS is
 * set up by the first request, not by the import.
 */
export const builtinsWithoutEsm = {
  name: "builtins-without-esm",
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, "");
      if (args.kind !== "import-statement" || !BUILTINS.has(name)) return undefined;
      return { path: `node:${name}`, namespace: "node-builtin" };
    });
    build.onLoad({ filter: /.*/, namespace: "node-builtin" }, (args) => {
      const load = `process.getBuiltinModule(${JSON.stringify(args.path)})`;
      if (args.path !== "node:http" && args.path !== "node:https")
        return { contents: `module.exports = ${load};`, loader: "js" };
      // The module object on first use; `__esModule` is what esbuild's interop asks at import, answered without it.
      return {
        contents:
          `let loaded;\nconst load = () => (loaded ??= ${load});\n` +
          `export default new Proxy({}, { get: (_, key) => (key === "__esModule" ? undefined : Reflect.get(load(), key)) });\n`,
        loader: "js",
      };
    });
  },
};

/**
 * Each function as two files: its entry (`functions/<name>.mjs`, what Lambda imports at a cold start) holds only a
 * `handler` that imports the implementation (`functions/<name>.impl.mjs`: the function's module, bundled as before)
 * at the first invocation and hands every event to it. Lambda's import of the function then costs about an empty
 * module's; the first invocation pays for loading the implementation (the benchmark reports both). The
 * implementation is packaged with its entry only: serverless-esbuild leaves out of a function's zip every file
 * named like another function's bundle (`<bundle>.*`).
 */
export const lazyImplementation = {
  name: "lazy-implementation",
  setup(build) {
    const options = build.initialOptions;
    const extension = options.outExtension?.[".js"] ?? ".js";
    const entries = [];
    build.onStart(() => {
      entries.length = 0;
    });
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== "entry-point") return undefined;
      const file = path.resolve(args.resolveDir || process.cwd(), args.path);
      entries.push(file);
      return { path: file, namespace: "lazy-entry" };
    });
    build.onLoad({ filter: /.*/, namespace: "lazy-entry" }, (args) => {
      const implementation = `./${path.parse(args.path).name}${IMPLEMENTATION_SUFFIX}${extension}`;
      return {
        resolveDir: path.dirname(args.path),
        loader: "js",
        contents: [
          "// The function's implementation, imported at its first invocation (esbuild-plugins.js).",
          "let implementation;",
          "export const handler = async (event, context) => {",
          `  implementation ??= import(${JSON.stringify(implementation)});`,
          "  return (await implementation).handler(event, context);",
          "};",
        ].join("\n"),
      };
    });
    build.onResolve({ filter: new RegExp(`\\${IMPLEMENTATION_SUFFIX}\\${extension}$`) }, (args) => ({
      path: args.path,
      external: true,
    }));
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || entries.length === 0) return;
      const { plugins = [], outfile, ...rest } = options;
      const nested = await build.esbuild.build({
        ...rest,
        ...(outfile ? { outdir: path.dirname(outfile) } : {}),
        entryPoints: entries,
        entryNames: `[name]${IMPLEMENTATION_SUFFIX}`,
        plugins: plugins.filter((plugin) => plugin.name !== lazyImplementation.name),
      });
      result.errors.push(...nested.errors);
      result.warnings.push(...nested.warnings);
      if (result.metafile && nested.metafile) {
        Object.assign(result.metafile.inputs, nested.metafile.inputs);
        Object.assign(result.metafile.outputs, nested.metafile.outputs);
      }
    });
  },
};

export default [lazyImplementation, builtinsWithoutEsm];
