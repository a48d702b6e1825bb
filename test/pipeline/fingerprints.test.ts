import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DEFAULT_PIPELINE,
  MORPHOLOGY_OPS,
  pipelineFingerprint,
  pipelineToJson,
  type PipelineConfig,
} from '../../src/pipeline/config';
import { ABLATION_FOOTPRINTS, ABLATION_PIPELINE, ablationArms, armPipeline } from '../../src/report/arms';
import { DEFAULT_GMM_PIPELINE } from '../../src/model/gmmModel';
import { CONFIG_ZOO } from './configZoo';

// Feature caches and model folders are keyed by pipelineFingerprint and store pipelineToJson's text,
// so neither may move when the pipeline code is reorganised. These values were computed by the code
// before the op registry (commit a0470f9); never regenerate them to make this test pass: a change here
// orphans every feature cache and makes `specmorph evaluate` refuse every saved model.
// [config, pipelineFingerprint, sha-256 of pipelineToJson]
const PINNED: [string, string, string][] = [
  // DEFAULT_PIPELINE gained its excitation rows on 2026-11-30, their 8 kHz analysis rate on
  // 2026-12-01, its LFCC rows later that day and the excitation rows' Griffin-Lim reference on
  // 2026-12-02, its prosody rows on 2026-12-03, deliberate changes of the default (new caches and
  // models); its stages alone keep the old pins, and each earlier default keeps its own (models saved with it).
  [
    'DEFAULT_PIPELINE',
    'e46f18bd9f082e1866868c4c7e8e5178461d641c80ba3fb565f3739214467a33',
    '7a353272167513b089abf1068f05a94b1812dac1de0c763802c050816c473ebb',
  ],
  [
    'DEFAULT_PIPELINE before the prosody rows',
    '078154228f96202aa27b1f5c58bf1d31a0451b49bdedccffdaf9f40f732975d8',
    '8357442ea9da6e040d87ecdc30c5c2f1eaefc12c19ee08788de7b4f0785be586',
  ],
  [
    'DEFAULT_PIPELINE before the harmonic phase',
    '575bf81dd94a9473b5540042df40aaf390dbdc371c045eb72a55ca56a5bbc53a',
    'b6b5580940e3f0aff937981059875c344e9f315d5729c955d6e66eda4086fca1',
  ],
  [
    'DEFAULT_PIPELINE before the Griffin-Lim reference',
    '2fcc2e3d1f1cf6a1f1c3342db2d359577831a20412faf94b5ae2a5f1969fb953',
    'c41872268a8406ab470e881f1b96e3b3f89c6862a5306c6abe03e9bcceeb3a9b',
  ],
  [
    'DEFAULT_PIPELINE stages',
    'b870a1499d769aadb5132cd81b6a8c6bf380e0a05dfb4ea4e45224e574c2e1d5',
    'aa88ba456e0ca3b341dd89a4108365fd21c67df07b53d3e90a095b2ba86f79fc',
  ],
  [
    'ABLATION_PIPELINE',
    '4e54b4706df1d98e0514e8bf672417a12eee4c9d47557a9ffbb6f46e75e0b90b',
    '1db7b11f56328ce839c735940e96954faaf5ffa33d7de9a3bf9a0de3fdedab0d',
  ],
  [
    'DEFAULT_GMM_PIPELINE',
    '13a9b28c9f68592a6b66cd0e0a51bb1ce2aaf2cb1c6a49989a44d6f3febd18e1',
    'e759391be7a851a0f3daa465fded69df8d77312b2b3fc5ff4e0d64bc68a182ff',
  ],
  [
    'arm none',
    '4e54b4706df1d98e0514e8bf672417a12eee4c9d47557a9ffbb6f46e75e0b90b',
    '1db7b11f56328ce839c735940e96954faaf5ffa33d7de9a3bf9a0de3fdedab0d',
  ],
  [
    'arm erode rect 3×3',
    'db6eb911440f3590a5e72c6b0edf50be75c05986508726dd30f55cd4da7f36e9',
    '10e8ac808111185e4ac37c9649321788510e46771452c0ffa5f7e1d39d7346c8',
  ],
  [
    'arm erode line 5 time',
    'a69e3cad398374766b7beca273f439fee9391e6412af427e0cadeae7061a9acc',
    'c5a504a1697170875cb011fe70d0b0dc84a71c7845a3cf6980ab6d9ca39faafa',
  ],
  [
    'arm erode line 5 frequency',
    'bf494d5ee0a4b886ee9b92199659258e9d1165296d11dc7945fa2fc66e852a7b',
    'a6013ac6048b1041f7b1501014389c2a77ea75723f33b6996c44182b312e4660',
  ],
  [
    'arm dilate rect 3×3',
    '493c5f5e775e1862590d5e47f13f8308eecaeeb22424c2c1801951dbe0898d2c',
    '0d67406cc0c501b3b853fd63b96931249aa27550b36af4d288701d9fc2de495c',
  ],
  [
    'arm dilate line 5 time',
    '5306125c5d6f11cf51ac2fd965074dcf8115a36a7d900c0f258e03a28b292cc3',
    '57a07eab3f3fe0c07b367d256cb95fc6302500728b8d0bad20cdd52e03f098e3',
  ],
  [
    'arm dilate line 5 frequency',
    '3dd5a0dec21306c95dd5a22109014985c18f23c831df5c53789f8f023f3caac3',
    '78f3fa43ee34f982d964aa47265da95094e99be9a4f37c368e22eeb477911818',
  ],
  [
    'arm opening rect 3×3',
    '9641e22c4d737e7b954c6c0c99940566f8a36dafc6314ac1e2697aac65f7567f',
    '7c048990f4cc6f8a6ace471fa4e499da42619c4a603edc866eaa46c19ff21009',
  ],
  [
    'arm opening line 5 time',
    'e6a4d8942550a48cddbd609c2d9ec212e7ab520e4e356fcb8bbf50c060a5a9ec',
    '416f81216a6656fceca20b6d6242571adb578a8a80edca8a77d15255e3fc5383',
  ],
  [
    'arm opening line 5 frequency',
    '46180fe33ac366740fdb79e09848221d8634aeff57d10425123ed724dd6a29ca',
    '61ab4db9c6786fdf08b1e8d7d331bf0e22e31dba1e4be510b0f07bbce0432a15',
  ],
  [
    'arm closing rect 3×3',
    '8dde4e90bad90dbf98587469b0d83ecb2258f053a9d357afa108b980482ff235',
    '0a619c2b0851a8ec8fe02d930efb0f1c123078d63d5d415736e3db994566f35c',
  ],
  [
    'arm closing line 5 time',
    '1f79f53bb973cb69168c52d2ed461596d212a03071828c24a9a99c8aa188c4f2',
    '01bccf9dca28759d911feac23af2e67a9098aaec28864bbcd2c62a56cff0ece3',
  ],
  [
    'arm closing line 5 frequency',
    'e8d89208a45deb923b51ced5f06e66bc759624a1899eba478c711b39979491bd',
    'd090e08bf837df87c11213905153165f840e5f842f3e155aeaab21aaa4d2fe92',
  ],
  [
    'arm whiteTopHat rect 3×3',
    '40d92213b40f25d9d172b643c7cdc320a8ee9e6285d227123551f27d356725de',
    '03cc720c66125ab748f8c862edbac1e78c80624c269a7fccf024835709ec6fc5',
  ],
  [
    'arm whiteTopHat line 5 time',
    'a5c5400cfb060aeab74372d48e1f2bdd4f013ba045cdfcce793459381717fb50',
    '0522d8b3f36f7aab7c88819342025249790f969379e8c15273d226f91eb81a16',
  ],
  [
    'arm whiteTopHat line 5 frequency',
    '8ca4d8056d894651d9e1d0dff971306c4e9eb49c8ac7d705b9ff5eadb3345517',
    'e41fe3f8d1167a87fef2d6b72f6694488011f3b8f573979ff48ddad707a6b759',
  ],
  [
    'arm blackTopHat rect 3×3',
    '5b45487610a13d1b8b6485acc0dd3cbde35a6791aa9bf495256e72c3a9638da4',
    'ca08680c845caf7a33daf858114272a6ca7316e27ac686db75cd8a9b8577d50e',
  ],
  [
    'arm blackTopHat line 5 time',
    '4f2b4683f98257af722406939ef3949585c3eee5ee84086283a36da14e738e0b',
    'e289291c1ff27fe581c7649de6721001b2d95333fc0a85833a2a214e7b75c591',
  ],
  [
    'arm blackTopHat line 5 frequency',
    '9dc09188e2d5f1bd7e2d3265390bd9c89acd4f65bc4257dd174f22d8d371c53f',
    'b63f518973451a6f310504acc48c5ebe7a39f2faac481b98c29ed0f2ffbf6217',
  ],
  [
    'arm morphologicalGradient rect 3×3',
    'b2f534f7f58d03a6ef232c3b2899fa3354ac806f6c972d1bb9d350a716476147',
    '27fd216f043e3f9184891874b21081cdf6a149b6d3e0893bec32d1959ec30ed9',
  ],
  [
    'arm morphologicalGradient line 5 time',
    'c7f0bca2fd306071c4a35acd2efdabc193f2221ae149f52703f9752e78103420',
    '72044e84fe9b57f71dffafdeadaa0f8b45ed95a9460392fe0e935dbfa1c857e8',
  ],
  [
    'arm morphologicalGradient line 5 frequency',
    'ba6195dac71b19ba2c5f9303b1c605654d593c0cd15e65fda73433daeabefc36',
    '8456b6d52ebb765349f62a97479c0d97b12560f03889a6ac8230cdfeefcd7094',
  ],
  [
    'arm learned (morph-cnn)',
    '4e54b4706df1d98e0514e8bf672417a12eee4c9d47557a9ffbb6f46e75e0b90b',
    '1db7b11f56328ce839c735940e96954faaf5ffa33d7de9a3bf9a0de3fdedab0d',
  ],
  [
    'config test withMorph',
    '9d2063b64134eaf6d3229e3d6b1d1ce8ada10ba9af1c10562f726489b9b4fe85',
    '9134e4a299f5e7c3745fadaca133004c40d11ab0e08bbcaf5c1405c1d06f3a88',
  ],
  [
    'every audio op at defaults, stft, db, resize, normalise',
    '1dcc04fb4ca18c638bfb9295f8f5c96699f99a18dea2a152ec1f269d1c4099b7',
    'b6a5268eb300a3e8353ce66d187d5accfc6c35580203ec104f58acef4c75b0db',
  ],
  [
    'mel at defaults',
    '24145a39c44f52c8ac5fd0db8450f31dca917fbb548b1877afe152af636e8e75',
    'bfd8ebda75e21ccf6766cf324178c03209c46432da11bbdb5f726a53bd9dc4f0',
  ],
  [
    'mfcc at defaults',
    'd7330fa29dcc5a2309b5e8253d712b2ae6a02bb9e76d642a0ae1bce43c7bb51d',
    '1c22c0d6788995e7e35914e66564144885392b37b6998414440e0c710efda81b',
  ],
  [
    'lfcc at defaults',
    '6f8059757d511d0e715b261ce2ed56596dc77c13458cc55dc9964b66903024de',
    'a0f8b2a700dccc856d711979d0ece8d838bd7f9aa32a4dbbdbe0464bdb9344a8',
  ],
  [
    'every field off its default',
    'e16e260299b3191c8c0774f9e237a980b65d3821fb6bceca72cfc2c39614575c',
    '7b90866b8171da6c8b3e5807e8e6d3d30aab88d167e552c4c7bda16c0b1e5b5a',
  ],
  [
    'stft power 1 blackman, db amin, zscore fixed stats',
    '4971a6314ecbafec7ba935d606807d085eff6a06eff9e12f424e0e44135dd0c0',
    'e0808ecc1113ab1e961893aac80aa68d6927385ced08acfcf05007074a0058aa',
  ],
  [
    'mfcc and lfcc off their defaults',
    'ccc8b2fb43dab7501c81a100f45bfb41c8911876f2cdc09e4cf493d4faf5556f',
    '85a4c93900b85b44f0c74ee761ecd0e256b2ef6a23ddd8dc20e14f4330fc717f',
  ],
  [
    'lfcc deltas hamming no centre',
    '9599d7481b2de909f1f7e518471a2d19cef7c20fc6e502a1a8eb9c9173ed56b1',
    'e9b9551002de7becd720490c978001343d4c623940f621885d3a5138e13c6e5a',
  ],
  [
    'features test',
    '878e68d2913979156f4cf72221fc82677c597e9c4198c45fbc455d100b4a0352',
    '2b7ee83615995dc956980ee6995c49858de88cb997d11cf59bed3b6231570a91',
  ],
  [
    'cache test',
    '58e6edc4f9fadb051a32bd042edd31382625bbf23c5802dfc9310e29583d19f9',
    'e002dbad89931d836afec9344373ef6c07ab08e4b3b5491479a90db61b4c1834',
  ],
  [
    'excitation at defaults',
    '2e214da5c910537a423c6442d5b67868089603d17b48a9e004175615f2682ac2',
    'bbe5e93afac761758aca9835e4614a9438ee730ea5e34863bd6c084b9f992938',
  ],
  [
    'excitation frameLength order',
    '8ea513a45a9a34a7411a4c0a523ea40ec26f13bbeab111b6c20fb172703b23cb',
    'ba7e3b5aae2bd20fa6b0f132f2f6d88358bcd67be23807274116f9f71d0d4186',
  ],
  [
    'excitation null',
    '7fc6e0f47c246bc4c08f72280398ba50178d5ae8d2a9f695363ebe2fcc873751',
    'd44dc914ac72296d2d66ee090bd480d52e7162f67fd108187ac686390927be15',
  ],
  [
    'excitation sampleRate',
    '816813030286b82a38dba4ac3e891875b4eda8dcf02ed0b310658588ab1ca29c',
    '5eb4e95ad56d6e831af1e0caecf9f1685acc937aa392d334d92ec222de56f982',
  ],
  [
    'lfcc rows at defaults',
    '73ca5b9a8f06564ef4e5de6dee1de7db910da7b7af53d69a7f464335d7aabe60',
    '0ee08db714df1c38cb7d7627bb3c4c10f7634e6703674e40119780ba762a034e',
  ],
  [
    'lfcc rows sampleRate and excitation',
    '345a54529fc6bccc9cb2c176bdd38a1a0f2fd69a693a66dc24bd7a1f9fa67497',
    '9314062783f200844b4de78219889e1661a98a8a21fbf902cf8d2bd0820717b8',
  ],
  [
    'lfcc rows null',
    '7fc6e0f47c246bc4c08f72280398ba50178d5ae8d2a9f695363ebe2fcc873751',
    'd44dc914ac72296d2d66ee090bd480d52e7162f67fd108187ac686390927be15',
  ],
];

const configs = new Map<string, PipelineConfig>([
  ['DEFAULT_PIPELINE', DEFAULT_PIPELINE],
  ['DEFAULT_PIPELINE stages', { stages: DEFAULT_PIPELINE.stages }],
  [
    'DEFAULT_PIPELINE before the Griffin-Lim reference',
    { ...DEFAULT_PIPELINE, excitation: { sampleRate: 8000, reference: 'none' } },
  ],
  [
    'DEFAULT_PIPELINE before the harmonic phase',
    { ...DEFAULT_PIPELINE, excitation: { sampleRate: 8000, reference: 'griffin-lim', harmonicPhase: false } },
  ],
  [
    'DEFAULT_PIPELINE before the prosody rows',
    { ...DEFAULT_PIPELINE, excitation: { sampleRate: 8000, reference: 'griffin-lim', harmonicPhase: true } },
  ],
  ['ABLATION_PIPELINE', ABLATION_PIPELINE],
  ['DEFAULT_GMM_PIPELINE', DEFAULT_GMM_PIPELINE],
  ...ablationArms(MORPHOLOGY_OPS, ABLATION_FOOTPRINTS, true).map(
    (a) => [`arm ${a.name}`, armPipeline(ABLATION_PIPELINE, a)] as [string, PipelineConfig],
  ),
  ...Object.entries(CONFIG_ZOO),
]);

test('the pins cover every config built here (defaults, ablation arms of every operator x footprint, the zoo)', () => {
  assert.deepEqual(PINNED.map(([n]) => n).sort(), [...configs.keys()].sort());
});

for (const [name, fingerprint, jsonSha] of PINNED) {
  test(`pipelineFingerprint and pipeline.json of ${name} are unchanged`, () => {
    const c = configs.get(name);
    assert.ok(c, name);
    assert.equal(pipelineFingerprint(c), fingerprint);
    assert.equal(createHash('sha256').update(pipelineToJson(c)).digest('hex'), jsonSha);
  });
}

test('pipeline.json of DEFAULT_PIPELINE, byte for byte', () => {
  assert.equal(
    pipelineToJson(DEFAULT_PIPELINE),
    `{
  "stages": [
    {
      "op": "mono"
    },
    {
      "op": "resample",
      "sampleRate": 16000
    },
    {
      "op": "crop",
      "seconds": 4,
      "position": "start",
      "pad": "repeat"
    },
    {
      "op": "mel",
      "nFft": 512,
      "hopLength": 160,
      "winLength": 400,
      "window": "hann",
      "center": true,
      "padMode": "constant",
      "nMels": 80,
      "fMin": 0,
      "fMax": null,
      "htk": false,
      "norm": "slaney",
      "power": 2
    },
    {
      "op": "db",
      "ref": 1,
      "topDb": 80
    }
  ],
  "lfcc": {
    "sampleRate": 8000
  },
  "excitation": {
    "sampleRate": 8000,
    "reference": "griffin-lim",
    "harmonicPhase": true,
    "prosody": true
  }
}
`,
  );
});
