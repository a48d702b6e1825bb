#!/usr/bin/python3
"""Build the bundled bona fide / spoof speech corpus from Debian packages.

Run with Debian's python (it needs numpy + scipy): `bash datasets/build.sh` or
`/usr/bin/python3 datasets/build.py [--out datasets/corpus]`. `--extension [test|train] --out DIR`
builds a larger set of one side of the split instead (that side's recordings the corpus does not use,
each with a counterpart from every attack system of that side; datasets/README.md).

Everything it reads is installed by Debian packages (see datasets/README.md for the list);
nothing is downloaded. The output is deterministic: the same packages give byte-identical WAVs
and meta.csv (synthesisers are deterministic, Griffin-Lim starts from a seeded phase, and the
only random numbers come from numpy's PCG64 seeded per clip).

Pipeline for every clip, bona fide or spoof (so rate, band, level and silence carry no class cue):
  decode (sox) -> 8 kHz mono float -> linear-phase FIR band-pass 100-3600 Hz
  -> trim leading silence (first 10 ms frame within 35 dB of the loudest frame)
  -> first 2.000 s from the onset (clips whose speech is shorter are dropped)
  -> 5 ms raised-cosine fades -> RMS set to -26 dBFS
  -> seeded comfort noise lifting the quietest 5 % of frames to a per-clip floor drawn from
     U(-60, -46) dBFS (pink noise, at least -72 dBFS added)
  -> 16-bit PCM WAV, 8000 Hz, mono.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import firwin

RATE = 8000
SEG = 2 * RATE  # fixed segment length, samples
FRAME, HOP = 160, 80  # 20 ms frames, 10 ms hop for the onset detector
ONSET_DB = 35.0  # a frame is speech when within this many dB of the loudest frame
TARGET_DBFS = -26.0
NOISE_DBFS = -72.0  # least comfort noise added to any clip
FLOOR_DBFS_RANGE = (-60.0, -46.0)  # per-clip target for the quietest 5 % of frames (comfort noise)
PEAK_LIMIT = 0.98  # clips that would exceed this after levelling are dropped, never clipped
BANDPASS = firwin(257, [100.0, 3600.0], pass_zero=False, fs=RATE, window=("kaiser", 8.0))
TEST_FRACTION = 0.35

# --- bona fide sources -------------------------------------------------------------------------

ASTERISK = Path("/usr/share/asterisk/sounds")
FILLETS = Path("/usr/share/games/fillets-ng")
TUXPAINT = Path("/usr/share/tuxpaint/stamps")
SPHINX = Path("/usr/share/pocketsphinx/test/data")

LICENCE = {
    "asterisk-core-sounds-en-wav": "CC-BY-SA-3.0 (Allison Smith)",
    "asterisk-core-sounds-fr-wav": "CC-BY-SA-3.0 (June Wallack)",
    "asterisk-core-sounds-it-wav": "CC-BY-3.0 (Carlo Flora)",
    "asterisk-core-sounds-ru-wav": "CC-BY-3.0 (Maxim Topal / ivrvoice.ru)",
    "fillets-ng-data-cs": "GPL-2",
    "fillets-ng-data-nl": "GPL-2",
    "tuxpaint-stamps-default": "GPL-2",
    "pocketsphinx-testdata": "BSD-2-clause (CMU)",
    "espeak-ng-data": "GPL-3+",
    "flite": "BSD-like (CMU Flite licence)",
    "festvox-kallpc16k": "Festival/CSTR free licence (MIT-like)",
    "festvox-kdlpc16k": "Festival/CSTR free licence (MIT-like)",
    "festvox-us-slt-hts": "BSD-3-clause / EST (CMU ARCTIC, HTS)",
    "festvox-czech-dita": "GPL-2+",
    "festvox-czech-krb": "GPL-2+",
    "festvox-czech-machac": "GPL-2+",
}

# Speaker -> split. A speaker never appears in both splits. Related tuxpaint languages that one
# volunteer may have recorded together (be/ru, ca/es) sit on the same side. asterisk es_MX is
# Allison Smith again, so it is left out. Allison (the one large English speaker with
# transcripts) is a test speaker so that the English-only held-out synthesisers (festival-hts,
# flite slt, festival ked) have test sentences to speak; train English comes from pocketsphinx.
SPEAKER_SPLIT = {
    "asterisk/en-allison": "test", "asterisk/fr-june": "train", "asterisk/ru-ivrvoice": "train",
    "asterisk/it-carlo": "train",
    "fillets-ng/cs-v": "train", "fillets-ng/nl-m": "train",
    "fillets-ng/cs-m": "test", "fillets-ng/nl-v": "test",
    "tuxpaint/ru": "train", "tuxpaint/be": "train", "tuxpaint/bg": "train", "tuxpaint/ro": "train",
    "tuxpaint/fr": "test", "tuxpaint/ca": "test", "tuxpaint/es": "test", "tuxpaint/el": "test",
    "tuxpaint/da": "test", "tuxpaint/en": "test",
}
# Most clips kept per speaker, so no single voice dominates either split.
SPEAKER_CAP = {
    "asterisk/en-allison": 45, "asterisk/fr-june": 20, "asterisk/ru-ivrvoice": 20,
    "asterisk/it-carlo": 20, "fillets-ng/cs-v": 50, "fillets-ng/nl-m": 50,
    "fillets-ng/cs-m": 25, "fillets-ng/nl-v": 25,
}
TUXPAINT_CAP = {"train": 12, "test": 8}


@dataclass
class Source:
    """One recording that may become a bona fide clip."""
    source: str  # asterisk | fillets-ng | tuxpaint | pocketsphinx
    speaker: str  # folder name under the source, e.g. en-allison
    lang: str  # espeak-ng language code
    sentence: str  # language-independent sentence id: translations share it
    text: str | None  # transcript in `lang`, None when the package has none
    path: Path
    package: str
    raw_rate: int | None = None  # headerless s16le input at this rate

    @property
    def key(self) -> str:
        return f"{self.source}/{self.speaker}"


def _slug(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()


def clip_name(src: "Source") -> str:
    """A recording's file name (without .wav): its sentence id's slug."""
    return _slug(src.sentence.split(":", 1)[1])


def _hash01(s: str) -> float:
    return int(hashlib.sha1(s.encode()).hexdigest()[:12], 16) / float(1 << 48)


def sentence_split(sentence: str) -> str:
    if sentence.startswith("pocketsphinx:"):
        return "train"  # ids unique to that package, and its speakers are all train speakers
    return "test" if _hash01("split:" + sentence) < TEST_FRACTION else "train"


def asterisk_sources() -> list[Source]:
    with gzip.open("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz", "rt") as f:
        en_text = {}
        for line in f:
            m = re.match(r"^([A-Za-z0-9_/-]+): (.+)$", line.strip())
            if m and not m.group(2).startswith("["):
                en_text[m.group(1)] = m.group(2)
    out = []
    voices = [("en_US_f_Allison", "en-allison", "en-us", "asterisk-core-sounds-en-wav"),
              ("fr_CA_f_June", "fr-june", "fr-fr", "asterisk-core-sounds-fr-wav"),
              ("it_IT_m_Carlo", "it-carlo", "it", "asterisk-core-sounds-it-wav"),
              ("ru_RU_f_IvrvoiceRU", "ru-ivrvoice", "ru", "asterisk-core-sounds-ru-wav")]
    for folder, spk, lang, pkg in voices:
        root = ASTERISK / folder
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*.wav")):
            prompt = str(p.relative_to(root))[:-4]
            if prompt.startswith(("silence/", "letters/", "digits/", "phonetic/")):
                continue  # single words and silences: too short, and not sentences
            text = en_text.get(prompt) if lang == "en-us" else None
            if lang == "en-us" and text is None:
                continue  # tones and beeps have no transcript
            out.append(Source("asterisk", spk, lang, f"asterisk:{prompt}", text, p, pkg))
    return out


def fillets_sources() -> list[Source]:
    out = []
    for lang, pkg in (("cs", "fillets-ng-data-cs"), ("nl", "fillets-ng-data-nl")):
        for level in sorted((FILLETS / "script").iterdir()):
            dlg = level / f"dialogs_{lang}.lua"
            if not dlg.is_file():
                continue
            texts = dict(re.findall(r'dialogId\("([^"]+)",[^\n]*\)\s*dialogStr\("((?:[^"\\]|\\.)*)"\)',
                                    dlg.read_text(encoding="utf-8", errors="replace")))
            for did, text in sorted(texts.items()):
                parts = did.split("-")
                if len(parts) < 3 or parts[1] not in ("m", "v"):
                    continue  # only the two fish: each is one actor per language
                ogg = FILLETS / "sound" / level.name / lang / f"{did}.ogg"
                if ogg.is_file():
                    out.append(Source("fillets-ng", f"{lang}-{parts[1]}", lang,
                                      f"fillets:{level.name}/{did}", text.replace('\\"', '"'), ogg, pkg))
    return out


def tuxpaint_sources() -> list[Source]:
    langs = {"ru": "ru", "be": "be", "bg": "bg", "ro": "ro", "fr": "fr-fr", "ca": "ca", "es": "es",
             "el": "el", "da": "da", "en": "en-us"}
    out = []
    for txt in sorted(TUXPAINT.rglob("*.txt")):
        lines = txt.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines:
            continue
        trans = {"en": lines[0].strip()}
        for ln in lines[1:]:
            m = re.match(r"^([a-z]{2})\.utf8=(.*)$", ln.strip())
            if m:
                trans[m.group(1)] = m.group(2).strip()
        stamp = txt.stem
        for code, lang in langs.items():
            ogg = txt.with_name(f"{stamp}_desc.ogg" if code == "en" else f"{stamp}_desc_{code}.ogg")
            if ogg.is_file() and trans.get(code):
                out.append(Source("tuxpaint", code, lang, f"tuxpaint:{stamp}", trans[code], ogg,
                                  "tuxpaint-stamps-default"))
    return out


def pocketsphinx_sources() -> list[Source]:
    out = []
    trans = {}
    for f in (SPHINX / "librivox/transcription", SPHINX / "cards/cards.transcription"):
        for ln in f.read_text().splitlines():
            m = re.match(r"^<s> (.*?) </s> \((.+)\)$", ln.strip())
            if m:
                trans[m.group(2)] = re.sub(r"\s+", " ", m.group(1)).strip()
    pkg = "pocketsphinx-testdata"
    for p in sorted((SPHINX / "librivox").glob("*.wav")):
        out.append(Source("pocketsphinx", "librivox-austen", "en-us", f"pocketsphinx:{p.stem}",
                          trans.get(p.stem), p, pkg))
    for p in sorted((SPHINX / "cards").glob("*.wav")):
        out.append(Source("pocketsphinx", "cards", "en-us", f"pocketsphinx:cards-{p.stem}",
                          trans.get(p.stem), p, pkg))
    # Headerless 16 kHz s16le test utterances; the package gives no transcript for them (the
    # speakers are unknown, so each file counts as its own speaker: all are train-only anyway).
    for name in ("goforward.raw", "numbers.raw", "something.raw", "tidigits/dhd.2934z.raw"):
        p = SPHINX / name
        if p.is_file():
            stem = Path(name).stem.replace(".", "-")
            out.append(Source("pocketsphinx", f"raw-{stem}", "en-us", f"pocketsphinx:{stem}", None,
                              p, pkg, raw_rate=16000))
    return out


# --- signal processing ---------------------------------------------------------------------------

def decode(path: Path, raw_rate: int | None = None) -> np.ndarray:
    """Any file sox reads -> float64 mono at RATE (sox's very-high-quality linear-phase resampler)."""
    src = ["-t", "raw", "-r", str(raw_rate), "-e", "signed", "-b", "16", "-c", "1", "-L"] if raw_rate else []
    cmd = ["sox", "-D", "-V1", *src, str(path), "-t", "raw", "-e", "floating-point", "-b", "32", "-L",
           "-", "remix", "-", "rate", "-v", str(RATE)]
    pcm = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(pcm, dtype="<f4").astype(np.float64)


def frame_db(x: np.ndarray) -> np.ndarray:
    n = 1 + max(0, (len(x) - FRAME) // HOP)
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(n)[:, None]
    rms = np.sqrt(np.mean(np.pad(x, (0, FRAME))[idx] ** 2, axis=1))
    return 20 * np.log10(rms + 1e-12)


def condition(x: np.ndarray, seed_key: str) -> np.ndarray | None:
    """8 kHz float signal -> fixed 2 s levelled segment, or None when it cannot make one."""
    if len(x) < SEG:
        return None
    delay = (len(BANDPASS) - 1) // 2
    y = np.convolve(x, BANDPASS)[delay:delay + len(x)]
    db = frame_db(y)
    active = db > db.max() - ONSET_DB
    first = int(np.argmax(active))
    last = len(active) - 1 - int(np.argmax(active[::-1]))
    start, end = first * HOP, min(len(y), last * HOP + FRAME)
    if end - start < SEG:
        return None
    seg = y[start:start + SEG].copy()
    fade = int(0.005 * RATE)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)
    seg[:fade] *= ramp
    seg[-fade:] *= ramp[::-1]
    rms = np.sqrt(np.mean(seg ** 2))
    if rms <= 0:
        return None
    seg *= 10 ** (TARGET_DBFS / 20) / rms
    # Comfort noise: synthesisers leave near-digital silence in pauses, recordings never do
    # (their quietest frames sit around -50 dBFS once levelled), so "how quiet are the quietest
    # frames" would be a free class cue. Every clip draws a floor target from FLOOR_DBFS_RANGE
    # (seeded) and gets band-passed pink noise until its quietest 5 % of frames reach it;
    # clips already noisier than their target get only NOISE_DBFS.
    rng = np.random.Generator(np.random.PCG64(int(hashlib.sha1(seed_key.encode()).hexdigest()[:16], 16)))
    target = rng.uniform(*FLOOR_DBFS_RANGE)
    frames = frame_db(seg)[: 1 + (SEG - FRAME) // HOP]
    floor_power = 10 ** (np.percentile(frames, 5) / 10)
    noise_power = max(10 ** (NOISE_DBFS / 10), 10 ** (target / 10) - floor_power)
    # Pink (1/f power) rather than white: room and channel noise in the recordings falls with
    # frequency, and a flat hiss under the synthetic clips would be a cue of its own.
    spec = np.fft.rfft(rng.standard_normal(SEG + len(BANDPASS) - 1))
    spec /= np.sqrt(np.maximum(np.fft.rfftfreq(SEG + len(BANDPASS) - 1, 1 / RATE), 100.0))
    noise = np.convolve(np.fft.irfft(spec, n=SEG + len(BANDPASS) - 1), BANDPASS, mode="valid")
    seg += noise * np.sqrt(noise_power / np.mean(noise ** 2))
    if np.max(np.abs(seg)) > PEAK_LIMIT:
        return None
    return seg


def write_wav(path: Path, seg: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(str(path), RATE, np.clip(np.round(seg * 32767), -32768, 32767).astype("<i2"))


# --- spoofing systems ------------------------------------------------------------------------------

N_FFT, GL_HOP, GL_ITERS, GL_MOMENTUM = 256, 64, 32, 0.99


def _hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)  # periodic, as scipy fftbins=True


def stft(x: np.ndarray) -> np.ndarray:
    """(frames, nFft/2+1), centred frames with reflect padding, as librosa.stft."""
    w = _hann(N_FFT)
    xp = np.pad(x, N_FFT // 2, mode="reflect")
    n = 1 + (len(xp) - N_FFT) // GL_HOP
    idx = np.arange(N_FFT)[None, :] + GL_HOP * np.arange(n)[:, None]
    return np.fft.rfft(xp[idx] * w, axis=1)


def istft(z: np.ndarray, length: int) -> np.ndarray:
    w = _hann(N_FFT)
    frames = np.fft.irfft(z, n=N_FFT, axis=1) * w
    total = N_FFT + GL_HOP * (len(z) - 1)
    y = np.zeros(total)
    norm = np.zeros(total)
    for i, fr in enumerate(frames):
        y[i * GL_HOP:i * GL_HOP + N_FFT] += fr
        norm[i * GL_HOP:i * GL_HOP + N_FFT] += w ** 2
    y /= np.where(norm > 1e-8, norm, 1.0)
    return y[N_FFT // 2:N_FFT // 2 + length]


def griffin_lim(x: np.ndarray, seed_key: str) -> np.ndarray:
    """Magnitude-only copy synthesis: fast Griffin-Lim (Perraudin 2013) with librosa's defaults
    (32 iterations, momentum 0.99, random initial phase) from |STFT| of the recording."""
    mag = np.abs(stft(x))
    rng = np.random.Generator(np.random.PCG64(int(hashlib.sha1(("gl:" + seed_key).encode()).hexdigest()[:16], 16)))
    angles = np.exp(2j * np.pi * rng.random(mag.shape))
    rebuilt = np.zeros_like(angles)
    for _ in range(GL_ITERS):
        tprev = rebuilt
        rebuilt = stft(istft(mag * angles, len(x)))
        angles = rebuilt - (GL_MOMENTUM / (1 + GL_MOMENTUM)) * tprev
        angles /= np.abs(angles) + 1e-16
    return istft(mag * angles, len(x))


def codec2(x: np.ndarray, mode: str, tmp: Path) -> np.ndarray:
    """Encode and decode with Debian's codec2 tools (8 kHz s16le in and out) at `mode`."""
    peak = np.max(np.abs(x)) or 1.0
    pcm = np.round(x / peak * 0.5 * 32767).astype("<i2")
    raw, bit, dec = tmp / "in.raw", tmp / "c2.bit", tmp / "out.raw"
    raw.write_bytes(pcm.tobytes())
    subprocess.run(["c2enc", mode, str(raw), str(bit)], check=True, capture_output=True)
    subprocess.run(["c2dec", mode, str(bit), str(dec)], check=True, capture_output=True)
    return np.frombuffer(dec.read_bytes(), dtype="<i2").astype(np.float64) / 32768


FESTIVAL_ENCODING = {"cs": "iso-8859-2", "en-us": "latin-1"}


def synthesise(system: str, voice: str, lang: str, text: str, tmp: Path) -> np.ndarray:
    out = tmp / "tts.wav"
    txt = tmp / "text.txt"
    if system == "espeak-ng":
        txt.write_text(text, encoding="utf-8")
        subprocess.run(["espeak-ng", "-v", f"{lang}+{voice}", "-f", str(txt), "-w", str(out)],
                       check=True, capture_output=True)
    elif system == "flite-clustergen":
        txt.write_text(text, encoding="latin-1", errors="replace")
        subprocess.run(["flite", "-voice", voice, "-f", str(txt), "-o", str(out)], check=True, capture_output=True)
    elif system in ("festival-diphone", "festival-hts"):
        txt.write_bytes(text.encode(FESTIVAL_ENCODING[lang], errors="replace"))
        subprocess.run(["text2wave", "-eval", f"(voice_{voice})", "-o", str(out), str(txt)],
                       check=True, capture_output=True)
    else:
        raise ValueError(system)
    return decode(out)


@dataclass(frozen=True)
class System:
    name: str
    package: str
    kind: str  # tts | vocoder
    voices: dict = field(default_factory=dict)  # (split, lang) -> [voice, ...]


def _per_lang(langs, voices):
    return {lang: list(voices) for lang in langs}


ESPEAK_LANGS = ["en-us", "cs", "nl", "fr-fr", "it", "ru", "be", "bg", "ro", "ca", "es", "el", "da"]
# Train and test use disjoint voices of every synthesiser, so no synthetic "speaker" straddles the
# split; festival-hts and codec2-700c are held out for test only (unseen attacks, as ASVspoof
# 2019 LA's evaluation set), codec2-1300 is train only. (flite's diphone voice kal16 was dropped:
# the 7 English train clips leave it no turn.)
SYSTEMS = [
    System("espeak-ng", "espeak-ng-data", "tts", {
        "train": _per_lang(ESPEAK_LANGS, ["m1", "f1", "m3", "f3"]),
        "test": _per_lang(ESPEAK_LANGS, ["m2", "f2", "m4", "f4"])}),
    System("flite-clustergen", "flite", "tts", {"train": {"en-us": ["awb", "rms"]}, "test": {"en-us": ["slt"]}}),
    System("festival-diphone", "festvox", "tts", {
        "train": {"en-us": ["kal_diphone"], "cs": ["czech_machac"]},
        "test": {"en-us": ["ked_diphone"], "cs": ["czech_dita", "czech_krb"]}}),
    System("festival-hts", "festvox-us-slt-hts", "tts", {"train": {}, "test": {"en-us": ["cmu_us_slt_arctic_hts"]}}),
    System("griffin-lim", "(copy of the bona fide clip)", "vocoder", {"train": {"*": ["gl"]}, "test": {"*": ["gl"]}}),
    System("codec2-1300", "codec2", "vocoder", {"train": {"*": ["1300"]}, "test": {}}),
    System("codec2-700c", "codec2", "vocoder", {"train": {}, "test": {"*": ["700C"]}}),
]
FESTVOX_PACKAGE = {"kal_diphone": "festvox-kallpc16k", "ked_diphone": "festvox-kdlpc16k",
                   "czech_machac": "festvox-czech-machac", "czech_dita": "festvox-czech-dita",
                   "czech_krb": "festvox-czech-krb", "cmu_us_slt_arctic_hts": "festvox-us-slt-hts"}


def options_for(src: Source, split: str, order: int) -> list[tuple[System, str]]:
    """Systems able to make a counterpart of `src` in `split`, first choice first, the rest as
    fallbacks. When the clip has a transcript, synthesis and vocoding alternate (else vocoders
    would outnumber the synthesisers, which are fewer per language); within each kind systems
    take turns, and within a system its voices do."""
    tts, voc = [], []
    for s in SYSTEMS:
        table = s.voices.get(split, {})
        voices = table.get("*") if s.kind == "vocoder" else (table.get(src.lang) if src.text else None)
        if voices:
            (voc if s.kind == "vocoder" else tts).append((s, voices))

    def rotate(avail, k):
        if not avail:
            return []
        r = avail[k % len(avail):] + avail[:k % len(avail)]
        return [(s, voices[(k // len(avail)) % len(voices)]) for s, voices in r]

    if not tts:
        return rotate(voc, order)
    half = order // 2
    return rotate(tts, half) + rotate(voc, half) if order % 2 == 0 else rotate(voc, half) + rotate(tts, half)


# --- build -------------------------------------------------------------------------------------

@dataclass
class Clip:
    path: str
    cls: str
    system: str
    speaker: str
    sentence: str
    lang: str
    split: str
    package: str
    licence: str
    text: str
    source_file: str
    pair: str


def bonafide_clip(src: Source) -> tuple[Source, np.ndarray | None, np.ndarray | None]:
    x = decode(src.path, src.raw_rate)
    return src, x, condition(x, "bona:" + str(src.path))


def corpus_files(folder: Path) -> set[str] | None:
    """The files of a corpus this script wrote at `folder` (meta.csv and every path it lists), or
    None when `folder` holds anything else: another file or folder, a symlink, a device, a foreign
    meta.csv."""
    meta = folder / "meta.csv"
    if folder.is_symlink() or not folder.is_dir() or meta.is_symlink() or not meta.is_file():
        return None
    with open(meta, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != META_COLUMNS:
        return None
    listed = {"meta.csv", *(r[0] for r in rows[1:] if r)}
    folders = {p.as_posix() for rel in listed for p in Path(rel).parents if p != Path(".")}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            ours = rel in folders if name in dirs else p.is_file() and rel in listed
            if p.is_symlink() or not ours:
                return None
    return listed


def check_out(out: Path) -> str | None:
    """Why `out` may not be written (before any work), or None: it must be new, an empty folder, or
    a corpus this script wrote (which the build then replaces); nothing else is ever deleted."""
    if out.is_symlink():
        return f"--out {out} is a symlink; give the folder itself"
    if not out.exists():
        return None if out.parent.is_dir() else f"--out {out}: its parent folder {out.parent} does not exist"
    if not out.is_dir():
        return f"--out {out} exists and is not a folder"
    if not any(out.iterdir()):
        return None
    if corpus_files(out) is None:
        return (f"--out {out} holds files this script did not write (it replaces only a corpus it built: "
                "meta.csv and the clips it lists); give a new or empty folder")
    return None


def side_of(s: Source) -> str | None:
    """The split a recording's speaker belongs to (None: not used)."""
    return "train" if s.source == "pocketsphinx" else SPEAKER_SPLIT.get(s.key)


def unused_sources(corpus: Path, side: str) -> list[Source]:
    """Recordings of `side` (its speakers, its sentences) that the corpus at `corpus` does not use."""
    used = set()
    with open(corpus / "meta.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            used.add(r["source_file"])
    return [s for s in all_sources() if side_of(s) == side == sentence_split(s.sentence) and str(s.path) not in used]


def all_sources() -> list[Source]:
    return asterisk_sources() + fillets_sources() + tuxpaint_sources() + pocketsphinx_sources()


def main() -> int:
    # SIGTERM (kill, a batch scheduler's stop) unwinds like Ctrl-C, so the partial build is removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="folder to write: new, empty, or a corpus this script built (replaced); "
                                  "default datasets/corpus, required with --extension")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--extension", nargs="?", const="test", choices=["test", "train"],
                    help="build a larger set of one side of the split instead (default test): its recordings that "
                         "the bundled corpus does not use, each with a counterpart from every system of that side")
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parent / "corpus"),
                    help="with --extension: the corpus whose recordings are left out")
    ap.add_argument("--per-speaker", type=int, default=40, help="with --extension: most recordings per speaker")
    args = ap.parse_args()
    if args.extension and args.out is None:
        print("build.py: --extension needs --out DIR (the default, datasets/corpus, is the corpus itself)", file=sys.stderr)
        return 2
    out = Path(args.out or Path(__file__).resolve().parent / "corpus")
    why = check_out(out)
    if why is None and args.extension and out.resolve() == Path(args.corpus).resolve():
        why = f"--out {out} is the --corpus the extension leaves out; give another folder"
    if why is None and args.extension and not (Path(args.corpus) / "meta.csv").is_file():
        why = f"--corpus {args.corpus}: no meta.csv there"
    if why is None and args.per_speaker < 1:
        why = f"--per-speaker must be a positive whole number, got {args.per_speaker}"
    if why is not None:
        print(f"build.py: {why}", file=sys.stderr)
        return 2
    for tool in ("sox", "espeak-ng", "flite", "text2wave", "c2enc", "c2dec"):
        if shutil.which(tool) is None:
            print(f"build.py: `{tool}` not found; install the packages listed in datasets/README.md", file=sys.stderr)
            return 1

    if args.extension:
        kept = unused_sources(Path(args.corpus), args.extension)
    else:
        kept = [s for s in all_sources() if side_of(s) == sentence_split(s.sentence)]
    # Deterministic order that is not alphabetical (so caps do not favour early levels/prompts).
    kept.sort(key=lambda s: (s.key, _hash01("order:" + s.sentence)))
    print(f"{len(kept)} candidate recordings on their speaker's side of the split", file=sys.stderr)

    by_speaker: dict[str, list[Source]] = {}
    for s in kept:
        by_speaker.setdefault(s.key, []).append(s)

    def cap_of(key: str) -> int:
        if args.extension:
            return args.per_speaker
        if key.startswith("tuxpaint/"):
            return TUXPAINT_CAP[SPEAKER_SPLIT[key]]
        return SPEAKER_CAP.get(key, 10**6)

    chosen: list[tuple[Source, np.ndarray, np.ndarray]] = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for key, group in by_speaker.items():
            cap = cap_of(key)
            got = []
            # A speaker's clips are named by their sentence id's slug: keep one recording per name (the
            # same stamp name in two tuxpaint folders, or two ids that slug alike).
            names = set()
            # Decode in chunks until the cap is met; order is fixed, so the result is deterministic.
            for i in range(0, len(group), 16):
                for src, x, seg in pool.map(bonafide_clip, group[i:i + 16]):
                    if seg is not None and len(got) < cap and clip_name(src) not in names:
                        got.append((src, x, seg))
                        names.add(clip_name(src))
                if len(got) >= cap:
                    break
            chosen.extend(got)
            print(f"  {key}: {len(got)} clips (of {len(group)})", file=sys.stderr)

    # Written beside `out` and moved into place at the end: a failed build leaves `out` as it was.
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    work.chmod(0o777 & ~umask)  # mkdtemp's 0700 would make the corpus private
    try:
        clips = build_clips(chosen, work, args.jobs, every_system=args.extension is not None)
        write_meta(work / "meta.csv", clips)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            # checked again: `out` may have changed during the build
            if corpus_files(out) is None and any(out.iterdir()):
                raise RuntimeError(f"--out {out} changed during the build and now holds files this script did not write")
            os.rename(out, old / out.name)
            os.rename(work, out)
            shutil.rmtree(old)
        else:
            os.rename(work, out)
    finally:
        if work.exists():
            shutil.rmtree(work)
    counts: dict[tuple[str, str], int] = {}
    for c in clips:
        counts[(c.split, c.system)] = counts.get((c.split, c.system), 0) + 1
    for (split, system), n in sorted(counts.items()):
        print(f"{split:5s} {system:18s} {n}", file=sys.stderr)
    print(f"{len(clips)} clips written to {out}", file=sys.stderr)
    return 0


def build_clips(chosen, out: Path, jobs: int, every_system: bool) -> list[Clip]:
    """Writes the chosen bona fide clips and their spoof counterparts under `out`: one per clip (the
    systems take turns), or with `every_system` one from every system able to make one."""
    clips: list[Clip] = []
    rr: dict[tuple[str, str], int] = {}

    def make_spoofs(item):
        """(system, voice, clip) for the first system (in turn order) that makes a usable clip, or
        for every one with `every_system`."""
        src, x, split, order = item
        made = []
        with tempfile.TemporaryDirectory(prefix="specmorph-corpus-") as td:
            for system, voice in options_for(src, split, order):
                try:
                    if system.name == "griffin-lim":
                        y = griffin_lim(x, str(src.path))
                    elif system.name.startswith("codec2-"):
                        y = codec2(x, voice, Path(td))
                    else:
                        y = synthesise(system.name, voice, src.lang, src.text, Path(td))
                except subprocess.CalledProcessError:
                    continue
                seg = condition(y, f"spoof:{system.name}:{voice}:{src.path}")
                if seg is not None:
                    made.append((system, voice, seg))
                    if not every_system:
                        break
        return src, split, made

    items = []
    for src, x, seg in chosen:
        split = side_of(src)
        rel = f"bonafide/{src.source}/{src.speaker}/{clip_name(src)}.wav"
        write_wav(out / rel, seg)
        clips.append(Clip(rel, "bonafide", "bonafide", src.key, src.sentence, src.lang, split, src.package,
                          LICENCE[src.package], src.text or "", str(src.path), ""))
        k = (split, src.lang if src.text else "-")
        items.append((src, x, split, rr.get(k, 0)))
        rr[k] = rr.get(k, 0) + 1

    pool = ThreadPoolExecutor(jobs)
    try:
        for n, (src, split, made) in enumerate(pool.map(make_spoofs, items), 1):
            bona = f"bonafide/{src.source}/{src.speaker}/{clip_name(src)}.wav"
            if not made:
                print(f"  no spoof counterpart for {bona}", file=sys.stderr)
            if n % 50 == 0 or n == len(items):
                print(f"  spoofs for {n}/{len(items)} bona fide clips", file=sys.stderr)
            for system, voice, seg in made:
                stem = f"{_slug(voice)}_{_slug(src.source)}_{_slug(src.speaker)}_{clip_name(src)}"
                rel = f"spoof/{system.name}/{stem}.wav"
                write_wav(out / rel, seg)
                if system.kind == "vocoder":
                    speaker, pkg = src.key, f"{system.package}; {src.package}"
                    lic = f"{LICENCE[src.package]} (derived from the bona fide recording)"
                else:
                    speaker = f"{system.name}:{src.lang}+{voice}" if system.name == "espeak-ng" else f"{system.name}:{voice}"
                    pkg = FESTVOX_PACKAGE.get(voice, system.package)
                    lic = LICENCE[pkg]
                clips.append(Clip(rel, "spoof", system.name, speaker, src.sentence, src.lang, split, pkg, lic,
                                  src.text or "", str(src.path), bona))
    finally:
        # interrupted: drop the clips not yet started, so the caller can remove the folder promptly
        pool.shutdown(wait=True, cancel_futures=True)
    clips.sort(key=lambda c: c.path)
    twice = sorted({a.path for a, b in zip(clips, clips[1:]) if a.path == b.path})
    if twice:
        raise RuntimeError(f"two clips were written to one path: {', '.join(twice[:5])}")
    return clips


META_COLUMNS = ["path", "class", "system", "speaker", "sentence_id", "language", "split",
                "source_package", "licence", "text", "source_file", "bonafide_pair"]


def write_meta(path: Path, clips: list[Clip]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(META_COLUMNS)
        for c in clips:
            w.writerow([c.path, c.cls, c.system, c.speaker, c.sentence, c.lang, c.split, c.package,
                        c.licence, c.text, c.source_file, c.pair])


if __name__ == "__main__":
    sys.exit(main())
