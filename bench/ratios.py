#!/usr/bin/python3
"""ratios.py RUNS.csv RUN_ID -> issue 12's table for one bench/run.sh run, ratios pair by pair.

Every repetition of bench/run.sh takes each Conduit figure next to its reference (the peer or the plugin alone,
run just before or after it, under the same load), so each ratio is computed within one repetition and the table
gives the ratios' min/median/max over the repetitions. A pair counts only when both runs succeeded on every host.
"""
import csv
import statistics
import sys

path, run_id = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(path)) if ('run=%s' % run_id) in (r.get('extra') or '')]
if not rows:
    sys.exit('ratios.py: no rows of run %s in %s' % (run_id, path))
n, forks = rows[0]['n'], rows[0]['forks']


def kv(r, key):
    for w in (r.get('extra') or '').split():
        if w.startswith(key + '='):
            try:
                return float(w.split('=', 1)[1])
            except ValueError:
                return None
    return None


def get(tool, mode, rep, field='wall_s'):
    """value of one run (None when absent or not every host succeeded)"""
    for r in rows:
        if r['tool'] == tool and r['mode'] == mode and r['rep'] == rep:
            if r['all_ok'] != 'yes':
                return None
            if field.startswith('extra:'):
                return kv(r, field[6:])
            return float(r[field]) if r[field] not in ('', None) else None
    return None


reps = sorted({r['rep'] for r in rows}, key=int)


def series(f):
    """f(rep) -> value or None, over the repetitions -> list of values"""
    return [v for v in (f(rep) for rep in reps) if v is not None]


def mmm(v, fmt):
    if not v:
        return '-'
    if len(v) == 1:
        return fmt % v[0]
    return (fmt + ' (' + fmt + '-' + fmt + ')') % (statistics.median(v), min(v), max(v))


def ratio(a, b):
    return lambda rep: (a(rep) / b(rep)) if a(rep) is not None and b(rep) else None


def met(v, ok):
    return '-' if not v else ('yes' if ok(statistics.median(v)) else 'NO')


def col(tool, mode, field='wall_s', scale=1.0):
    return lambda rep: (lambda x: None if x is None else x * scale)(get(tool, mode, rep, field))


cold = col('conduit', 'cold')
in_run = col('conduit', 'cold', 'extra:in_run_s')
warm = col('conduit', 'warm')
bare = col('conduit', 'bare')
pssh = col('pssh', 'cold')
h_cold = col('harness', 'cold')
h_warm = col('harness', 'warm')
resident = col('conduit', 'resident')
a_warm = col('ansible', 'warm')
around = lambda rep: (cold(rep) - in_run(rep) - bare(rep)) if None not in (cold(rep), in_run(rep), bare(rep)) else None
mb = 1 / 1024.0
rss = lambda rep: max([x for x in (col('conduit', 'cold', 'maxrss_kb', mb)(rep),
                                   col('conduit', 'warm', 'maxrss_kb', mb)(rep)) if x is not None], default=None)

print('## Conduit against issue 12\'s goals (run %s, N=%s, forks %s, %d repetitions)\n' % (run_id, n, forks, len(reps)))
print('Conduit and reference: median (min-max) over the repetitions; ratio: each Conduit run against the '
      'reference run next to it, median (min-max) of those pairs.\n')
print('| measure | Conduit | reference in the same run | ratio pair by pair | goal | met? |')
print('| --- | ---: | ---: | ---: | ---: | --- |')


def line(measure, conduit, ref, r, goal, ok):
    print('| %s | %s | %s | %s | %s | %s |' % (measure, conduit, ref, r, goal, ok))


v = series(ratio(cold, pssh))
line('cold, whole `bin/conduit -c` process', mmm(series(cold), '%.2f s'), 'parallel-ssh ' + mmm(series(pssh), '%.2f s'),
     mmm(v, '%.2fx'), '<= 0.85x parallel-ssh', met(v, lambda m: m <= 0.85))
v = series(ratio(in_run, h_cold))
line('cold, the run itself (its summary line)', mmm(series(in_run), '%.2f s'),
     'the ssh plugin alone ' + mmm(series(h_cold), '%.2f s'), mmm(v, '%.2fx'), '<= 1.10x the plugin alone',
     met(v, lambda m: m <= 1.10))
v = series(ratio(warm, h_warm))
w = series(warm)
aw = series(ratio(a_warm, warm))
line('warm, second run in the same process', mmm(w, '%.2f s'),
     'plugin alone ' + mmm(series(h_warm), '%.2f s') + ('; Ansible ControlPersist ' + mmm(series(a_warm), '%.2f s')
                                                          if aw else ''),
     mmm(v, '%.2fx') + ('; Ansible/Conduit ' + mmm(aw, '%.1fx') if aw else ''),
     '< 1.0 s; <= 1.10x the plugin alone',
     '-' if not w else ('yes' if statistics.median(w) < 1.0 and (not v or statistics.median(v) <= 1.10) else 'NO'))
b = series(bare)
line('a bare start and stop (`-c conduit:plugins`)', mmm(b, '%.2f s'), '-', '-', '< 1 s', met(b, lambda m: m < 1.0))
a = series(around)
line('around the run: process - run itself - bare start and stop (closing sessions)', mmm(a, '%.2f s'), '-', '-',
     '< 0.3 s', met(a, lambda m: m < 0.3))
v = series(rss)
line('peak RSS, whole process', mmm(v, '%.0f MB'), 'parallel-ssh ' + mmm(series(col('pssh', 'cold', 'maxrss_kb', mb)), '%.0f MB'),
     '-', '<= 150 MB', met(v, lambda m: m <= 150))
v = series(col('harness', 'cold', 'extra:heap_per_conn_kb'))
line('heap per idle open connection (the plugin alone)', mmm(v, '%.1f KiB'), '-', '-', '<= 60 KiB',
     met(v, lambda m: m <= 60))
r = series(resident)
v = series(ratio(resident, warm))
line("a script's second `bin/conduit -c` run (resident Conduit)",
     mmm(r, '%.2f s') if r else 'not measured (no `bin/conduit status` in this build)',
     'in-shell warm ' + mmm(w, '%.2f s'), mmm(v, '%.2fx'), 'warm (<= 1.5x an in-shell warm run)',
     met(v, lambda m: m <= 1.5))
big = [x for x in rows if x['tool'] == 'conduit' and x['mode'] == 'big' and x['all_ok'] == 'yes']
if big:
    bw = [float(x['wall_s']) for x in big]
    br = [float(x['maxrss_kb']) * mb for x in big]
    line('inventory of %d hosts' % int(kv(big[0], 'hosts') or 0), mmm(bw, '%.2f s') + ', ' + mmm(br, '%.0f MB'), '-', '-',
         '< 2 s, < 300 MB', 'yes' if statistics.median(bw) < 2 and statistics.median(br) < 300 else 'NO')
else:
    line('inventory of 200,000 hosts', 'not measured here (BIG=200000 BIG_CMD=...)', '-', '-', '< 2 s, < 300 MB', '-')

# conditions of each repetition: what else loaded the machine, and what our sshd spent
print('\n| rep | run | wall s | sshd CPU s | load average before..after | all hosts ok |')
print('| --- | --- | ---: | ---: | --- | --- |')
for r in rows:
    print('| %s | %s %s | %s | %s | %s | %s |' % (
        r['rep'], r['tool'], r['mode'], r['wall_s'], r['sshd_cpu_s'] or '-',
        next((w[5:] for w in (r['extra'] or '').split() if w.startswith('load=')), '-'), r['all_ok']))
print()
