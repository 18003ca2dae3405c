// The properties the deployment must have (issue #8, shared/design/style.md item 15), as functions returning every
// problem found, so a test can show that a broken manifest is reported.
//
// Layout checked: a Deployment `perms-silo` (container `silo`) whose silos find each other by DNS on a headless
// Service, a Deployment `perms-gateway` (container `gateway`) routing to them, the callers' Service `perms` on the
// gateways, and a PodDisruptionBudget and a HorizontalPodAutoscaler for each Deployment.
import { splitImage } from "./render.mjs";

const PORT = 50051;
const METRICS_PORT = 9464;
export const SILO = { deployment: "perms-silo", container: "silo" };
export const GATEWAY = { deployment: "perms-gateway", container: "gateway" };
export const CALLERS_SERVICE = "perms";

function envValue(container, name) {
  return container.env?.find((e) => e.name === name)?.value;
}

/** The Secret volume mounted at the directory holding `file`, or undefined. */
function secretOfFile(pod, container, file) {
  if (typeof file !== "string") return undefined;
  const dir = file.slice(0, file.lastIndexOf("/"));
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === dir);
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  return volume?.secret ? { secretName: volume.secret.secretName, key: file.slice(dir.length + 1), readOnly: mount.readOnly === true } : undefined;
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

// Rollout, pod and container properties every Perms Deployment must have; `prefix` names it in each problem.
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
  if (pod.automountServiceAccountToken !== false) p("pod automountServiceAccountToken is not false");
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
  // Liveness is on the gRPC port but must not follow the database or the cluster view (see the Deployments).
  const live = main.livenessProbe;
  if (!live) p("no livenessProbe");
  else if (live.grpc?.port !== PORT) p(`livenessProbe is not a grpc: probe on ${PORT}`);
  else if (live.grpc?.service !== "liveness") p(`livenessProbe must ask the "liveness" health service, not "${live.grpc?.service ?? ""}"`);

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
    ...(main.env ?? []).flatMap((e) => [e.valueFrom?.configMapKeyRef && `ConfigMap/${e.valueFrom.configMapKeyRef.name}`, e.valueFrom?.secretKeyRef && `Secret/${e.valueFrom.secretKeyRef.name}`]),
    ...(main.envFrom ?? []).flatMap((e) => [e.configMapRef && `ConfigMap/${e.configMapRef.name}`, e.secretRef && `Secret/${e.secretRef.name}`]),
  ].filter(Boolean);
  for (const r of refs) if (!names.has(r)) p(`${r} is referenced but not rendered`);

  const sa = objects.find((o) => o.kind === "ServiceAccount" && o.metadata.name === pod.serviceAccountName);
  if (!sa) p(`ServiceAccount ${pod.serviceAccountName} is not rendered`);
  else if (sa.automountServiceAccountToken !== false) p("ServiceAccount automountServiceAccountToken is not false");

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

/**
 * The membership wiring of one container: Provider dns, a HostName naming a headless Service of the same namespace
 * that publishes only ready silo pods, on the silos' port, and a cluster TokenFile mounted from a Secret.
 * Returns { problems, tokenSecret, settings }.
 */
function clusterProblems(d, main, pod, objects, silo, prefix) {
  const problems = [];
  const p = (msg) => problems.push(`${prefix}: ${msg}`);
  if (envValue(main, "Perms__Cluster__Provider") !== "dns") p(`Perms__Cluster__Provider is ${envValue(main, "Perms__Cluster__Provider")}, not dns`);
  const host = envValue(main, "Perms__Cluster__Dns__HostName") ?? "";
  const port = Number(envValue(main, "Perms__Cluster__Dns__Port"));
  if (port !== PORT) p(`Perms__Cluster__Dns__Port is ${envValue(main, "Perms__Cluster__Dns__Port")}, not the silos' port ${PORT}`);
  // <service>.<namespace>.svc.<cluster domain>[.]; the namespace may be $(POD_NAMESPACE) (the pod's own).
  const m = /^([a-z0-9-]+)\.([^.]+)\.svc\.[a-z0-9.-]+$/.exec(host);
  if (!m) p(`Perms__Cluster__Dns__HostName "${host}" is not a Service's <name>.<namespace>.svc.<domain> name`);
  else {
    const [, name, ns] = m;
    const ownNamespace = d.metadata.namespace;
    if (ns !== "$(POD_NAMESPACE)" && ns !== ownNamespace) p(`Perms__Cluster__Dns__HostName names namespace ${ns}, not the pods' own`);
    const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === name);
    if (!svc) p(`Perms__Cluster__Dns__HostName names Service ${name}, which is not rendered`);
    else {
      if (svc.spec?.clusterIP !== "None") p(`Service ${name} (membership) is not headless: its DNS name would resolve to one virtual IP, not to each silo`);
      if (svc.spec?.publishNotReadyAddresses === true) p(`Service ${name} (membership) publishes not-ready addresses: unready silos would own users`);
      if (!silo || !selectsPods(svc.spec?.selector, silo)) p(`Service ${name} (membership) does not select the silo pods`);
      const targets = (svc.spec?.ports ?? []).map((sp) => sp.targetPort);
      if (!targets.some((t) => t === PORT || t === "grpc")) p(`Service ${name} (membership) has no port targeting the silos' ${PORT}`);
    }
  }
  const tokenFile = envValue(main, "Perms__Cluster__TokenFile");
  const token = secretOfFile(pod, main, tokenFile);
  if (envValue(main, "Perms__Cluster__Token") !== undefined) p("Perms__Cluster__Token is set in the environment (use TokenFile from a Secret)");
  if (!token) p(`Perms__Cluster__TokenFile ${tokenFile} is not in a mounted Secret`);
  else {
    const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === token.secretName);
    if (secret && !(token.key in (secret.data ?? {}))) p(`Perms__Cluster__TokenFile reads key ${token.key}, which Secret ${token.secretName} does not hold`);
  }
  problems.push(...expansionProblems(main, prefix));
  return { problems, tokenSecret: token?.secretName, settings: { host, port } };
}

export function deploymentProblems(objects) {
  const problems = [];
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const names = deployments.map((d) => d.metadata.name).sort();
  if (JSON.stringify(names) !== JSON.stringify([GATEWAY.deployment, SILO.deployment].sort())) {
    problems.push(`expected Deployments ${SILO.deployment} and ${GATEWAY.deployment}, found ${names.join(", ") || "none"}`);
  }
  const silo = deployments.find((d) => d.metadata.name === SILO.deployment);
  const gateway = deployments.find((d) => d.metadata.name === GATEWAY.deployment);

  let siloCluster;
  let siloCallerTokens;
  if (silo) {
    const { problems: pp, main, pod } = podProblems(silo, SILO.container, objects, "silo");
    problems.push(...pp);
    if (main) {
      const ready = main.readinessProbe?.grpc?.service;
      if (main.readinessProbe?.grpc && !["", undefined, "perms.v1.PermissionService"].includes(ready)) {
        problems.push(`silo: readinessProbe asks for health service ${ready}, which the silo does not serve`);
      }
      siloCluster = clusterProblems(silo, main, pod, objects, silo, "silo");
      problems.push(...siloCluster.problems);
      const self = envValue(main, "Perms__Cluster__Self");
      if (self !== `$(POD_IP):${PORT}`) problems.push(`silo: Perms__Cluster__Self is ${self}, not $(POD_IP):${PORT} (the address the headless Service publishes)`);
      siloCallerTokens = secretOfDirectory(pod, main, envValue(main, "Perms__Auth__TokensPath"));
      // The silo still serves the public service (co-hosted gateway): callers' tokens stay mounted.
      if (!siloCallerTokens) problems.push("silo: Perms__Auth__TokensPath is not a mounted Secret directory");
    }
  }

  if (gateway) {
    const { problems: pp, main, pod } = podProblems(gateway, GATEWAY.container, objects, "gateway");
    problems.push(...pp);
    if (main) {
      const ready = main.readinessProbe?.grpc?.service;
      if (main.readinessProbe?.grpc && !["", undefined, "perms.v1.PermissionService"].includes(ready)) {
        problems.push(`gateway: readinessProbe asks for health service ${ready}; readiness must follow the cluster view ("")`);
      }
      const cluster = clusterProblems(gateway, main, pod, objects, silo, "gateway");
      problems.push(...cluster.problems);
      if (envValue(main, "Perms__Cluster__Self") !== undefined) problems.push("gateway: Perms__Cluster__Self is set; a gateway is not a silo");
      for (const e of main.env ?? []) {
        if (/^Perms__(Database|Events|Policy)__/.test(e.name)) problems.push(`gateway: ${e.name} is set; the gateway has no database, events or policy`);
      }
      if (siloCluster) {
        if (cluster.tokenSecret !== siloCluster.tokenSecret) {
          problems.push(`gateway: cluster token from Secret ${cluster.tokenSecret}, the silos' from ${siloCluster.tokenSecret}`);
        }
        if (cluster.settings.host !== siloCluster.settings.host || cluster.settings.port !== siloCluster.settings.port) {
          problems.push(`gateway: membership ${cluster.settings.host}:${cluster.settings.port} differs from the silos' ${siloCluster.settings.host}:${siloCluster.settings.port}`);
        }
      }
      if (envValue(main, "Perms__Auth__Mode") !== "Tokens") problems.push("gateway: Perms__Auth__Mode is not Tokens");
      const callerTokens = secretOfDirectory(pod, main, envValue(main, "Perms__Auth__TokensPath"));
      if (!callerTokens) problems.push("gateway: Perms__Auth__TokensPath is not a mounted Secret directory");
      else if (siloCallerTokens && callerTokens !== siloCallerTokens) problems.push(`gateway: caller tokens from ${callerTokens}, the silos' from ${siloCallerTokens}`);
    }
  }

  // Services: callers' `perms` on the gateways only; the silos' ClusterIP Service for internal use.
  const services = objects.filter((o) => o.kind === "Service");
  const grpcPort = (s, what) => {
    const port = s.spec?.ports?.find((sp) => sp.port === PORT);
    if (!port) problems.push(`${what} has no port ${PORT}`);
    else if (port.appProtocol !== "grpc") problems.push(`${what} port ${PORT} has appProtocol ${port.appProtocol}`);
  };
  const callers = services.find((s) => s.metadata.name === CALLERS_SERVICE);
  if (!callers) problems.push(`no Service ${CALLERS_SERVICE} for callers`);
  else {
    const what = `Service ${CALLERS_SERVICE}`;
    if (callers.spec?.clusterIP === "None") problems.push(`${what} is headless`);
    if (!selectsPods(callers.spec?.selector, gateway)) problems.push(`${what} does not select the gateway pods`);
    if (selectsPods(callers.spec?.selector, silo)) problems.push(`${what} selects the silo pods too`);
    grpcPort(callers, what);
  }
  const siloService = services.find((s) => s.spec?.clusterIP !== "None" && selectsPods(s.spec?.selector, silo));
  if (!siloService) problems.push("no ClusterIP Service selects the silo pods");
  else grpcPort(siloService, `Service ${siloService.metadata.name}`);
  const headless = services.find((s) => s.spec?.clusterIP === "None" && selectsPods(s.spec?.selector, silo));
  if (!headless) problems.push("no headless Service selects the silo pods");
  else grpcPort(headless, `Service ${headless.metadata.name}`);
  return problems;
}

/**
 * The project files a Dockerfile must COPY before `dotnet restore`: the entry project and every ProjectReference
 * it reaches. `readProject(path)` returns a .csproj's text (path relative to the repository root, with /).
 * Returns the missing paths.
 */
export function missingRestoreInputs(dockerfile, entry, readProject) {
  const copied = new Set([...dockerfile.matchAll(/^COPY\s+(?!--from)(\S+\.csproj)\s+\S+$/gm)].map((m) => m[1]));
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
