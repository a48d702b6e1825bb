// A tiny corpus with a meta.csv for the ablation's tests: 12 bona fide clips (6 speakers) and 12 spoofs
// (attacks A1, A2), 0.25 s at 8 kHz; meta.csv puts speakers s4, s5 (and their spoofs) in the test split.
// Spoofs carry a quarter of the bona fide clips' noise, so a detector can tell them apart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/encode';
import { Random } from '../../src/random';
import { ABLATION_PIPELINE } from '../../src/report/arms';

export function writeTinyCorpus(dir: string): void {
  const rng = new Random(5);
  const metaRows = ['path,class,system,speaker,sentence_id,language,split,text'];
  for (let i = 0; i < 12; i++) {
    const spk = `s${i % 6}`;
    const split = i % 6 >= 4 ? 'test' : 'train';
    for (const [cls, sys] of [
      ['bonafide', ''],
      ['spoof', i % 2 ? 'A1' : 'A2'],
    ] as const) {
      const x = Float32Array.from(
        { length: 2000 },
        (_, t) =>
          0.3 * Math.sin((2 * Math.PI * (200 + 40 * i) * t) / 8000) +
          (cls === 'spoof' ? 0.05 : 0.2) * (rng.next() - 0.5),
      );
      const rel = cls === 'bonafide' ? `bonafide/${spk}/c${i}.wav` : `spoof/${sys}/c${i}.wav`;
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), encodeWav({ sampleRate: 8000, channels: [x] }));
      metaRows.push(
        `${rel},${cls},${sys || 'bonafide'},${cls === 'bonafide' ? spk : `${sys}:${split}`},"sent, ${i}",en,${split},"say ""hi"""`,
      );
    }
  }
  writeFileSync(join(dir, 'meta.csv'), `${metaRows.join('\n')}\n`);
}

/** The ablation's base pipeline cropped to the tiny corpus's 0.25 s clips. */
export const TINY_PIPELINE = {
  stages: ABLATION_PIPELINE.stages.map((s) => (s.op === 'crop' ? { ...s, seconds: 0.25 } : s)),
};
