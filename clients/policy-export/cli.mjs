#!/usr/bin/env node
// perms-policy-export <module-path> [--export NAME] [--out FILE] [--bans deny|ignore]
//
// Imports the app's auth module, finds the Better Auth organization/admin plugins and writes the Perms policy
// file (pretty JSON, 2 spaces, trailing newline) to stdout or --out.
// Exit codes: 0 success, 1 the module or its configuration could not be exported, 2 usage error.

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { exportPolicy, formatPolicy } from "./export-policy.mjs";

const USAGE = `Usage: perms-policy-export <module-path> [--export NAME] [--out FILE] [--bans deny|ignore]

Imports <module-path> (resolved from the current directory), takes its export NAME
(default: "auth", falling back to the default export), which must be a betterAuth(...)
instance, a betterAuth options object, an array of plugins, or a function returning one
of those, and writes the Perms policy file for its organization/admin plugins.

Options:
  --export NAME        the module export to read (no fallback to the default export)
  --out FILE           write to FILE instead of stdout
  --bans deny|ignore   also write { "bans": { "mode": ... } } (Perms' own setting)
  -h, --help           show this help

TypeScript modules need a runtime that imports .ts files:
  bunx --bun perms-policy-export ./src/auth.ts --out perms-policy.json
  NODE_OPTIONS="--import tsx" npx perms-policy-export ./src/auth.ts --out perms-policy.json
`;

class UsageError extends Error {}

// Resolves once the text is flushed, so process.exit() below cannot cut it off.
const write = (stream, text) => new Promise((done) => stream.write(text, () => done()));

function parseArgs(argv) {
  const args = { module: undefined, exportName: undefined, out: undefined, bans: undefined, help: false };
  const takeValue = (flag, i, inline) => {
    if (inline !== undefined) return inline;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      args.help = true;
      continue;
    }
    if (arg === "--") {
      for (const rest of argv.slice(i + 1)) setModule(args, rest);
      break;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const eq = arg.indexOf("=");
      const flag = eq === -1 ? arg : arg.slice(0, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      let value;
      switch (flag) {
        case "--export":
          value = takeValue(flag, i, inline);
          if (!value) throw new UsageError("--export needs a non-empty name");
          args.exportName = value;
          break;
        case "--out":
          value = takeValue(flag, i, inline);
          if (!value) throw new UsageError("--out needs a file name");
          args.out = value;
          break;
        case "--bans":
          value = takeValue(flag, i, inline);
          if (value !== "deny" && value !== "ignore") {
            throw new UsageError(`--bans must be "deny" or "ignore", got "${value}"`);
          }
          args.bans = value;
          break;
        default:
          throw new UsageError(`unknown option ${flag}`);
      }
      if (inline === undefined) i++;
      continue;
    }
    setModule(args, arg);
  }
  return args;
}

function setModule(args, value) {
  if (args.module !== undefined) throw new UsageError(`only one module path is allowed (got "${args.module}" and "${value}")`);
  args.module = value;
}

async function loadExport(modulePath, exportName) {
  const file = resolve(process.cwd(), modulePath);
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    const hint =
      err?.code === "ERR_UNKNOWN_FILE_EXTENSION" && /\.[cm]?tsx?$/.test(file)
        ? '\nNode cannot import TypeScript directly; run under Bun (bunx --bun perms-policy-export ...) or tsx (NODE_OPTIONS="--import tsx" npx perms-policy-export ...).'
        : "";
    throw new Error(`cannot import ${file}: ${err?.message ?? err}${hint}`, { cause: err });
  }

  const name = exportName ?? "auth";
  // CommonJS modules (e.g. compiled by tsx) may expose their named exports only on the default export.
  const fromDefault = (key) =>
    mod.default && typeof mod.default === "object" && Object.hasOwn(mod.default, key) ? mod.default[key] : undefined;
  let value = mod[name] ?? fromDefault(name);
  let used = name;
  if (value === undefined && exportName === undefined) {
    value = mod.default;
    used = "default";
  }
  if (value === undefined) {
    const available = Object.keys(mod).filter((k) => mod[k] !== undefined);
    throw new Error(
      `${file} has no export "${name}"` +
        (exportName === undefined ? " and no default export" : "") +
        `; exports: ${available.length ? available.join(", ") : "(none)"}. Use --export NAME to choose one.`,
    );
  }
  if (typeof value === "function") value = await value();
  return { value: await value, used };
}

async function main(argv) {
  let args;
  try {
    args = parseArgs(argv);
    if (args.help) {
      await write(process.stdout, USAGE);
      return 0;
    }
    if (args.module === undefined) throw new UsageError("missing <module-path>");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await write(process.stderr, `perms-policy-export: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  let text;
  try {
    const { value, used } = await loadExport(args.module, args.exportName);
    let policy;
    try {
      policy = exportPolicy(value, args.bans ? { bans: { mode: args.bans } } : {});
    } catch (err) {
      throw new Error(`export "${used}" of ${args.module}: ${err.message}`, { cause: err });
    }
    text = formatPolicy(policy);
  } catch (err) {
    await write(process.stderr, `perms-policy-export: ${err.message}\n`);
    return 1;
  }

  if (args.out) {
    try {
      writeFileSync(resolve(process.cwd(), args.out), text);
    } catch (err) {
      await write(process.stderr, `perms-policy-export: cannot write ${args.out}: ${err.message}\n`);
      return 1;
    }
    await write(process.stderr, `perms-policy-export: wrote ${args.out}; restart or redeploy Perms to apply it\n`);
  } else {
    await write(process.stdout, text);
  }
  return 0;
}

// The app's auth module may open database pools or timers that would keep the process alive: exit explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (err) => {
    await write(process.stderr, `perms-policy-export: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
