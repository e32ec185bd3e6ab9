// One metric: its name, value and, when compared, the change against the previous period.
interface Props {
  label: string;
  value: string;
  /** Already formatted ("+12 %"), or undefined without a comparison. */
  change?: string | undefined;
  /** Whether the change is good news (green), bad (red) or neither. */
  tone?: 'good' | 'bad' | 'neutral';
  /** Read after the change by screen readers: "vs the previous period". */
  changeHint?: string;
}

export function MetricCard({ label, value, change, tone = 'neutral', changeHint }: Props) {
  return (
    <div class="metric-card">
      <dt>{label}</dt>
      <dd>
        <span class="metric-value">{value}</span>
        {change === undefined ? null : (
          <span class={`metric-change ${tone}`} title={changeHint}>
            {change}
            {changeHint === undefined ? null : <span class="visually-hidden"> {changeHint}</span>}
          </span>
        )}
      </dd>
    </div>
  );
}
