import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const cli = join(pkgDir, "cli.mjs");
const outDir = mkdtempSync(join(tmpdir(), "perms-policy-export-"));
after(() => rmSync(outDir, { recursive: true, force: true }));

// Runs the CLI from the package directory so that module paths are resolved from cwd.
async function perms(...args) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: pkgDir, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (typeof err.code !== "number") throw err;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const fixtureAuthPolicy = {
  organization: {
    statements: { project: ["create", "read", "update", "delete"], billing: ["read", "update"] },
    roles: {
      owner: { project: ["create", "read", "update", "delete"], billing: ["read", "update"] },
      editor: { project: ["create", "read", "update"] },
      viewer: { project: ["read"], billing: ["read"] },
    },
    dynamicAccessControl: { enabled: true },
  },
  admin: { defaultRole: "user", adminUserIds: ["user_root"] },
};

describe("perms-policy-export CLI", () => {
  test("(5) writes the policy of a fixture module to --out", async () => {
    const out = join(outDir, "perms-policy.json");
    const r = await perms("./fixtures/auth.mjs", "--out", out, "--bans", "deny");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /wrote .*perms-policy\.json; restart or redeploy Perms/);
    const text = readFileSync(out, "utf8");
    const expected = { ...fixtureAuthPolicy, bans: { mode: "deny" } };
    assert.equal(text, JSON.stringify(expected, null, 2) + "\n");
  });

  test("writes to stdout without --out (and exits although the module keeps a timer open)", async () => {
    const r = await perms("fixtures/auth.mjs");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, JSON.stringify(fixtureAuthPolicy, null, 2) + "\n");
  });

  test("--export picks another export; --opt=value form works", async () => {
    const r = await perms("fixtures/auth.mjs", "--export=orgOnly", "--bans=ignore");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      organization: { dynamicAccessControl: { enabled: false } },
      bans: { mode: "ignore" },
    });
  });

  test("falls back to the default export", async () => {
    const r = await perms(join(pkgDir, "fixtures", "default-export.mjs"));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { organization: { dynamicAccessControl: { enabled: false } } });
  });

  test("--help", async () => {
    const r = await perms("--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: perms-policy-export <module-path>/);
  });

  describe("(6) errors", () => {
    test("a module without the export", async () => {
      const r = await perms("fixtures/no-auth.mjs");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no-auth\.mjs has no export "auth" and no default export; exports: somethingElse/);
      const named = await perms("fixtures/auth.mjs", "--export", "nope");
      assert.equal(named.code, 1);
      assert.match(named.stderr, /has no export "nope"; exports: auth, orgOnly/);
    });

    test("an auth without the organization or admin plugin", async () => {
      const r = await perms("fixtures/no-plugins.mjs");
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /export "auth" of fixtures\/no-plugins\.mjs: exportPolicy: neither the organization nor the admin plugin is configured \(plugins found: bearer\)/,
      );
    });

    test("a module that cannot be imported", async () => {
      const missing = await perms("fixtures/does-not-exist.mjs");
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot import .*does-not-exist\.mjs/);
      const broken = await perms("fixtures/broken.mjs");
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /cannot import .*broken\.mjs: DATABASE_URL is not set/);
    });

    test("misuse exits with code 2 and prints the usage", async () => {
      for (const args of [
        [],
        ["fixtures/auth.mjs", "--bans", "allow"],
        ["fixtures/auth.mjs", "--out"],
        ["fixtures/auth.mjs", "--frobnicate"],
        ["fixtures/auth.mjs", "fixtures/no-auth.mjs"],
      ]) {
        const r = await perms(...args);
        assert.equal(r.code, 2, `args ${JSON.stringify(args)}: ${r.stderr}`);
        assert.match(r.stderr, /^perms-policy-export: .+\n\nUsage: /, `args ${JSON.stringify(args)}`);
        assert.equal(r.stdout, "");
      }
    });
  });
});
