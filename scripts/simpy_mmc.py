"""The reference M/M/10 model (lambda = 9/s, mu = 1/s) in SimPy 3, for the
speed comparison in `make bench`: one process per customer, a Resource of
ten servers. Prints the mean sojourn (Erlang C: 1.669 s) and the wall time.

Usage: python3 scripts/simpy_mmc.py [customers]   (needs python3-simpy3)
"""
import random
import sys
import time

import simpy


def main(n):
    rng = random.Random(1)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=10)
    total = [0.0]

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0))
        total[0] += env.now - arrived

    def source(env):
        for _ in range(n):
            yield env.timeout(rng.expovariate(9.0))
            env.process(customer(env))

    start = time.perf_counter()
    env.process(source(env))
    env.run()
    wall = time.perf_counter() - start
    print("mean sojourn %.3f s, wall %.2f s per %d customers" % (total[0] / n, wall, n))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
