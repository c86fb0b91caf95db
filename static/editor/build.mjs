// Bundles static/editor/src/editor.js into static/editor/dist/pipelab-editor.js
// (minified IIFE that sets window.PipelabEditor). Skips the build when the
// output is newer than every input (src/**, package-lock.json, this script);
// `--force` always rebuilds.  Usage: node static/editor/build.mjs [--force]
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const srcDir = join(here, "src");
const entry = join(srcDir, "editor.js");
const outfile = join(here, "dist", "pipelab-editor.js");
const force = process.argv.includes("--force");

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function upToDate() {
  if (!existsSync(outfile)) return false;
  const out = statSync(outfile).mtimeMs;
  const inputs = [...walk(srcDir), join(root, "package-lock.json"), fileURLToPath(import.meta.url)];
  return inputs.every((f) => !existsSync(f) || statSync(f).mtimeMs <= out);
}

function report(verb) {
  const code = readFileSync(outfile);
  const gz = gzipSync(code, { level: 9 }).length;
  const kb = (n) => (n / 1024).toFixed(1) + " KiB";
  console.log(
    `editor bundle ${verb}: ${relative(root, outfile)} ` +
      `${code.length} bytes (${kb(code.length)}), gzip ${gz} bytes (${kb(gz)})`,
  );
}

if (!force && upToDate()) {
  report("up to date");
} else {
  const t0 = Date.now();
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  });
  report(`built in ${Date.now() - t0} ms`);
}
