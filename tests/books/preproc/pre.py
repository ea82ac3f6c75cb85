"""A small mdBook preprocessor for proofbook's tests.

    python3 pre.py MODE [supports RENDERER]

MODE: `replace` swaps {{VERSION}} for 1.2.3 in every chapter and records the
context it was given in the chapter text; `echo` does the same but prints
back the very object it was sent; `hang` never answers; `hang-supports`
never answers the `supports` probe; `orphan` exits at once but leaves a
process holding its stdout; `garbage` prints something that is not JSON;
`fail` exits with status 3; `no-html` supports no renderer.
"""
import json
import sys
import time

args = sys.argv[1:]
mode = args[0] if args else "replace"
if "supports" in args:
    if mode == "hang-supports":
        time.sleep(3600)
    renderer = args[args.index("supports") + 1]
    sys.exit(1 if mode == "no-html" else 0 if renderer == "html" else 1)

if mode == "orphan":
    # Leave a child behind that keeps stdout open long after we exit.
    import subprocess
    subprocess.Popen(["sleep", "30"], stdout=sys.stdout, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sys.exit(0)

if mode == "hang":
    time.sleep(3600)
if mode == "garbage":
    print("this is not a book")
    sys.exit(0)
if mode == "fail":
    print("pre.py: something went wrong", file=sys.stderr)
    sys.exit(3)

context, book = json.load(sys.stdin)
items = book.get("items", book.get("sections"))


def walk(items):
    for item in items:
        chapter = item.get("Chapter") if isinstance(item, dict) else None
        if chapter:
            text = chapter["content"].replace("{{VERSION}}", "1.2.3")
            text += f"\n\nSeen by pre.py: renderer={context['renderer']}, title={context['config']['book']['title']}, both-keys={'items' in book and 'sections' in book}\n"
            chapter["content"] = text
            walk(chapter["sub_items"])


walk(items)
if mode == "echo":
    # Hand back the object it was given, every key included, as many
    # Python and JavaScript preprocessors do.
    json.dump(book, sys.stdout)
else:
    json.dump({"items": items}, sys.stdout)
