"""The curves bench/active_learning.py prints, summarized: each order's mean curve against
random order's, the token share at which it reaches random's final F1 (each curve linear
between its steps, with a bootstrap interval over seeds), and its F1 gain at equal tokens.
Runs print JSON lines; ``from_log`` reads them back, so seeds run apart are summarized
together."""

from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path


def summarize(corpus: str, results: dict[str, list[list[dict]]]) -> None:  # type: ignore[type-arg]
    """Each ordering's mean curve against random order's, and what it saved."""

    def mean_curve(strategy: str) -> list[tuple[float, float]]:
        runs = results[strategy]
        return [
            (
                statistics.mean(r[i]["tokens"] for r in runs),
                statistics.mean(r[i]["f1"] for r in runs),
            )
            for i in range(min(len(r) for r in runs))
        ]

    random_curve = mean_curve("random")
    for strategy in results:
        if strategy == "random":
            continue
        uncertain_curve = mean_curve(strategy)
        print(f"\n{corpus}: {strategy} against random, mean over {len(results['random'])} seeds")
        head = (
            "step",
            "random tokens",
            "random F1",
            f"{strategy[:7]} tokens",
            f"{strategy[:7]} F1",
        )
        print("{:>4} {:>14} {:>10} {:>15} {:>11}".format(*head))
        for i, (ut, uf) in enumerate(uncertain_curve):
            rt, rf = random_curve[i] if i < len(random_curve) else (math.nan, math.nan)
            print(f"{i:>4} {rt:>14.0f} {rf:>10.4f} {ut:>15.0f} {uf:>11.4f}")
        target_tokens, target_f1 = random_curve[-1]
        reached = next(((t, f) for t, f in uncertain_curve if f >= target_f1), None)
        if reached is None:
            print(f"{strategy} never reached random's final F1 {target_f1:.4f}")
        else:
            share = reached[0] / target_tokens
            print(
                f"random's final F1 {target_f1:.4f} at {target_tokens:.0f} tokens; {strategy} "
                f"reached {reached[1]:.4f} at {reached[0]:.0f} tokens = {share:.0%} of them"
            )
        shares = []
        for mine, theirs in zip(results[strategy], results["random"], strict=True):
            goal = theirs[-1]
            hit = crossing([(p["tokens"], p["f1"]) for p in mine], goal["f1"])
            shares.append(_pct(None if hit is None else hit / goal["tokens"]))
        print("per seed (interpolated), share of random's final tokens to reach its F1:",
              ", ".join(shares))  # fmt: skip
        low, mid, high, never = bootstrap_share(results[strategy], results["random"])
        print(f"interpolated between steps, mean curves over seeds: share of random's final "
              f"tokens {strategy} needs to reach its final F1: {_pct(mid)}; bootstrap over "
              f"seeds (2,000 resamples) 5-95 %: {_pct(low)} - {_pct(high)}; never reached in "
              f"{never:.0%} of resamples")  # fmt: skip
        print(f"{strategy} - random F1 at equal tokens (mean curves, interpolated): "
              f"{equal_tokens_gap(results[strategy], results['random']):+.4f}")  # fmt: skip
        gaps = [
            uf - rf for (_, rf), (_, uf) in zip(random_curve[1:], uncertain_curve[1:], strict=False)
        ]
        if gaps:
            mean_gap = statistics.mean(gaps)
            print(f"{strategy} - random F1, mean over steps 1-{len(gaps)}: {mean_gap:+.4f}")


def crossing(curve: list[tuple[float, float]], target: float) -> float | None:
    """The first token count at which ``curve`` (tokens, F1), linear between its points,
    reaches ``target``; None if it never does."""
    for (t0, f0), (t1, f1) in zip(curve, curve[1:], strict=False):
        if f0 >= target:
            return t0
        if f1 >= target:
            return t0 + (t1 - t0) * (target - f0) / (f1 - f0)
    return curve[-1][0] if curve and curve[-1][1] >= target else None


def at(curve: list[tuple[float, float]], tokens: float) -> float:
    """F1 of ``curve`` at ``tokens``, linear between its points (within its range)."""
    for (t0, f0), (t1, f1) in zip(curve, curve[1:], strict=False):
        if t0 <= tokens <= t1:
            return f0 + (f1 - f0) * (tokens - t0) / (t1 - t0) if t1 > t0 else f1
    return curve[-1][1]


def pooled_share(mine: list[list[dict]], theirs: list[list[dict]]) -> float | None:  # type: ignore[type-arg]
    """Token share at which the mean (over seeds) of ``mine``'s interpolated curves reaches
    the mean final F1 of ``theirs``, over the mean final tokens of ``theirs``."""
    target = statistics.mean(r[-1]["f1"] for r in theirs)
    budget = statistics.mean(r[-1]["tokens"] for r in theirs)
    curves = [[(p["tokens"], p["f1"]) for p in r] for r in mine]
    first = max(c[0][0] for c in curves)
    last = min(c[-1][0] for c in curves)
    grid = [first + (last - first) * i / 200 for i in range(201)]
    mean = [(t, statistics.mean(at(c, t) for c in curves)) for t in grid]
    hit = crossing(mean, target)
    return None if hit is None else hit / budget


def equal_tokens_gap(mine: list[list[dict]], theirs: list[list[dict]]) -> float:  # type: ignore[type-arg]
    """Mean F1 difference of the two orders' mean interpolated curves, over the tokens both
    cover (every seed's curves start at the same first sample)."""
    curves = [[(p["tokens"], p["f1"]) for p in r] for r in mine + theirs]
    first = max(c[0][0] for c in curves)
    last = min(c[-1][0] for c in curves)
    grid = [first + (last - first) * i / 200 for i in range(201)]
    a = [statistics.mean(at(c, t) for c in curves[: len(mine)]) for t in grid]
    b = [statistics.mean(at(c, t) for c in curves[len(mine) :]) for t in grid]
    return statistics.mean(x - y for x, y in zip(a, b, strict=True))


def bootstrap_share(
    mine: list[list[dict]],  # type: ignore[type-arg]
    theirs: list[list[dict]],  # type: ignore[type-arg]
    n: int = 2000,
) -> tuple[float | None, float | None, float | None, float]:
    """(5th percentile, point estimate, 95th percentile, share never reached) of
    ``pooled_share`` over seeds drawn with replacement (a seed keeps its pair of runs)."""
    rng = random.Random(0)
    point = pooled_share(mine, theirs)
    draws = []
    for _ in range(n):
        picks = [rng.randrange(len(mine)) for _ in mine]
        share = pooled_share([mine[i] for i in picks], [theirs[i] for i in picks])
        draws.append(math.inf if share is None else share)
    draws.sort()
    never = sum(d == math.inf for d in draws) / n

    def finite(x: float) -> float | None:
        return None if x == math.inf else x

    return finite(draws[int(0.05 * n)]), point, finite(draws[int(0.95 * n) - 1]), never


def _pct(share: float | None) -> str:
    return "never" if share is None else f"{share:.0%}"


def from_log(paths: list[Path]) -> None:
    """Summarize the JSON lines runs printed (the figures, without rerunning anything)."""
    runs: dict[str, dict[str, dict[int, dict[int, dict]]]] = {}  # type: ignore[type-arg]
    for line in "\n".join(p.read_text() for p in paths).splitlines():
        if line.startswith("{"):
            point = json.loads(line)
            by_seed = runs.setdefault(point["corpus"], {}).setdefault(point["strategy"], {})
            by_seed.setdefault(point["seed"], {})[point["step"]] = point  # a rerun: the same
    for corpus, strategies in runs.items():
        seeds = set(strategies["random"])
        for strategy in strategies:
            seeds &= set(strategies[strategy])
        ordered = sorted(seeds)
        order = ["random", *(s for s in strategies if s != "random")]
        curves = {s: [sorted_steps(strategies[s][seed]) for seed in ordered] for s in order}
        summarize(corpus, curves)


def sorted_steps(points: dict[int, dict]) -> list[dict]:  # type: ignore[type-arg]
    return [points[step] for step in sorted(points)]
