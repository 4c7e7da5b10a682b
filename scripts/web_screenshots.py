"""The screenshots of docs/web.md and the README: the page in a real headless Chromium against a
real ``writesmooth serve``, each part in use, at desktop and phone widths.

    python scripts/web_screenshots.py                  # writes docs/images/web-*.png
    python scripts/web_screenshots.py web-styles.png   # only those named

Needs what the browser tests need (Debian's chromium and chromium-driver, selenium); it uses
their helpers, so the pictures show what the tests check.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from test_web_browser import (CHROMIUM, DRIVER, FLAGS, api_write, open_page, pen_write,  # noqa: E402
                              save_style, start_server, stop_server, text_of, wait_for,
                              write_note)

OUT = ROOT / "docs" / "images"
WANTED = set(sys.argv[1:])  # none: all


def shoot(driver, element_id: str, name: str) -> None:
    if WANTED and name not in WANTED:
        return
    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView()", element)
    element.screenshot(str(OUT / name))
    print(f"wrote docs/images/{name}")


def use_page(driver, url: str, width: int, text: str) -> None:
    open_page(driver, url)
    box = driver.find_element(By.ID, "write-text")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "write-go").click()
    wait_for(driver, lambda d: text_of(d, "write-status").startswith("Done"))
    for row, words in enumerate(("the quick brown fox", "jumps over the dog")):
        ink = api_write(url, words, seed=3 + row)
        pen_write(driver, ink["strokes"], at=(16, 14 + 72 * row), height=min(46, width / 9))
    driver.find_element(By.ID, "smooth-go").click()
    wait_for(driver, lambda d: text_of(d, "smooth-status").startswith("Smoothed"))


def main() -> None:
    proc, url, _ = start_server("--adapt-minutes", "2")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + ["--window-size=1100,1400", "--hide-scrollbars"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        use_page(driver, url, 1000, "Dear Sam, thank you for the books.\nSee you on Friday!")
        shoot(driver, "write", "web-write.png")
        shoot(driver, "smooth", "web-smooth.png")
        driver.find_element(By.ID, "use-mine").click()
        write_note(driver, "a note in my own hand")
        shoot(driver, "write", "web-style.png")
        # a style kept, and the model adapted to it
        save_style(driver, "the quick brown fox\njumps over the dog", "my-hand")
        driver.find_element(By.ID, "style-adapt").click()
        wait_for(driver, lambda d: text_of(d, "adapt-status").startswith("Adapted"), 300)
        driver.find_element(By.ID, "style-name").clear()
        shoot(driver, "style", "web-styles.png")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        use_page(driver, url, 390, "Back at four. Milk is in the fridge.")
        shoot(driver, "write", "web-phone-write.png")
        shoot(driver, "smooth", "web-phone-smooth.png")
    finally:
        driver.quit()
        stop_server(proc)


if __name__ == "__main__":
    main()
