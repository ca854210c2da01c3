// Parses the .tf files named on the command line with @cdktf/hcl2json and prints one JSON object:
// { "<file>": { "json": <the file as JSON> } | { "error": "<parser message with line and column>" } }.
import { parse } from "@cdktf/hcl2json";
import { readFileSync } from "node:fs";

const files = {};
for (const file of process.argv.slice(2)) {
  try {
    files[file] = { json: await parse(file, readFileSync(file, "utf8")) };
  } catch (error) {
    files[file] = { error: String(error?.message ?? error) };
  }
}
process.stdout.write(JSON.stringify(files));
