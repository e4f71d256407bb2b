"""Every format the loaders take, metadata extraction, and every kind of bad input."""

import json
import random

import pytest

from index.loaders import LoadError, load_paths, parse_bytes

pytestmark = pytest.mark.unit

LIMIT = 1024 * 1024

HTML = """<!doctype html><html><head>
<title>Harbour bridge reopens after repairs | Coast Herald</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Coast Herald">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2023-10-05T09:30:00+00:00">
<link rel="canonical" href="https://coastherald.example/news/bridge-reopens">
<script>alert('x')</script></head>
<body><nav>Home | Sport | Weather</nav>
<article><h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened to traffic on Thursday after six months of repairs, the city council said.</p>
<p>Mayor Ana Ruiz said the work had cost 12 million euros and came in under budget.</p>
<p>Engineers replaced the corroded cables and resurfaced the whole deck, the council added.</p>
</article><footer>Copyright Coast Herald</footer></body></html>"""


def _one(path):
    out = load_paths([path], LIMIT)
    assert not out.failures, out.failures
    assert len(out.articles) == 1
    return out.articles[0]


def test_txt_first_line_is_title(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Storm hits coast\n\nA storm hit the coast on Monday.\n", "utf-8")
    a = _one(p)
    assert a.title == "Storm hits coast"
    assert a.body.strip() == "A storm hit the coast on Monday."


def test_markdown_heading_title(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("# Budget passes\nParliament passed the budget late on Friday.", "utf-8")
    assert _one(p).title == "Budget passes"


def test_sidecar_metadata_keeps_whole_text_as_body(tmp_path):
    (tmp_path / "s.txt").write_text("Whole text is the body.\nSecond line.", "utf-8")
    (tmp_path / "s.meta.json").write_text(
        json.dumps({"title": "Given", "source": "Wire", "published_at": "2022-02-15"})
    )
    out = load_paths([tmp_path], LIMIT)
    assert len(out.articles) == 1 and not out.failures  # the sidecar is not an article
    a = out.articles[0]
    assert (a.title, a.source, a.published_at.date().isoformat()) == ("Given", "Wire", "2022-02-15")
    assert a.body.startswith("Whole text is the body.")


def test_html_metadata_and_main_text(tmp_path):
    p = tmp_path / "bridge.html"
    p.write_text(HTML, "utf-8")
    a = _one(p)
    assert a.title == "Harbour bridge reopens after repairs"
    assert a.source == "Coast Herald"
    assert a.author == "Jane Reporter"
    assert a.published_at and a.published_at.date().isoformat() == "2023-10-05"
    assert a.url == "https://coastherald.example/news/bridge-reopens"
    assert "12 million euros" in a.body
    assert "alert(" not in a.body and "Home | Sport" not in a.body


def test_json_object_array_and_jsonl(tmp_path):
    rec = {
        "title": "A",
        "body": "Body A.",
        "source": "S",
        "url": "https://x.example/a",
        "published_at": "2023-11-27T08:45:59+00:00",
        "author": "Au",
        "category": "tech",
    }
    (tmp_path / "one.json").write_text(json.dumps(rec))
    (tmp_path / "many.json").write_text(
        json.dumps([rec | {"url": "https://x.example/b"}, rec | {"url": "https://x.example/c"}])
    )
    (tmp_path / "lines.jsonl").write_text(
        "\n".join(json.dumps(rec | {"url": f"https://x.example/l{i}"}) for i in range(3))
    )
    out = load_paths([tmp_path], LIMIT)
    assert not out.failures
    assert len(out.articles) == 6
    a = next(x for x in out.articles if x.url == "https://x.example/a")
    assert (a.source, a.author, a.category, a.published_ts) == ("S", "Au", "tech", 1701074759)


def test_folder_recursion_skips_hidden_and_unknown(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "x.txt").write_text("Title\nBody text here.")
    (tmp_path / ".hidden.txt").write_text("Title\nHidden.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    out = load_paths([tmp_path], LIMIT)
    assert [a.title for a in out.articles] == ["Title"] and not out.failures


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x00\x01\x02garbage\x00", "binary file"),
        ("noise.txt", random.Random(1).randbytes(4000).replace(b"\0", b"\1"), "not text"),
        ("bad.json", b'{"title": "x", "body": ', "malformed JSON"),
        ("nobody.json", b'{"title": "x"}', "no 'body'"),
        ("notitle.txt", b"Only a title line\n", "no body"),
        ("bad.jsonl", b'{"body": "ok line"}\nnot json\n', "malformed JSON"),
        ("odd.pdf", b"%PDF-1.4", "unsupported file type"),
        ("baddate.json", b'{"body": "x", "published_at": "yesterday-ish"}', "unreadable published_at"),
    ],
)
def test_bad_input_gets_one_line_reason(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    out = load_paths([p], LIMIT)
    assert out.failures, f"{name} should fail"
    f = out.failures[0]
    assert reason in f.reason and "\n" not in f.reason
    assert name in f.source


def test_oversized_and_missing(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Title\n" + "word " * (LIMIT // 4))
    out = load_paths([big, tmp_path / "missing.txt"], LIMIT)
    reasons = [f.reason for f in out.failures]
    assert any("over the 1 MB limit" in r for r in reasons)
    assert any("no such file" in r for r in reasons)


def test_good_records_survive_bad_ones(tmp_path):
    p = tmp_path / "mixed.json"
    p.write_text(json.dumps([{"title": "ok", "body": "Fine body."}, {"title": "bad"}, 42]))
    out = load_paths([p], LIMIT)
    assert [a.title for a in out.articles] == ["ok"]
    assert [f.source for f in out.failures] == [f"{p}[1]", f"{p}[2]"]


def test_parse_bytes_rejects_unknown_suffix():
    with pytest.raises(LoadError):
        parse_bytes(b"hello", "x.exe", LIMIT)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encodings_are_decoded(tmp_path, encoding):
    """Old archives are cp1252 or Latin-1; they are read, not refused (issue 11, point 5)."""
    title = "Le président répond à l'Assemblée"
    body = "Élisabeth Borne a déclaré que la réforme serait adoptée « sans délai », a-t-elle ajouté à Zoë."
    if encoding == "cp1252":
        body += " Les “guillemets” – et l’apostrophe – sont là."
    p = tmp_path / f"{encoding}.txt"
    p.write_bytes(f"{title}\n{body}".encode(encoding))
    a = _one(p)
    assert (a.title, a.body) == (title, body)
