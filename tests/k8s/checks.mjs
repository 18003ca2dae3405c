// The properties the deployment must have (issue #14: Perms on Microsoft Orleans; shared/design/style.md item 15), as
// functions returning every problem found, so a test can show that a broken manifest is reported.
//
// Layout checked: one Deployment `perms-silo` (container `silo`) of Orleans silos that form one cluster through
// Orleans' ADO.NET membership on PostgreSQL, with Orleans' Kubernetes hosting on top (pod labels, downward API, a
// Role on pods bound to the silos' ServiceAccount, a mounted token); an init container migrating the membership
// schema (`cluster migrate`); the callers' Service `perms` on the silos; a PodDisruptionBudget and a
// HorizontalPodAutoscaler.
import { splitImage } from "./render.mjs";

const PORT = 50051;
const METRICS_PORT = 9464;
export const SILO = { deployment: "perms-silo", container: "silo" };
export const CALLERS_SERVICE = "perms";
// deploy/silo.Dockerfile's ENTRYPOINT (k8s.test.mjs checks the Dockerfile says exactly this): a container that sets
// only `args` runs it with them.
export const ENTRYPOINT = ["dotnet", "Perms.Silo.dll"];
// Perms:Orleans defaults (src/Silo/Configuration/OrleansSiloOptions.cs) for keys a manifest may leave unset.
export const ORLEANS_DEFAULTS = { ServiceId: "perms", ClusterId: "perms", Schema: "perms_orleans", SiloPort: "11111", Clustering: "localhost" };
// Orleans' Kubernetes hosting (Microsoft.Orleans.Hosting.Kubernetes, KubernetesHostingOptions): the pod labels it
// selects the cluster's pods by, and the environment variables it overrides ClusterOptions from when not empty.
export const ORLEANS_LABELS = { ServiceId: "orleans/serviceId", ClusterId: "orleans/clusterId" };
const ORLEANS_ENV = { ServiceId: "ORLEANS_SERVICE_ID", ClusterId: "ORLEANS_CLUSTER_ID" };
// KubernetesClusterAgent: get + patch its own pod, list + watch the cluster's pods. "delete" only with
// KubernetesHostingOptions.DeleteDefunctSiloPods (off in Perms), so allowed but not required.
export const HOSTING_VERBS = ["get", "list", "watch", "patch"];
const HOSTING_OPTIONAL_VERBS = ["delete"];

function envValue(container, name) {
  return container.env?.find((e) => e.name === name)?.value;
}

/**
 * Where a container's variable `name` comes from, as the kubelet resolves it: an `env` entry wins over `envFrom`
 * ConfigMaps (of which the last defining it wins). Returns { set: false } when nothing defines it, else { set: true,
 * value } for a literal, a ConfigMap value or a pod label (fieldRef metadata.labels['k'], resolved from the pod
 * template), { set: true, fieldPath } for any other fieldRef, { set: true, secret: { name, key } } for a Secret.
 */
function envSource(container, name, template, objects) {
  const e = container.env?.find((x) => x.name === name);
  if (e) {
    if (e.value !== undefined) return { set: true, value: e.value };
    const from = e.valueFrom ?? {};
    if (from.secretKeyRef) return { set: true, secret: { name: from.secretKeyRef.name, key: from.secretKeyRef.key } };
    if (from.configMapKeyRef) {
      const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === from.configMapKeyRef.name);
      return { set: true, value: cm?.data?.[from.configMapKeyRef.key] };
    }
    if (from.fieldRef) {
      const label = /^metadata\.labels\['([^']+)'\]$/.exec(from.fieldRef.fieldPath ?? "");
      if (label) return { set: true, value: template?.metadata?.labels?.[label[1]], label: label[1] };
      return { set: true, fieldPath: from.fieldRef.fieldPath };
    }
    return { set: true };
  }
  let found = { set: false };
  for (const ref of container.envFrom ?? []) {
    const cm = ref.configMapRef && objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === ref.configMapRef.name);
    if (cm?.data && name in cm.data) found = { set: true, value: cm.data[name] };
  }
  return found;
}

/** Every variable name a container receives (env and envFrom ConfigMaps). */
function envNames(container, objects) {
  const names = new Set((container.env ?? []).map((e) => e.name));
  for (const ref of container.envFrom ?? []) {
    const cm = ref.configMapRef && objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === ref.configMapRef.name);
    for (const k of Object.keys(cm?.data ?? {})) names.add(k);
  }
  return names;
}

/** The Secret volume mounted at `dir` itself (a directory of keys), or undefined. */
function secretOfDirectory(pod, container, dir) {
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === dir);
  return pod.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName;
}

/** True when the (non-empty) label selector matches the Deployment's pod template labels. */
export function selectsPods(selector, deployment) {
  const labels = deployment?.spec?.template?.metadata?.labels ?? {};
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The command line a container runs: its command and args, or the image's ENTRYPOINT with its args. */
export function invocation(container) {
  return container.command ? [...container.command, ...(container.args ?? [])] : [...ENTRYPOINT, ...(container.args ?? [])];
}

// Rollout, pod and container properties of the silo Deployment; `prefix` names it in each problem.
function podProblems(d, containerName, objects, prefix) {
  const problems = [];
  const p = (msg) => problems.push(`${prefix}: ${msg}`);
  const spec = d.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const ru = spec.strategy?.rollingUpdate ?? {};
  if (spec.strategy?.type !== "RollingUpdate") p("strategy.type is not RollingUpdate");
  if (ru.maxUnavailable !== 0) p(`rollingUpdate.maxUnavailable is ${ru.maxUnavailable}, not 0`);
  if (!(ru.maxSurge === 1 || ru.maxSurge === "25%" || (typeof ru.maxSurge === "number" && ru.maxSurge > 0))) {
    p(`rollingUpdate.maxSurge is ${ru.maxSurge}`);
  }
  if (!(spec.replicas >= 2)) p(`replicas is ${spec.replicas}, want at least 2`);
  if (!selectsPods(spec.selector?.matchLabels, d)) p("selector does not match the pod template's labels");
  const psc = pod.securityContext ?? {};
  if (psc.runAsNonRoot !== true) p("pod securityContext.runAsNonRoot is not true");
  if (psc.seccompProfile?.type !== "RuntimeDefault") p("pod seccompProfile is not RuntimeDefault");

  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (containers.length === 0) p("no containers");
  for (const c of containers) {
    const n = `container ${c.name}`;
    const [, tag] = splitImage(c.image ?? "");
    if (c.image?.includes("@sha256:")) {
      // a digest pins the image exactly
    } else if (!tag || tag === "latest") {
      p(`${n}: image ${c.image} has no fixed tag`);
    }
    for (const r of ["cpu", "memory"]) {
      if (c.resources?.limits?.[r] === undefined) p(`${n}: no ${r} limit`);
      if (c.resources?.requests?.[r] === undefined) p(`${n}: no ${r} request`);
    }
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) p(`${n}: allowPrivilegeEscalation is not false`);
    if (sc.readOnlyRootFilesystem !== true) p(`${n}: readOnlyRootFilesystem is not true`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) p(`${n}: capabilities do not drop ALL`);
    if (sc.privileged === true) p(`${n}: privileged`);
  }

  // Orleans' Kubernetes hosting calls the API with the pod's service account token: it must be mounted. The pod's
  // field wins over the ServiceAccount's; Kubernetes' default is to mount.
  const sa = objects.find((o) => o.kind === "ServiceAccount" && o.metadata.name === pod.serviceAccountName);
  if (!sa) p(`ServiceAccount ${pod.serviceAccountName} is not rendered`);
  if ((pod.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true) !== true) {
    p("the service account token is not mounted (Orleans' Kubernetes hosting calls the Kubernetes API with it)");
  }

  const main = pod.containers?.find((c) => c.name === containerName);
  if (!main) {
    p(`no container named ${containerName}`);
    return { problems, main: undefined, pod };
  }
  if (!main.ports?.some((port) => port.containerPort === PORT)) p(`${containerName} does not expose ${PORT}`);
  // Issue #9: the Prometheus endpoint (Perms:Metrics, default port 9464) is a named container port, and the scrape
  // annotations, when present, point at it.
  if (envValue(main, "Perms__Metrics__Enabled")?.toLowerCase() !== "false") {
    const metricsPort = Number(envValue(main, "Perms__Metrics__Port") ?? METRICS_PORT);
    const metrics = main.ports?.find((port) => port.name === "metrics");
    if (!metrics) p(`${containerName} has no container port named metrics (${metricsPort}, GET /metrics)`);
    else if (metrics.containerPort !== metricsPort) p(`${containerName}'s metrics port is ${metrics.containerPort}, but Perms:Metrics:Port is ${metricsPort}`);
    const annotations = d.spec?.template?.metadata?.annotations ?? {};
    if (annotations["prometheus.io/scrape"] === "true" && Number(annotations["prometheus.io/port"]) !== metricsPort) {
      p(`prometheus.io/port is ${annotations["prometheus.io/port"]}, not the metrics port ${metricsPort}`);
    }
  }
  for (const probe of ["startupProbe", "readinessProbe"]) {
    if (main[probe]?.grpc?.port !== PORT) p(`${probe} is not a grpc probe on ${PORT}`);
  }
  const ready = main.readinessProbe?.grpc?.service;
  if (main.readinessProbe?.grpc && !["", undefined, "perms.v1.PermissionService"].includes(ready)) {
    p(`readinessProbe asks for health service ${ready}, which the silo does not serve`);
  }
  // Liveness is on the gRPC port but must not follow the database (see the Deployment).
  const live = main.livenessProbe;
  if (!live) p("no livenessProbe");
  else if (live.grpc?.port !== PORT) p(`livenessProbe is not a grpc: probe on ${PORT}`);
  else if (live.grpc?.service !== "liveness") p(`livenessProbe must ask the "liveness" health service, not "${live.grpc?.service ?? ""}"`);

  // Downward API: Orleans' Kubernetes hosting reads POD_NAME (silo name), POD_NAMESPACE (where it lists and watches
  // pods) and POD_IP (advertised address).
  const fieldPaths = Object.fromEntries((main.env ?? []).filter((e) => e.valueFrom?.fieldRef).map((e) => [e.name, e.valueFrom.fieldRef.fieldPath]));
  if (fieldPaths.POD_NAME !== "metadata.name") p("POD_NAME is not from metadata.name");
  if (fieldPaths.POD_IP !== "status.podIP") p("POD_IP is not from status.podIP");
  if (fieldPaths.POD_NAMESPACE !== "metadata.namespace") p("POD_NAMESPACE is not from metadata.namespace");

  // Perms:Server:DrainTimeout, a .NET TimeSpan "hh:mm:ss" (the host's shutdown timeout).
  const drain = /^(\d+):(\d{2}):(\d{2})$/.exec(envValue(main, "Perms__Server__DrainTimeout") ?? "");
  const shutdown = drain ? Number(drain[1]) * 3600 + Number(drain[2]) * 60 + Number(drain[3]) : NaN;
  if (!(shutdown > 0)) p("Perms__Server__DrainTimeout is not set as hh:mm:ss");
  const cmd = main.lifecycle?.preStop?.exec?.command ?? [];
  const preStop = Number(main.lifecycle?.preStop?.sleep?.seconds ?? (cmd.at(-2)?.endsWith("sleep") ? cmd.at(-1) : NaN));
  if (!(preStop > 0)) p("no preStop sleep");
  const grace = pod.terminationGracePeriodSeconds;
  if (!(grace > shutdown + (preStop || 0))) {
    p(`terminationGracePeriodSeconds ${grace} is not longer than preStop ${preStop} s + shutdown timeout ${shutdown} s`);
  }
  const mounts = new Map((main.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
  const tmpVolume = pod.volumes?.find((v) => v.name === mounts.get("/tmp"));
  if (!tmpVolume?.emptyDir) p("/tmp is not an emptyDir");
  for (const m of main.volumeMounts ?? []) {
    if (pod.volumes?.find((v) => v.name === m.name)?.secret && m.readOnly !== true) p(`Secret volume ${m.name} is not mounted readOnly`);
  }

  // Every referenced ConfigMap and Secret exists among the rendered objects.
  const names = new Set(objects.filter((o) => o.kind === "ConfigMap" || o.kind === "Secret").map((o) => `${o.kind}/${o.metadata.name}`));
  const refs = [
    ...(pod.volumes ?? []).flatMap((v) => [v.configMap && `ConfigMap/${v.configMap.name}`, v.secret && `Secret/${v.secret.secretName}`]),
    ...containers.flatMap((c) => [
      ...(c.env ?? []).flatMap((e) => [e.valueFrom?.configMapKeyRef && `ConfigMap/${e.valueFrom.configMapKeyRef.name}`, e.valueFrom?.secretKeyRef && `Secret/${e.valueFrom.secretKeyRef.name}`]),
      ...(c.envFrom ?? []).flatMap((e) => [e.configMapRef && `ConfigMap/${e.configMapRef.name}`, e.secretRef && `Secret/${e.secretRef.name}`]),
    ]),
  ].filter(Boolean);
  for (const r of new Set(refs)) if (!names.has(r)) p(`${r} is referenced but not rendered`);

  const pdb = objects.find((o) => o.kind === "PodDisruptionBudget" && selectsPods(o.spec?.selector?.matchLabels, d));
  if (!pdb) p("no PodDisruptionBudget selects its pods");
  else if (!(pdb.spec?.minAvailable >= 1)) p(`PodDisruptionBudget minAvailable is ${pdb.spec?.minAvailable}`);
  const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.name === d.metadata.name);
  if (!hpa) p("no HorizontalPodAutoscaler targets it");
  else {
    if (hpa.apiVersion !== "autoscaling/v2") p(`HPA apiVersion is ${hpa.apiVersion}`);
    if (hpa.spec.scaleTargetRef.kind !== "Deployment") p("HPA does not target a Deployment");
    const cpu = hpa.spec?.metrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu");
    if (cpu?.resource?.target?.averageUtilization !== 70) p("HPA does not target 70% CPU");
    if (!(hpa.spec?.minReplicas >= 2)) p(`HPA minReplicas is ${hpa.spec?.minReplicas}`);
  }
  return { problems, main, pod };
}

// `$(NAME)` in an env value is expanded by the kubelet only from variables defined EARLIER in the list; a later or
// missing one is left as the literal text "$(NAME)".
function expansionProblems(container, prefix) {
  const problems = [];
  const env = container.env ?? [];
  env.forEach((e, i) => {
    for (const [, name] of (e.value ?? "").matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
      if (!env.slice(0, i).some((d) => d.name === name)) {
        problems.push(`${prefix}: ${e.name} uses $(${name}), which is not defined before it (the kubelet would not expand it)`);
      }
    }
  });
  return problems;
}

/** The decoded value of a Secret's key, or undefined. */
function secretValue(objects, ref) {
  const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === ref?.name);
  const data = secret?.data?.[ref?.key];
  return data === undefined ? undefined : Buffer.from(data, "base64").toString();
}

const describeSecret = (s) => (s ? `Secret ${s.name} key ${s.key}` : "no Secret");

/**
 * The Orleans wiring of the silo container: clustering on PostgreSQL with its own connection string, the pod labels
 * Orleans' Kubernetes hosting selects by equal to the cluster's ids, the silo port exposed, no key of the removed
 * home-made cluster. Returns { problems, orleans } with the effective connection string Secret and schema.
 */
function orleansProblems(d, main, objects, prefix) {
  const problems = [];
  const p = (msg) => problems.push(`${prefix}: ${msg}`);
  const template = d.spec?.template;
  const src = (name) => envSource(main, name, template, objects);
  const effective = (key) => {
    const s = src(`Perms__Orleans__${key}`);
    return s.set ? s.value : ORLEANS_DEFAULTS[key];
  };

  const clustering = src("Perms__Orleans__Clustering");
  if (!clustering.set) p(`Perms__Orleans__Clustering is unset (${ORLEANS_DEFAULTS.Clustering}), not postgres`);
  else if (clustering.value?.toLowerCase() !== "postgres") p(`Perms__Orleans__Clustering is ${clustering.value}, not postgres`);

  // The membership role: from a Secret, holding the key read, and not Better Auth's SELECT-only reader.
  const conn = src("Perms__Orleans__ConnectionString");
  if (!conn.secret) p("Perms__Orleans__ConnectionString is not from a Secret (it holds a password)");
  else if (secretValue(objects, conn.secret) === undefined) {
    p(`Perms__Orleans__ConnectionString reads key ${conn.secret.key}, which Secret ${conn.secret.name} does not hold`);
  } else {
    const reader = src("Perms__Database__ConnectionString").secret;
    const same = reader && ((reader.name === conn.secret.name && reader.key === conn.secret.key)
      || secretValue(objects, reader) === secretValue(objects, conn.secret));
    if (same) p("Perms__Orleans__ConnectionString is the same as Perms__Database__ConnectionString (Better Auth's SELECT-only reader cannot write the membership table)");
  }

  // The cluster's identity: the pod labels Orleans' Kubernetes hosting selects its pods by must equal the ids the silo
  // runs with (Perms configures ClusterOptions last, so Perms__Orleans__* win), and ORLEANS_* (which the hosting reads)
  // must not say otherwise.
  const labels = template?.metadata?.labels ?? {};
  for (const key of ["ServiceId", "ClusterId"]) {
    const id = effective(key);
    const label = ORLEANS_LABELS[key];
    if (labels[label] === undefined) p(`pod label ${label} is missing (Orleans' Kubernetes hosting selects the cluster's pods by it)`);
    else if (labels[label] !== id) p(`pod label ${label} is "${labels[label]}", but Perms__Orleans__${key} is "${id}"`);
    // Orleans ignores an empty or blank value (a fieldRef on a missing label gives "").
    const hosting = src(ORLEANS_ENV[key]);
    if (hosting.set && (hosting.value ?? "").trim() !== "" && hosting.value !== id) p(`${ORLEANS_ENV[key]} is "${hosting.value}", but Perms__Orleans__${key} is "${id}"`);
  }

  // The silo-to-silo port, as a container port (named, for NetworkPolicies and readers).
  const siloPort = Number(effective("SiloPort"));
  if (!main.ports?.some((port) => port.containerPort === siloPort)) p(`no container port ${siloPort} for Perms__Orleans__SiloPort (Orleans' silo-to-silo traffic)`);

  // Other silos reach this one at the address it advertises: the pod's own IP, never a Service's.
  const advertised = src("Perms__Orleans__AdvertisedAddress");
  if (advertised.set && advertised.value !== "$(POD_IP)" && advertised.fieldPath !== "status.podIP") {
    p(`Perms__Orleans__AdvertisedAddress is ${advertised.value ?? advertised.fieldPath}; leave it unset (the pod IP) or give $(POD_IP)`);
  }

  // Keys of the removed home-made cluster and grain runtime: they mean nothing now, and mislead whoever reads them.
  for (const name of envNames(main, objects)) {
    if (/^Perms__Cluster__/.test(name) || /^Perms__Grains__[^_]+__MaxEstimatedBytes$/.test(name)) p(`${name} is set; the key no longer exists`);
  }
  return { problems, orleans: { connection: conn.secret, schema: effective("Schema") } };
}

/** The Role's verbs on core pods that RoleBindings give the silos' ServiceAccount, and every RBAC problem. */
function rbacProblems(d, pod, objects, prefix) {
  const problems = [];
  const p = (msg) => problems.push(`${prefix}: ${msg}`);
  const sa = pod.serviceAccountName;
  const namespace = d.metadata.namespace;
  const isSilo = (s, defaultNamespace) => s.kind === "ServiceAccount" && s.name === sa && (s.namespace ?? defaultNamespace) === namespace;
  for (const crb of objects.filter((o) => o.kind === "ClusterRoleBinding" && (o.subjects ?? []).some((s) => isSilo(s, undefined)))) {
    p(`ClusterRoleBinding ${crb.metadata.name} gives the silos' ServiceAccount rights in every namespace; Orleans' hosting needs pods in its own only (a Role)`);
  }
  const verbs = new Set();
  for (const rb of objects.filter((o) => o.kind === "RoleBinding" && o.metadata.namespace === namespace && (o.subjects ?? []).some((s) => isSilo(s, o.metadata.namespace)))) {
    const role = objects.find((o) => o.kind === rb.roleRef?.kind && o.metadata.name === rb.roleRef?.name
      && (o.kind === "ClusterRole" || o.metadata.namespace === namespace));
    if (!role) {
      p(`RoleBinding ${rb.metadata.name} refers to ${rb.roleRef?.kind} ${rb.roleRef?.name}, which is not rendered`);
      continue;
    }
    for (const rule of role.rules ?? []) {
      const extra = [
        ...(rule.apiGroups ?? []).filter((g) => g !== ""),
        ...(rule.resources ?? []).filter((r) => r !== "pods"),
        ...(rule.verbs ?? []).filter((v) => !HOSTING_VERBS.includes(v) && !HOSTING_OPTIONAL_VERBS.includes(v)),
        ...(rule.nonResourceURLs ?? []),
      ];
      if (extra.length > 0) p(`${role.kind} ${role.metadata.name} grants more than Orleans' hosting needs: ${extra.join(", ")}`);
      if ((rule.apiGroups ?? []).includes("") && (rule.resources ?? []).includes("pods") && !rule.resourceNames) {
        for (const v of rule.verbs ?? []) verbs.add(v);
      }
    }
  }
  for (const v of HOSTING_VERBS) {
    if (!verbs.has(v)) p(`ServiceAccount ${sa} may not ${v} pods in its namespace (Orleans' Kubernetes hosting needs ${HOSTING_VERBS.join(", ")}: a Role bound to it)`);
  }
  return problems;
}

/**
 * The membership migration: an init container running `dotnet Perms.Silo.dll cluster migrate` with the silo's image,
 * the silo's Orleans connection string and the silo's schema.
 */
function migrationProblems(d, main, pod, orleans, objects, prefix) {
  const problems = [];
  const p = (msg) => problems.push(`${prefix}: ${msg}`);
  const migrations = (pod.initContainers ?? []).filter((c) => {
    const args = invocation(c);
    return args.some((a, i) => a === "cluster" && args[i + 1] === "migrate");
  });
  if (migrations.length === 0) p('no init container runs "cluster migrate" (the Orleans membership tables would not exist)');
  for (const c of migrations) {
    const n = `init container ${c.name}`;
    const args = invocation(c);
    const expected = [...ENTRYPOINT, "cluster", "migrate"];
    if (expected.some((a, i) => args[i] !== a)) p(`${n} runs "${args.join(" ")}", not "${expected.join(" ")}"`);
    if (c.image !== main.image) p(`${n} runs image ${c.image}, the silo ${main.image} (the migration must come from the build it precedes)`);
    const src = (name) => envSource(c, name, d.spec?.template, objects);
    const conn = src("Perms__Orleans__ConnectionString").secret;
    if (!conn || conn.name !== orleans.connection?.name || conn.key !== orleans.connection?.key) {
      p(`${n} takes Perms__Orleans__ConnectionString from ${describeSecret(conn)}, the silo from ${describeSecret(orleans.connection)}`);
    }
    const schema = src("Perms__Orleans__Schema");
    const migrated = schema.set ? schema.value : ORLEANS_DEFAULTS.Schema;
    if (migrated !== orleans.schema) p(`${n} migrates schema ${migrated}, the silo uses ${orleans.schema}`);
    problems.push(...expansionProblems(c, `${prefix}: ${n}`));
  }
  return problems;
}

export function deploymentProblems(objects) {
  const problems = [];
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const names = deployments.map((d) => d.metadata.name).sort();
  if (JSON.stringify(names) !== JSON.stringify([SILO.deployment])) {
    problems.push(`expected the Deployment ${SILO.deployment} only, found ${names.join(", ") || "none"}`);
  }
  const silo = deployments.find((d) => d.metadata.name === SILO.deployment);

  if (silo) {
    const { problems: pp, main, pod } = podProblems(silo, SILO.container, objects, "silo");
    problems.push(...pp);
    problems.push(...rbacProblems(silo, pod, objects, "silo"));
    if (main) {
      const { problems: op, orleans } = orleansProblems(silo, main, objects, "silo");
      problems.push(...op);
      problems.push(...migrationProblems(silo, main, pod, orleans, objects, "silo"));
      problems.push(...expansionProblems(main, "silo"));
      if (envValue(main, "Perms__Auth__Mode") !== "Tokens") problems.push("silo: Perms__Auth__Mode is not Tokens");
      if (!secretOfDirectory(pod, main, envValue(main, "Perms__Auth__TokensPath"))) {
        problems.push("silo: Perms__Auth__TokensPath is not a mounted Secret directory");
      }
    }
  }

  // The callers' Service `perms`: a ClusterIP on the silos' gRPC port.
  const callers = objects.find((o) => o.kind === "Service" && o.metadata.name === CALLERS_SERVICE);
  if (!callers) problems.push(`no Service ${CALLERS_SERVICE} for callers`);
  else {
    const what = `Service ${CALLERS_SERVICE}`;
    if (callers.spec?.clusterIP === "None") problems.push(`${what} is headless`);
    if (!selectsPods(callers.spec?.selector, silo)) problems.push(`${what} does not select the silo pods`);
    const port = callers.spec?.ports?.find((sp) => sp.port === PORT);
    if (!port) problems.push(`${what} has no port ${PORT}`);
    else {
      if (port.appProtocol !== "grpc") problems.push(`${what} port ${PORT} has appProtocol ${port.appProtocol}`);
      const main = silo?.spec?.template?.spec?.containers?.find((c) => c.name === SILO.container);
      const target = main?.ports?.find((cp) => cp.name === (port.targetPort ?? PORT) || cp.containerPort === (port.targetPort ?? PORT));
      if (target?.containerPort !== PORT) problems.push(`${what} port ${PORT} targets ${port.targetPort}, not the silos' gRPC port ${PORT}`);
    }
  }
  return problems;
}

/**
 * The project files a Dockerfile must COPY before `dotnet restore`: the entry project and every ProjectReference
 * it reaches. `readProject(path)` returns a .csproj's text (path relative to the repository root, with /).
 * Returns the missing paths.
 */
export function missingRestoreInputs(dockerfile, entry, readProject) {
  const copied = new Set(copiedProjects(dockerfile));
  const needed = new Set();
  const visit = (path) => {
    if (needed.has(path)) return;
    needed.add(path);
    const dir = path.slice(0, path.lastIndexOf("/"));
    for (const [, ref] of readProject(path).matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
      const parts = `${dir}/${ref.replaceAll("\\", "/")}`.split("/");
      const out = [];
      for (const part of parts) {
        if (part === "..") out.pop();
        else if (part !== ".") out.push(part);
      }
      visit(out.join("/"));
    }
  };
  visit(entry);
  return [...needed].filter((p) => !copied.has(p)).sort();
}

/** The .csproj files a Dockerfile COPYs from the build context (not from another stage). */
export function copiedProjects(dockerfile) {
  return [...dockerfile.matchAll(/^COPY\s+(?!--from)(\S+\.csproj)\s+\S+$/gm)].map((m) => m[1]);
}

/** The projects a Dockerfile COPYs that do not exist (`exists(path)`): `docker build` would fail on each. */
export function staleRestoreInputs(dockerfile, exists) {
  return copiedProjects(dockerfile).filter((p) => !exists(p)).sort();
}
