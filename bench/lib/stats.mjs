// Medians, nearest-rank percentiles and the summary stored for every series in results.json.

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  // Nearest rank: with few samples p95 is the largest, never an interpolation below it.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function p95(values) {
  return quantile([...values].sort((a, b) => a - b), 0.95);
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const round = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
  return {
    n: s.length, min: round(s[0]), median: round(median(s)), p95: round(quantile(s, 0.95)), max: round(s[s.length - 1]),
    mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)), samples: s.length <= 60 ? values.map(round) : undefined,
  };
}
