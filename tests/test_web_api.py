"""writesmooth-web's HTTP API with an in-process client: every endpoint, every error, the
limits, the queue and the batching of requests that arrive together."""
from __future__ import annotations

import asyncio
import json
import threading
import time

import numpy as np
import pytest

pytest.importorskip("writesmooth_web", reason="writesmooth-web is not installed")
pytest.importorskip("starlette.testclient", reason="the test client needs httpx2 (or httpx)")

from starlette.testclient import TestClient  # noqa: E402

import writesmooth  # noqa: E402
from writesmooth import Ink, WriteJob  # noqa: E402
from writesmooth_lstm_graves.models import LstmGraves, LstmGravesReader  # noqa: E402
from writesmooth_web.app import create_app  # noqa: E402
from writesmooth_web.engine import Engine, Task  # noqa: E402
from writesmooth_web.limits import Limits  # noqa: E402
from writesmooth_web.styles import Styles  # noqa: E402


def client(writer, reader=None, *, bank=None, adapt_minutes=3.0, **limits) -> TestClient:
    """An in-process client of an app around ``writer``; with ``bank`` (a
    :class:`writesmooth.StyleBank`), one that keeps styles there."""
    engine = Engine(writer, reader, Limits(**{"gather": 0.0, **limits}))
    styles = None if bank is None else Styles(bank, engine, adapt_minutes=adapt_minutes)
    app = create_app(engine, writer_name=writer.name, reader_name=reader and reader.name,
                     models=[writer.name], styles=styles)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def models():
    if LstmGraves.default_weights() is None or LstmGravesReader.default_weights() is None:
        pytest.skip("no bundled weights")
    return LstmGraves.load(), LstmGravesReader.load()


@pytest.fixture(scope="module")
def api(models):
    return client(*models)


def written(api, text: str, seed: int = 1) -> list[list[list[float]]]:
    """Handwriting of ``text`` in CSS-pixel-like units, as a canvas would send it."""
    line = api.post("/api/write", json={"text": text, "seed": seed}).json()["lines"][0]
    return [[[20 + 0.3 * x, 60 + 0.3 * y] for x, y in s] for s in line["strokes"]]


class Slow(writesmooth.Model):
    """Writes a dot per line after ``delay`` seconds; counts the batches it is given."""

    name = "slow"
    capabilities = frozenset({"write", "smooth"})

    def __init__(self, delay: float = 0.0) -> None:
        self.delay, self.calls = delay, []

    def write_jobs(self, jobs):
        self.calls.append(len(jobs))
        time.sleep(self.delay)
        for j, job in enumerate(jobs):
            for i, t in enumerate(job.texts):
                yield j, i, Ink(strokes=[[[job.seed % 97, i], [len(t), i + 1]]], text=t)

    def smooth(self, sample, *, bias=1.0, seed=None):
        raise RuntimeError("a bug in the model")


def test_the_page_and_its_files_are_served_with_nothing_from_elsewhere(api):
    page = api.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assets = ("/static/app.js", "/static/common.js", "/static/styles.js", "/static/style.css")
    for asset in assets:
        assert api.get(asset).status_code == 200
    html = page.text + "".join(api.get(asset).text for asset in assets)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_health_names_the_models_formats_and_limits(api):
    body = api.get("/api/health").json()
    assert body["ok"] is True and body["models"] == ["lstm-graves"]
    assert body["reader"] == "lstm-graves-reader"
    assert {"svg", "png", "inkml", "json"} <= set(body["formats"])
    assert body["limits"]["text"] == Limits().text


def test_write_answers_lines_of_ink_with_the_seed_and_the_same_seed_the_same_strokes(api):
    a = api.post("/api/write", json={"text": "Hello there", "seed": 7, "bias": 1.5})
    assert a.status_code == 200
    body = a.json()
    assert body["seed"] == 7 and body["units"] == "model" and len(body["lines"]) == 1
    line = body["lines"][0]
    assert line["text"] == "Hello there" and len(line["strokes"]) > 5
    assert all(len(p) == 2 for s in line["strokes"] for p in s)
    assert api.post("/api/write", json={"text": "Hello there", "seed": 7,
                                        "bias": 1.5}).json() == body
    drawn = api.post("/api/write", json={"text": "Hello there"}).json()
    assert isinstance(drawn["seed"], int)


def test_write_wraps_long_text_and_keeps_paragraphs(api):
    text = "one two three four five six seven eight nine ten eleven twelve thirteen\n\nend"
    body = api.post("/api/write", json={"text": text, "seed": 2,
                                        "options": {"candidates": 1}}).json()
    assert [ln["text"] for ln in body["lines"]] == [
        "one two three four five six seven eight nine ten eleven", "twelve thirteen", "",
        "end"]
    assert body["lines"][2]["strokes"] == []


def test_characters_the_model_never_learned_are_drawn_in_place(api):
    r = api.post("/api/write", json={"text": "Quiet, 10% caf\u00e9 now", "seed": 1})
    assert r.status_code == 200, r.text
    (line,) = r.json()["lines"]
    assert line["text"] == "Quiet, 10% caf\u00e9 now"
    # the network wrote what it was given for them ("q", "o", "e") with the same seed: its
    # last stroke is the same, moved along by what the glyphs are wider than what they replace
    (plain,) = api.post("/api/write", json={"text": "quiet, 10o cafe now",
                                            "seed": 1}).json()["lines"]
    last, same = np.array(line["strokes"][-1]), np.array(plain["strokes"][-1])
    assert last.shape == same.shape
    assert np.allclose(last - last[0], same - same[0], atol=0.03)
    assert not np.allclose(last[0], same[0])


def test_write_as_svg_when_asked(api):
    r = api.post("/api/write", json={"text": "ink", "seed": 1},
                 headers={"Accept": "image/svg+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.headers["x-seed"] == "1" and r.text.count("<path") > 1


def test_the_write_stream_sends_start_each_line_in_order_and_done(api):
    with api.stream("POST", "/api/write/stream",
                    json={"text": "first line\nsecond", "seed": 4}) as r:
        assert r.headers["content-type"].startswith("application/x-ndjson")
        events = [json.loads(line) for line in r.iter_lines() if line]
    assert [e["event"] for e in events] == ["start", "line", "line", "done"]
    assert events[0]["seed"] == 4 and events[0]["texts"] == ["first line", "second"]
    assert [e["index"] for e in events[1:3]] == [0, 1]
    whole = api.post("/api/write", json={"text": "first line\nsecond", "seed": 4}).json()
    assert [e["ink"] for e in events[1:3]] == whole["lines"]


def test_read_and_smooth_what_a_canvas_sends(api):
    strokes = written(api, "hello world", seed=1)
    read = api.post("/api/read", json={"strokes": strokes}).json()
    assert read["text"] in ("hello world", "hello wor ld") and read["lines"] == [read["text"]]
    body = api.post("/api/smooth", json={"strokes": strokes, "seed": 3}).json()
    assert body["text"] == read["text"] and body["seed"] == 3 and body["units"] == "input"
    (line,) = body["lines"]
    pts = np.array([p for s in line["strokes"] for p in s])
    orig = np.array([p for s in strokes for p in s])
    # in the canvas's units, where the writing was: the same left edge, about the same size
    assert abs(pts[:, 0].min() - orig[:, 0].min()) < 1.0
    assert 0.5 < np.ptp(pts[:, 1]) / np.ptp(orig[:, 1]) < 2.0
    given = api.post("/api/smooth", json={"strokes": strokes, "text": "hello world",
                                          "seed": 3}).json()
    assert given["text"] == "hello world" and given["lines"][0]["text"] == "hello world"


def test_smooth_can_keep_the_words_the_reader_reads(api):
    strokes = written(api, "hello world", seed=1)
    body = api.post("/api/smooth", json={"strokes": strokes, "text": "hello world",
                                         "keep_legible": True, "seed": 2}).json()
    (line,) = body["lines"]
    assert line["text"] == "hello world" and line["strokes"]
    with api.stream("POST", "/api/smooth/stream", json={
            "strokes": strokes, "text": "hello world", "keep_legible": True}) as r:
        events = [json.loads(x) for x in r.iter_lines() if x]
    (event,) = [e for e in events if e["event"] == "line"]
    assert event["words"] == 2 and 0 <= event["kept_words"] <= 2
    r = api.post("/api/smooth", json={"strokes": strokes, "keep_legible": "yes"})
    assert r.status_code == 400 and "'keep_legible' must be true or false" in r.json()["error"]


def test_write_in_the_hand_of_a_page_sent_without_its_text(api):
    strokes = written(api, "good day", seed=2)
    page = strokes + [[[x, y + 140] for x, y in s] for s in written(api, "see you", seed=3)]
    body = api.post("/api/write", json={"text": "a note", "seed": 1,
                                        "style": {"strokes": page}}).json()
    assert body["lines"][0]["text"] == "a note" and body["lines"][0]["strokes"]


def test_a_style_the_reader_cannot_read_is_one_sentence():
    class Blind(writesmooth.Model):
        name = "blind"
        capabilities = frozenset({"read"})

        def read(self, inks):
            return ["" for _ in inks]

    api = client(Slow(), Blind())
    r = api.post("/api/write", json={"text": "a", "style": {"strokes": [[[0, 0], [5, 5]]]}})
    assert r.status_code == 400 and "could not be read" in r.json()["error"]


def test_the_smooth_stream_says_what_it_read_then_each_line(api):
    strokes = written(api, "good day", seed=2)
    page = strokes + [[[x, y + 140] for x, y in s] for s in strokes]  # two lines
    with api.stream("POST", "/api/smooth/stream", json={"strokes": page, "seed": 1}) as r:
        events = [json.loads(line) for line in r.iter_lines() if line]
    assert [e["event"] for e in events] == ["start", "text", "line", "line", "done"]
    assert events[0]["lines"] == 2 and events[1]["text"].count("\n") == 1
    tops = [min(p[1] for s in e["ink"]["strokes"] for p in s) for e in events[2:4]]
    assert tops[1] - tops[0] > 100  # each line smoothed where it was written


def test_render_makes_every_format_the_server_knows(api):
    lines = api.post("/api/write", json={"text": "pen", "seed": 1}).json()["lines"]
    for fmt in api.get("/api/health").json()["formats"]:
        r = api.post("/api/render", json={"lines": lines, "format": fmt, "color": "#123456",
                                          "stroke_width": 3})
        assert r.status_code == 200, (fmt, r.text)
        assert r.headers["content-disposition"] == f'attachment; filename="handwriting.{fmt}"'
        assert len(r.content) > 50
    png = api.post("/api/render", json={"lines": lines, "format": "png"}).content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("path, body, says", [
    ("/api/write", b"{not json", "not valid JSON"),
    ("/api/write", b"[1, 2]", "must be a JSON object"),
    ("/api/write", b"\xff\xfe", "not UTF-8"),
    ("/api/write", {"text": "   "}, "the text is empty"),
    ("/api/write", {}, "'text' must be a string"),
    ("/api/write", {"text": "Quiz @ 10%", "strict": True}, "'%', '@', 'Q'"),
    ("/api/write", {"text": "a", "strict": "yes"}, "'strict' must be true or false"),
    ("/api/write", {"text": "a\u5b57"}, "'\u5b57'"),
    ("/api/write", {"text": "x" * 601}, "limit is 600"),
    ("/api/write", {"text": "ab\x00"}, "control characters"),
    ("/api/write", {"text": "a", "bias": "high"}, "'bias' must be a number"),
    ("/api/write", {"text": "a", "bias": 1e9}, "between 0 and 10"),
    ("/api/write", {"text": "a", "seed": -1}, "'seed' must be a whole number"),
    ("/api/write", {"text": "a", "options": {"candidates": 0}}, "from 1"),
    ("/api/write", {"text": "a", "options": {"search": "everything"}}, "one of words, lines"),
    ("/api/write", {"text": "a", "options": {"nope": 1}}, "Unknown option 'nope'"),
    ("/api/write", {"text": "a", "style": {"strokes": [[[0, 0]]]}}, "no handwriting"),
    ("/api/write", {"text": "\n".join("a" * 13)}, "limit is 12"),
    ("/api/read", {"strokes": "lines"}, "must be a list of strokes"),
    ("/api/read", {"strokes": [[[0, 0], [1, "a"]]]}, "not a list of [x, y] number pairs"),
    ("/api/read", {"strokes": [[[0, 0], [1, 2, 3]]]}, "not a list of [x, y] number pairs"),
    ("/api/read", {"strokes": [[[0, 0], [1e300, 2]]]}, "beyond ±1e+06"),
    ("/api/read", {"strokes": [[[0, 0]] * 20001]}, "20001 points; the limit is 20000"),
    ("/api/read", {"strokes": [[[0, 0]]] * 2001}, "2001 strokes"),
    ("/api/read", {"strokes": []}, "no handwriting"),
    ("/api/smooth", {"strokes": [[[0, 0], [5, 5]], [[0, 200], [5, 205]]], "text": "a"},
     "The text has 1 lines but the writing has 2"),
    ("/api/render", {"lines": [], "format": "svg"}, "'lines' must be a list of inks"),
    ("/api/render", {"lines": [{"strokes": [[[0, 0], [1, 1]]]}], "format": "../../etc"},
     "must be a format name"),
    ("/api/render", {"lines": [{"strokes": [[[0, 0], [1, 1]]]}], "format": "exe"},
     "Unknown format 'exe'"),
    ("/api/render", {"lines": [{"strokes": [[[0, 0], [1, 1]]]}], "color": "plaid"}, "colour"),
])
def test_bad_input_is_400_with_one_sentence(api, path, body, says):
    r = (api.post(path, content=body, headers={"Content-Type": "application/json"})
         if isinstance(body, bytes) else api.post(path, json=body))
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert says in error and "\n" not in error and "Traceback" not in error


def test_non_finite_numbers_are_refused(api):
    r = api.post("/api/read", content=b'{"strokes": [[[0, 0], [NaN, 1]]]}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not a finite number" in r.json()["error"]


def test_a_body_over_the_limit_is_413(models):
    api = client(*models, body=2048)
    r = api.post("/api/write", json={"text": "a", "pad": "x" * 5000})
    assert r.status_code == 413 and "limit of 2048 bytes" in r.json()["error"]
    chunks = (b'{"text": "' + b"y" * 1000 for _ in range(5))  # no Content-Length: counted
    r = api.post("/api/write", content=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_unknown_paths_and_methods_answer_json(api):
    r = api.get("/api/nothing")
    assert r.status_code == 404 and r.json() == {"error": "There is nothing at /api/nothing."}
    r = api.get("/api/write")
    assert r.status_code == 405 and "GET is not allowed" in r.json()["error"]


def test_a_full_queue_is_503_with_retry_after():
    slow = Slow(delay=1.0)
    api = client(slow, queue=1)
    results = []

    def ask():
        results.append(api.post("/api/write", json={"text": "a", "seed": 1}))

    first = threading.Thread(target=ask)
    first.start()
    time.sleep(0.3)  # the worker holds the first request; one more may wait
    second = threading.Thread(target=ask)
    second.start()
    time.sleep(0.2)
    r = api.post("/api/write", json={"text": "a"})
    first.join(), second.join()
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "busy" in r.json()["error"]
    assert [x.status_code for x in results] == [200, 200]


def test_a_request_past_its_time_is_answered_and_never_hangs():
    api = client(Slow(delay=2.0), seconds=0.5)
    start = time.monotonic()
    r = api.post("/api/write", json={"text": "a"})
    assert time.monotonic() - start < 1.5
    assert r.status_code == 503 and "longer than the limit of 0.5 seconds" in r.json()["error"]
    with api.stream("POST", "/api/write/stream", json={"text": "a"}) as s:
        events = [json.loads(line) for line in s.iter_lines() if line]
    assert events[-1]["event"] == "error" and "limit" in events[-1]["error"]


def test_a_model_failure_is_500_with_one_sentence_and_no_traceback():
    api = client(Slow())
    r = api.post("/api/smooth", json={"strokes": [[[0, 0], [5, 5]]], "text": "ab"})
    assert r.status_code == 500
    assert r.json() == {"error": "The server could not do this request (its log says why)."}
    r = api.post("/api/read", json={"strokes": [[[0, 0], [5, 5]]]})
    assert r.status_code == 400 and "no reader" in r.json()["error"]


def test_requests_that_arrive_together_are_one_batch_each_as_it_would_be_alone(models):
    writer, reader = models
    engine = Engine(writer, reader, Limits(gather=0.3))
    texts = ["one line", "another line", "third one here", "and a fourth"]

    async def ask_all():
        loop = asyncio.get_running_loop()
        tasks = [Task("write", time.monotonic() + 120, loop,
                      job=WriteJob([t], seed=10 + k)) for k, t in enumerate(texts)]
        for t in tasks:
            engine.submit(t)
        out = []
        for t in tasks:
            events = []
            while not events or events[-1]["event"] not in ("done", "error"):
                events.append(await asyncio.wait_for(t.events.get(), 120))
            out.append(events)
        return out

    got = asyncio.run(ask_all())
    assert engine.batches == [4]
    for k, events in enumerate(got):
        assert [e["event"] for e in events] == ["line", "done"]
        alone = dict(writer.write_stream([texts[k]], seed=10 + k))[0]
        mine = events[0]["ink"]
        assert mine.n_points == alone.n_points and mine.same_as(alone, atol=1e-3)
