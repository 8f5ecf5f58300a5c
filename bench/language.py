"""Language identification: two offline candidates (py3langid, lingua-language-detector)
compared on accuracy, speed per report on one core and memory, and the detector triage uses.

Run: .venv/bin/python bench/language.py [--data ../shared/data] [--per-language 300]
     .venv/bin/python bench/language.py --beside-triage 2000   (its cost beside triage's)

Accuracy is measured on
- the TRAINING part of Multilingual HateCheck (10 languages; its sealed part is never read),
  a sample of --per-language rows per language: short texts, mostly one sentence;
- 100-word texts made by joining training rows of one language;
- short reports written for this benchmark (below), in the 10 languages and English, and a few
  in languages outside the restricted set (to see how a restricted detector answers those).
Each candidate runs in a process of its own, so its peak memory is its own (the figure is the
process's peak resident memory, Python and numpy included, after loading and running it).
Target: detection costs intake little: under 0.5 ms a short report on one core.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

TARGET_MS = 0.5
ROOT = Path(__file__).resolve().parent.parent
MHC = {
    "arabic": "ar",
    "dutch": "nl",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "mandarin": "zh",
    "polish": "pl",
    "portuguese": "pt",
    "spanish": "es",
}
CORE = ["en", *sorted(MHC.values())]
BROAD = [
    *CORE,
    *["ru", "uk", "tr", "ja", "ko", "fa", "ur", "id", "vi", "sv", "ro", "el", "he", "th"],
    *["cs", "hu"],
]

# Short reports as people send them, written for this benchmark (not from any data set).
OWN: dict[str, list[str]] = {
    "en": [
        "He keeps sending me threats.",
        "This account sells fake tickets.",
        "Please remove this photo of me.",
        "they said they will find my house",
        "scam link in my DMs",
        "My daughter got a creepy message from this guy",
    ],
    "fr": [
        "Il m'envoie des menaces tous les jours.",
        "Ce compte vend des faux billets.",
        "Supprimez cette photo de moi s'il vous plaît.",
        "ils ont dit qu'ils trouveraient ma maison",
        "lien d'arnaque dans mes messages",
        "Ma fille a reçu un message bizarre de ce type",
    ],
    "de": [
        "Er schickt mir ständig Drohungen.",
        "Dieses Konto verkauft gefälschte Tickets.",
        "Bitte löscht dieses Foto von mir.",
        "sie wissen wo ich wohne",
        "Betrugslink in meinen Nachrichten",
        "Meine Tochter hat eine komische Nachricht von dem Typen bekommen",
    ],
    "es": [
        "Me sigue enviando amenazas.",
        "Esta cuenta vende entradas falsas.",
        "Por favor borren esta foto mía.",
        "dijeron que van a encontrar mi casa",
        "enlace de estafa en mis mensajes",
        "Mi hija recibió un mensaje raro de este tipo",
    ],
    "it": [
        "Continua a mandarmi minacce.",
        "Questo account vende biglietti falsi.",
        "Per favore rimuovete questa mia foto.",
        "hanno detto che troveranno casa mia",
        "link truffa nei miei messaggi",
        "Mia figlia ha ricevuto un messaggio strano da questo tizio",
    ],
    "pt": [
        "Ele continua me mandando ameaças.",
        "Esta conta vende ingressos falsos.",
        "Por favor removam esta foto minha.",
        "disseram que vão encontrar minha casa",
        "link de golpe nas minhas mensagens",
        "Minha filha recebeu uma mensagem estranha desse cara",
    ],
    "nl": [
        "Hij blijft me bedreigingen sturen.",
        "Dit account verkoopt nepkaartjes.",
        "Verwijder alsjeblieft deze foto van mij.",
        "ze zeiden dat ze mijn huis gaan vinden",
        "oplichterslink in mijn berichten",
        "Mijn dochter kreeg een eng bericht van deze man",
    ],
    "pl": [
        "Ciągle wysyła mi groźby.",
        "To konto sprzedaje fałszywe bilety.",
        "Proszę usunąć to zdjęcie ze mną.",
        "powiedzieli że znajdą mój dom",
        "link do oszustwa w moich wiadomościach",
        "Moja córka dostała dziwną wiadomość od tego gościa",
    ],
    "ar": [
        "يرسل لي تهديدات كل يوم",
        "هذا الحساب يبيع تذاكر مزيفة",
        "أرجو حذف هذه الصورة لي",
        "قالوا إنهم سيجدون بيتي",
        "رابط احتيال في رسائلي",
        "ابنتي تلقت رسالة غريبة من هذا الرجل",
    ],
    "hi": [
        "वह मुझे रोज़ धमकियाँ भेजता है",
        "यह खाता नकली टिकट बेचता है",
        "कृपया मेरी यह फोटो हटा दें",
        "उन्होंने कहा कि वे मेरा घर ढूंढ लेंगे",
        "मेरे संदेशों में धोखाधड़ी का लिंक",
        "मेरी बेटी को इस आदमी से एक अजीब संदेश मिला",
    ],
    "zh": [
        "他一直给我发威胁信息",
        "这个账号在卖假票",
        "请删除这张我的照片",
        "他们说会找到我家",
        "我的私信里有诈骗链接",
        "我女儿收到了这个人发来的奇怪消息",
    ],
}
# Outside the core set: a detector restricted to it cannot name these; a broad one should.
OTHER: dict[str, list[str]] = {
    "ru": ["Он постоянно присылает мне угрозы.", "Этот аккаунт продаёт поддельные билеты."],
    "tr": ["Bana sürekli tehdit mesajlari gönderiyor.", "Bu hesap sahte bilet satiyor."],
    "ja": ["彼はずっと脅迫メッセージを送ってくる", "このアカウントは偽のチケットを売っている"],
}


def samples(data: Path, per_language: int) -> dict[str, list[tuple[str, str]]]:
    """Short and 100-word texts of the training part, and the own sentences: (language, text)."""
    sys.path.insert(0, str(ROOT / "src"))
    from watchfloor.triage.evaluation.datasets import load_mapping, read_examples
    from watchfloor.triage.taxonomy import load_taxonomy

    areas = load_taxonomy(ROOT / "config").area_ids
    mapping = load_mapping(ROOT / "config" / "datasets" / "multilingual_hatecheck.yaml", areas)
    training = [e for e in read_examples(data / mapping.file, mapping) if not e.holdout]  # type: ignore[operator]
    by_lang: dict[str, list[str]] = defaultdict(list)
    for e in training:
        by_lang[MHC[str(e.breakdown)]].append(e.text)
    rng = random.Random(7)
    short, long = [], []
    for lang, texts in sorted(by_lang.items()):
        short += [(lang, t) for t in rng.sample(texts, min(per_language, len(texts)))]
        for _ in range(per_language // 10):
            words: list[str] = []
            while len(words) < 100 and (lang != "zh" or len("".join(words)) < 150):
                words += rng.choice(texts).split()
            long.append((lang, " ".join(words[:100])))
    own = [(lang, t) for lang, texts in OWN.items() for t in texts]
    other = [(lang, t) for lang, texts in OTHER.items() for t in texts]
    return {"mhc short": short, "mhc 100 words": long, "own short": own, "own other": other}


def detector(name: str) -> Callable[[str], tuple[str | None, float]]:
    kind, _, langs = name.partition(":")
    codes = {"core": CORE, "broad": BROAD, "all": None}[langs]
    if kind.startswith("py3langid"):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        if codes is not None:
            ident.set_languages(codes)
        return lambda text: ident.classify(text)  # type: ignore[no-any-return]
    if kind.startswith("lingua"):
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        builder = (
            LanguageDetectorBuilder.from_all_languages()
            if codes is None
            else LanguageDetectorBuilder.from_iso_codes_639_1(
                *(IsoCode639_1.from_str(c) for c in codes)
            )
        )
        if kind.endswith("low"):
            builder = builder.with_low_accuracy_mode()
        found = builder.with_preloaded_language_models().build()

        def detect(text: str) -> tuple[str | None, float]:
            values = found.compute_language_confidence_values(text)
            if not values or values[0].value == 0:
                return None, 0.0
            return values[0].language.iso_code_639_1.name.lower(), values[0].value

        return detect
    if kind == "watchfloor":
        sys.path.insert(0, str(ROOT / "src"))
        from watchfloor.triage.classifiers.language import detect_language

        def ours(text: str) -> tuple[str | None, float]:
            found = detect_language(text)
            return (found.code, found.confidence) if found else (None, 0.0)

        return ours
    raise SystemExit(f"unknown detector {name}")


def run_one(name: str, data: Path, per_language: int) -> dict[str, object]:
    sets = samples(data, per_language)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    detect = detector(name)
    detect("warm up the model")
    load_s = time.perf_counter() - start
    out: dict[str, object] = {"load_s": load_s, "rss_before_mb": before}
    for set_name, rows in sets.items():
        start = time.perf_counter()
        guesses = [detect(text) for _, text in rows]
        ms = (time.perf_counter() - start) * 1000 / len(rows)
        right = [g[0] == lang for (lang, _), g in zip(rows, guesses, strict=True)]
        per_lang: dict[str, list[bool]] = defaultdict(list)
        for (lang, _), ok in zip(rows, right, strict=True):
            per_lang[lang].append(ok)
        confident = [ok for ok, g in zip(right, guesses, strict=True) if g[1] >= 0.5]
        out[set_name] = {
            "n": len(rows),
            "accuracy": sum(right) / len(rows),
            "worst": min((sum(v) / len(v), k) for k, v in per_lang.items()),
            "ms": ms,
            "confident_share": len(confident) / len(rows),
            "confident_accuracy": sum(confident) / len(confident) if confident else 0.0,
            "wrong": [
                f"{lang}->{g[0]} {g[1]:.2f}"
                for (lang, _), g, ok in zip(rows, guesses, right, strict=True)
                if not ok
            ][:8]
            if set_name.startswith("own")
            else [],
        }
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def share_of_triage(reports: int) -> None:
    """Detection beside the engine on bench/triage.py's 100-word reports, in one process and
    alternating, so the machine's load weighs on both alike."""
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    from triage import inputs  # bench/triage.py
    from watchfloor.runtime import load_config
    from watchfloor.settings import Settings
    from watchfloor.triage.classifiers.language import detect_language, warm

    engine = load_config(Settings(environment="test")).triager
    items = inputs(reports, 100)
    warm()
    engine.triage_many(items[:100])
    detect_s = triage_s = 0.0
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        start = time.perf_counter()
        for item in chunk:
            detect_language(item.text)
        detect_s += time.perf_counter() - start
        start = time.perf_counter()
        for item in chunk:
            engine.triage_many([item])
        triage_s += time.perf_counter() - start
    n = len(items)
    print(
        f"{n} reports of 100 words (bench/triage.py's), one at a time: detection "
        f"{detect_s / n * 1000:.3f} ms a report, the engine (rules + classifier) "
        f"{triage_s / n * 1000:.3f} ms; detection adds {detect_s / triage_s:.0%} to triage; "
        f"engine alone {n / triage_s:,.0f} reports/s, with detection {n / (triage_s + detect_s):,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--per-language", type=int, default=300)
    parser.add_argument(
        "--detectors",
        default="py3langid:core,py3langid:broad,py3langid:all,lingua:core,lingua-low:core,"
        "lingua:broad,lingua:all,watchfloor:broad",
    )
    parser.add_argument(
        "--beside-triage",
        type=int,
        metavar="N",
        help="Only time detection beside the triage engine on N 100-word reports.",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.beside_triage:
        share_of_triage(args.beside_triage)
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.data, args.per_language)))
        return
    print(f"language identification, one core; target under {TARGET_MS} ms a short report")
    print("accuracy (worst language) and ms per text; peak = process peak resident memory")
    header = f"{'detector':<18} {'set':<14} {'n':>5} {'acc':>6} {'worst':>12} {'ms':>7}"
    print(f"{header} {'conf>=.5':>8} {'acc|conf':>8}")
    for name in args.detectors.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--one", name, "--data", str(args.data),
             "--per-language", str(args.per_language)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:  # lingua is not a dependency: pip install lingua-language-detector
            print(f"{name}: failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(proc.stdout)
        for set_name in ("mhc short", "mhc 100 words", "own short", "own other"):
            r = result[set_name]
            worst = f"{r['worst'][0]:.2f} {r['worst'][1]}"
            print(
                f"{name:<18} {set_name:<14} {r['n']:>5} {r['accuracy']:>6.3f} {worst:>12} "
                f"{r['ms']:>7.3f} {r['confident_share']:>8.2f} {r['confident_accuracy']:>8.3f}"
            )
            if r["wrong"]:
                print(f"{'':<18}   wrong: {', '.join(r['wrong'])}")
        short_ms = result["mhc short"]["ms"]
        print(
            f"{name:<18} load {result['load_s']:.2f} s, peak {result['peak_mb']:.0f} MB "
            f"(before loading {result['rss_before_mb']:.0f} MB); short report "
            f"{short_ms:.3f} ms, ratio to target {short_ms / TARGET_MS:.2f}"
        )


if __name__ == "__main__":
    main()
