// The manual's command lines work: every `npm start …` and `npm run <script> …` written in README.md and docs/*.md
// names a script of package.json, and each flag (and CLI command) it passes is one that script takes.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../local/cli/main";
import { FLAGS as START_FLAGS } from "../../local/start-options";
import { SOAK_FLAGS } from "../../scripts/soak/options";

const ROOT = resolve(import.meta.dirname, "../..");
const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

/** The flags of osls's `package` and `deploy` (a third-party tool: the ones the manual uses, each checked by hand). */
const OSLS_FLAGS = new Set(["stage", "region", "param", "package", "verbose", "aws-profile"]);

/** A script's parseArgs options, read from its source (the scripts run when imported). */
function optionsInSource(file: string): Set<string> {
  const source = readFileSync(join(ROOT, file), "utf8");
  const block = /parseArgs\(\{[\s\S]*?options:\s*\{([\s\S]*?)\n\s*\},?\n/.exec(source)?.[1] ?? "";
  return new Set([...block.matchAll(/^\s*"?([a-z][a-z-]*)"?\s*:\s*\{/gm)].map((m) => m[1] ?? ""));
}

/** The flags a script takes, by script; undefined: it takes arguments only (e.g. a file name). */
const FLAGS_OF: Record<string, () => Set<string> | undefined> = {
  start: () => new Set(Object.keys(START_FLAGS)),
  package: () => OSLS_FLAGS,
  deploy: () => OSLS_FLAGS,
  soak: () => new Set(SOAK_FLAGS),
  fuzz: () => optionsInSource("scripts/fuzz.ts"),
  bench: () => optionsInSource("scripts/bench/main.ts"),
  "octo:validate": () => optionsInSource("scripts/octo-validate.ts"),
};

interface CommandLine {
  where: string;
  text: string;
}

/** Every command line of the manual: in a code span up to its closing backtick, in a code block up to a comment. */
function commandLines(): CommandLine[] {
  const files = [
    "README.md",
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const found: CommandLine[] = [];
  for (const file of files) {
    let inBlock = false;
    readFileSync(join(ROOT, file), "utf8")
      .split("\n")
      .forEach((line, index) => {
        if (/^\s*```/.test(line)) {
          inBlock = !inBlock;
          return;
        }
        const where = `${file}:${index + 1}`;
        const pieces = inBlock
          ? [line.replace(/\s#\s.*$/, "")]
          : [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
        for (const piece of pieces)
          for (const m of piece.matchAll(/\bnpm (?:start\b|run [a-z:-]+)[^;&|]*/g))
            found.push({ where, text: m[0].trim() });
      });
  }
  return found;
}

/** Words of a command line; "<…>" and "…" placeholders and quotes kept as single words. */
const words = (text: string) => [...text.matchAll(/"[^"]*"|'[^']*'|\S+/g)].map((m) => m[0]);
const flagName = (word: string) => word.replace(/^--?/, "").replace(/=.*$/, "");

describe("the manual's command lines", () => {
  const lines = commandLines();

  it("are found in the README and in docs/", () => {
    expect(lines.length).toBeGreaterThan(40);
    expect(lines.some((l) => l.where.startsWith("README.md"))).toBe(true);
  });

  it("name scripts of package.json", () => {
    for (const { where, text } of lines) {
      const script = text.startsWith("npm start") ? "start" : (words(text)[2] ?? "");
      expect(scripts[script], `${where}: ${text}`).toBeDefined();
    }
  });

  it("pass only the flags each script takes", () => {
    for (const { where, text } of lines) {
      const all = words(text);
      const script = text.startsWith("npm start") ? "start" : (all[2] ?? "");
      const dashDash = all.indexOf("--");
      const args = dashDash === -1 ? [] : all.slice(dashDash + 1);
      const flags = args.filter((word) => /^--?[a-z]/i.test(word)).map(flagName);
      if (script === "cli") continue; // the CLI's commands and their flags are checked below
      const known = FLAGS_OF[script]?.();
      if (flags.length === 0) continue;
      expect(known, `${where}: ${script} takes no flags, but "${text}" passes ${flags.join(", ")}`).toBeDefined();
      for (const flag of flags) expect(known?.has(flag) || flag === "help", `${where}: ${text}: --${flag}`).toBe(true);
    }
  });

  it("run CLI commands that exist, with flags they take", () => {
    const names = new Set(commands.map((c) => c.name));
    const groups = new Set(commands.map((c) => c.name.split(" ")[0]));
    let checked = 0;
    for (const { where, text } of lines.filter((l) => /^npm run cli\b/.test(l.text))) {
      const args = words(text).slice(4); // after "npm run cli --"
      const [first, second] = args;
      if (first === undefined || first === "--help" || first.startsWith("<")) continue;
      expect(groups.has(first), `${where}: ${text}: no command group "${first}"`).toBe(true);
      if (second === undefined || second.startsWith("-") || second.startsWith("<") || second === "…") continue;
      const name = `${first} ${second}`;
      expect(names.has(name), `${where}: ${text}: no command "${name}"`).toBe(true);
      const command = commands.find((c) => c.name === name);
      for (const flag of args.filter((word) => word.startsWith("--")).map(flagName))
        expect(flag === "help" || Object.hasOwn(command?.options ?? {}, flag), `${where}: ${text}: --${flag}`).toBe(
          true,
        );
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
