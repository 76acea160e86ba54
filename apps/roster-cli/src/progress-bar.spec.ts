import { ProgressBar } from './progress-bar';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 100, write: (chunk: string) => writes.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe('ProgressBar', () => {
  it('redraws one bar in place on a terminal, with count/total, percentage and rate', () => {
    const { stream, writes } = fakeStream(true);
    const bar = new ProgressBar('verify', 200, { stream, intervalMs: 0 });
    bar.update(50);
    bar.update(200);
    bar.done();
    expect(writes[0]).toMatch(/^\r\x1b\[2Kverify \[#+-+\]\s+25% 50\/200 [\d,]+\/s$/);
    expect(writes.at(-1)).toBe('\n');
  });

  it('prints plain periodic lines elsewhere, and nothing for a short run', () => {
    const { stream, writes } = fakeStream(false);
    const bar = new ProgressBar('verify', undefined, { stream, intervalMs: 0 });
    bar.update(1234);
    expect(writes).toEqual([expect.stringMatching(/^verify: 1,234, [\d,]+\/s\n$/)]);

    const quiet = fakeStream(false);
    const short = new ProgressBar('verify', 10, { stream: quiet.stream, intervalMs: 60_000 });
    short.update(10);
    short.done();
    expect(quiet.writes).toEqual([]);
  });
});
