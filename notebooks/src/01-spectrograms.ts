// %% [markdown]
// # 1. From a sound file to a spectrogram
//
// A deepfake detector never sees the waveform directly: it looks at a **spectrogram**, a picture of
// how much energy the sound has at each frequency (vertical axis) at each moment (horizontal axis).
// This notebook builds one step by step from a real clip of the bundled corpus, and lets you listen
// to what you are looking at.

// %%
import * as sm from 'specmorph';
import * as path from 'node:path';
// The bundled corpus unless `npm start` / the tests point elsewhere.
const DATA = process.env.SPECMORPH_DATA ?? path.resolve('../datasets/corpus');
// SPECMORPH_QUICK=1 (the CI test) shrinks the training so the notebook runs in seconds.
const QUICK = process.env.SPECMORPH_QUICK === '1';
const ds = await sm.scanFolderDataset(DATA);
const meta = sm.readCorpusMeta(DATA);
const rel = (p: string) => path.relative(DATA, p);
console.log(`${ds.items.length} clips in ${path.relative(process.cwd(), DATA) || '.'}${QUICK ? ' (quick mode)' : ''}`);

// %% [markdown]
// ## Decode a clip
//
// `loadAudio` reads WAV or FLAC into an `Audio` object: a sample rate and one `Float32Array` per
// channel, values in [-1, 1]. The corpus clips are 8 kHz mono, 2 s long.

// %%
const clip = ds.items.find((it) => it.label === 'bonafide' && it.path.includes('en-allison')) ?? ds.items.find((it) => it.label === 'bonafide')!;
const audio = await sm.loadAudio(clip.path, { mono: true });
const x = audio.channels[0];
console.log(rel(clip.path), `${audio.sampleRate} Hz, ${x.length} samples = ${(x.length / audio.sampleRate).toFixed(2)} s`);
if (meta) console.log('text:', meta.get(rel(clip.path))?.fields.text);
sm.listen(audio, { label: `bona fide: ${rel(clip.path)}` });

// %%
const t = Float64Array.from(x, (_, i) => i / audio.sampleRate);
sm.show(sm.lineFigure([{ name: 'waveform', x: t, y: x }], { title: 'Waveform', xTitle: 'time (s)', yTitle: 'amplitude (full scale = 1)', height: 280 }));

// %% [markdown]
// ## Short-time Fourier transform
//
// The STFT cuts the signal into short overlapping frames (here 25 ms = 200 samples, one every 10 ms
// = 80 samples), multiplies each by a Hann window and takes its FFT (256 points, so 129 frequency bins
// from 0 to 4 kHz, 31.25 Hz apart). Squaring the magnitude gives the **power spectrogram**: 129 rows
// (frequency) × 201 columns (time).

// %%
const stftOpts = { nFft: 256, hopLength: 80, winLength: 200 };
const power = sm.spectrogram(x, { sampleRate: audio.sampleRate, ...stftOpts });
console.log(`${power.rows} bins × ${power.cols} frames, unit ${power.unit}`);
sm.show(sm.heatmap(power, { title: 'Power spectrogram (linear scale)' }));

// %% [markdown]
// On a linear scale almost everything looks black: speech energy spans many orders of magnitude and
// only the loudest harmonics show. Our ears hear loudness roughly logarithmically, so we convert to
// **decibels**: `10·log10(power / reference)`, here relative to the loudest bin, clipped 80 dB below it.

// %%
const db = sm.powerToDb(power, { ref: 'max', topDb: 80 });
sm.show(sm.heatmap(db, { title: 'Power spectrogram in dB (0 dB = loudest bin)' }));

// %% [markdown]
// Now the structure is visible: horizontal stripes are the **harmonics** of the voice (multiples of the
// pitch), the dark gaps are pauses, the broad bands that move are **formants** (resonances of the vocal
// tract that make the vowels).
//
// ## Mel scale
//
// We hear pitch differences better at low frequencies than at high ones. The mel filterbank groups
// linear bins into bands that are narrow at low frequencies and wide at high ones (Slaney's mel scale,
// as librosa). 40 mel bands replace the 129 linear bins.

// %%
const mel = sm.melSpectrogram(x, { sampleRate: audio.sampleRate, ...stftOpts, nMels: 40 });
sm.show(sm.heatmap(sm.powerToDb(mel, { ref: 'max' }), { title: 'Mel spectrogram in dB (40 bands)' }));

// %% [markdown]
// ## Bona fide vs spoofed
//
// Every spoofed clip of the corpus was made from a bona fide one (re-synthesised by a vocoder, or the
// same sentence spoken by a speech synthesiser). Here is a clip and its spoofed counterpart side by
// side, on the same colour scale. Listen to both.

// %%
const pair = meta ? [...meta.values()].find((r) => r.fields.class === 'spoof' && r.fields.bonafide_pair === rel(clip.path)) : undefined;
const spoofItem = pair ? ds.items.find((it) => rel(it.path) === pair.path)! : ds.items.find((it) => it.label === 'spoof')!;
const spoofAudio = await sm.loadAudio(spoofItem.path, { mono: true });
const spoofDb = sm.powerToDb(sm.spectrogram(spoofAudio.channels[0], { sampleRate: spoofAudio.sampleRate, ...stftOpts }), { ref: 'max' });
console.log('spoof:', rel(spoofItem.path), 'attack system:', spoofItem.attack);
sm.show(sm.compareStages({ 'bona fide': db, [`spoof (${spoofItem.attack})`]: spoofDb }, { title: 'Bona fide vs spoofed, dB' }));
sm.listen(spoofAudio, { label: `spoof (${spoofItem.attack}): ${rel(spoofItem.path)}` });

// %% [markdown]
// Differences are often subtle to the eye: smeared or too-regular harmonics, missing noise between
// them, a hard upper band edge. Notebook 2 shows tools to emphasise such structures; notebook 3 lets a
// network find them.
