// Parses Prometheus text exposition format (0.0.4) read from stdin with parse-prometheus-text-format (a real,
// independent parser, pinned at 1.1.1) and prints the metric families as JSON on stdout:
//   [{ name, help, type: "COUNTER" | "GAUGE" | "HISTOGRAM" | …, metrics: [...] }]
// Counters and gauges: metrics = [{ labels?, value }] exactly as the parser gives them.
// Histograms: metrics = [{ labels?, buckets: [{ le, count }] in exposition order, count, sum }], one per label set.
// parse-prometheus-text-format 1.1.1 folds every series of a histogram into one (its flattenMetrics keeps neither the
// labels nor more than one series), so histogram samples are taken from a second pass of the same parser over the
// same text with the histograms' TYPE lines removed: each _bucket/_sum/_count sample then comes back on its own, its
// labels parsed and unescaped by the parser, and is regrouped here by its labels without `le`.
// Used by tests/IntegrationTests/Operations (MetricsEndpointTests, GatewayMetricsEndpointTests):
//   curl -s http://127.0.0.1:9464/metrics | node parse-metrics.mjs
import parsePrometheusTextFormat from "parse-prometheus-text-format";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) {
  text += chunk;
}

function fail(message) {
  process.stderr.write(`parse-metrics: ${message}\n`);
  process.exit(1);
}

let families;
try {
  families = parsePrometheusTextFormat(text);
} catch (error) {
  fail(`parse-prometheus-text-format rejected the input: ${error?.message ?? error}`);
}

const histograms = new Set(families.filter((f) => f.type === "HISTOGRAM").map((f) => f.name));
const untyped = text
  .split("\n")
  .filter((line) => !/^#\s+TYPE\s+(\S+)\s+histogram\s*$/.test(line) || !histograms.has(line.trim().split(/\s+/)[2]))
  .join("\n");
const samples = parsePrometheusTextFormat(untyped);

const series = new Map(); // histogram name → Map(label key → { labels, buckets, count, sum })
for (const family of samples) {
  const match = /^(.*)_(bucket|sum|count)$/.exec(family.name);
  if (!match || !histograms.has(match[1])) {
    continue;
  }

  const [, name, part] = match;
  const byLabels = series.get(name) ?? new Map();
  series.set(name, byLabels);
  for (const sample of family.metrics) {
    const { le, ...labels } = sample.labels ?? {};
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const entry = byLabels.get(key) ?? { ...(Object.keys(labels).length > 0 ? { labels } : {}), buckets: [] };
    byLabels.set(key, entry);
    if (part === "bucket") {
      if (le === undefined) fail(`${family.name} sample without le`);
      entry.buckets.push({ le, count: sample.value });
    } else {
      entry[part] = sample.value;
    }
  }
}

for (const family of families) {
  if (family.type === "HISTOGRAM") {
    family.metrics = [...(series.get(family.name)?.values() ?? [])];
  }
}

process.stdout.write(JSON.stringify(families));
