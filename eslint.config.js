// Typed linting: rules that need the type checker (floating promises, unsafe any) run on every file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", ".cache", ".local-data", ".esbuild", ".serverless", "coverage", "console/dist"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/local/**", "../local/*"],
              message: "local/ holds dev-only tools; never import them from lib/ or functions/.",
            },
          ],
        },
      ],
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
  {
    files: ["local/**", "test/**", "scripts/**"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    files: ["lib/orders/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@aws-sdk/*", "aws-lambda", "**/store/*", "**/queue/*", "**/config"],
              message: "lib/orders is the pure core: no AWS SDK, no adapters.",
            },
          ],
        },
      ],
    },
  },
);
