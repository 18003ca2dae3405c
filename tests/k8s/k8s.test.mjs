// Renders k8s/base and k8s/overlays/production, validates every object against the Kubernetes OpenAPI schemas
// (kubernetes-models), and checks the properties issue #14 (Perms on Microsoft Orleans) and style.md item 15 ask of
// the deployment. No server, no cluster, no kustomize binary: `npm test` here (scripts/test runs it with the other
// Node packages).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { render, repoRoot, applyJsonPatch } from "./render.mjs";
import { validateObject } from "./validate.mjs";
import { deploymentProblems, missingRestoreInputs, staleRestoreInputs, SILO, ENTRYPOINT } from "./checks.mjs";

const base = join(repoRoot, "k8s", "base");
const production = join(repoRoot, "k8s", "overlays", "production");

const deployment = (objects) => objects.find((o) => o.kind === "Deployment" && o.metadata.name === SILO.deployment);
const podSpec = (objects) => deployment(objects).spec.template.spec;
const silo = (objects) => podSpec(objects).containers.find((c) => c.name === SILO.container);
const migrate = (objects) => podSpec(objects).initContainers.find((c) => c.name === "cluster-migrate");
const envOf = (c) => Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
const envEntry = (c, name) => c.env.find((e) => e.name === name);
const secret = (objects, prefix) => objects.find((o) => o.kind === "Secret" && o.metadata.name.startsWith(`${prefix}-`));
const decode = (s, key) => Buffer.from(s.data[key], "base64").toString();

for (const [label, dir] of [["base", base], ["overlays/production", production]]) {
  test(`${label}: every rendered object passes its Kubernetes schema`, () => {
    const objects = render(dir);
    const kinds = objects.map((o) => o.kind).sort();
    assert.deepEqual(kinds, ["ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget",
      "Role", "RoleBinding", "Secret", "Secret", "Secret", "Secret", "Service", "ServiceAccount"]);
    for (const o of objects) validateObject(o);
  });

  test(`${label}: the silos, their Orleans wiring, migration, RBAC and Service have the properties issue #14 asks for`, () => {
    assert.deepEqual(deploymentProblems(render(dir)), []);
  });
}

test("base: the policy ConfigMap holds policies/better-auth-default.json unchanged", () => {
  const objects = render(base);
  const policy = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("perms-policy-"));
  assert.ok(policy, "perms-policy ConfigMap rendered");
  assert.equal(policy.data["policy.json"], readFileSync(join(repoRoot, "policies", "better-auth-default.json"), "utf8"));
  const c = silo(objects);
  const mount = c.volumeMounts.find((m) => m.name === "policy").mountPath;
  assert.equal(envOf(c).Perms__Policy__Path, `${mount}/policy.json`);
});

test("base: Secrets are placeholders only, and the silo and its migration read each from where it is mounted or referenced", () => {
  const objects = render(base);
  const secrets = objects.filter((o) => o.kind === "Secret");
  assert.deepEqual(secrets.map((s) => s.metadata.name.replace(/-\w{10}$/, "")).sort(),
    ["perms-caller-tokens", "perms-database", "perms-nats", "perms-orleans-database"]);
  for (const s of secrets) {
    for (const key of Object.keys(s.data)) assert.match(decode(s, key), /REPLACE-ME/, `${s.metadata.name}/${key} is a marked placeholder`);
  }
  const c = silo(objects);
  const pod = podSpec(objects);
  const secretAt = (path) => {
    const mount = c.volumeMounts.find((m) => m.mountPath === path);
    assert.ok(mount, `something is mounted at ${path}`);
    assert.equal(mount.readOnly, true);
    return pod.volumes.find((v) => v.name === mount.name).secret.secretName;
  };
  const env = envOf(c);
  assert.equal(env.Perms__Events__TokenFile, "/etc/perms/nats/token");
  assert.equal(secretAt("/etc/perms/nats"), secret(objects, "perms-nats").metadata.name);
  assert.ok(secret(objects, "perms-nats").data.token);
  assert.equal(secretAt(env.Perms__Auth__TokensPath), secret(objects, "perms-caller-tokens").metadata.name);
  // The two database roles: Better Auth's reader and the membership schema's owner, from different Secrets, and the
  // migration uses the silo's.
  const ref = (container, name) => envEntry(container, name).valueFrom.secretKeyRef;
  assert.deepEqual(ref(c, "Perms__Database__ConnectionString"), { name: secret(objects, "perms-database").metadata.name, key: "connection-string" });
  assert.deepEqual(ref(c, "Perms__Orleans__ConnectionString"), { name: secret(objects, "perms-orleans-database").metadata.name, key: "connection-string" });
  assert.deepEqual(ref(migrate(objects), "Perms__Orleans__ConnectionString"), ref(c, "Perms__Orleans__ConnectionString"));
  assert.match(decode(secret(objects, "perms-database"), "connection-string"), /Username=perms_reader;/);
  assert.match(decode(secret(objects, "perms-orleans-database"), "connection-string"), /Username=perms_orleans;/);
  // Nothing of the removed home-made cluster is left: no cluster token, no membership Service, no gateway.
  assert.ok(!objects.some((o) => /cluster-token|silo-peers|gateway/.test(o.metadata.name)), "no gateway, peers Service or cluster token");
  assert.ok(!pod.volumes.some((v) => v.name === "cluster-token"));
  assert.ok(!("perms/internal-api" in deployment(objects).spec.template.metadata.labels));
});

test("overlay: the downward API gives Orleans the pod's name, namespace, IP and, from its labels, the cluster's ids", () => {
  const objects = render(production);
  const d = deployment(objects);
  const pod = { metadata: { name: "perms-silo-abc", namespace: d.metadata.namespace, labels: d.spec.template.metadata.labels }, status: { podIP: "10.1.2.3" } };
  // What the kubelet does with each fieldRef (the ones used here).
  const field = (path) => {
    const labelKey = /^metadata\.labels\['([^']+)'\]$/.exec(path);
    if (labelKey) return pod.metadata.labels[labelKey[1]] ?? "";
    return { "metadata.name": pod.metadata.name, "metadata.namespace": pod.metadata.namespace, "status.podIP": pod.status.podIP }[path];
  };
  const env = Object.fromEntries(silo(objects).env.filter((e) => e.value !== undefined || e.valueFrom.fieldRef)
    .map((e) => [e.name, e.value ?? field(e.valueFrom.fieldRef.fieldPath)]));
  assert.equal(env.POD_NAME, "perms-silo-abc");
  assert.equal(env.POD_NAMESPACE, "perms");
  assert.equal(env.POD_IP, "10.1.2.3");
  assert.equal(env.ORLEANS_SERVICE_ID, "perms");
  assert.equal(env.ORLEANS_CLUSTER_ID, "perms");
  assert.equal(env.ORLEANS_SERVICE_ID, env.Perms__Orleans__ServiceId);
  assert.equal(env.ORLEANS_CLUSTER_ID, env.Perms__Orleans__ClusterId);
  assert.equal(env.Perms__Orleans__Clustering, "postgres");
  assert.equal(env.Perms__Orleans__AdvertisedAddress, undefined, "Orleans' Kubernetes hosting advertises POD_IP");
  // The Role and its binding are in the silos' namespace, for the silos' ServiceAccount of that namespace.
  const rb = objects.find((o) => o.kind === "RoleBinding");
  assert.equal(rb.metadata.namespace, "perms");
  assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: podSpec(objects).serviceAccountName, namespace: "perms" }]);
  assert.equal(objects.find((o) => o.kind === "Role").metadata.namespace, "perms");
});

test("overlay: replicas, resources, HPA floor, caches, images and namespace differ from the base as the patches say", () => {
  const objects = render(production);
  const d = deployment(objects);
  assert.equal(d.metadata.namespace, "perms");
  for (const o of objects) assert.equal(o.metadata.namespace, "perms", `${o.kind}/${o.metadata.name} in namespace perms`);
  assert.equal(d.spec.replicas, 4);
  assert.deepEqual(silo(objects).resources, {
    requests: { cpu: "2", memory: "3Gi" }, limits: { cpu: "4", memory: "3Gi" },
  });
  assert.deepEqual(migrate(objects).resources, migrate(render(base)).resources, "the init container keeps the base's");
  assert.equal(silo(objects).image, "registry.example.com/perms/silo:0.1.0");
  assert.equal(migrate(objects).image, silo(objects).image);
  const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.metadata.name === "perms-silo");
  assert.equal(hpa.spec.minReplicas, 4);
  assert.equal(hpa.spec.maxReplicas, 16);
  const envName = silo(objects).envFrom[0].configMapRef.name;
  const env = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === envName);
  assert.equal(env.data.Perms__Orleans__MemoryUsageLimitPercentage, "72");
  assert.equal(env.data.Perms__Events__Url, "nats://nats:4222", "merge keeps the base's keys");
  const baseEnvName = silo(render(base)).envFrom[0].configMapRef.name;
  assert.notEqual(envName, baseEnvName, "a configuration change renames the ConfigMap, so the pods roll");
});

test("silo.Dockerfile builds Perms.Silo.dll as a non-root user and exposes the gRPC, Orleans silo and metrics ports", () => {
  const text = readFileSync(join(repoRoot, "deploy", "silo.Dockerfile"), "utf8");
  const project = "src/Silo/Silo.csproj";
  assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0\S* AS build$/m);
  assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:10\.0\S*/m);
  assert.match(text, /^USER 10001(:10001)?$/m);
  assert.match(text, /^EXPOSE 50051$/m);
  assert.match(text, /^EXPOSE 11111$/m);
  assert.match(text, /^EXPOSE 9464$/m);
  assert.ok(text.includes(`RUN dotnet restore ${project}\n`), `restores ${project}`);
  assert.ok(text.includes(`RUN dotnet publish ${project} `), `publishes ${project}`);
  // The init container sets only `args` (cluster migrate): it relies on this ENTRYPOINT, as checks.mjs does.
  assert.ok(text.includes(`ENTRYPOINT ${JSON.stringify(ENTRYPOINT).replaceAll(",", ", ")}\n`), `runs ${ENTRYPOINT.join(" ")}`);
  assert.ok(existsSync(join(repoRoot, "deploy", "silo.Dockerfile.dockerignore")), "silo.Dockerfile.dockerignore keeps bin/obj out");
});

test("silo.Dockerfile copies every project src/Silo/Silo.csproj references before the restore, and none that does not exist", () => {
  const text = readFileSync(join(repoRoot, "deploy", "silo.Dockerfile"), "utf8");
  assert.deepEqual(missingRestoreInputs(text, "src/Silo/Silo.csproj", (p) => readFileSync(join(repoRoot, p), "utf8")), []);
  assert.deepEqual(staleRestoreInputs(text, (p) => existsSync(join(repoRoot, p))), []);
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
  const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "x" }, subjects: [] };
  assert.throws(() => validateObject(role), /roleRef/);
});

function expectProblems(problems, expected) {
  for (const e of expected) assert.ok(problems.some((p) => e.test(p)), `${e} in ${JSON.stringify(problems, null, 1)}`);
}

const fresh = () => structuredClone(render(base));
// One change to a fresh base, and the problems it causes.
function problemsAfter(change) {
  const objects = fresh();
  const changed = change(objects);
  return deploymentProblems(Array.isArray(changed) ? changed : objects);
}
function setEnv(container, name, value) {
  const e = envEntry(container, name);
  if (e) {
    delete e.valueFrom;
    e.value = value;
  } else container.env.push({ name, value });
}
function removeEnv(container, name) {
  const i = container.env.findIndex((e) => e.name === name);
  assert.ok(i >= 0, `${container.name} defines ${name}`);
  container.env.splice(i, 1);
}

test("a silo Deployment missing what issue #14 asks for is reported, one problem per defect", () => {
  const objects = fresh();
  const d = deployment(objects);
  applyJsonPatch(d, [
    { op: "replace", path: "/spec/strategy/rollingUpdate/maxUnavailable", value: 1 },
    { op: "replace", path: "/spec/template/spec/containers/0/image", value: "registry.example.com/perms/silo:latest" },
    { op: "remove", path: "/spec/template/spec/containers/0/resources/limits" },
    { op: "replace", path: "/spec/template/spec/containers/0/readinessProbe", value: { httpGet: { port: 8080, path: "/" } } },
    { op: "replace", path: "/spec/template/spec/containers/0/livenessProbe/grpc/service", value: "" },
    { op: "replace", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 30 },
    { op: "replace", path: "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", value: false },
    { op: "replace", path: "/spec/template/spec/securityContext/runAsNonRoot", value: false },
    { op: "replace", path: "/spec/template/spec/containers/0/ports", value: [{ name: "grpc", containerPort: 50051, protocol: "TCP" }, { name: "orleans-silo", containerPort: 11111, protocol: "TCP" }] },
    { op: "remove", path: "/spec/template/spec/initContainers/0/resources/requests" },
    { op: "remove", path: "/spec/template/spec/initContainers/0/securityContext/capabilities" },
    { op: "replace", path: "/spec/template/spec/initContainers/0/securityContext/allowPrivilegeEscalation", value: true },
  ], "in-memory patch");
  const problems = deploymentProblems(objects.filter((o) => !["PodDisruptionBudget", "HorizontalPodAutoscaler"].includes(o.kind)));
  expectProblems(problems, [/^silo: rollingUpdate.maxUnavailable is 1/, /^silo: container silo: .*no fixed tag/, /^silo: container silo: no cpu limit/,
    /^silo: container silo: no memory limit/, /^silo: readinessProbe is not a grpc probe/, /^silo: livenessProbe must ask the "liveness"/,
    /^silo: terminationGracePeriodSeconds 30 is not longer than preStop 5 s \+ shutdown timeout 25 s/,
    /^silo: container silo: readOnlyRootFilesystem/, /^silo: pod securityContext.runAsNonRoot/, /^silo: no PodDisruptionBudget/,
    /^silo: no HorizontalPodAutoscaler/, /^silo: silo has no container port named metrics/,
    /^silo: container cluster-migrate: no cpu request/, /^silo: container cluster-migrate: no memory request/,
    /^silo: container cluster-migrate: capabilities do not drop ALL/, /^silo: container cluster-migrate: allowPrivilegeEscalation/]);
  // And the broken Deployment still passes the schema: these properties are the checks' job, not the schema's.
  validateObject(d);

  // The readiness probe on a health service the silo does not serve; the scrape annotation on another port; a
  // Secret mounted writable; no preStop at all.
  expectProblems(problemsAfter((o) => { silo(o).readinessProbe.grpc.service = "perms.internal.v1.SiloService"; }),
    [/^silo: readinessProbe asks for health service perms.internal.v1.SiloService/]);
  expectProblems(problemsAfter((o) => { deployment(o).spec.template.metadata.annotations["prometheus.io/port"] = "9090"; }),
    [/^silo: prometheus.io\/port is 9090, not the metrics port 9464/]);
  expectProblems(problemsAfter((o) => { silo(o).volumeMounts.find((m) => m.name === "nats").readOnly = false; }),
    [/^silo: Secret volume nats is not mounted readOnly/]);
  expectProblems(problemsAfter((o) => { delete silo(o).lifecycle; }), [/^silo: no preStop sleep/]);
  // A Secret referenced but not rendered.
  expectProblems(problemsAfter((o) => o.filter((x) => !x.metadata.name.startsWith("perms-orleans-database-"))),
    [/^silo: Secret\/perms-orleans-database-\w+ is referenced but not rendered/]);

  // Rollout and pod: one case each.
  const spec = (o) => deployment(o).spec;
  expectProblems(problemsAfter((o) => { spec(o).strategy = { type: "Recreate" }; }), [/^silo: strategy.type is not RollingUpdate/]);
  expectProblems(problemsAfter((o) => { spec(o).strategy.rollingUpdate.maxSurge = 0; }), [/^silo: rollingUpdate.maxSurge is 0/]);
  expectProblems(problemsAfter((o) => { spec(o).replicas = 1; }), [/^silo: replicas is 1, want at least 2/]);
  expectProblems(problemsAfter((o) => { spec(o).selector.matchLabels["app.kubernetes.io/component"] = "server"; }),
    [/^silo: selector does not match the pod template's labels/]);
  expectProblems(problemsAfter((o) => { delete podSpec(o).securityContext.seccompProfile; }), [/^silo: pod seccompProfile is not RuntimeDefault/]);
  expectProblems(problemsAfter((o) => { podSpec(o).containers = []; delete podSpec(o).initContainers; }),
    [/^silo: no containers$/, /^silo: no container named silo$/]);
  expectProblems(problemsAfter((o) => { silo(o).name = "server"; }), [/^silo: no container named silo$/]);
  expectProblems(problemsAfter((o) => { migrate(o).securityContext.privileged = true; }), [/^silo: container cluster-migrate: privileged$/]);
  // Ports, probes, drain, /tmp.
  expectProblems(problemsAfter((o) => { silo(o).ports.find((p) => p.name === "grpc").containerPort = 8080; }), [/^silo: silo does not expose 50051/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Metrics__Port", "9100")),
    [/^silo: silo's metrics port is 9464, but Perms:Metrics:Port is 9100/]);
  expectProblems(problemsAfter((o) => { delete silo(o).livenessProbe; }), [/^silo: no livenessProbe/]);
  expectProblems(problemsAfter((o) => { silo(o).livenessProbe.grpc.port = 9464; }), [/^silo: livenessProbe is not a grpc: probe on 50051/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Server__DrainTimeout", "25s")),
    [/^silo: Perms__Server__DrainTimeout is not set as hh:mm:ss/]);
  expectProblems(problemsAfter((o) => { podSpec(o).volumes.find((v) => v.name === "tmp").emptyDir = undefined; podSpec(o).volumes.find((v) => v.name === "tmp").configMap = { name: "x" }; }),
    [/^silo: \/tmp is not an emptyDir/]);
  // PodDisruptionBudget and HorizontalPodAutoscaler.
  const hpa = (o) => o.find((x) => x.kind === "HorizontalPodAutoscaler");
  expectProblems(problemsAfter((o) => { o.find((x) => x.kind === "PodDisruptionBudget").spec.minAvailable = 0; }),
    [/^silo: PodDisruptionBudget minAvailable is 0/]);
  expectProblems(problemsAfter((o) => { hpa(o).apiVersion = "autoscaling/v1"; }), [/^silo: HPA apiVersion is autoscaling\/v1/]);
  expectProblems(problemsAfter((o) => { hpa(o).spec.scaleTargetRef.kind = "StatefulSet"; }), [/^silo: HPA does not target a Deployment/]);
  expectProblems(problemsAfter((o) => { hpa(o).spec.metrics[0].resource.target.averageUtilization = 90; }), [/^silo: HPA does not target 70% CPU/]);
  expectProblems(problemsAfter((o) => { hpa(o).spec.minReplicas = 1; }), [/^silo: HPA minReplicas is 1/]);
  // Callers' authentication.
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Auth__Mode", "None")), [/^silo: Perms__Auth__Mode is not Tokens/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Auth__TokensPath", "/etc/perms/tokens")),
    [/^silo: Perms__Auth__TokensPath is not a mounted Secret directory/]);
});

test("broken Orleans wiring is reported: clustering, connection string, labels and ids, downward API, ports, token, stale keys", () => {
  // Clustering not on PostgreSQL.
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Orleans__Clustering", "localhost")),
    [/^silo: Perms__Orleans__Clustering is localhost, not postgres/]);
  expectProblems(problemsAfter((o) => removeEnv(silo(o), "Perms__Orleans__Clustering")),
    [/^silo: Perms__Orleans__Clustering is unset \(localhost\), not postgres/]);

  // The membership connection string: in the environment, from Better Auth's reader, from a key the Secret lacks.
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Orleans__ConnectionString", "Host=db;Password=x")),
    [/^silo: Perms__Orleans__ConnectionString is not from a Secret/]);
  expectProblems(problemsAfter((o) => { envEntry(silo(o), "Perms__Orleans__ConnectionString").valueFrom.secretKeyRef.name = secret(o, "perms-database").metadata.name; }),
    [/^silo: Perms__Orleans__ConnectionString is the same as Perms__Database__ConnectionString/]);
  expectProblems(problemsAfter((o) => { envEntry(silo(o), "Perms__Orleans__ConnectionString").valueFrom.secretKeyRef.key = "url"; }),
    [/^silo: Perms__Orleans__ConnectionString reads key url, which Secret perms-orleans-database-\w+ does not hold/]);
  // Another Secret holding the very same reader connection string is the same role.
  expectProblems(problemsAfter((o) => { secret(o, "perms-orleans-database").data["connection-string"] = secret(o, "perms-database").data["connection-string"]; }),
    [/^silo: Perms__Orleans__ConnectionString is the same as Perms__Database__ConnectionString/]);

  // The labels Orleans' Kubernetes hosting selects by: missing, or not the cluster's ids.
  const labels = (o) => deployment(o).spec.template.metadata.labels;
  expectProblems(problemsAfter((o) => { delete labels(o)["orleans/serviceId"]; }),
    [/^silo: pod label orleans\/serviceId is missing/]);
  expectProblems(problemsAfter((o) => { labels(o)["orleans/clusterId"] = "blue"; }),
    [/^silo: pod label orleans\/clusterId is "blue", but Perms__Orleans__ClusterId is "perms"/, /^silo: ORLEANS_CLUSTER_ID is "blue", but Perms__Orleans__ClusterId is "perms"/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Orleans__ServiceId", "perms-v2")),
    [/^silo: pod label orleans\/serviceId is "perms", but Perms__Orleans__ServiceId is "perms-v2"/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "ORLEANS_SERVICE_ID", "other")),
    [/^silo: ORLEANS_SERVICE_ID is "other", but Perms__Orleans__ServiceId is "perms"/]);
  // Unset ids are Perms' defaults ("perms"), which the labels carry: nothing to report.
  assert.deepEqual(problemsAfter((o) => { removeEnv(silo(o), "Perms__Orleans__ServiceId"); removeEnv(silo(o), "Perms__Orleans__ClusterId"); }), []);

  // The downward API variables Orleans' Kubernetes hosting reads.
  expectProblems(problemsAfter((o) => removeEnv(silo(o), "POD_NAMESPACE")), [/^silo: POD_NAMESPACE is not from metadata.namespace/]);
  expectProblems(problemsAfter((o) => removeEnv(silo(o), "POD_NAME")), [/^silo: POD_NAME is not from metadata.name/]);
  expectProblems(problemsAfter((o) => { envEntry(silo(o), "POD_IP").valueFrom.fieldRef.fieldPath = "status.hostIP"; }), [/^silo: POD_IP is not from status.podIP/]);

  // The silo port: not exposed, or exposed but not the configured one.
  expectProblems(problemsAfter((o) => { silo(o).ports = silo(o).ports.filter((p) => p.name !== "orleans-silo"); }),
    [/^silo: no container port 11111 for Perms__Orleans__SiloPort/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Orleans__SiloPort", "22222")),
    [/^silo: no container port 22222 for Perms__Orleans__SiloPort/]);

  // The advertised address: a Service's IP, or $(POD_IP) the kubelet cannot expand yet.
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Orleans__AdvertisedAddress", "10.96.0.10")),
    [/^silo: Perms__Orleans__AdvertisedAddress is 10.96.0.10; leave it unset/]);
  expectProblems(problemsAfter((o) => { silo(o).env.unshift({ name: "Perms__Orleans__AdvertisedAddress", value: "$(POD_IP)" }); }),
    [/^silo: Perms__Orleans__AdvertisedAddress uses \$\(POD_IP\), which is not defined before it/]);
  assert.deepEqual(problemsAfter((o) => { silo(o).env.push({ name: "Perms__Orleans__AdvertisedAddress", value: "$(POD_IP)" }); }), []);

  // The service account token: off on the pod, or off on the ServiceAccount with the pod silent.
  expectProblems(problemsAfter((o) => { podSpec(o).automountServiceAccountToken = false; }),
    [/^silo: the service account token is not mounted/]);
  expectProblems(problemsAfter((o) => {
    delete podSpec(o).automountServiceAccountToken;
    o.find((x) => x.kind === "ServiceAccount").automountServiceAccountToken = false;
  }), [/^silo: the service account token is not mounted/]);
  expectProblems(problemsAfter((o) => o.filter((x) => x.kind !== "ServiceAccount")), [/^silo: ServiceAccount perms-silo is not rendered/]);

  // Keys of the removed home-made cluster and grain runtime, in the env or in the settings ConfigMap.
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Cluster__Provider", "dns")),
    [/^silo: Perms__Cluster__Provider is set; the key no longer exists/]);
  expectProblems(problemsAfter((o) => {
    o.find((x) => x.kind === "ConfigMap" && x.metadata.name.startsWith("perms-silo-env-")).data.Perms__Grains__User__MaxEstimatedBytes = "1000";
  }), [/^silo: Perms__Grains__User__MaxEstimatedBytes is set; the key no longer exists/]);
});

test("broken RBAC for Orleans' Kubernetes hosting is reported", () => {
  const role = (o) => o.find((x) => x.kind === "Role");
  const binding = (o) => o.find((x) => x.kind === "RoleBinding");
  // A verb missing; the binding on another ServiceAccount, in another namespace, or gone; the Role gone.
  expectProblems(problemsAfter((o) => { role(o).rules[0].verbs = ["get", "list", "patch"]; }),
    [/^silo: ServiceAccount perms-silo may not watch pods/]);
  expectProblems(problemsAfter((o) => { binding(o).subjects[0].name = "default"; }),
    [/^silo: ServiceAccount perms-silo may not get pods/, /^silo: ServiceAccount perms-silo may not patch pods/]);
  expectProblems(problemsAfter((o) => { binding(o).subjects[0].namespace = "kube-system"; }),
    [/^silo: ServiceAccount perms-silo may not list pods/]);
  expectProblems(problemsAfter((o) => o.filter((x) => x.kind !== "RoleBinding")), [/^silo: ServiceAccount perms-silo may not get pods/]);
  expectProblems(problemsAfter((o) => o.filter((x) => x.kind !== "Role")),
    [/^silo: RoleBinding perms-silo-orleans-hosting refers to Role perms-silo-orleans-hosting, which is not rendered/]);
  // Rules on other resources only.
  expectProblems(problemsAfter((o) => { role(o).rules[0].resources = ["endpoints"]; }),
    [/^silo: Role perms-silo-orleans-hosting grants more than Orleans' hosting needs: endpoints/, /^silo: ServiceAccount perms-silo may not get pods/]);
  // More than needed: every verb, other resources, cluster-wide.
  expectProblems(problemsAfter((o) => { role(o).rules[0].verbs = ["*"]; }), [/^silo: Role perms-silo-orleans-hosting grants more than Orleans' hosting needs: \*/]);
  expectProblems(problemsAfter((o) => { role(o).rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }); }),
    [/^silo: Role perms-silo-orleans-hosting grants more than Orleans' hosting needs: secrets/]);
  expectProblems(problemsAfter((o) => [...o, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "perms-silo-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "perms-silo" }],
  }]), [/^silo: ClusterRoleBinding perms-silo-view gives the silos' ServiceAccount rights in every namespace/]);
  // "delete" is what DeleteDefunctSiloPods would need: allowed, not required.
  assert.deepEqual(problemsAfter((o) => { role(o).rules[0].verbs.push("delete"); }), []);
});

test("a broken membership migration is reported: missing, wrong command, image, connection string or schema", () => {
  expectProblems(problemsAfter((o) => { delete podSpec(o).initContainers; }), [/^silo: no init container runs "cluster migrate"/]);
  expectProblems(problemsAfter((o) => { migrate(o).args = ["cluster", "status"]; }), [/^silo: no init container runs "cluster migrate"/]);
  expectProblems(problemsAfter((o) => { migrate(o).command = ["dotnet", "Perms.Admin.dll"]; }),
    [/^silo: init container cluster-migrate runs "dotnet Perms.Admin.dll cluster migrate", not "dotnet Perms.Silo.dll cluster migrate"/]);
  // The same command spelt out is fine.
  assert.deepEqual(problemsAfter((o) => { migrate(o).command = ["dotnet", "Perms.Silo.dll"]; }), []);
  expectProblems(problemsAfter((o) => { migrate(o).image = "registry.example.com/perms/silo:0.0.9"; }),
    [/^silo: init container cluster-migrate runs image registry.example.com\/perms\/silo:0.0.9, the silo registry.example.com\/perms\/silo:0.1.0/]);
  expectProblems(problemsAfter((o) => { envEntry(migrate(o), "Perms__Orleans__ConnectionString").valueFrom.secretKeyRef.name = secret(o, "perms-database").metadata.name; }),
    [/^silo: init container cluster-migrate takes Perms__Orleans__ConnectionString from Secret perms-database-\w+ key connection-string, the silo from Secret perms-orleans-database-\w+ key connection-string/]);
  expectProblems(problemsAfter((o) => removeEnv(migrate(o), "Perms__Orleans__ConnectionString")),
    [/^silo: init container cluster-migrate takes Perms__Orleans__ConnectionString from no Secret/]);
  expectProblems(problemsAfter((o) => setEnv(migrate(o), "Perms__Orleans__Schema", "orleans")),
    [/^silo: init container cluster-migrate migrates schema orleans, the silo uses perms_orleans/]);
  expectProblems(problemsAfter((o) => setEnv(silo(o), "Perms__Orleans__Schema", "perms_cluster")),
    [/^silo: init container cluster-migrate migrates schema perms_orleans, the silo uses perms_cluster/]);
  // Both on the default schema: consistent.
  assert.deepEqual(problemsAfter((o) => { removeEnv(migrate(o), "Perms__Orleans__Schema"); removeEnv(silo(o), "Perms__Orleans__Schema"); }), []);
});

test("a broken callers' Service or a leftover gateway is reported", () => {
  const service = (o) => o.find((x) => x.kind === "Service" && x.metadata.name === "perms");
  expectProblems(problemsAfter((o) => { service(o).spec.selector["app.kubernetes.io/component"] = "gateway"; }),
    [/^Service perms does not select the silo pods/]);
  expectProblems(problemsAfter((o) => { service(o).spec.clusterIP = "None"; }), [/^Service perms is headless/]);
  expectProblems(problemsAfter((o) => { delete service(o).spec.ports[0].appProtocol; }), [/^Service perms port 50051 has appProtocol undefined/]);
  expectProblems(problemsAfter((o) => { service(o).spec.ports[0].targetPort = "metrics"; }),
    [/^Service perms port 50051 targets metrics, not the silos' gRPC port 50051/]);
  expectProblems(problemsAfter((o) => { service(o).spec.ports[0].port = 443; }), [/^Service perms has no port 50051/]);
  expectProblems(problemsAfter((o) => o.filter((x) => x !== service(o))), [/^no Service perms for callers/]);
  expectProblems(problemsAfter((o) => [...o, { ...structuredClone(deployment(o)), metadata: { name: "perms-gateway" } }]),
    [/^expected the Deployment perms-silo only, found perms-gateway, perms-silo/]);
});

test("a Dockerfile that does not copy a referenced project before the restore, or copies a deleted one, is reported", () => {
  const projects = {
    "src/App/App.csproj": '<ProjectReference Include="..\\Lib\\Lib.csproj" />',
    "src/Lib/Lib.csproj": '<ProjectReference Include="../Base/Base.csproj" />',
    "src/Base/Base.csproj": "<Project />",
  };
  const read = (p) => projects[p] ?? assert.fail(`unexpected read of ${p}`);
  const full = "COPY src/Base/Base.csproj src/Base/\nCOPY src/Lib/Lib.csproj src/Lib/\nCOPY src/App/App.csproj src/App/\n";
  assert.deepEqual(missingRestoreInputs(full, "src/App/App.csproj", read), []);
  assert.deepEqual(missingRestoreInputs(full.replace("COPY src/Base/Base.csproj src/Base/\n", ""), "src/App/App.csproj", read), ["src/Base/Base.csproj"]);
  const exists = (p) => p in projects;
  assert.deepEqual(staleRestoreInputs(full, exists), []);
  assert.deepEqual(staleRestoreInputs(`COPY src/Cluster/Cluster.csproj src/Cluster/\n${full}`, exists), ["src/Cluster/Cluster.csproj"]);
});
