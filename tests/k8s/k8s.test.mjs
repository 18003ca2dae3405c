// Renders k8s/base and k8s/overlays/production, validates every object against the Kubernetes OpenAPI schemas
// (kubernetes-models), and checks the properties issue #8 and style.md item 15 ask of the deployment. No server, no
// cluster, no kustomize binary: `npm test` here (scripts/test runs it with the other Node packages).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { render, repoRoot, applyJsonPatch } from "./render.mjs";
import { validateObject } from "./validate.mjs";
import { deploymentProblems, missingRestoreInputs, SILO, GATEWAY } from "./checks.mjs";

const base = join(repoRoot, "k8s", "base");
const production = join(repoRoot, "k8s", "overlays", "production");

const deployment = (objects, name) => objects.find((o) => o.kind === "Deployment" && o.metadata.name === name);
const container = (objects, which) => deployment(objects, which.deployment).spec.template.spec.containers.find((c) => c.name === which.container);
const envOf = (c) => Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
// What the kubelet does to env values: $(NAME) from the variables before it (here: given values for downward API ones).
function expand(c, given) {
  const values = {};
  for (const e of c.env) values[e.name] = e.value === undefined ? given[e.name] : e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n) => values[n] ?? m);
  return values;
}

for (const [label, dir] of [["base", base], ["overlays/production", production]]) {
  test(`${label}: every rendered object passes its Kubernetes schema`, () => {
    const objects = render(dir);
    const kinds = objects.map((o) => o.kind).sort();
    assert.deepEqual(kinds, ["ConfigMap", "ConfigMap", "Deployment", "Deployment", "HorizontalPodAutoscaler",
      "HorizontalPodAutoscaler", "PodDisruptionBudget", "PodDisruptionBudget", "Secret", "Secret", "Secret", "Secret",
      "Service", "Service", "Service", "ServiceAccount", "ServiceAccount"]);
    for (const o of objects) validateObject(o);
  });

  test(`${label}: the silos, the gateways and their wiring have the properties issue #8 asks for`, () => {
    assert.deepEqual(deploymentProblems(render(dir)), []);
  });
}

test("base: the policy ConfigMap holds policies/better-auth-default.json unchanged", () => {
  const objects = render(base);
  const policy = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("perms-policy-"));
  assert.ok(policy, "perms-policy ConfigMap rendered");
  assert.equal(policy.data["policy.json"], readFileSync(join(repoRoot, "policies", "better-auth-default.json"), "utf8"));
  const silo = container(objects, SILO);
  const mount = silo.volumeMounts.find((m) => m.name === "policy").mountPath;
  assert.equal(envOf(silo).Perms__Policy__Path, `${mount}/policy.json`);
});

test("base: Secrets are placeholders only, and the silo and the gateway read each from where it is mounted", () => {
  const objects = render(base);
  const secrets = objects.filter((o) => o.kind === "Secret");
  for (const s of secrets) {
    for (const [key, value] of Object.entries(s.data)) {
      assert.match(Buffer.from(value, "base64").toString(), /REPLACE-ME/, `${s.metadata.name}/${key} is a marked placeholder`);
    }
  }
  const secretAt = (which, path) => {
    const c = container(objects, which);
    const pod = deployment(objects, which.deployment).spec.template.spec;
    const mount = c.volumeMounts.find((m) => m.mountPath === path);
    assert.ok(mount, `${which.container}: something is mounted at ${path}`);
    assert.equal(mount.readOnly, true);
    return pod.volumes.find((v) => v.name === mount.name).secret.secretName;
  };
  const silo = envOf(container(objects, SILO));
  const gateway = envOf(container(objects, GATEWAY));
  assert.equal(silo.Perms__Events__TokenFile, "/etc/perms/nats/token");
  assert.ok(secrets.find((s) => s.metadata.name === secretAt(SILO, "/etc/perms/nats")).data.token);
  assert.ok(secrets.find((s) => s.metadata.name.startsWith("perms-database-")).data["connection-string"]);
  // Caller tokens: the same Secret directory in both (the silo still serves the public service).
  assert.equal(silo.Perms__Auth__TokensPath, gateway.Perms__Auth__TokensPath);
  assert.equal(secretAt(SILO, silo.Perms__Auth__TokensPath), secretAt(GATEWAY, gateway.Perms__Auth__TokensPath));
  assert.match(secretAt(GATEWAY, gateway.Perms__Auth__TokensPath), /^perms-caller-tokens-/);
  // Cluster token: one Secret, the same file in both.
  assert.equal(silo.Perms__Cluster__TokenFile, "/etc/perms/cluster/token");
  assert.equal(gateway.Perms__Cluster__TokenFile, silo.Perms__Cluster__TokenFile);
  const clusterSecret = secretAt(SILO, "/etc/perms/cluster");
  assert.match(clusterSecret, /^perms-cluster-token-/);
  assert.equal(secretAt(GATEWAY, "/etc/perms/cluster"), clusterSecret);
  assert.ok(secrets.find((s) => s.metadata.name === clusterSecret).data.token);
  // The gateway has nothing of the silo's state.
  for (const name of Object.keys(gateway)) assert.doesNotMatch(name, /^Perms__(Database|Events|Policy|Grains)__/);
});

test("overlay: after the kubelet's $(VAR) expansion, silos and gateways resolve the headless Service of namespace perms", () => {
  const objects = render(production);
  const peers = objects.find((o) => o.kind === "Service" && o.metadata.name === "perms-silo-peers");
  assert.equal(peers.metadata.namespace, "perms");
  for (const which of [SILO, GATEWAY]) {
    const env = expand(container(objects, which), { POD_NAMESPACE: "perms", POD_IP: "10.1.2.3", POD_NAME: "p" });
    assert.equal(env.Perms__Cluster__Dns__HostName, "perms-silo-peers.perms.svc.cluster.local.");
    assert.equal(env.Perms__Cluster__Dns__Port, "50051");
  }
  assert.equal(expand(container(objects, SILO), { POD_NAMESPACE: "perms", POD_IP: "10.1.2.3" }).Perms__Cluster__Self, "10.1.2.3:50051");
});

test("overlay: replicas, resources, HPA floors, caches, images and namespace differ from the base as the patches say", () => {
  const objects = render(production);
  const d = deployment(objects, SILO.deployment);
  assert.equal(d.metadata.namespace, "perms");
  assert.equal(d.spec.replicas, 4);
  assert.deepEqual(container(objects, SILO).resources, {
    requests: { cpu: "2", memory: "3Gi" }, limits: { cpu: "4", memory: "3Gi" },
  });
  const g = deployment(objects, GATEWAY.deployment);
  assert.equal(g.metadata.namespace, "perms");
  assert.equal(g.spec.replicas, 3);
  assert.deepEqual(container(objects, GATEWAY).resources, {
    requests: { cpu: "2", memory: "512Mi" }, limits: { cpu: "4", memory: "512Mi" },
  });
  assert.equal(container(objects, GATEWAY).image, "registry.example.com/perms/gateway:0.1.0");
  const hpa = (name) => objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.metadata.name === name);
  assert.equal(hpa("perms-silo").spec.minReplicas, 4);
  assert.equal(hpa("perms-gateway").spec.minReplicas, 3);
  const envName = container(objects, SILO).envFrom[0].configMapRef.name;
  const env = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === envName);
  assert.equal(env.data.Perms__Orleans__MemoryUsageLimitPercentage, "72");
  assert.equal(env.data.Perms__Events__Url, "nats://nats:4222", "merge keeps the base's keys");
  const baseEnvName = container(render(base), SILO).envFrom[0].configMapRef.name;
  assert.notEqual(envName, baseEnvName, "a configuration change renames the ConfigMap, so the pods roll");
});

for (const [file, dll, project] of [
  ["silo.Dockerfile", "Perms.Silo.dll", "src/Silo/Silo.csproj"],
  ["gateway.Dockerfile", "Perms.GatewayHost.dll", "src/GatewayHost/GatewayHost.csproj"],
]) {
  test(`${file} builds ${dll} as a non-root user and exposes the gRPC port`, () => {
    const text = readFileSync(join(repoRoot, "deploy", file), "utf8");
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0\S* AS build$/m);
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:10\.0\S*/m);
    assert.match(text, /^USER 10001(:10001)?$/m);
    assert.match(text, /^EXPOSE 50051$/m);
    assert.match(text, /^EXPOSE 9464$/m);
    assert.ok(text.includes(`RUN dotnet restore ${project}\n`), `restores ${project}`);
    assert.ok(text.includes(`RUN dotnet publish ${project} `), `publishes ${project}`);
    assert.ok(text.includes(`ENTRYPOINT ["dotnet", "${dll}"]\n`), `runs ${dll}`);
    assert.ok(existsSync(join(repoRoot, "deploy", `${file}.dockerignore`)), `${file}.dockerignore keeps bin/obj out`);
  });

  test(`${file} copies every project ${project} references before the restore`, (t) => {
    if (!existsSync(join(repoRoot, project))) {
      t.skip(`${project} does not exist yet`);
      return;
    }
    const text = readFileSync(join(repoRoot, "deploy", file), "utf8");
    assert.deepEqual(missingRestoreInputs(text, project, (p) => readFileSync(join(repoRoot, p), "utf8")), []);
  });
}

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

function expectProblems(problems, expected) {
  for (const e of expected) assert.ok(problems.some((p) => e.test(p)), `${e} in ${JSON.stringify(problems, null, 1)}`);
}

test("a silo Deployment missing what issue #8 asks for is reported, one problem per defect", () => {
  const objects = structuredClone(render(base));
  const d = deployment(objects, SILO.deployment);
  applyJsonPatch(d, [
    { op: "replace", path: "/spec/strategy/rollingUpdate/maxUnavailable", value: 1 },
    { op: "replace", path: "/spec/template/spec/containers/0/image", value: "registry.example.com/perms/silo:latest" },
    { op: "remove", path: "/spec/template/spec/containers/0/resources/limits" },
    { op: "replace", path: "/spec/template/spec/containers/0/readinessProbe", value: { httpGet: { port: 8080, path: "/" } } },
    { op: "replace", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 40 },
    { op: "replace", path: "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem", value: false },
    { op: "replace", path: "/spec/template/spec/containers/0/ports", value: [{ name: "grpc", containerPort: 50051, protocol: "TCP" }] },
  ], "in-memory patch");
  const problems = deploymentProblems(objects.filter((o) => !(o.kind === "PodDisruptionBudget" && o.metadata.name === "perms-silo")));
  expectProblems(problems, [/^silo: rollingUpdate.maxUnavailable is 1/, /^silo: .*no fixed tag/, /^silo: .*no cpu limit/,
    /^silo: .*no memory limit/, /^silo: readinessProbe is not a grpc probe/, /^silo: terminationGracePeriodSeconds 40 is not longer than preStop 15 s \+ shutdown timeout 25 s/,
    /^silo: .*readOnlyRootFilesystem/, /^silo: no PodDisruptionBudget/, /^silo: silo has no container port named metrics/]);
  assert.ok(!problems.some((p) => p.startsWith("gateway:")), "the gateway is untouched");
  // And the broken Deployment still passes the schema: these properties are the checks' job, not the schema's.
  validateObject(d);
});

test("a gateway Deployment missing what issue #8 asks for is reported, one problem per defect", () => {
  const objects = structuredClone(render(base));
  const g = deployment(objects, GATEWAY.deployment);
  const c = "/spec/template/spec/containers/0";
  applyJsonPatch(g, [
    { op: "replace", path: "/spec/strategy/rollingUpdate/maxUnavailable", value: 1 },
    { op: "replace", path: `${c}/livenessProbe/grpc/service`, value: "" },
    { op: "replace", path: `${c}/readinessProbe/grpc/service`, value: "liveness" },
    { op: "replace", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 20 },
    { op: "replace", path: "/spec/template/spec/securityContext/runAsNonRoot", value: false },
    { op: "remove", path: `${c}/securityContext/capabilities` },
    { op: "remove", path: `${c}/resources/requests` },
    { op: "add", path: `${c}/env/-`, value: { name: "Perms__Cluster__Self", value: "$(POD_IP):50051" } },
    { op: "add", path: `${c}/env/-`, value: { name: "Perms__Database__ConnectionString", value: "Host=x" } },
    { op: "add", path: `${c}/env/-`, value: { name: "Perms__Metrics__Port", value: "9100" } },
    { op: "replace", path: "/spec/template/metadata/annotations/prometheus.io~1port", value: "9090" },
  ], "in-memory patch");
  const problems = deploymentProblems(objects.filter((o) => !(o.metadata.name === "perms-gateway" && ["PodDisruptionBudget", "HorizontalPodAutoscaler"].includes(o.kind))));
  expectProblems(problems, [/^gateway: rollingUpdate.maxUnavailable is 1/, /^gateway: livenessProbe must ask the "liveness"/,
    /^gateway: readinessProbe asks for health service liveness/, /^gateway: terminationGracePeriodSeconds 20 is not longer than preStop 5 s \+ shutdown timeout 15 s/,
    /^gateway: pod securityContext.runAsNonRoot/, /^gateway: .*capabilities do not drop ALL/, /^gateway: .*no cpu request/,
    /^gateway: Perms__Cluster__Self is set/, /^gateway: Perms__Database__ConnectionString is set/,
    /^gateway: no PodDisruptionBudget/, /^gateway: no HorizontalPodAutoscaler/,
    /^gateway: gateway's metrics port is 9464, but Perms:Metrics:Port is 9100/, /^gateway: prometheus.io\/port is 9090, not the metrics port 9100/]);
  assert.ok(!problems.some((p) => p.startsWith("silo:")), "the silo is untouched");
  validateObject(g);
});

test("broken cluster wiring is reported: Services, membership name, Self, tokens", () => {
  const fresh = () => structuredClone(render(base));
  const envPatch = (objects, which, name, value) => {
    const c = container(objects, which);
    c.env.find((e) => e.name === name).value = value;
    return objects;
  };

  // The callers' Service on the silos instead of the gateways.
  let objects = fresh();
  objects.find((o) => o.kind === "Service" && o.metadata.name === "perms").spec.selector["app.kubernetes.io/component"] = "silo";
  expectProblems(deploymentProblems(objects), [/Service perms does not select the gateway pods/, /Service perms selects the silo pods too/]);

  // Membership on the ClusterIP Service (one virtual IP), on a Service that does not exist, in another namespace,
  // on the wrong port.
  expectProblems(deploymentProblems(envPatch(fresh(), SILO, "Perms__Cluster__Dns__HostName", "perms-silo.$(POD_NAMESPACE).svc.cluster.local.")),
    [/^silo: Service perms-silo \(membership\) is not headless/, /^gateway: membership .* differs from the silos'/]);
  expectProblems(deploymentProblems(envPatch(fresh(), GATEWAY, "Perms__Cluster__Dns__HostName", "perms-silo-headless.$(POD_NAMESPACE).svc.cluster.local.")),
    [/^gateway: Perms__Cluster__Dns__HostName names Service perms-silo-headless, which is not rendered/]);
  expectProblems(deploymentProblems(envPatch(fresh(), SILO, "Perms__Cluster__Dns__HostName", "perms-silo-peers.other.svc.cluster.local")),
    [/^silo: Perms__Cluster__Dns__HostName names namespace other/]);
  expectProblems(deploymentProblems(envPatch(fresh(), SILO, "Perms__Cluster__Dns__HostName", "perms-silo-peers")),
    [/^silo: Perms__Cluster__Dns__HostName "perms-silo-peers" is not a Service's/]);
  expectProblems(deploymentProblems(envPatch(fresh(), GATEWAY, "Perms__Cluster__Dns__Port", "7000")),
    [/^gateway: Perms__Cluster__Dns__Port is 7000/]);
  expectProblems(deploymentProblems(envPatch(fresh(), SILO, "Perms__Cluster__Provider", "static")),
    [/^silo: Perms__Cluster__Provider is static, not dns/]);

  // Unready silos published as members.
  objects = fresh();
  objects.find((o) => o.kind === "Service" && o.metadata.name === "perms-silo-peers").spec.publishNotReadyAddresses = true;
  expectProblems(deploymentProblems(objects), [/^silo: Service perms-silo-peers \(membership\) publishes not-ready addresses/]);

  // Self not the pod IP, and Self defined before POD_IP (the kubelet would leave "$(POD_IP)" unexpanded).
  expectProblems(deploymentProblems(envPatch(fresh(), SILO, "Perms__Cluster__Self", "0.0.0.0:50051")), [/^silo: Perms__Cluster__Self is 0\.0\.0\.0:50051/]);
  objects = fresh();
  const siloEnv = container(objects, SILO).env;
  siloEnv.push(siloEnv.splice(siloEnv.findIndex((e) => e.name === "POD_IP"), 1)[0]);
  expectProblems(deploymentProblems(objects), [/^silo: Perms__Cluster__Self uses \$\(POD_IP\), which is not defined before it/]);

  // The gateway's cluster token from another Secret than the silos', and a TokenFile outside any mounted Secret.
  objects = fresh();
  deployment(objects, GATEWAY.deployment).spec.template.spec.volumes.find((v) => v.name === "cluster-token").secret.secretName =
    objects.find((o) => o.kind === "Secret" && o.metadata.name.startsWith("perms-nats-")).metadata.name;
  expectProblems(deploymentProblems(objects), [/^gateway: cluster token from Secret perms-nats-\w+, the silos' from perms-cluster-token-\w+/]);
  expectProblems(deploymentProblems(envPatch(fresh(), SILO, "Perms__Cluster__TokenFile", "/etc/perms/token")),
    [/^silo: Perms__Cluster__TokenFile \/etc\/perms\/token is not in a mounted Secret/]);
  expectProblems(deploymentProblems(envPatch(fresh(), GATEWAY, "Perms__Cluster__TokenFile", "/etc/perms/cluster/cluster-token")),
    [/^gateway: Perms__Cluster__TokenFile reads key cluster-token, which Secret perms-cluster-token-\w+ does not hold/]);

  // No gateway at all.
  expectProblems(deploymentProblems(fresh().filter((o) => o.metadata.name !== "perms-gateway")),
    [/expected Deployments perms-silo and perms-gateway, found perms-silo/, /Service perms does not select the gateway pods/]);
});

test("a Dockerfile that does not copy a referenced project before the restore is reported", () => {
  const projects = {
    "src/App/App.csproj": '<ProjectReference Include="..\\Lib\\Lib.csproj" />',
    "src/Lib/Lib.csproj": '<ProjectReference Include="../Base/Base.csproj" />',
    "src/Base/Base.csproj": "<Project />",
  };
  const read = (p) => projects[p] ?? assert.fail(`unexpected read of ${p}`);
  const full = "COPY src/Base/Base.csproj src/Base/\nCOPY src/Lib/Lib.csproj src/Lib/\nCOPY src/App/App.csproj src/App/\n";
  assert.deepEqual(missingRestoreInputs(full, "src/App/App.csproj", read), []);
  assert.deepEqual(missingRestoreInputs(full.replace("COPY src/Base/Base.csproj src/Base/\n", ""), "src/App/App.csproj", read), ["src/Base/Base.csproj"]);
});
