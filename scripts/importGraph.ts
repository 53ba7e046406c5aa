/**
 * The pure parts of `npm run check:imports` (scripts/check-imports.ts): reading the module specifiers of a source
 * file and finding the cycles of a file graph.
 */

/** Every module specifier of a file: static imports/exports (type-only included) and dynamic `import("…")`. */
export function specifiersOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const re =
    /(?:^|[;\n}])\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) out.push(m[1] ?? m[2]);
  return out;
}

/** Tarjan's strongly connected components; the ones with more than one file (or a self-import) are cycles. */
export function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    // iterative DFS: the graph is deep enough to overflow a recursive one on big packages
    const work: {v: string; it: Iterator<string>}[] = [];
    const enter = (n: string) => {
      idx.set(n, index);
      low.set(n, index);
      index++;
      stack.push(n);
      onStack.add(n);
      work.push({v: n, it: (graph.get(n) ?? new Set<string>()).values()});
    };
    enter(v);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const next = top.it.next();
      if (!next.done) {
        const w = next.value;
        if (!idx.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v) ?? 0, idx.get(w) ?? 0));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent) ?? 0, low.get(top.v) ?? 0));
      }
      if (low.get(top.v) === idx.get(top.v)) {
        const scc: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w === undefined) break;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.v);
        if (scc.length > 1 || graph.get(top.v)?.has(top.v)) out.push(scc.sort());
      }
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
