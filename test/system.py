#!/usr/bin/python3
"""System tests: the built static ./tablesnap against a real Ceph radosgw.

Starts radosgw with test/rgw.sh (with RGW_REUSE=1: uses the one running in
RGW_DIR, and stops with an error if there is none), runs every @test of test/sys_*.py, each in its own bucket
and directory, and checks what landed with boto3, an independent client.
Ends with "system: N passed, N failed".

    /usr/bin/python3 test/system.py [test-name-substring ...]
                                    [-test-name-substring ...]

A "-" word leaves out the tests whose names contain the rest of it.
"""
import glob
import importlib
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import s3check  # noqa: E402
from systest import BIN, RGW_DIR, TESTS, Ctx, Failure, check  # noqa: E402

for mod in sorted(glob.glob(os.path.join(HERE, "sys_*.py"))):
    importlib.import_module(os.path.basename(mod)[:-3])


def main():
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    skip = [a[1:] for a in sys.argv[1:] if a.startswith("-")]
    if not os.path.exists(BIN):
        sys.exit("build ./tablesnap first (make)")
    started = False
    if os.environ.get("RGW_REUSE") == "1":
        # Reuse means someone else's radosgw: never start one in its
        # place (and remove its directory when done) if it is gone.
        if not os.path.exists(os.path.join(RGW_DIR, "env")):
            sys.exit("RGW_REUSE=1 but no radosgw in %s (no env file)"
                     % RGW_DIR)
    else:
        subprocess.run(["bash", os.path.join(HERE, "rgw.sh"), "start",
                        RGW_DIR], check=True)
        started = True
    passed = failed = 0
    try:
        env = s3check.load_env(RGW_DIR)
        s3 = s3check.client(env)
        for fn in TESTS:
            if only and not any(o in fn.__name__ for o in only):
                continue
            if any(o in fn.__name__ for o in skip):
                continue
            ctx = Ctx(env, s3, fn.__name__)
            t0 = time.time()
            try:
                fn(ctx)
                rc = ctx.stop()
                check(rc in (None, 0), "tablesnap exited %r" % rc)
                passed += 1
                print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0),
                      flush=True)
            except Exception as e:
                failed += 1
                print("FAIL %s: %s" % (fn.__name__, e), flush=True)
                if not isinstance(e, Failure):
                    traceback.print_exc()
            finally:
                ctx.cleanup()
    finally:
        if started and not os.environ.get("RGW_KEEP"):
            subprocess.run(["bash", os.path.join(HERE, "rgw.sh"), "stop",
                            RGW_DIR])
    print("system: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
