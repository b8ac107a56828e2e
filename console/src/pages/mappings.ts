import { api, ApiError, query, type ActionResult, type ImportReport, type Mapping, type Page } from "../api";
import { confirmButton, field, h, inlineError, text } from "../dom";
import { act, errorText, pagedTable, params, setParams, type View } from "../ui";

const HEADERS = ["Sku", "Family", "Mapping code", "Option code", ""];

function mappingInputs(mapping?: Mapping) {
  return {
    sku: h("input", { name: "sku", value: mapping?.sku ?? "", required: true, readonly: mapping !== undefined }),
    product_type: h(
      "select",
      { name: "product_type" },
      ["tour", "day-ticket"].map((t) => h("option", { value: t, selected: mapping?.product_type === t }, t)),
    ),
    mapping_code: h("input", { name: "mapping_code", value: mapping?.mapping_code ?? "", required: true }),
    option_code: h("input", { name: "option_code", value: mapping?.option_code ?? "", required: true }),
  };
}

const valuesOf = (inputs: ReturnType<typeof mappingInputs>): Mapping => ({
  sku: inputs.sku.value.trim(),
  product_type: inputs.product_type.value,
  mapping_code: inputs.mapping_code.value.trim(),
  option_code: inputs.option_code.value.trim(),
});

export async function mappingsPage(): Promise<View> {
  const current = params();
  const prefix = h("input", { name: "prefix", value: current.get("prefix") ?? "", id: "mapping-prefix" });
  const search = h(
    "form",
    { class: "filters", role: "search" },
    field("Sku starts with", prefix),
    h("button", { type: "submit" }, "Search"),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    setParams("#/mappings", { prefix: prefix.value.trim() });
  });

  const added = mappingInputs();
  const addForm = h(
    "form",
    { class: "card", "aria-label": "Add a mapping" },
    h("h2", {}, "Add a mapping"),
    h(
      "div",
      { class: "row" },
      field("Sku", added.sku),
      field("Family", added.product_type),
      field("Mapping code", added.mapping_code),
      field("Option code", added.option_code),
    ),
    h("button", { type: "submit" }, "Add"),
  );
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void act(addForm, async () => {
      const mapping = await api<Mapping>("POST", "/mappings", valuesOf(added));
      return { message: `Added ${mapping.sku}` };
    });
  });

  const file = h("input", {
    type: "file",
    name: "file",
    accept: ".csv,.json,text/csv,application/json",
    id: "import-file",
  });
  const report = h("div", { class: "report" });
  const importForm = h(
    "form",
    { class: "card", "aria-label": "Import mappings" },
    h("h2", {}, "Import a CSV or JSON file"),
    h(
      "p",
      {},
      "CSV header: sku,product_type,mapping_code,option_code. Every row is checked before anything is written.",
    ),
    field("File", file),
    h("button", { type: "submit" }, "Check the file"),
    report,
  );
  importForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) {
      inlineError(file, "Choose a file first.");
      return;
    }
    void chosen.text().then(async (content) => {
      const request = { format: chosen.name.toLowerCase().endsWith(".json") ? "json" : "csv", content };
      try {
        const checked = await api<ImportReport>("POST", "/mappings/import", { ...request, dry_run: true });
        const write: HTMLElement = confirmButton(`Import ${checked.rows} mapping(s)`, "Write them all?", () =>
          act(write, async () => {
            const done = await api<ImportReport>("POST", "/mappings/import", request);
            return { message: `Imported ${done.rows} mapping(s): ${done.created} new, ${done.updated} changed` };
          }),
        );
        report.replaceChildren(
          h("p", {}, `${checked.rows} row(s): ${checked.created} new, ${checked.updated} changed.`),
          write,
        );
      } catch (error) {
        const body = error instanceof ApiError ? (error.body as Partial<ImportReport> | undefined) : undefined;
        report.replaceChildren(
          h("p", { class: "error", role: "alert" }, "Nothing was written. Fix these rows and check again:"),
          h(
            "ul",
            {},
            (body?.errors ?? [{ row: 0, message: errorText(error) }]).map((e) =>
              h("li", {}, e.row ? `Row ${e.row}: ${e.message}` : e.message),
            ),
          ),
        );
      }
    });
  });

  const shown = (m: Mapping) => ({
    product_type: m.product_type,
    mapping_code: m.mapping_code,
    option_code: m.option_code,
  });
  const load = (cursor?: string) =>
    api<Page<Mapping>>("GET", `/mappings${query({ prefix: current.get("prefix") ?? undefined, cursor })}`);
  const cells = (m: Mapping): Node[] => {
    const edit = h("button", { type: "button" }, "Edit");
    edit.addEventListener("click", () => {
      const inputs = mappingInputs(m);
      const save = h("button", { type: "button" }, "Save");
      save.addEventListener("click", () => {
        void act(save, async () => {
          const { sku, ...rest } = valuesOf(inputs);
          // What this row showed: refused (409, saying what it is now) if someone changed it since.
          await api<Mapping>("PUT", `/mappings/${encodeURIComponent(sku)}`, { ...rest, was: shown(m) });
          return { message: `Saved ${sku}` };
        });
      });
      const tr = edit.closest("tr");
      tr?.replaceChildren(
        ...[text(m.sku), inputs.product_type, inputs.mapping_code, inputs.option_code, save].map((c, i) =>
          h("td", { "data-label": HEADERS[i] ?? "" }, c),
        ),
      );
      inputs.mapping_code.focus();
    });
    const remove: HTMLElement = confirmButton("Remove", `Remove ${m.sku}?`, () =>
      act(remove, () => api<ActionResult>("DELETE", `/mappings/${encodeURIComponent(m.sku)}`, { was: shown(m) })),
    );
    return [text(m.sku), text(m.product_type), text(m.mapping_code), text(m.option_code), h("span", {}, edit, remove)];
  };
  return {
    title: "Product mappings",
    content: [
      h("h1", {}, "Product mappings"),
      search,
      pagedTable(HEADERS, await load(), load, cells),
      addForm,
      importForm,
    ],
    focus: prefix,
  };
}
