"""How well and how fast the language of a visitor's message is detected, printed as figures (never asserted).

    .venv/bin/python -m bench.language

On the labelled messages of bench/language_samples.py (English, Spanish with and without accents,
typos, Spanglish labelled with its dominant language, one- and two-word replies, and messages with no
language: "ok", emoji, order numbers, emails, links, names), in two sets: the one the rules of
chatflow.language_detection were chosen on, and one written after they were fixed.

1. accuracy on the English and Spanish messages: `detect()` must name the language (a message in the
   other language than the conversation's must switch it); "unknown" keeps the conversation's
   language, which is a missed switch, and "wrong" is the other language, a wrong switch;
2. wrong switches on the messages with no language, with the conversation in English, then in Spanish;
3. the same figures for lingua alone (the whole message, its top language) and for this module with
   lingua in high-accuracy mode, so that each rule's gain is seen;
4. the warm cost per message (p50, p99, max), with lingua's word cache emptied before each message
   (the worst case) and kept (steady state);
5. in fresh interpreters: importing the module, and the first detection, which loads lingua's models.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING

from bench.language_samples import DEVELOPMENT, HELD_OUT, KINDS, Kind, Sample
from infra.functions import LAYER_PYTHON_DIR, ROOT

if str(LAYER_PYTHON_DIR) not in sys.path:  # chatflow is the layer's, as in the functions
    sys.path.insert(0, str(LAYER_PYTHON_DIR))

from chatflow import language_detection
from chatflow.language_detection import detect, language_of_message
from chatflow.vocabulary import Language

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["main"]

# The targets, printed beside the figures.
TARGET_ACCURACY = 0.97
TARGET_WRONG_SWITCHES = 0
TARGET_P99_MS = 1.0
TARGET_FIRST_CALL_MS = 30.0
TARGET_IMPORT_MS = 250.0  # the chat function's whole cold import

TIMING_PASSES = 20
COLD_RUNS = 5
# Needs lingua (its words are outside the lexicon), as a first message often does.
FIRST_MESSAGE = "Do you deliver to Doral? necesito pastelitos"

Detector = Callable[[str], Language | None]


@dataclass
class Tally:
    total: int = 0
    right: int = 0
    unknown: int = 0
    wrong: int = 0

    def add(self, expected: Language, got: Language | None) -> None:
        self.total += 1
        if got == expected:
            self.right += 1
        elif got is None:
            self.unknown += 1
        else:
            self.wrong += 1

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def main() -> int:
    print(
        f"lingua-language-detector {version('lingua-language-detector')}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{len(DEVELOPMENT)} development samples, {len(HELD_OUT)} held out\n")
    ours: Detector = lambda text: detect(text).language  # noqa: E731
    _print_accuracy(ours)
    _print_unknown(DEVELOPMENT + HELD_OUT)
    _print_comparison(ours)
    _print_cost()
    _print_cold()
    return 0


def _verdict(ok: bool) -> str:
    return "✓" if ok else "✗"


def _score(
    detector: Detector, samples: tuple[Sample, ...]
) -> tuple[Tally, dict[Kind, Tally], list[tuple[Sample, Language | None]]]:
    overall = Tally()
    by_kind: dict[Kind, Tally] = {}
    misses: list[tuple[Sample, Language | None]] = []
    for sample in samples:
        if sample.expected is None:
            continue
        got = detector(sample.text)
        overall.add(sample.expected, got)
        by_kind.setdefault(sample.kind, Tally()).add(sample.expected, got)
        if got != sample.expected:
            misses.append((sample, got))
    return overall, by_kind, misses


def _wrong_switches(detector: Detector, samples: tuple[Sample, ...]) -> list[tuple[Sample, Language]]:
    """The messages with no language that moved a conversation (in English, then in Spanish) to the other."""
    wrong: list[tuple[Sample, Language]] = []
    for sample in samples:
        if sample.expected is not None:
            continue
        detected = detector(sample.text)
        for conversation in ("en", "es"):
            kept = conversation if detected is None else detected
            if kept != conversation:
                wrong.append((sample, conversation))
    return wrong


def _print_accuracy(detector: Detector) -> None:
    for name, samples in (("development", DEVELOPMENT), ("held out", HELD_OUT)):
        overall, by_kind, misses = _score(detector, samples)
        ok = overall.accuracy >= TARGET_ACCURACY
        print(
            f"English and Spanish messages, {name} set: {overall.right}/{overall.total} right "
            f"= {overall.accuracy:.1%} (target ≥ {TARGET_ACCURACY:.0%} {_verdict(ok)}); "
            f"{overall.unknown} unknown (the conversation's language kept), {overall.wrong} wrong language"
        )
        for kind, description in KINDS.items():
            tally = by_kind.get(kind)
            if tally is not None:
                print(
                    f"  {description:<46} {tally.right:>3}/{tally.total:<3} {tally.accuracy:7.1%}"
                    f"  unknown {tally.unknown:>2}  wrong {tally.wrong:>2}"
                )
        for sample, got in misses:
            print(f"  miss: {sample.text!r} ({sample.kind}): expected {sample.expected}, got {got or 'unknown'}")
        print()


def _print_unknown(samples: tuple[Sample, ...]) -> None:
    unknown = [sample for sample in samples if sample.expected is None]
    wrong = [
        (sample, conversation)
        for sample in unknown
        for conversation in ("en", "es")
        if language_of_message(sample.text, conversation) != conversation
    ]
    ok = len(wrong) <= TARGET_WRONG_SWITCHES
    print(
        f"Messages with no language ({len(unknown)}, each in an English and a Spanish conversation): "
        f"{len(wrong)} wrong switches (target {TARGET_WRONG_SWITCHES} {_verdict(ok)})"
    )
    for sample, conversation in wrong:
        print(f"  switched: {sample.text!r} in a conversation in {conversation}")
    print()


def _print_comparison(ours: Detector) -> None:
    from lingua import Language as LinguaLanguage
    from lingua import LanguageDetectorBuilder

    names: dict[LinguaLanguage, Language] = {LinguaLanguage.ENGLISH: "en", LinguaLanguage.SPANISH: "es"}

    def lingua_alone(low_accuracy: bool) -> Detector:
        builder = LanguageDetectorBuilder.from_languages(LinguaLanguage.ENGLISH, LinguaLanguage.SPANISH)
        lingua = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()

        def detector(text: str) -> Language | None:
            found = lingua.detect_language_of(text)
            return None if found is None else names[found]

        return detector

    high_accuracy = LanguageDetectorBuilder.from_languages(LinguaLanguage.ENGLISH, LinguaLanguage.SPANISH).build()

    def ours_in_high_accuracy(text: str) -> Language | None:
        with _module_lingua(high_accuracy):
            return ours(text)

    rows: list[tuple[str, Detector]] = [
        ("lingua alone, high accuracy (its top language)", lingua_alone(low_accuracy=False)),
        ("lingua alone, low accuracy", lingua_alone(low_accuracy=True)),
        ("this module, lingua in high accuracy", ours_in_high_accuracy),
        ("this module, lingua in low accuracy (shipped)", ours),
    ]
    print("Compared (accuracy on English and Spanish: development / held out; wrong switches on no language):")
    for name, detector in rows:
        development, _, _ = _score(detector, DEVELOPMENT)
        held_out, _, _ = _score(detector, HELD_OUT)
        switches = _wrong_switches(detector, DEVELOPMENT + HELD_OUT)
        print(
            f"  {name:<48} {development.accuracy:6.1%} / {held_out.accuracy:6.1%}"
            f"   wrong language {development.wrong + held_out.wrong:>2}   wrong switches {len(switches):>2}"
        )
    print()


@contextlib.contextmanager
def _module_lingua(lingua: LanguageDetector) -> Iterator[None]:
    """The road not taken, for comparison: the module's lingua swapped for another."""
    shipped = language_detection._lingua
    language_detection._lingua_spanish_probability.cache_clear()
    setattr(language_detection, "_lingua", lambda: lingua)  # noqa: B010
    try:
        yield
    finally:
        setattr(language_detection, "_lingua", shipped)  # noqa: B010
        language_detection._lingua_spanish_probability.cache_clear()


def _print_cost() -> None:
    texts = [sample.text for sample in DEVELOPMENT + HELD_OUT]
    language_detection.warm_up()
    emptied: list[tuple[float, float]] = []
    kept: list[tuple[float, float]] = []
    for timings, empty_the_cache in ((emptied, True), (kept, False)):
        for _ in range(TIMING_PASSES):
            for text in texts:
                if empty_the_cache:
                    language_detection._lingua_spanish_probability.cache_clear()
                wall, cpu = time.perf_counter_ns(), time.process_time_ns()
                detect(text)
                timings.append(((time.perf_counter_ns() - wall) / 1e6, (time.process_time_ns() - cpu) / 1e6))
    longest = max(texts, key=len)
    print(
        f"Cost per message, warm ({len(texts)} messages × {TIMING_PASSES}, the longest {len(longest)} characters; "
        "wall clock, and CPU, which a loaded machine inflates less):"
    )
    for name, timings in (("word cache emptied before each", emptied), ("word cache kept (steady state)", kept)):
        for clock, column in (("wall", 0), ("CPU ", 1)):
            values = [timing[column] for timing in timings]
            p50, p99 = _percentile(values, 50), _percentile(values, 99)
            print(
                f"  {name:<32} {clock}  p50 {p50:6.3f} ms   p99 {p99:6.3f} ms "
                f"(target ≤ {TARGET_P99_MS:g} ms {_verdict(p99 <= TARGET_P99_MS)})   max {max(values):7.3f} ms"
            )
    essay = " ".join(sample.text for sample in DEVELOPMENT + HELD_OUT if sample.kind == "en")
    cpu_times = []
    for _ in range(TIMING_PASSES):
        language_detection._lingua_spanish_probability.cache_clear()
        cpu = time.process_time_ns()
        detect(essay)
        cpu_times.append((time.process_time_ns() - cpu) / 1e6)
    cost = statistics.median(cpu_times)
    print(
        f"  a {len(essay):,}-character message (word cache emptied)  CPU {cost:6.3f} ms "
        f"(target ≤ {TARGET_P99_MS:g} ms {_verdict(cost <= TARGET_P99_MS)}): only its first 400 characters are read"
    )
    print()


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


# Run in a fresh interpreter: the import (after the standard library modules it uses, which the
# functions load anyway), the first detection, and a second one that needs lingua.
# Prints milliseconds: import wall, import CPU, first wall, first CPU, second wall.
_COLD_SCRIPT = """
import dataclasses, functools, re, sys, time, typing, unicodedata
wall, cpu = time.perf_counter(), time.process_time()
from chatflow import language_detection
figures = [time.perf_counter() - wall, time.process_time() - cpu]
if sys.argv[2] == "high":
    from lingua import Language, LanguageDetectorBuilder
    high = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()
    language_detection._lingua = lambda: high
wall, cpu = time.perf_counter(), time.process_time()
language_detection.detect(sys.argv[1])
figures += [time.perf_counter() - wall, time.process_time() - cpu]
wall = time.perf_counter()
language_detection.detect("the cafecito was awesome")
figures.append(time.perf_counter() - wall)
print(" ".join(str(figure * 1000) for figure in figures))
"""


def _cold_run(message: str, mode: str) -> list[float]:
    """The figures of _COLD_SCRIPT, in milliseconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "common" / "python")}
    done = subprocess.run(
        [sys.executable, "-c", _COLD_SCRIPT, message, mode], capture_output=True, text=True, env=env, check=True
    )
    return [float(figure) for figure in done.stdout.split()]


def _print_cold() -> None:
    print(
        f"Cold, median of {COLD_RUNS} fresh interpreters (wall clock, and CPU; the import after the standard "
        "library modules it uses, which the functions load anyway):"
    )
    cases = (
        ("low", FIRST_MESSAGE, "shipped (low accuracy), a first message that needs lingua"),
        ("low", "hola, gracias!", "shipped, a first message all in the lexicon (lingua not loaded)"),
        ("high", FIRST_MESSAGE, "lingua in high accuracy, for comparison"),
    )
    for mode, message, name in cases:
        runs = [_cold_run(message, mode) for _ in range(COLD_RUNS)]
        import_wall, import_cpu, first_wall, first_cpu, second = (
            statistics.median(column) for column in zip(*runs, strict=True)
        )
        print(f"  {name}:")
        print(
            f"    import      wall {import_wall:7.1f} ms  CPU {import_cpu:7.1f} ms "
            f"(the chat function's budget: {TARGET_IMPORT_MS:g} ms {_verdict(import_wall <= TARGET_IMPORT_MS)})"
        )
        print(
            f"    first call  wall {first_wall:7.1f} ms  CPU {first_cpu:7.1f} ms "
            f"(target ≤ {TARGET_FIRST_CALL_MS:g} ms {_verdict(first_wall <= TARGET_FIRST_CALL_MS)})"
        )
        print(f"    then a message that needs lingua  wall {second:7.3f} ms")
    print()


if __name__ == "__main__":
    sys.exit(main())
