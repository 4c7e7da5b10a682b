"""writesmooth-web in a real headless Chromium against a real ``writesmooth serve`` on
loopback: typing a text and seeing strokes appear, writing with a pen on the writing area and
getting the text read and the writing smoothed, reaching every control from the keyboard, and
phone, tablet and 200 % zoom sizes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("writesmooth_web", reason="writesmooth-web is not installed")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.actions import interaction  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.actions.pointer_input import PointerInput  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from writesmooth_lstm_graves.models import LstmGraves  # noqa: E402
from writesmooth_lstm_graves.reader import edit_distance  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK)):
    pytest.skip("no Chromium and ChromeDriver here (apt-get install chromium chromium-driver)",
                allow_module_level=True)
if LstmGraves.default_weights() is None:
    pytest.skip("no bundled weights", allow_module_level=True)

# Chromium's own connections (updates, sync) would only be refused on a machine offline
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*args: str) -> tuple[subprocess.Popen, str, list[str]]:
    """``writesmooth serve`` in a process of its own, keeping styles in a new temporary folder
    (never the user's own); its URL once it says it is serving."""
    port = free_port()
    styles = tempfile.mkdtemp(prefix="writesmooth-styles-")
    proc = subprocess.Popen([sys.executable, "-m", "writesmooth", "serve", "--port", str(port),
                             "--styles-dir", styles, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    said = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        said.append(line)
        if "serving on" in line:
            return proc, f"http://127.0.0.1:{port}/", said
    proc.kill()
    raise AssertionError("the server did not start: " + "".join(said))


def stop_server(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the server did not stop on Ctrl-C") from None
    return proc.returncode, out


@pytest.fixture(scope="module")
def server():
    proc, url, _ = start_server("--adapt-minutes", "0.05")
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + ["--window-size=1200,1400"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def open_page(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def paths(driver, element_id: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, f"#{element_id} svg path"))


def wait_for(driver, what, seconds: float = 180):
    def check(d):
        error = d.find_element(By.ID, "error")
        if error.is_displayed():
            raise AssertionError(f"the page says: {error.text}")
        return what(d)
    return WebDriverWait(driver, seconds, poll_frequency=0.05).until(check)


def api_write(url: str, text: str, seed: int) -> dict:
    req = urllib.request.Request(url + "api/write", json.dumps({"text": text, "seed": seed})
                                 .encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)["lines"][0]


def pen_write(driver, strokes: list, at: tuple[float, float], height: float) -> None:
    """Draw ``strokes`` on the writing area with a pen's pointer events, scaled to ``height``
    CSS pixels (less where the area is too narrow for it) with the top left at ``at``."""
    pad = driver.find_element(By.ID, "pad")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    box = pad.rect
    pts = [p for s in strokes for p in s]
    x0, y0 = min(p[0] for p in pts), min(p[1] for p in pts)
    k = min(height / (max(p[1] for p in pts) - y0),  # and no wider than the area
            (box["width"] - at[0] - 10) / (max(p[0] for p in pts) - x0))
    pen = PointerInput(interaction.POINTER_PEN, "pen")
    actions = ActionBuilder(driver, mouse=pen, duration=0)
    for s in strokes:
        for n, (x, y) in enumerate(s[::2] + s[-1:] if len(s) > 2 else s):
            px, py = at[0] + (x - x0) * k, at[1] + (y - y0) * k
            actions.pointer_action.move_to(pad, int(px - box["width"] / 2),
                                           int(py - box["height"] / 2))
            if n == 0:
                actions.pointer_action.pointer_down()
        actions.pointer_action.pointer_up()
    actions.perform()


def test_serve_binds_loopback_says_where_and_stops_cleanly_on_ctrl_c():
    proc, url, said = start_server()
    assert url.startswith("http://127.0.0.1:") and "Ctrl-C" in "".join(said)
    with urllib.request.urlopen(url + "api/health", timeout=30) as r:
        assert json.load(r)["ok"] is True
    code, out = stop_server(proc)
    assert code == 0 and "stopped" in out and "Traceback" not in out


def test_the_browser_types_a_text_and_sees_stroke_paths_appear(server, browser):
    open_page(browser, server)
    box = browser.find_element(By.ID, "write-text")
    box.clear()
    # Z, ë and % are not in the network's alphabet: drawn from the font, not refused
    box.send_keys("Good morning to you all, Zo\u00eb: 100%")
    browser.find_element(By.ID, "write-go").click()
    wait_for(browser, lambda d: paths(d, "write-output") > 0)
    drawing = paths(browser, "write-output")
    wait_for(browser, lambda d: text_of(d, "write-status").startswith("Done"))
    assert paths(browser, "write-output") > drawing and paths(browser, "write-output") >= 5
    seed = text_of(browser, "write-status").split("seed")[-1].strip(" .")
    assert seed.isdigit()
    browser.find_element(By.ID, "write-again").click()
    wait_for(browser, lambda d: text_of(d, "write-status").startswith("Done")
             and not text_of(d, "write-status").endswith(f"seed {seed}."))
    assert browser.find_element(By.ID, "write-download").get_attribute("aria-disabled") == "false"


def test_the_browser_writes_with_a_pen_and_gets_the_text_read_and_smoothed(server, browser):
    open_page(browser, server)
    ink = api_write(server, "hello world", seed=1)
    pen_write(browser, ink["strokes"], at=(20, 18), height=45)
    pen_write(browser, [[[0, 0], [10, 10]], [[10, 0], [0, 10]]], at=(500, 200), height=30)
    assert text_of(browser, "smooth-status").startswith(f"{len(ink['strokes']) + 2} strokes")
    browser.find_element(By.ID, "undo").click()
    browser.find_element(By.ID, "undo").click()  # the cross scribbled at the bottom goes
    assert text_of(browser, "smooth-status").startswith(f"{len(ink['strokes'])} strokes")
    browser.find_element(By.ID, "smooth-go").click()
    wait_for(browser, lambda d: text_of(d, "smooth-status").startswith("Smoothed"))
    read = browser.find_element(By.ID, "smooth-text").get_attribute("value")
    assert edit_distance(read, "hello world") <= 2, read
    assert paths(browser, "smooth-output") > 5
    # the person corrects the text and smooths again
    box = browser.find_element(By.ID, "smooth-text")
    box.clear()
    box.send_keys("hello world")
    browser.find_element(By.ID, "smooth-again").click()
    wait_for(browser, lambda d: text_of(d, "smooth-status") == "Smoothed: “hello world”.")
    # only the words the reader cannot read rewritten
    browser.find_element(By.ID, "keep-legible").click()
    browser.find_element(By.ID, "smooth-again").click()
    wait_for(browser, lambda d: "words as you wrote them" in text_of(d, "smooth-status"))
    assert "of 2 words" in text_of(browser, "smooth-status")
    # and writes a note in that hand
    browser.find_element(By.ID, "use-mine").click()
    assert browser.find_element(By.ID, "style-choice").get_attribute("value") == "mine"
    write_note(browser, "a note")
    browser.find_element(By.ID, "clear").click()
    browser.find_element(By.ID, "smooth-go").click()
    assert text_of(browser, "error") == "Write something on the writing area first."


def write_note(browser, text: str) -> None:
    """Type ``text`` in the Write part, write it, and see it drawn."""
    box = browser.find_element(By.ID, "write-text")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "write-go").click()
    wait_for(browser, lambda d: text_of(d, "write-status").startswith("Done"))
    assert paths(browser, "write-output") > 3


def save_style(browser, text: str, name: str) -> None:
    """Give the writing area's ``text`` and keep it as the style ``name``."""
    box = browser.find_element(By.ID, "smooth-text")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "style-name").send_keys(name)
    browser.find_element(By.ID, "style-save").click()
    wait_for(browser, lambda d: text_of(d, "keep-status").startswith("Saved"))


def options_of(driver, element_id: str) -> list[str]:
    return [o.get_attribute("value") for o in Select(driver.find_element(By.ID, element_id)).options]


def test_the_browser_keeps_a_style_writes_in_it_adapts_to_it_and_deletes_it(server, browser):
    open_page(browser, server)
    for row, words in enumerate(("hello world", "see you")):
        ink = api_write(server, words, seed=1 + row)
        pen_write(browser, ink["strokes"], at=(20, 18 + 72 * row), height=45)
    save_style(browser, "hello world\nsee you", "my-hand")
    assert "2 lines" in text_of(browser, "keep-status")
    assert "my-hand" in options_of(browser, "style-list")
    choice = browser.find_element(By.ID, "style-choice")
    assert choice.get_attribute("value") == "saved:my-hand"  # chosen for Write
    write_note(browser, "a note")
    # adapt: the bar fills as the stream says, to the end, with the held-out figure
    Select(browser.find_element(By.ID, "style-list")).select_by_value("my-hand")
    browser.find_element(By.ID, "style-adapt").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "adapt-progress").is_displayed())
    wait_for(browser, lambda d: text_of(d, "adapt-status").startswith("Adapted"), 240)
    bar = browser.find_element(By.ID, "adapt-progress")
    assert float(bar.get_attribute("value")) == float(bar.get_attribute("max")) == 3.0
    assert "Held-out lines" in text_of(browser, "adapt-status")
    listed = Select(browser.find_element(By.ID, "style-list")).first_selected_option.text
    assert listed == "my-hand (adapted)"
    browser.find_element(By.ID, "write-go").click()
    wait_for(browser, lambda d: text_of(d, "write-status").startswith("Done"))
    assert paths(browser, "write-output") > 3
    # deleted, once confirmed
    browser.find_element(By.ID, "style-delete").click()
    WebDriverWait(browser, 10).until(lambda d: d.switch_to.alert).accept()
    wait_for(browser, lambda d: text_of(d, "keep-status") == "Deleted “my-hand”.")
    assert "my-hand" not in options_of(browser, "style-list")
    assert "saved:my-hand" not in options_of(browser, "style-choice")
    assert choice.get_attribute("value") == "model"


def test_a_keyboard_alone_reaches_and_works_every_control(server, browser):
    open_page(browser, server)
    controls = browser.execute_script("""
        return [...document.querySelectorAll('a[href], button, input, select, textarea, canvas')]
          .filter(e => e.offsetParent !== null || e.classList.contains('skip'))
          .map(e => e.id || e.getAttribute('href'));""")
    reached = []
    body = browser.find_element(By.TAG_NAME, "body")
    body.click()
    for _ in range(3 * len(controls)):
        webdriver.ActionChains(browser).send_keys(Keys.TAB).perform()
        reached.append(browser.execute_script(
            "const e = document.activeElement;"
            "return e.id || e.getAttribute('href') || e.tagName;"))
    missed = [c for c in controls if c not in reached]
    assert not missed, f"not reached by Tab: {missed}"
    # every control has a name a screen reader says
    unnamed = browser.execute_script("""
        return [...document.querySelectorAll('input, select, textarea, canvas, button')]
          .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                       && !(e.tagName === 'BUTTON' && e.textContent.trim()))
          .map(e => e.id);""")
    assert unnamed == []
    # a control that cannot act yet is still reached, and says why
    while browser.switch_to.active_element.get_attribute("id") != "write-download":
        webdriver.ActionChains(browser).send_keys(Keys.TAB).perform()
    webdriver.ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert text_of(browser, "error") == "There is no handwriting to download yet."
    # operated from the keyboard: the slider moves with the arrow keys, Enter writes
    while browser.switch_to.active_element.get_attribute("id") != "bias":
        webdriver.ActionChains(browser).send_keys(Keys.TAB).perform()
    webdriver.ActionChains(browser).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform()
    assert text_of(browser, "bias-value") == "1.2"
    while browser.switch_to.active_element.get_attribute("id") != "write-go":
        webdriver.ActionChains(browser).send_keys(Keys.TAB).perform()
    webdriver.ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for(browser, lambda d: text_of(d, "write-status").startswith("Done"))
    assert paths(browser, "write-output") > 10


@pytest.mark.parametrize("width, height, what", [(390, 844, "phone"), (820, 1180, "tablet"),
                                                 (640, 800, "a 1280-pixel window at 200 %")])
def test_the_page_fits_phone_tablet_and_200_percent_zoom(server, browser, width, height, what):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2, "mobile": width < 500})
    try:
        open_page(browser, server)
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{what}: the page is {wide} px wider than the screen"
        small = browser.execute_script("""
            return [...document.querySelectorAll('button, select, input, textarea')]
              .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
              .map(e => e.id);""")
        assert small == [], f"{what}: targets under 44 px: {small}"
        assert browser.execute_script(
            "return getComputedStyle(document.getElementById('pad')).touchAction") == "none"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_without_the_web_plugin_the_command_is_gone_and_the_rest_works(tmp_path: Path):
    """The plugin's entry point hidden, as after 'pip uninstall writesmooth-web': no serve
    command, and writing still works."""
    script = tmp_path / "run.py"
    script.write_text(
        "import sys, importlib.metadata as md\n"
        "real = md.entry_points\n"
        "def without_web(**kw):\n"
        "    eps = real(**kw)\n"
        "    return md.EntryPoints(e for e in eps if e.value != 'writesmooth_web.plugin')\n"
        "md.entry_points = without_web\n"
        "from writesmooth.cli.main import run\n"
        "sys.exit(run(sys.argv[1:]))\n")

    def cli(*args):
        return subprocess.run([sys.executable, str(script), *args], capture_output=True,
                              text=True, env={**os.environ, "COLUMNS": "200"}, timeout=300)

    installed = subprocess.run([sys.executable, "-m", "writesmooth", "plugins"],
                               capture_output=True, text=True, timeout=300,
                               env={**os.environ, "COLUMNS": "200"})
    assert "writesmooth-web" in installed.stdout and "register_commands" in installed.stdout
    helped = cli("--help")
    assert helped.returncode == 0 and " serve " not in helped.stdout and " write " in helped.stdout
    listed = cli("plugins")
    assert "writesmooth-web" not in listed.stdout and "lstm_graves" in listed.stdout
    gone = cli("serve")
    assert gone.returncode == 2 and "No such command 'serve'" in gone.stderr + gone.stdout
    out = tmp_path / "hi.png"
    wrote = cli("write", "hi", "-o", str(out), "--seed", "1")
    assert wrote.returncode == 0 and out.stat().st_size > 100
