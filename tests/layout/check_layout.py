#!/usr/bin/python3
"""The house rules of the source tree that a compiler does not check.

Usage: check_layout.py SOURCE_ROOT BUILD_DIR

1. Stages call the core and the pure libraries, never each other: no file
   of a stage (app/l4, app/adm, app/sp, ...) includes another stage's
   header, and no stage's object file needs a symbol another stage's
   object files define (read with nm from BUILD_DIR's weir_app objects).
   The core (app/core) may call every stage: it is the one that drives
   them.
2. Pure libraries (lib/*) include no DPDK header and nothing of app/.
3. lib/pkt/weir_pkt.h names no daemon-level drop reason (app/core/drop.h).
4. No file of app/ is longer than MAX_LINES lines.
5. rte_lpm6 is called in one place (app/adm/adm-priv.h), so that the day
   DPDK changes its address type (24.11) one place changes.

Prints one line per violation and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

MAX_LINES = 700
CORE = 'core'
NOT_STAGES = {CORE, 'config'}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)

problems = []


def problem(msg):
    problems.append(msg)
    print('layout: ' + msg)


def sources(root, top):
    for d, _, files in os.walk(os.path.join(root, top)):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                yield os.path.join(d, f)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    root, build = sys.argv[1], sys.argv[2]
    app = os.path.join(root, 'app')
    stages = sorted(d for d in os.listdir(app)
                    if os.path.isdir(os.path.join(app, d)) and d not in NOT_STAGES)
    if not {'l4', 'adm', 'sp'} <= set(stages):
        problem('expected the stages l4, adm and sp under app/, found %s' % stages)

    # 1a, 4: includes and lengths in app/.
    for path in sources(root, 'app'):
        rel = os.path.relpath(path, app)
        folder = rel.split(os.sep)[0]
        with open(path) as f:
            text = f.read()
        n = text.count('\n')
        if n > MAX_LINES:
            problem('%s: %d lines (at most %d)' % (os.path.relpath(path, root), n, MAX_LINES))
        for inc in INCLUDE.findall(text):
            top = inc.split('/')[0] if '/' in inc else None
            if folder in stages and top in stages and top != folder:
                problem('%s includes %s: a stage does not use another stage'
                        % (os.path.relpath(path, root), inc))
            if folder == 'config' and top in stages + [CORE]:
                problem('%s includes %s: the config loader stands alone'
                        % (os.path.relpath(path, root), inc))

    # 1b: symbols, from the objects of the weir_app library.
    objdir = os.path.join(build, 'app', 'libweir_app.a.p')
    if not os.path.isdir(objdir):
        problem('%s: no object files (build weir_app first)' % objdir)
    else:
        defined, undefined = {}, {}
        for obj in sorted(os.listdir(objdir)):
            if not obj.endswith('.o'):
                continue
            stage = obj.split('_')[0]
            out = subprocess.run(['nm', '--defined-only', '-g', os.path.join(objdir, obj)],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3:
                    defined[parts[2]] = stage
            out = subprocess.run(['nm', '-u', os.path.join(objdir, obj)],
                                 capture_output=True, text=True, check=True).stdout
            undefined[obj] = (stage, [line.split()[-1] for line in out.splitlines() if line.strip()])
        seen = {s for s in defined.values()}
        if not set(stages) <= seen:
            problem('objects of stages %s not found in %s' % (sorted(set(stages) - seen), objdir))
        for obj, (stage, syms) in sorted(undefined.items()):
            if stage not in stages:
                continue
            for sym in syms:
                owner = defined.get(sym)
                if owner is not None and owner != stage and owner in stages:
                    problem('%s (stage %s) calls %s of stage %s' % (obj, stage, sym, owner))

    # 2: pure libraries.
    for path in sources(root, 'lib'):
        with open(path) as f:
            for inc in INCLUDE.findall(f.read()):
                if inc.startswith('rte_') or inc.split('/')[0] in stages + [CORE, 'config']:
                    problem('%s includes %s: pure libraries use no DPDK and no daemon code'
                            % (os.path.relpath(path, root), inc))

    # 3: packet-level drop reasons only in lib/pkt.
    with open(os.path.join(app, 'core', 'drop.h')) as f:
        daemon = re.findall(r'^\s*X\(([A-Z_0-9]+),', f.read(), re.M)
    if not daemon:
        problem('app/core/drop.h: no daemon drop reasons found (WEIR_DROPS)')
    with open(os.path.join(root, 'lib', 'pkt', 'weir_pkt.h')) as f:
        pkt = f.read()
    for name in daemon:
        if re.search(r'\b\w*DROP_%s\b' % name, pkt):
            problem('lib/pkt/weir_pkt.h names the daemon drop reason %s' % name)

    # 5: rte_lpm6 calls in one place.
    for top in ('app', 'bench', 'tests'):
        for path in sources(root, top):
            rel = os.path.relpath(path, root)
            if rel == os.path.join('app', 'adm', 'adm-priv.h'):
                continue
            with open(path) as f:
                if re.search(r'\brte_lpm6_(add|lookup|lookup_bulk_func|delete)\b', f.read()):
                    problem('%s calls rte_lpm6 directly (use adm_lpm6_*() in '
                            'app/adm/adm-priv.h)' % rel)

    if problems:
        print('%d layout problem(s)' % len(problems))
        sys.exit(1)
    print('ok: %d stages (%s) over the core; no stage calls another; pure libraries pure'
          % (len(stages), ', '.join(stages)))


if __name__ == '__main__':
    main()
