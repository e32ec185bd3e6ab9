// The six metric cards, each with its change against the previous period when comparing.
import { useI18n, type MessageKey } from '../../i18n.ts';
import { MetricCard } from '../../ui/MetricCard.tsx';
import { formatChange, formatMetric } from './format.ts';
import { CARD_METRICS, change, type Totals } from './query.ts';

interface Props {
  totals: Totals;
  previous: Totals | undefined;
  k: number;
}

export function Cards({ totals, previous, k }: Props) {
  const i18n = useI18n();
  return (
    <dl class="ov-cards" aria-label={i18n.t('overview.cards')}>
      {CARD_METRICS.map((m) => {
        const pct = previous === undefined ? undefined : change(totals[m], previous[m]);
        // More bounces is bad news; more of everything else is good.
        const tone = pct === undefined || pct === null || pct === 0 ? 'neutral' : (pct > 0) !== (m === 'bounceRate') ? 'good' : 'bad';
        return (
          <MetricCard
            key={m}
            label={i18n.t(`overview.card.${m}` as MessageKey)}
            value={formatMetric(i18n, m, totals[m], k)}
            change={pct === undefined ? undefined : pct === null ? '—' : formatChange(i18n, pct)}
            tone={tone}
            changeHint={previous === undefined ? undefined : i18n.t('overview.vsPrevious', { value: formatMetric(i18n, m, previous[m], k) })}
          />
        );
      })}
    </dl>
  );
}
