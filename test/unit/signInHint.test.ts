// The page's reading of the sign-in hint cookie (web/signInHint.ts): the purposes while it is live.
import { describe, expect, it } from 'vitest';
import { hintedPurposes } from '../../web/signInHint.ts';

describe('hintedPurposes', () => {
  const now = 1_800_000_000_000;
  it('reads the purposes of a live hint among other cookies', () => {
    expect(hintedPurposes(`a=1; calypso_hint=${now + 1}:STATISTICS.SUBJECT_REQUEST; b=2`, now)).toEqual(['STATISTICS', 'SUBJECT_REQUEST']);
    expect(hintedPurposes(`calypso_hint=${now + 1}:ADMINISTRATION`, now)).toEqual(['ADMINISTRATION']);
  });
  it('says nothing when the hint is missing, past its time, cleared, or malformed', () => {
    expect(hintedPurposes('', now)).toBeUndefined();
    expect(hintedPurposes('other=1', now)).toBeUndefined();
    expect(hintedPurposes(`calypso_hint=${now}:STATISTICS`, now)).toBeUndefined();
    expect(hintedPurposes('calypso_hint=', now)).toBeUndefined();
    expect(hintedPurposes(`calypso_hint=${now + 1}:statistics`, now)).toBeUndefined();
    expect(hintedPurposes(`xcalypso_hint=${now + 1}:STATISTICS`, now)).toBeUndefined();
  });
});
