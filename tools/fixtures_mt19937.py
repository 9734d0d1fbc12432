#!/usr/bin/python3
"""Fixtures for @splitmask/core createPyRandom: CPython's own `random.Random` (MT19937) outputs.

Run with the system interpreter (CPython 3.11): /usr/bin/python3 tools/fixtures_mt19937.py
Writes packages/core/test/fixtures/mt19937.json. Big integers (getrandbits > 53 bits) are strings.
Floats are written with repr (shortest round-trip), so JSON.parse recovers the exact doubles.
"""
import json
import math
import os
import random
import sys

OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'core', 'test', 'fixtures', 'mt19937.json')

SEEDS = [0, 1, 42, 12345, 2**32 - 1, 2**32 + 5, 2**53 - 1, 2**53, -3]


def sequences(seed):
    r = random.Random(seed)
    out = {'seed': seed}
    out['uint32'] = [r.getrandbits(32) for _ in range(700)]  # crosses the 624-word twist
    out['random'] = [r.random() for _ in range(40)]
    ks = [0, 1, 5, 31, 32, 33, 52, 53, 64, 100]
    out['getrandbits'] = [[k, str(r.getrandbits(k))] for k in ks for _ in range(2)]
    out['randint'] = [[a, b, r.randint(a, b)] for (a, b) in [(0, 13), (0, 0), (-5, 5), (0, 2**31), (7, 2**40), (0, 2**53 - 2)] for _ in range(6)]
    out['randrange'] = [[a, b, s, r.randrange(a, b, s)] for (a, b, s) in [(0, 10, 1), (3, 100, 7), (50, 0, -3), (-10, 10, 4)] for _ in range(5)]
    out['randrange1'] = [[n, r.randrange(n)] for n in [1, 2, 3, 196, 2**32, 2**33 + 1] for _ in range(3)]
    out['uniform'] = [[a, b, r.uniform(a, b)] for (a, b) in [(16, 75), (math.log(0.3), math.log(1 / 0.3)), (-1.0, 1.0), (5, 5)] for _ in range(5)]
    xs = list(range(25))
    r.shuffle(xs)
    out['shuffle25'] = xs
    out['choice'] = [r.choice('abcdefghij') for _ in range(10)]
    out['afterRandom'] = r.random()
    return out


def state_fixture():
    r = random.Random(2024)
    for _ in range(630):
        r.random()
    version, internal, gauss = r.getstate()
    nxt = [r.random() for _ in range(5)]
    return {'seed': 2024, 'draws': 630, 'version': version, 'state': list(internal), 'gaussNext': gauss, 'next': nxt}


def math_fixture():
    """math.log / math.exp / math.sqrt on the values BEiT's MaskingGenerator feeds them."""
    r = random.Random(7)
    lo, hi = math.log(0.3), math.log(1 / 0.3)
    u = [r.uniform(lo, hi) for _ in range(1000)] + [r.uniform(-700, 700) for _ in range(200)]
    x = [r.uniform(1e-6, 1e6) for _ in range(500)] + [0.3, 1 / 0.3, 0.25, 4.0, 0.1, 10.0]
    return {
        'logOfAspect': [math.log(0.3), math.log(1 / 0.3)],
        'expIn': u, 'expOut': [math.exp(v) for v in u],
        'logIn': x, 'logOut': [math.log(v) for v in x],
    }


def main():
    data = {
        'python': sys.version.split()[0],
        'seeds': [sequences(s) for s in SEEDS],
        'state': state_fixture(),
        'math': math_fixture(),
    }
    with open(OUT, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
