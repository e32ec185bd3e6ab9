// privacyNotice: the privacy page (policy 8.1), the operator's contact and the record of processing.
import { recordOfProcessing } from './recordOfProcessing.ts';

/** `contact` is CALYPSO_CONTACT_EMAIL, empty when unset. */
export function createPrivacyResolvers(contact: string) {
  // Built once per language: the record is fixed for the life of the process.
  const records = { EN: recordOfProcessing('en'), RU: recordOfProcessing('ru') };
  return {
    Query: {
      privacyNotice(_: unknown, args: { language: 'EN' | 'RU' }) {
        return { contact: contact === '' ? null : contact, records: records[args.language] };
      },
    },
  };
}
