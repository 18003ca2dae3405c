// Schema validation with kubernetes-models: each object is built as its model class (found by apiVersion and kind)
// and checked with .validate(), which runs the Kubernetes OpenAPI schema of that kind (types, formats, required
// fields, enums). Unknown apiVersion/kind pairs are errors, so a typo in either fails too.
// Limitation: the Kubernetes schemas do not forbid unknown fields, so a misspelt optional field name passes the
// schema; the property checks in checks.mjs read the fields that matter by their exact names to cover that.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") throw new Error("apiVersion and kind are required");
  let mod;
  try {
    mod = require(`kubernetes-models/${apiVersion}`);
  } catch {
    throw new Error(`unknown apiVersion ${apiVersion}`);
  }
  const Model = mod[kind];
  if (typeof Model !== "function") throw new Error(`unknown kind ${kind} in ${apiVersion}`);
  return Model;
}

/** Throws with every schema error of the object, named by kind/name. */
export function validateObject(obj) {
  const Model = modelFor(obj?.apiVersion, obj?.kind);
  try {
    new Model(obj).validate();
  } catch (e) {
    throw new Error(`${obj.kind}/${obj.metadata?.name}: ${e.message}`);
  }
}
