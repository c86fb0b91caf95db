// Trunk post_build hook: minifies the wasm-bindgen glue of the app (pipelab-app-*.js) in the
// staging folder; Trunk minifies the stylesheet and index.html but not this generated ES
// module (54 KB raw). The page must load within 500 KB gzip. The app's <link> opts out of SRI
// (data-integrity="none"): its digest would be computed before this step.
import { transformSync } from "esbuild";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir || process.env.TRUNK_PROFILE !== "release") process.exit(0);
for (const name of readdirSync(dir)) {
  if (!/^pipelab-app-[0-9a-f]+\.js$/.test(name)) continue;
  const file = join(dir, name);
  const code = readFileSync(file, "utf8");
  const out = transformSync(code, { loader: "js", format: "esm", minify: true, target: "es2020" });
  writeFileSync(file, out.code);
  console.log(`minified ${name}: ${code.length} → ${out.code.length} bytes`);
}
