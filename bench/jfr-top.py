#!/usr/bin/python3
"""jfr-top.py REC.jfr [TOP] -> where a JFR recording's CPU samples are: self time by method and by package,
by thread group, and the inclusive share of the core's code paths (bench/PROFILE.md).

Reads `jfr print --stack-depth 64 --events jdk.ExecutionSample` (JDK 17 has no `jfr view`)."""
import collections
import re
import subprocess
import sys

rec = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
text = subprocess.run(['jfr', 'print', '--stack-depth', '64', '--events', 'jdk.ExecutionSample', rec],
                      check=True, capture_output=True, text=True).stdout

samples = []  # (thread, [frames top first])
for ev in text.split('jdk.ExecutionSample')[1:]:
    m = re.search(r'sampledThread = "([^"]*)"', ev)
    thread = m.group(1) if m else '?'
    st = ev.split('stackTrace = [', 1)
    frames = []
    if len(st) == 2:
        for line in st[1].splitlines()[1:]:
            line = line.strip()
            if line.startswith(']') or not line:
                break
            if line == '...':
                continue
            frames.append(re.sub(r'\s+line:.*$', '', line))
    samples.append((thread, frames))

n = len(samples)
if n == 0:
    sys.exit('no jdk.ExecutionSample events in ' + rec)


def method(f):
    return re.sub(r'\(.*$', '', f)


def package(f):
    parts = method(f).split('.')
    return '.'.join(parts[:-2]) if len(parts) > 2 else method(f)


def group(thread):
    t = re.sub(r'[-#]?\d+', '-N', thread)
    return t


def show(title, counter, k=top):
    print('\n%s (of %d samples)' % (title, n))
    for name, c in counter.most_common(k):
        print('%6d %5.1f%%  %s' % (c, 100.0 * c / n, name))


show('self time by method', collections.Counter(method(f[0]) for _, f in samples if f))
show('self time by package', collections.Counter(package(f[0]) for _, f in samples if f))
show('samples by thread', collections.Counter(group(t) for t, _ in samples))
# inclusive: a sample counts once for each path its stack passes through
paths = {
    'io.conduit.core (any frame)': 'io.conduit.core.',
    'io.conduit.ssh (any frame)': 'io.conduit.ssh.',
    'org.apache.sshd (any frame)': 'org.apache.sshd.',
    'core run/ (ForkingRunner, HostContext, HostValues, ...)': 'io.conduit.core.run.',
    'core connection/ (ConnectionManager, Lease)': 'io.conduit.core.connection.',
    'core inventory/ (ParameterResolver, loader)': 'io.conduit.core.inventory.',
    'core shell/ (ResultPrinter, commands)': 'io.conduit.core.shell.',
    'SecretMasker / RunSecrets': ('SecretMasker', 'RunSecrets'),
    'logging (log4j, pax-logging, slf4j)': ('org.apache.logging', 'org.ops4j.pax.logging', 'org.slf4j'),
    'Felix / OSGi framework': ('org.apache.felix.framework', 'org.osgi.'),
    'class loading / JIT-visible loaders': ('java.lang.ClassLoader', 'BundleWiringImpl'),
    'Thread.start / new threads': ('java.lang.Thread.start',),
    'crypto (EdDSA, X25519, AES, SHA)': ('net.i2p.crypto', 'sun.security', 'javax.crypto', 'com.sun.crypto'),
}
inc = collections.Counter()
for _, frames in samples:
    for name, needle in paths.items():
        needles = (needle,) if isinstance(needle, str) else needle
        if any(any(x in method(f) for x in needles) for f in frames):
            inc[name] += 1
show('inclusive (stack passes through)', inc, len(paths))

# FOCUS=needle[,needle]: for the samples through each, the stacks from the needle's first frame towards the root
import os
for needle in filter(None, os.environ.get('FOCUS', '').split(',')):
    c = collections.Counter()
    for _, frames in samples:
        idx = [i for i, f in enumerate(frames) if needle in method(f)]
        if idx:
            i = idx[-1]  # the outermost frame of the needle
            c[' <- '.join(method(f).split('.', 3)[-1] for f in frames[max(0, i - 2):i + 4])] += 1
    show('through %s: from two frames inside it to three callers out' % needle, c, 8)

# the core's own time: samples whose innermost Conduit/MINA frame is the core's (what it does around the
# plugin, with the JDK and library code it calls), by that frame; plugin time is a sample whose innermost is
# io.conduit.ssh or org.apache.sshd
own = collections.Counter()
plugin = 0
for _, frames in samples:
    for f in frames:
        m = method(f)
        if m.startswith('io.conduit.core.'):
            own[m[len('io.conduit.core.'):]] += 1
            break
        if m.startswith(('io.conduit.ssh.', 'org.apache.sshd.', 'net.i2p.crypto')):
            plugin += 1
            break
print('\nplugin (ssh, MINA, EdDSA) innermost: %d samples; core innermost: %d samples' % (plugin, sum(own.values())))
show("core's own time by its innermost core frame", own, top)
