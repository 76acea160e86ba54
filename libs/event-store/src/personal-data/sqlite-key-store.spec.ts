import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKeyStoreContract } from './key-store.contract';
import { SqliteKeyStore } from './sqlite-key-store';

const dir = mkdtempSync(join(tmpdir(), 'roster-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeKeyStoreContract('SqliteKeyStore', async () => ({
  keys: new SqliteKeyStore({ path: join(dir, 'keys.sqlite') }),
  contents: async () => readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString('latin1')).join('\n'),
}));
