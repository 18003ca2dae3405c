// A minimal kustomize renderer for k8s/, so the test needs no kustomize binary (none is installed here, and CI reaches
// only Debian, NuGet and npm). It implements exactly the kustomization fields k8s/ uses, and fails loudly on any other
// field, so a manifest change that needs more cannot pass silently:
//   resources        files (multi-document YAML) and directories holding a kustomization.yaml (bases, recursively)
//   configMapGenerator / secretGenerator   `literals` and `files` (key = file name, or `key=path`), `behavior:
//                    create | merge | replace` against a generator of the same name in a base
//   namespace        set on every object (not on cluster-scoped kinds; none is used here)
//   images           name -> newName / newTag on containers
//   patches          JSON 6902 operation lists (`add`, `replace`, `remove`) from `path`, selected by `target`
//                    (group/version/kind/name)
//   (name references) a RoleBinding's ServiceAccount subject gets the ServiceAccount's namespace, as kustomize does
// Generated ConfigMaps and Secrets get a content-hash name suffix, and references to them in pod templates (volumes,
// env, envFrom) are rewritten, as kustomize does. The hash is this renderer's own (sha256 of the data, 10 characters),
// not byte-identical to kustomize's: tests compare structure, not generated names.
import { createHash } from "node:crypto";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, dirname, basename, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

const KNOWN = new Set(["apiVersion", "kind", "resources", "configMapGenerator", "secretGenerator", "namespace", "images", "patches"]);

export function parseYamlDocuments(text, source) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

function loadKustomization(dir) {
  const file = join(dir, "kustomization.yaml");
  const [k] = parseYamlDocuments(readFileSync(file, "utf8"), file);
  for (const key of Object.keys(k)) {
    if (!KNOWN.has(key)) throw new Error(`${file}: field "${key}" is not supported by tests/k8s/render.mjs`);
  }
  if (k.kind !== "Kustomization") throw new Error(`${file}: kind must be Kustomization`);
  return k;
}

function generatorData(dir, gen, file) {
  const data = {};
  for (const lit of gen.literals ?? []) {
    const i = lit.indexOf("=");
    if (i <= 0) throw new Error(`${file}: literal "${lit}" has no key=value form`);
    data[lit.slice(0, i)] = lit.slice(i + 1);
  }
  for (const f of gen.files ?? []) {
    const i = f.indexOf("=");
    const [key, path] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [basename(f), f];
    const full = resolve(dir, path);
    if (!full.startsWith(resolve(dir) + "/")) {
      // kustomize's default load restrictor refuses files outside the kustomization's directory.
      throw new Error(`${file}: ${path} is outside the kustomization directory (kustomize refuses it)`);
    }
    data[key] = readFileSync(full, "utf8");
  }
  for (const key of Object.keys(gen)) {
    if (!["name", "literals", "files", "behavior", "type"].includes(key)) {
      throw new Error(`${file}: generator field "${key}" is not supported by tests/k8s/render.mjs`);
    }
  }
  return data;
}

function pointer(path) {
  if (!path.startsWith("/")) throw new Error(`bad JSON pointer ${path}`);
  return path.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

export function applyJsonPatch(obj, ops, source) {
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop();
    let parent = obj;
    for (const p of parts) {
      if (parent === null || typeof parent !== "object" || !(p in parent)) {
        throw new Error(`${source}: ${op.op} ${op.path}: ${p} does not exist`);
      }
      parent = parent[p];
    }
    const isArray = Array.isArray(parent);
    const index = isArray ? (last === "-" ? parent.length : Number(last)) : last;
    switch (op.op) {
      case "add":
        if (isArray) parent.splice(index, 0, op.value);
        else parent[index] = op.value;
        break;
      case "replace":
        if (!(index in parent)) throw new Error(`${source}: replace ${op.path}: nothing to replace`);
        parent[index] = op.value;
        break;
      case "remove":
        if (!(index in parent)) throw new Error(`${source}: remove ${op.path}: nothing to remove`);
        if (isArray) parent.splice(index, 1);
        else delete parent[index];
        break;
      default:
        throw new Error(`${source}: operation "${op.op}" is not supported by tests/k8s/render.mjs`);
    }
  }
}

function groupOf(apiVersion) {
  return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

function matches(obj, target) {
  const version = obj.apiVersion.split("/").pop();
  return (target.kind === undefined || target.kind === obj.kind)
    && (target.name === undefined || target.name === obj.metadata?.name)
    && (target.group === undefined || target.group === groupOf(obj.apiVersion))
    && (target.version === undefined || target.version === version);
}

function podSpecs(obj) {
  if (obj.spec?.template?.spec) return [obj.spec.template.spec];
  if (obj.kind === "Pod" && obj.spec) return [obj.spec];
  return [];
}

// Renders one kustomization directory: { objects, generators } before name hashing (bases are merged unhashed).
function build(dir) {
  const file = join(dir, "kustomization.yaml");
  const k = loadKustomization(dir);
  let objects = [];
  const generators = []; // { kind, name, data, type }
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    if (existsSync(path) && statSync(path).isDirectory()) {
      const sub = build(path);
      objects.push(...sub.objects);
      generators.push(...sub.generators);
    } else {
      objects.push(...parseYamlDocuments(readFileSync(path, "utf8"), path));
    }
  }
  for (const [field, kind] of [["configMapGenerator", "ConfigMap"], ["secretGenerator", "Secret"]]) {
    for (const gen of k[field] ?? []) {
      const data = generatorData(dir, gen, file);
      const existing = generators.find((g) => g.kind === kind && g.name === gen.name);
      const behavior = gen.behavior ?? "create";
      if (behavior === "create") {
        if (existing) throw new Error(`${file}: ${kind} ${gen.name} already exists in a base (use behavior: merge)`);
        generators.push({ kind, name: gen.name, data, type: gen.type });
      } else if (!existing) {
        throw new Error(`${file}: ${kind} ${gen.name} has behavior ${behavior} but no base defines it`);
      } else if (behavior === "merge") {
        Object.assign(existing.data, data);
      } else if (behavior === "replace") {
        existing.data = data;
      } else {
        throw new Error(`${file}: behavior "${behavior}" is unknown`);
      }
    }
  }
  for (const image of k.images ?? []) {
    for (const obj of objects) {
      for (const spec of podSpecs(obj)) {
        for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
          const [name, tag] = splitImage(c.image);
          if (name !== image.name) continue;
          c.image = `${image.newName ?? name}:${image.newTag ?? tag}`;
        }
      }
    }
  }
  for (const patch of k.patches ?? []) {
    if (!patch.path || !patch.target) throw new Error(`${file}: only patches with path and target are supported`);
    const patchFile = resolve(dir, patch.path);
    const [ops] = parseYamlDocuments(readFileSync(patchFile, "utf8"), patchFile);
    if (!Array.isArray(ops)) throw new Error(`${patchFile}: only JSON 6902 patches (a list of operations) are supported`);
    const selected = objects.filter((o) => matches(o, patch.target));
    if (selected.length === 0) throw new Error(`${file}: patch ${patch.path} selects no object`);
    for (const o of selected) applyJsonPatch(o, ops, patchFile);
  }
  if (k.namespace) {
    for (const o of objects) o.metadata = { ...o.metadata, namespace: k.namespace };
    for (const g of generators) g.namespace = k.namespace;
  }
  return { objects, generators };
}

export function splitImage(image) {
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

function hashName(g) {
  const h = createHash("sha256").update(JSON.stringify({ kind: g.kind, name: g.name, data: g.data })).digest("hex");
  return `${g.name}-${h.slice(0, 10)}`;
}

/** Renders the kustomization in `dir` to the list of Kubernetes objects `kustomize build dir` would produce. */
export function render(dir) {
  const { objects, generators } = build(resolve(dir));
  const names = new Map();
  const generated = generators.map((g) => {
    const name = hashName(g);
    names.set(`${g.kind}/${g.name}`, name);
    const metadata = { name, ...(g.namespace ? { namespace: g.namespace } : {}) };
    if (g.kind === "ConfigMap") return { apiVersion: "v1", kind: "ConfigMap", metadata, data: g.data };
    const data = Object.fromEntries(Object.entries(g.data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
    return { apiVersion: "v1", kind: "Secret", metadata, type: g.type ?? "Opaque", data };
  });
  const rename = (kind, name) => names.get(`${kind}/${name}`) ?? name;
  for (const obj of objects) {
    for (const spec of podSpecs(obj)) {
      for (const v of spec.volumes ?? []) {
        if (v.configMap) v.configMap.name = rename("ConfigMap", v.configMap.name);
        if (v.secret) v.secret.secretName = rename("Secret", v.secret.secretName);
      }
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom;
          if (ref?.configMapKeyRef) ref.configMapKeyRef.name = rename("ConfigMap", ref.configMapKeyRef.name);
          if (ref?.secretKeyRef) ref.secretKeyRef.name = rename("Secret", ref.secretKeyRef.name);
        }
        for (const e of c.envFrom ?? []) {
          if (e.configMapRef) e.configMapRef.name = rename("ConfigMap", e.configMapRef.name);
          if (e.secretRef) e.secretRef.name = rename("Secret", e.secretRef.name);
        }
      }
    }
  }
  // kustomize's name-reference transformer also gives a (Cluster)RoleBinding's ServiceAccount subject without a
  // namespace the namespace of the ServiceAccount it names, when that ServiceAccount is rendered with one.
  for (const obj of objects) {
    if (obj.kind !== "RoleBinding" && obj.kind !== "ClusterRoleBinding") continue;
    for (const subject of obj.subjects ?? []) {
      if (subject.kind !== "ServiceAccount" || subject.namespace !== undefined) continue;
      const sa = objects.find((o) => o.kind === "ServiceAccount" && o.metadata?.name === subject.name);
      if (sa?.metadata?.namespace) subject.namespace = sa.metadata.namespace;
    }
  }
  return [...generated, ...objects];
}

export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), "..", "..");
