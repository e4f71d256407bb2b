"""``python tests/killpoint.py COLLECTION N GROUP newsqa-args...``: the real ``newsqa``
command, held still right after its Nth Chroma upsert into the collection whose name
ends in ``_COLLECTION`` ("chunks" or "articles") has returned. It says so on stderr
("newsqa-killpoint reached") and waits on stdin, so that a test can SIGKILL it at that
exact point of the write path (tests.helpers.run_until_write). GROUP > 0 makes the
ingestion embed and commit every GROUP chunks, so one small run makes several commits.
Nothing else is changed: the store, the model and the command are the real ones."""

import sys
from pathlib import Path

# run as a script, its own folder (tests/, which holds a package named ``index``) would
# shadow the real packages: look them up from the repository root instead
sys.path[0] = str(Path(__file__).resolve().parents[1])


def main() -> int:
    collection, nth, group, *args = sys.argv[1:]
    from chromadb.api.models.Collection import Collection

    import index.ingest

    if int(group) > 0:
        index.ingest.EMBED_GROUP = int(group)
    upsert = Collection.upsert
    seen = 0

    def held_upsert(self, *a, **kw):
        nonlocal seen
        out = upsert(self, *a, **kw)
        if self.name.endswith("_" + collection):
            seen += 1
            if seen == int(nth):
                print("\nnewsqa-killpoint reached", file=sys.stderr, flush=True)
                sys.stdin.read()  # until killed
        return out

    Collection.upsert = held_upsert
    from qa.cli import main as newsqa

    return newsqa(args)


if __name__ == "__main__":
    sys.exit(main())
