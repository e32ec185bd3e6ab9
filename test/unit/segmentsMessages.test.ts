// The segments screen's messages: every key in English and Russian with the same placeholders, and the
// faults gathered at the builder node (and control) their path names. No DOM.
import { describe, expect, it } from 'vitest';
import { makeI18n } from '../../web/i18n.ts';
import { faultsByNode, issueMessage, serverRuleMessage } from '../../web/screens/segments/issueText.ts';
import { checkRule } from '../../web/screens/segments/ruleCheck.ts';
import { ruleToTree, type GroupNode } from '../../web/screens/segments/ruleTree.ts';
import { segmentsEn, segmentsRu } from '../../web/screens/segments/segmentsMessages.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('segments messages', () => {
  it('has every key in both languages, non-empty, with the same placeholders', () => {
    expect(Object.keys(segmentsRu).sort()).toEqual(Object.keys(segmentsEn).sort());
    for (const [key, en] of Object.entries(segmentsEn)) {
      const ru = segmentsRu[key as keyof typeof segmentsEn];
      expect(ru.trim(), key).not.toBe('');
      expect(placeholders(ru), key).toEqual(placeholders(en));
    }
  });

  it('names every issue of the mirror in both languages', () => {
    const rule = { all: [{ visited: { path: { prefix: 'x' }, atLeast: 0 } }, { attribute: { dimension: 'TIME', in: [] } }, { lastSeen: { withinDays: 9 } }] };
    for (const locale of ['en', 'ru'] as const) {
      const i18n = makeI18n(locale);
      for (const issue of checkRule(rule, { maxWindowDays: 7 })) expect(issueMessage(i18n, issue)).not.toMatch(/segments\.|\{/);
    }
  });

  it('puts the server\'s retention error in the page\'s language, and leaves others as sent', () => {
    const msg = "400 days reaches past the site's retention of 90 days; hits that old are gone";
    expect(serverRuleMessage(makeI18n('ru'), msg)).toBe('400 дн. — дальше срока хранения сайта (90 дн.)');
    expect(serverRuleMessage(makeI18n('en'), 'something else')).toBe('something else');
  });

  it('gathers faults at the node and control they name; a path past the tree at the root', () => {
    const drawn = ruleToTree({ all: [{ visited: { path: { prefix: '/a' } } }, { attribute: { dimension: 'OS', in: ['a', ''] } }] });
    if (!drawn.ok) throw new Error('not drawn');
    const root = drawn.tree as GroupNode;
    const faults = faultsByNode(root, [
      { path: 'rule.all[0].visited.path.prefix', message: 'a' },
      { path: 'rule.all[1].attribute.in[1]', message: 'b' },
      { path: 'rule.all', message: 'c' },
      { path: 'elsewhere', message: 'd' },
    ]);
    expect(faults.get(root.children[0]!.id)).toEqual([{ field: 'path.prefix', message: 'a' }]);
    expect(faults.get(root.children[1]!.id)).toEqual([{ field: 'in[1]', message: 'b' }]);
    expect(faults.get(root.id)).toEqual([{ message: 'c' }, { message: 'd' }]);
  });
});
