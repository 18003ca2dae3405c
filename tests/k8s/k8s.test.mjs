// Renders k8s/base and k8s/overlays/production, validates every object against the Kubernetes OpenAPI schemas
// (kubernetes-models), and checks the properties issue #8 and style.md item 15 ask of the deployment. No server, no
// cluster, no kustomize binary: `npm test` here (scripts/test runs it with the other Node packages).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { render, repoRoot, applyJsonPatch } from "./render.mjs";
import { validateObject } from "./validate.mjs";
import { deploymentProblems } from "./checks.mjs";

const base = join(repoRoot, "k8s", "base");
const production = join(repoRoot, "k8s", "overlays", "production");

for (const [label, dir] of [["base", base], ["overlays/production", production]]) {
  test(`${label}: every rendered object passes its Kubernetes schema`, () => {
    const objects = render(dir);
    assert.ok(objects.length >= 9, `rendered ${objects.length} objects`);
    const kinds = objects.map((o) => o.kind).sort();
    assert.deepEqual(kinds, ["ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
      "Secret", "Secret", "Secret", "Service", "Service", "ServiceAccount"]);
    for (const o of objects) validateObject(o);
  });

  test(`${label}: the deployment has the properties issue #8 asks for`, () => {
    assert.deepEqual(deploymentProblems(render(dir)), []);
  });
}

test("base: the policy ConfigMap holds policies/better-auth-default.json unchanged", () => {
  const policy = render(base).find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("perms-policy-"));
  assert.ok(policy, "perms-policy ConfigMap rendered");
  assert.equal(policy.data["policy.json"], readFileSync(join(repoRoot, "policies", "better-auth-default.json"), "utf8"));
  const d = render(base).find((o) => o.kind === "Deployment");
  const silo = d.spec.template.spec.containers[0];
  const mount = silo.volumeMounts.find((m) => m.name === "policy").mountPath;
  assert.equal(silo.env.find((e) => e.name === "Perms__Policy__Path").value, `${mount}/policy.json`);
});

test("base: Secrets are placeholders only, and the silo reads each from where it is mounted", () => {
  const objects = render(base);
  const secrets = objects.filter((o) => o.kind === "Secret");
  for (const s of secrets) {
    for (const [key, value] of Object.entries(s.data)) {
      assert.match(Buffer.from(value, "base64").toString(), /REPLACE-ME/, `${s.metadata.name}/${key} is a marked placeholder`);
    }
  }
  const silo = objects.find((o) => o.kind === "Deployment").spec.template.spec.containers[0];
  const env = Object.fromEntries(silo.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
  const mountOf = (name) => silo.volumeMounts.find((m) => m.name === name).mountPath;
  assert.equal(env.Perms__Auth__TokensPath, mountOf("caller-tokens"));
  assert.equal(env.Perms__Events__TokenFile, `${mountOf("nats")}/token`);
  assert.ok(secrets.find((s) => s.metadata.name.startsWith("perms-nats-")).data.token);
  assert.ok(secrets.find((s) => s.metadata.name.startsWith("perms-database-")).data["connection-string"]);
});

test("overlay: replicas, resources, HPA floor, caches and namespace differ from the base as the patch says", () => {
  const d = render(production).find((o) => o.kind === "Deployment");
  assert.equal(d.metadata.namespace, "perms");
  assert.equal(d.spec.replicas, 4);
  assert.deepEqual(d.spec.template.spec.containers[0].resources, {
    requests: { cpu: "2", memory: "3Gi" }, limits: { cpu: "4", memory: "3Gi" },
  });
  const hpa = render(production).find((o) => o.kind === "HorizontalPodAutoscaler");
  assert.equal(hpa.spec.minReplicas, 4);
  const envName = d.spec.template.spec.containers[0].envFrom[0].configMapRef.name;
  const env = render(production).find((o) => o.kind === "ConfigMap" && o.metadata.name === envName);
  assert.equal(env.data.Perms__Grains__User__MaxEstimatedBytes, "1073741824");
  assert.equal(env.data.Perms__Events__Url, "nats://nats:4222", "merge keeps the base's keys");
  const baseEnvName = render(base).find((o) => o.kind === "Deployment").spec.template.spec.containers[0].envFrom[0].configMapRef.name;
  assert.notEqual(envName, baseEnvName, "a configuration change renames the ConfigMap, so the pods roll");
});

test("the Dockerfile builds the silo as a non-root user and exposes the gRPC port", () => {
  const text = readFileSync(join(repoRoot, "deploy", "silo.Dockerfile"), "utf8");
  assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0\S* AS build$/m);
  assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:10\.0\S*/m);
  assert.match(text, /^USER 10001(:10001)?$/m);
  assert.match(text, /^EXPOSE 50051$/m);
  assert.match(text, /^ENTRYPOINT \["dotnet", "Perms\.Silo\.dll"\]$/m);
});

// Negative tests: the validator and the checks must reject broken manifests, or the tests above prove nothing.
test("an invalid object fails schema validation", () => {
  const broken = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "broken" },
    spec: {
      selector: { matchLabels: { app: "x" } },
      template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "i:1", ports: [{ containerPort: "50051" }] }] } },
    },
  };
  assert.throws(() => validateObject(broken), /containerPort must be integer/);
  const noSelector = structuredClone(broken);
  delete noSelector.spec.selector;
  noSelector.spec.template.spec.containers[0].ports[0].containerPort = 50051;
  assert.throws(() => validateObject(noSelector), /selector/);
  assert.throws(() => validateObject({ ...broken, kind: "Deploymnet" }), /unknown kind/);
  assert.throws(() => validateObject({ ...broken, apiVersion: "apps/v9" }), /unknown apiVersion/);
});

test("a deployment missing what issue #8 asks for is reported, one problem per defect", () => {
  const objects = structuredClone(render(base));
  const d = objects.find((o) => o.kind === "Deployment");
  applyJsonPatch(d, [
    { op: "replace", path: "/spec/strategy/rollingUpdate/maxUnavailable", value: 1 },
    { op: "replace", path: "/spec/template/spec/containers/0/image", value: "registry.example.com/perms/silo:latest" },
    { op: "remove", path: "/spec/template/spec/containers/0/resources/limits" },
    { op: "replace", path: "/spec/template/spec/containers/0/readinessProbe", value: { httpGet: { port: 8080, path: "/" } } },
    { op: "replace", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 30 },
    { op: "replace", path: "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", value: false },
  ], "in-memory patch");
  const problems = deploymentProblems(objects.filter((o) => o.kind !== "PodDisruptionBudget"));
  for (const expected of [/maxUnavailable is 1/, /no fixed tag/, /no cpu limit/, /no memory limit/,
    /readinessProbe is not a grpc probe/, /terminationGracePeriodSeconds 30/, /readOnlyRootFilesystem/, /no PodDisruptionBudget/]) {
    assert.ok(problems.some((p) => expected.test(p)), `${expected} in ${JSON.stringify(problems)}`);
  }
  // And the broken Deployment still passes the schema: these properties are the checks' job, not the schema's.
  validateObject(d);
});
