// The API explorer's messages, merged into the catalogues of ../i18n.ts. Every key in both languages.
export const explorerEn = {
  'explorer.title': 'API explorer',
  'explorer.purpose': 'Purpose',
  'explorer.purposeHint': 'Every query is sent under this purpose, checked and recorded in the audit log like any API call.',
  'explorer.noSchema':
    'The schema cannot be loaded under {purpose} ({message}). Queries still run, without completion and documentation; in production the schema is shown to keys declaring ADMINISTRATION.',
  'explorer.loadFailed': 'The explorer could not be loaded; reload the page.',
};

export const explorerRu: Record<keyof typeof explorerEn, string> = {
  'explorer.title': 'Обозреватель API',
  'explorer.purpose': 'Цель',
  'explorer.purposeHint': 'Каждый запрос отправляется с этой целью, проверяется и записывается в журнал аудита, как любой вызов API.',
  'explorer.noSchema':
    'Схему нельзя загрузить с целью {purpose} ({message}). Запросы выполняются, но без подсказок и документации; в рабочей среде схема доступна ключам с целью ADMINISTRATION.',
  'explorer.loadFailed': 'Не удалось загрузить обозреватель; перезагрузите страницу.',
};
