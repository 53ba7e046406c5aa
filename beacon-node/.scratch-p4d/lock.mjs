import {ClassicLevel} from "classic-level";
const dir = "/tmp/p4d/db1";
const a = new ClassicLevel(dir, {keyEncoding: "view", valueEncoding: "view"});
await a.open();
const b = new ClassicLevel(dir, {keyEncoding: "view", valueEncoding: "view"});
try { await b.open(); } catch (e) { console.log(e.code, e.message, e.cause?.code, e.cause?.message); }
if (process.argv[2] === "hold") { console.log("holding"); setTimeout(()=>{}, 3000); }
