import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { schemaSDL } from "../schema.js";

/** Writes schema/schema.graphql; CI regenerates it and fails on any difference. */
const target = resolve(process.argv.find((a) => a.endsWith(".graphql")) ?? "schema/schema.graphql");
const sdl = await schemaSDL();
writeFileSync(target, sdl);
console.log(`wrote ${target}`);
