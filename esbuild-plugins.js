// The esbuild plugin of the Lambda bundles (serverless.yml `custom.esbuild.plugins`; the benchmark's builds load it
// too). docs/cold-starts-and-cost.md explains it; BENCHMARKS.md measures it.
import { builtinModules } from "node:module";

const BUILTINS = new Set(builtinModules);

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

export default [builtinsWithoutEsm];
