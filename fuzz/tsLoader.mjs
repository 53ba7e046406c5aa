// Registered with `node --import`: turns TypeScript modules into plain JS modules (type stripping) BEFORE other
// loader hooks see them, so that Jazzer.js's ESM instrumentation (which only instruments format "module") covers
// ceibo's .ts sources.
import {register} from "node:module";

register(new URL("./tsLoaderHooks.mjs", import.meta.url));
