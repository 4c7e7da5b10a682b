"""writesmooth-web's styles with an in-process client: saving the page as a style, listing,
replacing and deleting it, writing in it, and adapting to it (its progress stream, one at a
time, each adapted style written by its own model)."""
from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

pytest.importorskip("writesmooth_web", reason="writesmooth-web is not installed")
pytest.importorskip("starlette.testclient", reason="the test client needs httpx2 (or httpx)")

import writesmooth  # noqa: E402
from writesmooth import Ink  # noqa: E402
from writesmooth_web.inkjson import ink_json  # noqa: E402

from test_web_api import Slow, client, models, written  # noqa: E402,F401  (models: a fixture)

def bank_at(tmp_path, writer=None) -> writesmooth.StyleBank:
    """A style bank in a temporary folder (never the user's own), with one preset: 'neat'."""
    sample = Ink(strokes=[np.array([[0.0, 0.0], [8.0, -12.0], [16.0, 0.0]])], text="neat ink")
    if writer is not None:  # a real sample the model can be primed with
        sample = dict(writer.write_stream(["neat ink"], seed=1))[0].replace(meta={})
    neat = writesmooth.Style("neat", [sample], "a ready-made hand", preset=True, origin="test")
    return writesmooth.StyleBank(tmp_path / "styles", {"neat": neat})


def page_of(api, *texts: str) -> list:
    """A canvas page with a line of each text, 140 pixels apart."""
    return [[[x, y + 140 * k] for x, y in s]
            for k, t in enumerate(texts) for s in written(api, t, seed=k + 1)]


def events_of(api, url: str, body: dict | None = None) -> list[dict]:
    with api.stream("POST", url, json=body) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in r.iter_lines() if line]


class Learner(Slow):
    """:class:`Slow` that adapts: in ``seconds``, telling its progress three times, it writes
    the style's text as its adapter; the model made with that adapter writes with it as tag."""

    name = "learner"
    capabilities = frozenset({"write", "smooth", "adapt"})

    def __init__(self, delay: float = 0.0, seconds: float = 0.0, tag: str = "") -> None:
        super().__init__(delay)
        self.seconds, self.tag, self.made, self.wrote = seconds, tag, [], []

    def write_jobs(self, jobs):
        self.wrote += [(tuple(job.texts), job.style) for job in jobs]
        return super().write_jobs(jobs)

    def adapt(self, lines, *, adapter, resume, minutes, restart=False, progress=None):
        for step in (1, 2, 3):
            time.sleep(self.seconds / 3)
            progress({"step": step, "seconds": step * self.seconds / 3, "minutes": minutes,
                      "train_nats_per_point": -1.0,
                      "val_nats_per_point": float("nan") if step == 1 else -1.5})
        adapter.parent.mkdir(parents=True, exist_ok=True)
        adapter.write_text("|".join(ink.text for ink in lines))
        return {"steps": 3, "best_step": 3, "seconds": self.seconds, "stopped": "time",
                "train_lines": 1, "val_lines": 0, "val_nats_per_point_before": float("nan"),
                "val_nats_per_point": float("nan"), "adapter_bytes": 9, "numbers": 1}

    def with_adapter(self, adapter):
        made = Learner(tag=adapter.read_text())
        self.made.append(made)
        return made


SCRIBBLE = [[[0, 0], [6, 9], [12, 0], [18, 9]]]


def test_a_page_is_saved_as_a_style_listed_replaced_and_deleted(models, tmp_path):
    bank = bank_at(tmp_path, models[0])
    api = client(*models, bank=bank)
    page = page_of(api, "hello world", "see you")
    r = api.post("/api/styles", json={"name": "mine", "strokes": page, "description": "my hand",
                                      "text": "hello world\nsee you"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "mine" and made["text"] == ["hello world", "see you"]
    assert made["lines"] == 2 and made["preset"] is False and made["adapted"] == {}
    assert made["description"] == "my hand" and made["adapted_writer"] is False
    assert (tmp_path / "styles" / "mine" / "style.json").is_file()
    listed = api.get("/api/styles").json()
    assert [s["name"] for s in listed["styles"]] == ["mine", "neat"]
    assert listed["styles"][1]["preset"] is True and listed["can_adapt"] is True
    assert listed["writer"] == "lstm-graves" and listed["adapting"] is None
    health = api.get("/api/health").json()["styles"]
    assert health == [{"name": "mine", "description": "my hand", "preset": False, "adapted": []},
                      {"name": "neat", "description": "a ready-made hand", "preset": True,
                       "adapted": []}]
    again = api.post("/api/styles", json={"name": "mine", "strokes": page, "text": "a\nb"})
    assert again.status_code == 409 and "exists already" in again.json()["error"]
    one = page_of(api, "good day")
    r = api.post("/api/styles", json={"name": "mine", "strokes": one, "replace": True})
    assert r.status_code == 201 and len(r.json()["text"]) == 1  # read by the reader
    assert "good" in r.json()["text"][0]
    assert api.delete("/api/styles/mine").json() == {"deleted": "mine"}
    assert not (tmp_path / "styles" / "mine").exists()
    gone = api.delete("/api/styles/mine")
    assert gone.status_code == 404 and gone.json() == {"error": "There is no style named 'mine'."}
    assert [s["name"] for s in api.get("/api/styles").json()["styles"]] == ["neat"]


@pytest.mark.parametrize("body, status, says", [
    ({"strokes": SCRIBBLE, "text": "ab"}, 400, "'name' must be a style name"),
    ({"name": "../up", "strokes": SCRIBBLE, "text": "ab"}, 400, "'../up' is not a style name"),
    ({"name": "x" * 41, "strokes": SCRIBBLE, "text": "ab"}, 400, "is not a style name"),
    ({"name": "mine", "strokes": [], "text": "ab"}, 400, "no handwriting"),
    ({"name": "mine", "strokes": "lines"}, 400, "must be a list of strokes"),
    ({"name": "mine", "strokes": SCRIBBLE + [[[0, 200], [9, 209]]], "text": "ab"}, 400,
     "The text has 1 lines but the writing has 2"),
    ({"name": "mine", "strokes": SCRIBBLE, "text": 5}, 400, "'text' must be a string"),
    ({"name": "mine", "strokes": SCRIBBLE, "text": "ab", "description": "a\nb"}, 400,
     "'description' must be one line"),
    ({"name": "mine", "strokes": SCRIBBLE, "text": "ab", "replace": "yes"}, 400,
     "'replace' must be true or false"),
    ({"name": "mine", "strokes": SCRIBBLE}, 400, "no reader"),
    ({"name": "neat", "strokes": SCRIBBLE, "text": "ab"}, 409, "ready-made style"),
    ({"name": "neat", "strokes": SCRIBBLE, "text": "ab", "replace": True}, 409, "ready-made"),
])
def test_bad_style_requests_are_one_sentence(tmp_path, body, status, says):
    api = client(Learner(), bank=bank_at(tmp_path))
    r = api.post("/api/styles", json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert says in error and "\n" not in error and "Traceback" not in error
    assert api.get("/api/styles").json()["styles"][0]["name"] == "neat"


def test_a_style_with_characters_the_model_cannot_write_is_refused(models, tmp_path):
    api = client(*models, bank=bank_at(tmp_path, models[0]))
    r = api.post("/api/styles", json={"name": "mine", "strokes": SCRIBBLE, "text": "Quiz @"})
    assert r.status_code == 400 and "'@', 'Q'" in r.json()["error"]


def test_writing_in_a_saved_style_is_primed_with_its_sample(models, tmp_path):
    writer, _ = models
    bank = bank_at(tmp_path, writer)
    api = client(*models, bank=bank)
    page = page_of(api, "hello world", "see you")
    assert api.post("/api/styles", json={"name": "mine", "strokes": page,
                                         "text": "hello world\nsee you"}).status_code == 201
    for name in ("mine", "neat"):
        got = api.post("/api/write", json={"text": "a note", "seed": 5, "style_name": name})
        assert got.status_code == 200, got.text
        assert got.json()["style_name"] == name and got.json()["adapted"] is False
        sample = bank.get(name).sample
        assert sample.text == ("hello world" if name == "mine" else "neat ink")
        alone = dict(writer.write_stream(["a note"], seed=5, style=sample))[0]
        assert got.json()["lines"][0] == ink_json(writesmooth.on_baseline(alone))
    plain = api.post("/api/write", json={"text": "a note", "seed": 5}).json()
    assert plain["lines"] != got.json()["lines"] and "style_name" not in plain
    for body, status, says in [
            ({"style_name": "nobody"}, 404, "There is no style named 'nobody'."),
            ({"style_name": "../x"}, 404, "There is no style named '../x'."),
            ({"style_name": 5}, 400, "'style_name' must be the name of a style."),
            ({"style_name": "mine", "style": {"strokes": SCRIBBLE}}, 400, "not both")]:
        r = api.post("/api/write/stream", json={"text": "a", **body})
        assert r.status_code == status and says in r.json()["error"]
    no_bank = client(Slow()).post("/api/write", json={"text": "a", "style_name": "mine"})
    assert no_bank.status_code == 400 and "keeps no styles" in no_bank.json()["error"]


def test_adapting_streams_its_progress_and_then_writes_with_the_adapted_model(models,
                                                                              tmp_path):
    writer, _ = models
    bank = bank_at(tmp_path, writer)
    api = client(*models, bank=bank, adapt_minutes=0.05)
    page = page_of(api, "hello world", "see you")
    api.post("/api/styles", json={"name": "mine", "strokes": page, "text": "hello world\nsee you"})
    before = api.post("/api/write", json={"text": "a note", "seed": 5,
                                          "style_name": "mine"}).json()
    events = events_of(api, "/api/styles/mine/adapt", {"minutes": 10})  # cut to 0.05
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and "progress" in kinds, events
    assert events[0] == {"event": "start", "style": "mine", "model": "lstm-graves",
                         "minutes": 0.05, "lines": 2}
    progress = [e for e in events if e["event"] == "progress"]
    assert all(e["minutes"] == 0.05 and e["step"] >= 1 for e in progress)
    done = events[-1]
    assert done["steps"] >= 1 and done["val_lines"] == 1 and done["adapter_bytes"] > 1000
    assert done["style"]["adapted"] == {"lstm-graves": done["adapter_bytes"]}
    assert isinstance(done["val_nats_per_point"], float)
    adapter = tmp_path / "styles" / "mine" / "adapters" / "lstm-graves.adapter"
    assert adapter.is_file()
    assert api.get("/api/styles").json()["styles"][0]["adapted_writer"] is True
    after = api.post("/api/write", json={"text": "a note", "seed": 5, "style_name": "mine"})
    assert after.json()["adapted"] is True and after.json()["lines"] != before["lines"]
    alone = dict(writer.with_adapter(adapter).write_stream(["a note"], seed=5))[0]
    assert after.json()["lines"][0] == ink_json(writesmooth.on_baseline(alone))


def test_one_adaptation_at_a_time_and_writing_goes_on_meanwhile(tmp_path):
    api = client(Learner(), bank=bank_at(tmp_path))
    api.app.state.engine.writer.seconds = 2.0
    assert api.post("/api/styles", json={"name": "mine", "strokes": SCRIBBLE,
                                         "text": "ab"}).status_code == 201
    got = {}
    first = threading.Thread(target=lambda: got.update(
        events=events_of(api, "/api/styles/mine/adapt")))
    first.start()
    time.sleep(0.4)
    assert api.get("/api/styles").json()["adapting"] == "mine"
    r = api.post("/api/styles/mine/adapt", json={})
    assert r.status_code == 409 and "one adaptation runs at a time" in r.json()["error"]
    assert api.delete("/api/styles/mine").status_code == 409
    again = api.post("/api/styles", json={"name": "mine", "strokes": SCRIBBLE, "text": "cd",
                                          "replace": True})
    assert again.status_code == 409 and "being adapted" in again.json()["error"]
    assert api.post("/api/write", json={"text": "meanwhile"}).status_code == 200
    assert api.get("/api/styles").json()["adapting"] == "mine"  # written meanwhile
    first.join()
    events = got["events"]
    assert [e["event"] for e in events] == ["start", "progress", "progress", "progress", "done"]
    assert events[1]["val_nats_per_point"] is None  # NaN is not JSON: null
    assert events[2]["val_nats_per_point"] == -1.5
    assert events[-1]["val_nats_per_point"] is None and events[-1]["style"]["adapted"]
    assert (tmp_path / "styles" / "mine" / "adapters" / "learner.adapter").read_text() == "ab"
    api.app.state.engine.writer.seconds = 0.0
    assert events_of(api, "/api/styles/mine/adapt")[-1]["event"] == "done"  # free again


def test_adapting_refuses_presets_unknown_styles_bad_minutes_and_models_that_cannot(tmp_path):
    api = client(Learner(), bank=bank_at(tmp_path), adapt_minutes=0.5)
    api.post("/api/styles", json={"name": "mine", "strokes": SCRIBBLE, "text": "ab"})
    for url, body, status, says in [
            ("/api/styles/neat/adapt", {}, 400, "ready-made style"),
            ("/api/styles/nobody/adapt", {}, 404, "There is no style named 'nobody'."),
            ("/api/styles/mine/adapt", {"minutes": 0}, 400, "'minutes' must be more than 0"),
            ("/api/styles/mine/adapt", {"minutes": "lots"}, 400, "'minutes' must be a number"),
            ("/api/styles/mine/adapt", {"restart": 1}, 400, "'restart' must be true or false")]:
        r = api.post(url, json=body)
        assert r.status_code == status and says in r.json()["error"], r.text
    assert events_of(api, "/api/styles/mine/adapt", {"minutes": 9})[0]["minutes"] == 0.5
    no_body = api.post("/api/styles/mine/adapt")
    assert no_body.status_code == 200 and no_body.text.count("\n") == 5
    plain = client(Slow(), bank=bank_at(tmp_path))
    r = plain.post("/api/styles/mine/adapt")
    assert r.status_code == 400 and "cannot adapt" in r.json()["error"]
    for name, status in (("neat", 403), ("nobody", 404), ("..", 404)):
        r = api.delete(f"/api/styles/{name}")
        assert r.status_code == status and r.json()["error"].endswith(".")


def test_each_adapted_style_is_written_by_its_own_model_kept_until_it_changes(tmp_path):
    base = Learner()
    api = client(base, bank=bank_at(tmp_path), gather=0.3)
    for name, text in (("alice", "from alice"), ("bob", "from bob"), ("carol", "plain")):
        api.post("/api/styles", json={"name": name, "strokes": SCRIBBLE, "text": text})
    for name in ("alice", "bob"):
        assert events_of(api, f"/api/styles/{name}/adapt")[-1]["event"] == "done"
    answers = {}

    def ask(name):
        answers[name] = api.post("/api/write", json={"text": f"to {name}", "style_name": name})

    askers = [threading.Thread(target=ask, args=(n,)) for n in ("alice", "bob", "carol")]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    assert all(answers[n].status_code == 200 for n in answers)
    assert api.app.state.engine.batches[-1] == 3  # one batch of the worker, three models
    assert sorted(m.tag for m in base.made) == ["from alice", "from bob"]
    for made in base.made:
        name = made.tag.split()[-1]
        assert made.wrote == [((f"to {name}",), None)]  # adapted: not primed
    (carol,) = [w for w in base.wrote if w[0] == ("to carol",)]
    assert carol[1].text == "plain"  # the writer, primed with carol's sample
    api.post("/api/write", json={"text": "again", "style_name": "alice"})
    assert len(base.made) == 2  # the adapted model is kept
    events_of(api, "/api/styles/alice/adapt")
    api.post("/api/write", json={"text": "again", "style_name": "alice"})
    assert len(base.made) == 3  # adapted again: a new one
    assert api.delete("/api/styles/alice").status_code == 200
    assert api.post("/api/write", json={"text": "a", "style_name": "alice"}).status_code == 404
