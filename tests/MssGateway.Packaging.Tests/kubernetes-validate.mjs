// Validates Kubernetes manifests (a multi-document YAML stream on stdin, e.g. `helm template` output)
// against the API schemas of the npm packages kubernetes-models and @kubernetes-models/prometheus-operator
// (ServiceMonitor, PrometheusRule), as kubeconform would in strict mode: wrong types, missing required
// fields, values outside an enum, and fields the schema does not know (a typo silently dropped by
// the API server) all fail. An apiVersion/kind without a schema fails too.
//
// Usage: node kubernetes-validate.mjs MODELS_DIR < manifests.yaml
//   MODELS_DIR: where scripts/install-kubernetes-models.sh installed the packages (.tools/kubernetes-models).
// Prints one line per object ("ok Kind/name" or "invalid Kind/name: reason") and a summary;
// exits 0 when every object is valid, 1 when one is not, 2 on unreadable input.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modelsDir = process.argv[2];
if (!modelsDir || !existsSync(join(modelsDir, "node_modules"))) {
  console.error(`usage: node kubernetes-validate.mjs MODELS_DIR < manifests.yaml (no node_modules under '${modelsDir}': run scripts/install-kubernetes-models.sh)`);
  process.exit(2);
}

const load = async (...parts) => import(pathToFileURL(join(modelsDir, "node_modules", ...parts)).href);
const yamlModule = await load("yaml", "dist", "index.js");
const YAML = yamlModule.default ?? yamlModule;

// apiVersion → the module exporting one model class per kind.
async function modelsOf(apiVersion) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const candidates = group === null
    ? [["kubernetes-models", version, "index.js"]]
    : [["kubernetes-models", group, version, "index.js"], ["@kubernetes-models", "prometheus-operator", group, version, "index.js"]];
  for (const parts of candidates) {
    if (existsSync(join(modelsDir, "node_modules", ...parts))) {
      return load(...parts);
    }
  }
  return null;
}

// Wraps the object so that every property the schema's validator reads is recorded: what it never
// reads is a field the schema does not define. Maps (labels, annotations, data) are enumerated by
// the validator, which marks them as fully read.
function track(value, path, records) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  const read = new Set();
  records.push({ path, value, read });
  const copy = Array.isArray(value)
    ? value.map((v, i) => track(v, `${path}/${i}`, records))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, track(v, `${path}/${k}`, records)]));
  return new Proxy(copy, {
    get(target, property, receiver) {
      if (typeof property === "string") read.add(property);
      return Reflect.get(target, property, receiver);
    },
    ownKeys(target) {
      read.add("*");
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(records) {
  const unknown = [];
  for (const { path, value, read } of records) {
    // Arrays, enumerated maps, and objects the schema leaves free-form (never looked into).
    if (Array.isArray(value) || read.has("*") || read.size === 0) continue;
    for (const key of Object.keys(value)) {
      if (!read.has(key)) unknown.push(`${path}/${key}`);
    }
  }
  return unknown;
}

let input;
try {
  input = YAML.parseAllDocuments(readFileSync(0, "utf8"), { version: "1.1" });
} catch (e) {
  console.error(`unreadable YAML: ${e.message}`);
  process.exit(2);
}

let valid = 0;
let invalid = 0;
for (const document of input) {
  if (document.errors.length > 0) {
    console.error(`unreadable YAML: ${document.errors[0].message}`);
    process.exit(2);
  }
  const object = document.toJS();
  if (object === null || object === undefined) continue;
  const name = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
  const fail = (reason) => { invalid++; console.log(`invalid ${name}: ${reason}`); };
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
    fail("no apiVersion or kind");
    continue;
  }
  const models = await modelsOf(object.apiVersion);
  const model = models?.[object.kind];
  if (typeof model?.prototype?.validate !== "function") {
    fail(`no schema for ${object.apiVersion} ${object.kind}`);
    continue;
  }
  const records = [];
  const tracked = track(object, "", records);
  try {
    model.prototype.validate.call(tracked);
  } catch (e) {
    fail(e.message.replace(/\s+/g, " "));
    continue;
  }
  const unknown = unknownFields(records);
  if (unknown.length > 0) {
    fail(`unknown field(s) ${unknown.join(", ")}`);
    continue;
  }
  valid++;
  console.log(`ok ${name}`);
}
console.log(`${valid} objects valid, ${invalid} invalid`);
process.exit(invalid === 0 ? 0 : 1);
