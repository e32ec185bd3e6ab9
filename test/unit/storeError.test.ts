// Which ClickHouse failures are retried: a full disk under the engine is, a bad row is not.
import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { classifyStoreError } from '../../src/store/storeError.ts';

describe('classifyStoreError', () => {
  it('retries a server out of space (code 243 NOT_ENOUGH_SPACE)', () => {
    const err = new ClickHouseError({ message: 'Cannot reserve 1.00 MiB, not enough space', code: '243', type: 'NOT_ENOUGH_SPACE' });
    expect(classifyStoreError(err, 'insert')).toMatchObject({ retryable: true, code: '243' });
  });

  it('retries the embedded engine failing to write its parts on a full disk (the message says so)', () => {
    const chdb = new Error('Code: 74. DB::ErrnoException: Cannot write to file /data/clickhouse/store/tmp_insert_all_1_1_0/data.bin, errno: 28, strerror: No space left on device. (CANNOT_WRITE_TO_FILE_DESCRIPTOR)');
    expect(classifyStoreError(chdb, 'insert')).toMatchObject({ retryable: true, code: '74' });
    expect(classifyStoreError(new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)'), 'insert')).toMatchObject({ retryable: true, code: '243' });
    expect(classifyStoreError(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), 'insert').retryable).toBe(true);
    expect(classifyStoreError(new ClickHouseError({ message: 'std::exception. Code: 1001, type: std::filesystem::filesystem_error, e.what() = filesystem error: in create_directories: No space left on device', code: '1001', type: 'STD_EXCEPTION' }), 'insert').retryable).toBe(true);
  });

  it('does not retry a row the engine refuses', () => {
    const bad = new ClickHouseError({ message: 'Cannot parse input: expected \'"\' before: …', code: '27', type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' });
    expect(classifyStoreError(bad, 'insert').retryable).toBe(false);
    expect(classifyStoreError(new Error('Code: 27. DB::Exception: Cannot parse input'), 'insert').retryable).toBe(false);
    // A row quoted in the refusal cannot make it look like a full disk, and so block the spool.
    const quoting = new Error("Code: 27. DB::Exception: Cannot parse input: expected ',' before: 'No space left on device (NOT_ENOUGH_SPACE) timeout'");
    expect(classifyStoreError(quoting, 'insert').retryable).toBe(false);
  });

  it("reads the code of chDB's ClickHouseError, another copy of the client's class", () => {
    // chDB's connection throws the ClickHouseError of its own copy of the client's common code.
    class ClickHouseError extends Error {
      readonly code: string;
      readonly type: string;
      constructor(message: string, code: string, type: string) {
        super(message);
        this.code = code;
        this.type = type;
      }
    }
    expect(classifyStoreError(new ClickHouseError('Too many parts (300)', '252', 'TOO_MANY_PARTS'), 'insert')).toMatchObject({ retryable: true, code: '252' });
    expect(classifyStoreError(new ClickHouseError('Cannot parse input', '27', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'), 'insert')).toMatchObject({ retryable: false, code: '27' });
  });
});
