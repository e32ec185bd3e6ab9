// A new key's secret, shown this once: Calypso keeps only its SHA-256, so it cannot be shown again.
// It lives in this component's state only (never stored) and is gone when the panel is dismissed.
import { useLayoutEffect, useRef } from 'preact/hooks';
import { useI18n } from '../../i18n.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';

export function SecretOnce({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), []);
  return (
    <div class="secret-once" role="region" aria-labelledby="secret-title">
      <h3 id="secret-title" tabIndex={-1} ref={heading}>
        {t('admin.secret.title', { name })}
      </h3>
      <p class="warning" role="alert">
        {t('admin.secret.warning')}
      </p>
      <label for="new-secret">{t('admin.secret.label')}</label>
      <input id="new-secret" class="secret" readOnly value={secret} spellcheck={false} autocomplete="off" onFocus={(e) => e.currentTarget.select()} />
      <div class="actions">
        <CopyButton text={secret} label={t('admin.secret.label')} />
        <button type="button" onClick={onDone}>
          {t('admin.secret.done')}
        </button>
      </div>
    </div>
  );
}
