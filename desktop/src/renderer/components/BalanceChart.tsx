/** Total validator balance per epoch as an SVG line (no chart library). */
import type {ReactNode} from "react";
import {useT} from "../i18n/i18n.tsx";

const W = 600;
const H = 180;
const PAD = 24;
/** Room on the left for the ETH labels. */
const LEFT = 72;

export function BalanceChart({points}: {points: {epoch: number; totalGwei: number}[]}): ReactNode {
  const t = useT();
  if (points.length < 2) return <p>{t("chart.collecting")}</p>;
  const xs = points.map((p) => p.epoch);
  const ys = points.map((p) => p.totalGwei / 1e9);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y1 - y0 < 1e-6) {
    y0 -= 0.001;
    y1 += 0.001;
  }
  const sx = (x: number): number => LEFT + ((x - x0) / Math.max(1, x1 - x0)) * (W - LEFT - PAD);
  const sy = (y: number): number => H - PAD / 2 - ((y - y0) / (y1 - y0)) * (H - PAD);
  const line = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.epoch).toFixed(1)},${sy(ys[i]).toFixed(1)}`)
    .join(" ");
  const last = points[points.length - 1];
  const summary = t("chart.summary", {
    from: x0,
    to: x1,
    first: ys[0].toFixed(4),
    last: (last.totalGwei / 1e9).toFixed(4),
  });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid="balance-chart">
        <line className="axis" x1={LEFT} y1={H - PAD / 2} x2={W - PAD} y2={H - PAD / 2} />
        <line className="axis" x1={LEFT} y1={PAD / 2} x2={LEFT} y2={H - PAD / 2} />
        <path className="series" d={line} fill="none" />
        {points.map((p, i) => (
          <circle key={p.epoch} className="dot" cx={sx(p.epoch)} cy={sy(ys[i])} r={3} />
        ))}
        <text className="tick" x={LEFT} y={H - 2} textAnchor="middle">
          {x0}
        </text>
        <text className="tick" x={W - PAD} y={H - 2} textAnchor="middle">
          {x1}
        </text>
        <text className="tick" x={LEFT - 6} y={PAD / 2 + 4} textAnchor="end">
          {y1.toFixed(3)}
        </text>
        <text className="tick" x={LEFT - 6} y={H - PAD / 2} textAnchor="end">
          {y0.toFixed(3)}
        </text>
      </svg>
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
