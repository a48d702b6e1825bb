import assert from 'node:assert/strict';
import Module from 'node:module';
import { afterEach, beforeEach, test } from 'node:test';
import { heatmap } from '../../src/notebook/heatmap';
import { toHtml } from '../../src/notebook/bundle';
import { injectPlotly, show } from '../../src/notebook/show';
import { audioHtml, listen, liveChart, progress } from '../../src/notebook/widgets';
import { wav16 } from '../../src/notebook/wav';
import { synthSpectrogram } from './synth';

// A stand-in for tslab's internal jupyter module, registered in require.cache under the path shape
// the kernel uses, so `show` finds it exactly as it finds the real one in a tslab kernel.
const FAKE = '/opt/fake/node_modules/tslab/dist/jupyter.js';
type Sent = { content: { data: Record<string, unknown>; transient?: { display_id?: string } }; update: boolean };
let sent: Sent[] = [];

function installFakeKernel(): void {
  const m = new Module(FAKE);
  m.filename = FAKE;
  m.loaded = true;
  m.exports = { lastWriteDisplayData: (content: Sent['content'], update: boolean) => sent.push({ content, update }) };
  require.cache[FAKE] = m;
}

beforeEach(() => {
  sent = [];
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('specmorph.plotlyInjected')];
});
afterEach(() => {
  delete require.cache[FAKE];
});

const small = { rows: 3, cols: 4, data: new Float32Array(12).map((_, i) => i) };

test('show outside a kernel sends nothing and does not throw', () => {
  assert.equal(show(small), undefined);
  listen({ sampleRate: 8000, channels: [new Float32Array(10)] });
  assert.equal(sent.length, 0);
});

test('show in a (fake) tslab kernel: plotly.js once, then ONE display_data per figure with 4 MIME types and a display id', () => {
  installFakeKernel();
  show(small);
  show(heatmap(small, { title: 'second' }));
  assert.equal(sent.length, 3);
  assert.match(String(sent[0].content.data['text/html']), /embedded by specmorph[\s\S]*window\.Plotly = Plotly/);
  for (const s of sent.slice(1)) {
    assert.equal(s.update, false);
    assert.deepEqual(Object.keys(s.content.data).sort(), [
      'application/vnd.plotly.v1+json',
      'image/png',
      'text/html',
      'text/plain',
    ]);
    assert.match(String(s.content.transient?.display_id), /^fig-[0-9a-f]{12}$/);
    assert.doesNotMatch(String(s.content.data['text/html']), /window\.Plotly = Plotly/);
  }
  assert.match(String(sent[2].content.data['text/plain']), /^Figure 'second': heatmap 3×4, z 0…11 value$/);
  assert.equal(injectPlotly(), false, 'already injected in this session');
});

test('show {displayId, update: true} sends update_display_data for that id', () => {
  installFakeKernel();
  show(small, { displayId: 'mine' });
  show(heatmap(small, { colorScale: 'magma' }), { displayId: 'mine', update: true });
  const last = sent[sent.length - 1];
  assert.equal(last.update, true);
  assert.equal(last.content.transient?.display_id, 'mine');
});

test('listen in a (fake) kernel: text/plain shows the label as given (A & B <stereo>), the HTML escapes it', () => {
  installFakeKernel();
  listen({ sampleRate: 8000, channels: [new Float32Array(800), new Float32Array(800)] }, { label: 'A & B <stereo>' });
  const data = sent[sent.length - 1].content.data;
  assert.equal(data['text/plain'], 'Audio(A & B <stereo>)');
  assert.match(String(data['text/html']), />A &amp; B &lt;stereo&gt;<\/div>/);
  listen({ sampleRate: 8000, channels: [new Float32Array(800)] });
  assert.equal(sent[sent.length - 1].content.data['text/plain'], 'Audio(8000 Hz, 0.10 s, 1 channel)');
});

test('progress(4) in a kernel: one display then in-place updates with the same display id', () => {
  installFakeKernel();
  const p = progress(4, { label: 'load', minIntervalMs: 0 });
  p.tick();
  p.update(3, 'almost');
  p.done('ok');
  assert.ok(sent.length >= 4);
  const id = sent[0].content.transient?.display_id;
  assert.match(String(id), /^progress-/);
  assert.equal(sent[0].update, false);
  for (const s of sent.slice(1)) {
    assert.equal(s.update, true);
    assert.equal(s.content.transient?.display_id, id);
  }
  assert.equal(sent[sent.length - 1].content.data['text/plain'], `load [${'#'.repeat(30)}] 100% 4/4 ok`);
  assert.match(String(sent[sent.length - 1].content.data['text/html']), /<progress value="1" max="1"/);
});

test('progress(10) outside a kernel redraws one terminal line with \\r and ends with a newline', () => {
  let out = '';
  const p = progress(10, { width: 10, stream: { write: (s: string) => (out += s) }, minIntervalMs: 0 });
  p.update(5);
  p.done();
  assert.equal(out, `\r[          ] 0% 0/10\r[#####     ] 50% 5/10\r[##########] 100% 10/10\n`);
  assert.throws(() => progress(0), /total=0 must be a finite number > 0/);
});

test('liveChart: first update displays, later ones replace it in place; history kept', () => {
  installFakeKernel();
  const chart = liveChart();
  chart.update(1, { loss: 1, acc: 0.5 });
  chart.update(2, { loss: 0.5, acc: 0.7 });
  const figs = sent.filter((s) => 'application/vnd.plotly.v1+json' in s.content.data);
  assert.equal(figs.length, 2);
  assert.deepEqual(
    figs.map((s) => s.update),
    [false, true],
  );
  assert.equal(figs[0].content.transient?.display_id, figs[1].content.transient?.display_id);
  assert.deepEqual(chart.history, [
    { epoch: 1, loss: 1, acc: 0.5 },
    { epoch: 2, loss: 0.5, acc: 0.7 },
  ]);
  assert.deepEqual(
    chart.figure().data.map((t) => t.y),
    [
      [1, 0.5],
      [0.5, 0.7],
    ],
  );
});

test('wav16 stereo 8 kHz: RIFF header fields and samples round(v*32767), clipped', async () => {
  const left = new Float32Array([0, 0.5, -0.5, 1.2]);
  const right = new Float32Array([1, -1, 0.25, -2]);
  const bytes = wav16({ sampleRate: 8000, channels: [left, right] });
  const b = Buffer.from(bytes);
  assert.equal(b.toString('latin1', 0, 4), 'RIFF');
  assert.equal(b.toString('latin1', 8, 16), 'WAVEfmt ');
  assert.equal(b.readUInt16LE(22), 2);
  assert.equal(b.readUInt32LE(24), 8000);
  assert.equal(b.readUInt16LE(34), 16);
  assert.equal(b.readUInt32LE(40), 16);
  const got = Array.from({ length: 8 }, (_, i) => b.readInt16LE(44 + 2 * i));
  assert.deepEqual(got, [0, 32767, 16384, -32768, -16384, 8192, 32767, -32768]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const decoded = await require('wav-decoder').decode(bytes.buffer);
  assert.equal(decoded.sampleRate, 8000);
  assert.ok(Math.abs(decoded.channelData[0][1] - 0.5) < 1e-4);
});

test('audioHtml embeds an <audio controls> with a WAV data URI', () => {
  const html = audioHtml({ sampleRate: 16000, channels: [new Float32Array(1600)] });
  assert.match(html, /<audio controls preload="metadata" src="data:audio\/wav;base64,UklGR/);
  assert.match(html, /16000 Hz, 0\.10 s, 1 channel/);
  assert.throws(() => audioHtml({ sampleRate: 0, channels: [new Float32Array(1)] }), /audio.sampleRate=0/);
});

test('audioHtml normalise=true: the embedded WAV peaks at -1 dBFS in every channel; the default keeps the level', async () => {
  const quiet = { sampleRate: 8000, channels: [Float32Array.of(0, 0.01, -0.02), Float32Array.of(0.005, 0, 0)] };
  const peaks = async (html: string): Promise<number[]> => {
    const b64 = /base64,([^"]+)"/.exec(html)![1];
    const decoded = await require('wav-decoder').decode(new Uint8Array(Buffer.from(b64, 'base64')).buffer);
    return decoded.channelData.map((c: Float32Array) => Math.max(...c.map(Math.abs)));
  };
  // One gain for all channels (-1 dBFS / the loudest sample), so their balance is kept.
  const [left, right] = await peaks(audioHtml(quiet, { normalise: true }));
  assert.ok(Math.abs(left - 10 ** (-1 / 20)) < 1e-4, `left peak ${left}`);
  assert.ok(Math.abs(right - 10 ** (-1 / 20) / 4) < 1e-4, `right peak ${right}`);
  const [rawLeft] = await peaks(audioHtml(quiet));
  assert.ok(Math.abs(rawLeft - 0.02) < 1e-4, `unnormalised peak ${rawLeft}`);
});

test('toHtml of 2 figures: standalone page, plotly.js inlined once, both PNG fallbacks', () => {
  const html = toHtml([heatmap(small), synthSpectrogram(1)]);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.equal(html.split('window.Plotly = Plotly').length - 1, 1);
  assert.equal(html.split('<img class="specmorph-png"').length - 1, 2);
  assert.doesNotMatch(
    html.replace(/<script type="text\/javascript">\/\* plotly\.js[\s\S]*?<\/script>/, ''),
    /<script[^>]+src=/,
    'no external scripts',
  );
});

test('show with only tslab public display reachable: falls back to the text/html part alone', () => {
  const PUB = '/opt/fake/node_modules/tslab/dist/public.js';
  const raw: [string, string][] = [];
  const m = new Module(PUB);
  m.filename = PUB;
  m.loaded = true;
  m.exports = { display: { raw: (type: string, value: string) => raw.push([type, value]) } };
  require.cache[PUB] = m;
  try {
    show(small);
  } finally {
    delete require.cache[PUB];
  }
  assert.deepEqual(
    raw.map(([type]) => type),
    ['text/html', 'text/html'],
  );
  assert.match(raw[0][1], /embedded by specmorph/);
  assert.match(raw[1][1], /<img class="specmorph-png"/);
});

test('widgets refuse unknown options and flags that are not booleans', () => {
  const audio = { sampleRate: 8000, channels: [new Float32Array(10)] };
  assert.throws(
    () => audioHtml(audio, { normalize: true } as never),
    /^ParameterError: audioHtml: unknown option normalize; did you mean normalise\?/,
  );
  assert.throws(
    () => listen(audio, { lable: 'x' } as never),
    /^ParameterError: listen: unknown option lable; did you mean label\?/,
  );
  assert.throws(
    () => audioHtml(audio, { normalise: 'yes' as never }),
    /^ParameterError: normalise="yes" must be a boolean$/,
  );
  assert.throws(
    () => progress(3, { min_interval_ms: 0 } as never),
    /^ParameterError: progress: unknown option min_interval_ms; did you mean minIntervalMs\?/,
  );
  assert.throws(
    () => liveChart({ minInterval: 10 } as never),
    /^ParameterError: liveChart: unknown option minInterval; did you mean minIntervalMs\?/,
  );
  assert.throws(
    () => liveChart({ minIntervalMs: -1 }),
    /^ParameterError: minIntervalMs=-1 must be a finite number >= 0$/,
  );
  // minIntervalMs is liveChart's own, and not passed on to trainingCurves
  const chart = liveChart({ minIntervalMs: 10, title: 'loss' });
  chart.update(0, { loss: 1 });
  assert.equal(chart.figure().layout.title?.text, 'loss');
  assert.throws(() => show(small, { update: 'yes' } as never), /^ParameterError: update="yes" must be a boolean$/);
  assert.throws(
    () => show(small, { displayid: 'a' } as never),
    /^ParameterError: show: unknown option displayid; did you mean displayId\?/,
  );
  assert.throws(
    () => toHtml(small, { titel: 'x' } as never),
    /^ParameterError: toHtml: unknown option titel; did you mean title\?/,
  );
});
