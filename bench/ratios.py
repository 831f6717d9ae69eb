#!/usr/bin/python3
"""ratios.py RUNS.csv N FORKS [harness.txt] -> Conduit's medians against issue 3's targets."""
import statistics
import sys
import csv

rows = list(csv.DictReader(open(sys.argv[1])))
n, forks = sys.argv[2], sys.argv[3]


def med(tool, mode):
    v = [float(r['wall_s']) for r in rows
         if r['tool'] == tool and r['mode'] == mode and r['n'] == n and r['forks'] == forks
         and r['cmd'] == 'true' and r['kex'] == 'curve25519-sha256' and r['all_ok'] == 'yes']
    return (statistics.median(v), len(v)) if v else (None, 0)


def show(x):
    return '–' if x is None else '%.2f s' % x


cc, ncc = med('conduit', 'cold')
cw, ncw = med('conduit', 'warm')
ps, nps = med('pssh', 'cold')
ac, nac = med('ansible', 'cold')
aw, naw = med('ansible', 'warm')
print('## Conduit against the targets (N=%s, forks %s, medians of the runs where every host succeeded)\n' % (n, forks))
print('| measure | value | target | met? |')
print('|---|---:|---|---|')


def line(name, value, target, ok):
    print('| %s | %s | %s | %s |' % (name, value, target, '–' if ok is None else ('yes' if ok else 'NO')))


line('conduit cold, whole process (%d runs)' % ncc, show(cc), '', None)
line('conduit warm, second run in the same process (%d runs)' % ncw, show(cw), '< 1.0 s', None if cw is None else cw < 1.0)
if cc and ps:
    line('cold / parallel-ssh cold (%s)' % show(ps), '%.2fx' % (cc / ps), '<= 0.85x', cc / ps <= 0.85)
if cc and ac:
    line('cold / ansible cold (%s)' % show(ac), '%.2fx' % (cc / ac), '<= 0.35x', cc / ac <= 0.35)
if cw and aw:
    line('ansible ControlPersist (%s) / conduit warm' % show(aw), '%.1fx' % (aw / cw), '>= 15x', aw / cw >= 15)
if len(sys.argv) > 4:
    heap = []
    for l in open(sys.argv[4]):
        for kv in l.split():
            if kv.startswith('heap_per_conn_kb='):
                heap.append(float(kv.split('=')[1]))
    if heap:
        h = statistics.median(heap)
        line('heap per open idle connection (FanoutHarness)', '%.1f KiB' % h, '<= 100 KiB', h <= 100)
print()
