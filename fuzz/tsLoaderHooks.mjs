import {stripTypeScriptTypes} from "node:module";

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (result.format !== "module-typescript" || result.source == null) return result;
  const code = typeof result.source === "string" ? result.source : Buffer.from(result.source).toString("utf8");
  return {...result, format: "module", source: stripTypeScriptTypes(code, {mode: "strip"})};
}
