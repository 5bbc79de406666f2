"""Drop-in compatibility (issue 13): the Content-Type the original's boto 2
guessed from the name, and the Python re syntax of -e/-i."""
import os

from systest import check, move_in, test


@test
def content_type_as_boto_guessed(ctx):
    # boto 2 ran mimetypes.guess_type: text/plain for .txt, application/json
    # for the listing, application/octet-stream for every other component.
    ctx.start()
    toc = move_in(ctx, "ks-cf-ka-1-TOC.txt", b"Data.db\nTOC.txt\n")
    data = move_in(ctx, "ks-cf-ka-1-Data.db", os.urandom(5000))
    log = move_in(ctx, "CommitLog-7-1700000000000.log", os.urandom(300))
    want = {toc: "text/plain", data: "application/octet-stream",
            log: "application/octet-stream"}
    for path, ctype in want.items():
        got = ctx.assert_stored(path)["ContentType"]
        check(got == ctype, "%s: Content-Type %r, want %r" % (
            os.path.basename(path), got, ctype))
    got = ctx.wait_object(ctx.key(data) + "-listdir.json")["ContentType"]
    check(got == "application/json", "listing: Content-Type %r" % got)
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")


@test
def python_regex_exclude(ctx):
    # -e patterns from an /etc/default/tablesnap written for the original:
    # Python re syntax, searched anywhere in the full path.
    os.makedirs(os.path.join(ctx.dir, "snapshots"))
    ctx.start("-r", "-e", r"\d+-Index\.db", r"(?i)\bsummary\.db$",
              r"^(?:.*/)?snap\w*?/", "--")
    skip = [move_in(ctx, "ks-cf-ka-12-Index.db", b"1"),
            move_in(ctx, "ks-cf-ka-3-SUMMARY.DB", b"2"),
            move_in(ctx, "snapshots/ks-cf-ka-4-Data.db", b"6")]
    keep = [move_in(ctx, "ks-cf-ka-x-Index.db", b"3"),
            move_in(ctx, "ks-cf-ka-3-XSummary.db", b"4"),
            move_in(ctx, "ks-cf-ka-3-Data.db", b"5")]
    for path in keep:
        ctx.assert_stored(path)
    for path in skip:
        ctx.wait_log("Skipping %s due to exclusion rule" % path)
    want = [ctx.key(p) for p in keep]
    want.append(ctx.key(keep[-1]) + "-listdir.json")
    check(ctx.keys() == sorted(want), "stored: %r" % ctx.keys())
    check(ctx.stop() == 0, "exit status after SIGTERM is not 0")


@test
def python_regex_include(ctx):
    ctx.start(r"--include=-(?:Data|TOC)\.(?:db|txt)\Z")
    skip = move_in(ctx, "ks-cf-ka-1-Index.db", b"i")
    toc = move_in(ctx, "ks-cf-ka-1-TOC.txt", b"t")
    data = move_in(ctx, "ks-cf-ka-1-Data.db", b"d")
    ctx.assert_stored(toc)
    ctx.assert_stored(data)
    ctx.wait_log("Skipping %s due to exclusion rule" % skip)
    check(ctx.head(ctx.key(skip)) is None, "-i let a non-match through")


@test
def python_regex_refused_by_name(ctx):
    # What a Thompson NFA cannot honour is refused, never mismatched.
    for pat, why in ((r"(\d)-\1", r"back-reference \1 to \9 not supported"),
                     (r"Data(?=\.db)", "look-ahead (?=...) not supported"),
                     (r"(?<!snap)shots", "look-behind (?<!...) not supported"),
                     (r"(?P<g>x)", "named group (?P<name>...) not supported"),
                     (r"(?m)^a", "inline flag other than (?i) at the start")):
        rc, out, err = ctx.run("-e", pat, "--")
        check(rc == 2, "%r: exit %d, want 2" % (pat, rc))
        line = "invalid regular expression '%s': %s" % (pat, why)
        check(line in err.splitlines()[-1] if err else False,
              "%r: stderr %r" % (pat, err))
    check(ctx.keys() == [], "something stored: %r" % ctx.keys())
