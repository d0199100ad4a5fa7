"""Embedding's backward is a scatter-add. Is numpy.add.at slow enough to matter? Time it.

    python demos/embedding_scatter_add.py

For each (K classes, N examples, D dimensions) it prints the median time of three ways to compute
dW[k] = Σ_{n: yₙ = k} dY[n]: ``numpy.add.at``, the one-hot matrix product minigan uses
(minigan/nn/embedding.py), and a sort + ``numpy.add.reduceat``, and checks that all three agree.
"""
import argparse
import time

import numpy

from minigan.nn.embedding import one_hot


def median_ms(fn, repeats=21):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times)[len(times) // 2]


def add_at(labels, dy, k):
    out = numpy.zeros((k, dy.shape[1]), dtype=dy.dtype)
    numpy.add.at(out, labels, dy)
    return out


def one_hot_product(labels, dy, k):
    return one_hot(labels, k, dy.dtype).T @ dy


def sort_reduceat(labels, dy, k):
    order = numpy.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = numpy.flatnonzero(numpy.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    out = numpy.zeros((k, dy.shape[1]), dtype=dy.dtype)
    out[sorted_labels[starts]] = numpy.add.reduceat(dy[order], starts, axis=0)
    return out


argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
print(f"{'K':>6} {'N':>6} {'D':>5}  {'add.at ms':>10} {'one-hot @ ms':>13} {'sort+reduceat ms':>17}")
for k, n, d in [(10, 64, 100), (10, 512, 784), (1000, 512, 64), (50000, 4096, 128)]:
    rng = numpy.random.default_rng(0)
    labels = rng.integers(0, k, n)
    dy = rng.standard_normal((n, d)).astype(numpy.float32)
    reference = add_at(labels, dy, k)
    assert numpy.allclose(one_hot_product(labels, dy, k), reference, atol=1e-4)
    assert numpy.allclose(sort_reduceat(labels, dy, k), reference, atol=1e-4)
    row = [median_ms(lambda f=f: f(labels, dy, k)) for f in (add_at, one_hot_product, sort_reduceat)]
    print(f"{k:>6} {n:>6} {d:>5}  {row[0]:>10.3f} {row[1]:>13.3f} {row[2]:>17.3f}")
