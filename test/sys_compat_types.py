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
