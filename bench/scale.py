#!/usr/bin/python3
"""scale.py RUNS.csv RUN_ID -> bench/scale.sh's table: time and memory per host at each size, side by side.

Per-host figures (ms/host, KB/host) that stay flat from the smallest size to the largest show the cost grows
linearly; the last column divides each size's cold ms/host by the smallest size's.
"""
import csv
import statistics
import sys

path, run_id = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(path)) if ('run=%s' % run_id) in (r.get('extra') or '')]


def kv(r, key):
    for w in (r.get('extra') or '').split():
        if w.startswith(key + '='):
            try:
                return float(w.split('=', 1)[1])
            except ValueError:
                return None
    return None


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def f(x, fmt):
    return '-' if x is None else fmt % x


sizes = sorted({int(r['n']) for r in rows if r['mode'] == 'scale'})
print('## Conduit at scale (run %s, forks %s; medians of the runs where every host succeeded)\n'
      % (run_id, rows[0]['forks'] if rows else '?'))
print('| hosts | process s | cold run s | cold ms/host | warm run s | warm ms/host | peak RSS MB | RSS KB/host '
      '| sshd CPU ms/host | sshd PSS KB/session | plugin alone: cold ms/host, heap KiB/conn | cold ms/host vs smallest |')
print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
base = None
for n in sizes:
    c = [r for r in rows if r['tool'] == 'conduit' and r['mode'] == 'scale' and int(r['n']) == n
         and r['all_ok'] == 'yes']
    h = [r for r in rows if r['tool'] == 'harness' and r['mode'] == 'scale' and int(r['n']) == n
         and r['all_ok'] == 'yes']
    if not c:
        print('| %d | not every host succeeded, or skipped (see the log) | | | | | | | | | | |' % n)
        continue
    wall = med(float(r['wall_s']) for r in c)
    cold = med(kv(r, 'in_run_s') for r in c)
    warm = med(kv(r, 'warm_s') for r in c)
    rss = med(float(r['maxrss_kb']) for r in c)
    sshd = med(float(r['sshd_cpu_s']) for r in c if r['sshd_cpu_s'])
    pss = med(kv(r, 'sshd_pss_peak_kb') for r in c)
    hc = med(float(r['wall_s']) for r in h)
    hh = med(kv(r, 'heap_per_conn_kb') for r in h)
    per = None if cold is None else cold * 1000 / n
    if base is None:
        base = per
    print('| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' % (
        n, f(wall, '%.1f'), f(cold, '%.1f'), f(per, '%.1f'), f(warm, '%.1f'),
        f(None if warm is None else warm * 1000 / n, '%.2f'), f(None if rss is None else rss / 1024, '%.0f'),
        f(rss / n, '%.0f'), f(None if sshd is None else sshd * 1000 / n, '%.1f'),
        f(None if pss is None else pss / n, '%.0f'),
        (f(None if hc is None else hc * 1000 / n, '%.1f') + ', ' + f(hh, '%.1f')) if h else '-',
        f(None if per is None or not base else per / base, '%.2fx')))
print('\nwarm = the second run in the same process (every session reused); sshd CPU covers both runs (logins and '
      'execs); RSS KB/host includes the JVM and framework (about 120 MB with no host).\n')
for r in rows:
    if r['mode'] == 'big':
        print('big inventory (%d hosts): %s s, peak RSS %.0f MB, %s\n' % (
            int(kv(r, 'hosts') or 0), r['wall_s'], float(r['maxrss_kb']) / 1024, 'ok' if r['all_ok'] == 'yes' else 'FAILED'))
