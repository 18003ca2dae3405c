// The properties the deployment must have (issue #8, shared/design/style.md item 15), as a function returning every
// problem found, so a test can show that a broken manifest is reported.
import { splitImage } from "./render.mjs";

const PORT = 50051;

function envValue(container, name) {
  return container.env?.find((e) => e.name === name)?.value;
}

export function deploymentProblems(objects) {
  const problems = [];
  const find = (kind, pred = () => true) => objects.filter((o) => o.kind === kind && pred(o));
  const deployments = find("Deployment");
  if (deployments.length !== 1) problems.push(`expected one Deployment, found ${deployments.length}`);
  const d = deployments[0];
  if (!d) return problems;
  const spec = d.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const ru = spec.strategy?.rollingUpdate ?? {};
  if (spec.strategy?.type !== "RollingUpdate") problems.push("strategy.type is not RollingUpdate");
  if (ru.maxUnavailable !== 0) problems.push(`rollingUpdate.maxUnavailable is ${ru.maxUnavailable}, not 0`);
  if (!(ru.maxSurge === 1 || ru.maxSurge === "25%" || (typeof ru.maxSurge === "number" && ru.maxSurge > 0))) {
    problems.push(`rollingUpdate.maxSurge is ${ru.maxSurge}`);
  }
  if (!(spec.replicas >= 2)) problems.push(`replicas is ${spec.replicas}, want at least 2`);
  if (pod.automountServiceAccountToken !== false) problems.push("pod automountServiceAccountToken is not false");
  const psc = pod.securityContext ?? {};
  if (psc.runAsNonRoot !== true) problems.push("pod securityContext.runAsNonRoot is not true");
  if (psc.seccompProfile?.type !== "RuntimeDefault") problems.push("pod seccompProfile is not RuntimeDefault");

  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  if (containers.length === 0) problems.push("no containers");
  for (const c of containers) {
    const n = `container ${c.name}`;
    const [, tag] = splitImage(c.image ?? "");
    if (c.image?.includes("@sha256:")) {
      // a digest pins the image exactly
    } else if (!tag || tag === "latest") {
      problems.push(`${n}: image ${c.image} has no fixed tag`);
    }
    for (const r of ["cpu", "memory"]) {
      if (c.resources?.limits?.[r] === undefined) problems.push(`${n}: no ${r} limit`);
      if (c.resources?.requests?.[r] === undefined) problems.push(`${n}: no ${r} request`);
    }
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${n}: allowPrivilegeEscalation is not false`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${n}: readOnlyRootFilesystem is not true`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${n}: capabilities do not drop ALL`);
    if (sc.privileged === true) problems.push(`${n}: privileged`);
  }

  const silo = pod.containers?.find((c) => c.name === "silo");
  if (!silo) {
    problems.push("no container named silo");
    return problems;
  }
  if (!silo.ports?.some((p) => p.containerPort === PORT)) problems.push(`silo does not expose ${PORT}`);
  for (const probe of ["startupProbe", "readinessProbe"]) {
    const p = silo[probe];
    if (p?.grpc?.port !== PORT) problems.push(`${probe} is not a grpc probe on ${PORT}`);
  }
  if (silo.readinessProbe?.grpc && !["", undefined, "perms.v1.PermissionService"].includes(silo.readinessProbe.grpc.service)) {
    problems.push(`readinessProbe asks for health service ${silo.readinessProbe.grpc.service}, which the silo does not serve`);
  }
  // Liveness is on the gRPC port but must not follow the database (see deployment.yaml).
  const live = silo.livenessProbe;
  if (!live) problems.push("no livenessProbe");
  else if (live.grpc?.port !== PORT) problems.push(`livenessProbe is not a grpc: probe on ${PORT}`);
  else if (live.grpc?.service !== "liveness") problems.push(`livenessProbe must ask the database-independent "liveness" health service, not "${live.grpc?.service ?? ""}"`);

  const fieldPaths = Object.fromEntries((silo.env ?? []).filter((e) => e.valueFrom?.fieldRef).map((e) => [e.name, e.valueFrom.fieldRef.fieldPath]));
  if (fieldPaths.POD_NAME !== "metadata.name") problems.push("POD_NAME is not from metadata.name");
  if (fieldPaths.POD_IP !== "status.podIP") problems.push("POD_IP is not from status.podIP");

  const shutdown = Number(envValue(silo, "DOTNET_SHUTDOWNTIMEOUTSECONDS"));
  if (!(shutdown > 0)) problems.push("DOTNET_SHUTDOWNTIMEOUTSECONDS is not set");
  const cmd = silo.lifecycle?.preStop?.exec?.command ?? [];
  const preStop = Number(silo.lifecycle?.preStop?.sleep?.seconds ?? (cmd.at(-2)?.endsWith("sleep") ? cmd.at(-1) : NaN));
  if (!(preStop > 0)) problems.push("no preStop sleep");
  const grace = pod.terminationGracePeriodSeconds;
  if (!(grace > shutdown + (preStop || 0))) {
    problems.push(`terminationGracePeriodSeconds ${grace} is not longer than preStop ${preStop} s + shutdown timeout ${shutdown} s`);
  }
  const mounts = new Map((silo.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
  const tmpVolume = pod.volumes?.find((v) => v.name === mounts.get("/tmp"));
  if (!tmpVolume?.emptyDir) problems.push("/tmp is not an emptyDir");

  // Every referenced ConfigMap and Secret exists among the rendered objects.
  const names = new Set(objects.filter((o) => o.kind === "ConfigMap" || o.kind === "Secret").map((o) => `${o.kind}/${o.metadata.name}`));
  const refs = [
    ...(pod.volumes ?? []).flatMap((v) => [v.configMap && `ConfigMap/${v.configMap.name}`, v.secret && `Secret/${v.secret.secretName}`]),
    ...(silo.env ?? []).flatMap((e) => [e.valueFrom?.configMapKeyRef && `ConfigMap/${e.valueFrom.configMapKeyRef.name}`, e.valueFrom?.secretKeyRef && `Secret/${e.valueFrom.secretKeyRef.name}`]),
    ...(silo.envFrom ?? []).flatMap((e) => [e.configMapRef && `ConfigMap/${e.configMapRef.name}`, e.secretRef && `Secret/${e.secretRef.name}`]),
  ].filter(Boolean);
  for (const r of refs) if (!names.has(r)) problems.push(`${r} is referenced but not rendered`);

  const labels = spec.selector?.matchLabels ?? {};
  const selects = (sel) => Object.keys(labels).length > 0 && Object.entries(sel ?? {}).every(([k, v]) => pod && spec.template.metadata?.labels?.[k] === v);
  const services = find("Service");
  const clusterIp = services.find((s) => s.spec?.clusterIP !== "None");
  const headless = services.find((s) => s.spec?.clusterIP === "None");
  for (const [what, s] of [["ClusterIP Service", clusterIp], ["headless Service", headless]]) {
    if (!s) { problems.push(`no ${what}`); continue; }
    if (!selects(s.spec.selector)) problems.push(`${what} does not select the silo pods`);
    const port = s.spec.ports?.find((p) => p.port === PORT);
    if (!port) problems.push(`${what} has no port ${PORT}`);
    else if (port.appProtocol !== "grpc") problems.push(`${what} port ${PORT} has appProtocol ${port.appProtocol}`);
  }
  const pdb = find("PodDisruptionBudget")[0];
  if (!pdb) problems.push("no PodDisruptionBudget");
  else {
    if (pdb.spec?.minAvailable !== 1) problems.push(`PodDisruptionBudget minAvailable is ${pdb.spec?.minAvailable}`);
    if (!selects(pdb.spec?.selector?.matchLabels)) problems.push("PodDisruptionBudget does not select the silo pods");
  }
  const hpa = find("HorizontalPodAutoscaler")[0];
  if (!hpa) problems.push("no HorizontalPodAutoscaler");
  else {
    if (hpa.apiVersion !== "autoscaling/v2") problems.push(`HPA apiVersion is ${hpa.apiVersion}`);
    if (hpa.spec?.scaleTargetRef?.kind !== "Deployment" || hpa.spec?.scaleTargetRef?.name !== d.metadata.name) {
      problems.push("HPA does not target the Deployment");
    }
    const cpu = hpa.spec?.metrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu");
    if (cpu?.resource?.target?.averageUtilization !== 70) problems.push("HPA does not target 70% CPU");
    if (!(hpa.spec?.minReplicas >= 2)) problems.push(`HPA minReplicas is ${hpa.spec?.minReplicas}`);
  }
  const sa = find("ServiceAccount", (o) => o.metadata.name === pod.serviceAccountName)[0];
  if (!sa) problems.push(`ServiceAccount ${pod.serviceAccountName} is not rendered`);
  else if (sa.automountServiceAccountToken !== false) problems.push("ServiceAccount automountServiceAccountToken is not false");
  return problems;
}
