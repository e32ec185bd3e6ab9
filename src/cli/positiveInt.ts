import { InvalidArgumentError } from 'commander';

/** A commander option parser: an integer from 1 to `max`, or one line naming the option and the range. */
export const positiveInt = (name: string, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}`);
  return n;
};
