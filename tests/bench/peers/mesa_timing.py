"""Times the Mesa peers of bench_peers per seeded run (setup + all steps), for scripts/bench_peers.sh.

    PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=<peers>/mesa-3.2.0 /usr/bin/python3 tests/bench/peers/mesa_timing.py \
        --model schelling-large --peers <peers> --runs 20
    PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=<peers>/mesa-3.3.1 /usr/bin/python3 tests/bench/peers/mesa_timing.py \
        --model boltzmann-large --peers <peers> --runs 20

<peers> is the read-only folder of the peer copies (../shared/peers from the repo root, its README.md).

schelling-large: ABMFrameworksComparison's Mesa model (<peers>/abm-comparison-schelling-mesa/Schelling.py,
  unchanged) with the sizes of its benchmark_schelling.py: SchellingModel(seed, 100, 100, homophily 8,
  radius 2, density 0.8), then 20 steps -- the body of its `runthemodel`.
boltzmann-large: Mesa 3.3.1's mesa.examples.BoltzmannWealth (n=10000, width=100, height=100; its grid is
  OrthogonalMooreGrid, torus=False) and 10 steps, Mesa's benchmarks/configurations.py "large" size.

Each run i uses seed (base + i) and is timed with time.perf_counter around model construction + all steps
(imports are outside the clock; the garbage collector stays enabled, as benchmark_schelling.py does).
Prints one "run <i> seed <s> ms <t>" line per run, then "median_ms <m> runs <n> mesa <version> <path>".
"""

import argparse
import os
import statistics
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=["schelling-large", "boltzmann-large"])
    ap.add_argument("--peers", required=True, help="folder of the peer copies (../shared/peers)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=42, help="base seed; run i uses seed + i")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    import mesa  # from PYTHONPATH: the peer's copy

    if args.model == "schelling-large":
        sys.path.insert(0, os.path.join(os.path.abspath(args.peers), "abm-comparison-schelling-mesa"))
        from Schelling import SchellingModel  # noqa: E402  (the peer's model file, unchanged)

        def one_run(seed: int) -> None:
            model = SchellingModel(seed, 100, 100, 8, 2, 0.8)
            for _ in range(20):
                model.step()

    else:
        from mesa.examples import BoltzmannWealth

        def one_run(seed: int) -> None:
            model = BoltzmannWealth(n=10000, width=100, height=100, seed=seed)
            for _ in range(10):
                model.step()

    times = []
    for i in range(args.runs):
        seed = args.seed + i
        t0 = time.perf_counter()
        one_run(seed)
        ms = (time.perf_counter() - t0) * 1e3
        times.append(ms)
        print(f"run {i} seed {seed} ms {ms:.3f}", flush=True)
    print(f"median_ms {statistics.median(times):.3f} runs {len(times)} mesa {mesa.__version__} "
          f"{os.path.dirname(mesa.__file__)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
