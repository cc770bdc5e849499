"""The stepper page in headless Chromium: at `#step=N` it shows the text Python wrote for step N,
its drawing shows exactly the gradients that have arrived by then, and the keyboard, the
scrubber, play and "jump to node" move through the steps.

Chromium comes from the system (Debian: apt-get install chromium chromium-driver), never from
a download by a Python package: Selenium is given Debian's chromedriver and browser
explicitly, so Selenium Manager is never asked for anything. Without Chromium these tests
skip, saying how to get it; .ci/run installs it, so CI always runs them. One browser serves
the whole module.
"""

import html.parser
import os
import shutil
import subprocess
import time

import pytest

from autograd import Value
from nn import worked_example
from viz import to_html
from viz.stepper import trace

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/lib/chromium/chromedriver" if os.path.exists("/usr/lib/chromium/chromedriver") else None
)
INSTALL = "apt-get install chromium chromium-driver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=f"the browser tests need Chromium: {INSTALL}")


def small_graph():
    """b = a + a; c = b + b at a = 1.5: two += steps into each of a and b."""
    a = Value(1.5, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    return c


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stepper")
    graph = worked_example.labelled_graph()
    roots = {"small": small_graph(), "worked": graph["E_total"]}
    return {
        name: (to_html(root, folder / f"{name}.html").resolve().as_uri(), trace(root), root)
        for name, root in roots.items()
    }


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMEDRIVER is None:
        pytest.skip(f"the keyboard and scrubber tests need chromedriver: {INSTALL}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("the keyboard and scrubber tests need Selenium: pip install -e '.[dev]'")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, were it ever asked, must not download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, "--window-size=1280,900", f"--user-data-dir={tmp_path_factory.mktemp('profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def expected_panel(step):
    """The panel's visible text for a step, as Python wrote it."""
    lines = [step["heading"], step["sentence"], *step["formula"]]
    lines += [f"{what} {text}".strip() for what, text in step["details"]]
    return "\n".join(lines)


def expected_drawing(data, n):
    """node id -> (data shown, grad shown) after step n: what has been computed and what has arrived."""
    shown_data, shown_grad = {}, {}
    for step in data["steps"][1 : n + 1]:
        shown_data.update(step.get("data", {}))
        shown_grad.update(step.get("grad", {}))
    pending = data["pending"]
    return {
        key: (
            info["data"] if info["leaf"] or key in shown_data else pending,
            shown_grad.get(key, pending),
        )
        for key, info in data["nodes"].items()
    }


DRAWING_SCRIPT = """
const found = {};
for (const group of document.querySelectorAll('#tg-svg g.node')) {
  const last = (selector) => group.querySelector(selector).textContent.trim().split(/\\s+/).pop();
  found[group.id] = [last('.tg-data'), last('.tg-grad')];
}
return found;
"""


def open_at(driver, url, n):
    driver.get("about:blank")
    driver.get(f"{url}#step={n}")


def panel_text(driver):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "tg-panel").text


def current_step(driver):
    return driver.execute_script("return location.hash")


def test_every_step_of_a_small_graph_shows_pythons_text_and_gradients(browser, pages):
    url, data, _ = pages["small"]
    for n, step in enumerate(data["steps"]):
        open_at(browser, url, n)
        assert panel_text(browser) == expected_panel(step), n
        drawing = {key: tuple(texts) for key, texts in browser.execute_script(DRAWING_SCRIPT).items()}
        assert drawing == expected_drawing(data, n), n
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []  # no Content-Security-Policy violation, no script error


def test_a_sample_of_the_worked_examples_steps(browser, pages):
    url, data, _ = pages["worked"]
    last = len(data["steps"]) - 1
    w5 = next(k for k, step in enumerate(data["steps"]) if step.get("target") and "dw5 +=" in step["formula"][0])
    for n in sorted({0, 1, 5, last // 2, w5, last - 1, last}):
        open_at(browser, url, n)
        assert panel_text(browser) == expected_panel(data["steps"][n]), n
        drawing = {key: tuple(texts) for key, texts in browser.execute_script(DRAWING_SCRIPT).items()}
        assert drawing == expected_drawing(data, n), n
    # The current node and edge are marked; a node that nothing has reached shows no gradient.
    open_at(browser, url, w5)
    step = data["steps"][w5]
    marked = browser.execute_script(
        "return [...document.querySelectorAll('.tg-current, .tg-target')]"
        ".map(e => e.id + (e.classList.contains('tg-target') ? ' target' : ' current'))"
    )
    assert sorted(marked) == sorted([f"{step['node']} current", f"{step['target']} target", f"{step['edge']} current"])
    reached = set(browser.execute_script("return [...document.querySelectorAll('.tg-reached')].map(e => e.id)"))
    assert reached == {key for key, (_, gradient) in expected_drawing(data, w5).items() if gradient != data["pending"]}
    # Past the end or not a number: the page clamps or starts at 0.
    open_at(browser, url, last + 50)
    assert panel_text(browser) == expected_panel(data["steps"][last])


class _TextById(html.parser.HTMLParser):
    """The text inside the elements with the given ids (and everything they contain)."""

    def __init__(self, wanted):
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.found = {key: "" for key in wanted}
        self.open = []

    def handle_starttag(self, tag, attrs):
        self.open.append((tag, dict(attrs).get("id")))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, key in self.open:
            if key in self.wanted:
                self.found[key] += data


def test_the_page_read_by_dump_dom_alone(pages, tmp_path):
    """No driver: `chromium --dump-dom` of the page at #step=N holds the step's sentence and formula."""
    url, data, _ = pages["worked"]
    for n in (0, len(data["steps"]) - 1):
        dumped = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / str(n)}", "--dump-dom", f"{url}#step={n}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        parser = _TextById({"tg-heading", "tg-sentence", "tg-formula"})
        parser.feed(dumped)
        step = data["steps"][n]
        assert parser.found["tg-heading"] == step["heading"]
        assert parser.found["tg-sentence"] == step["sentence"]
        assert parser.found["tg-formula"] == "".join(step["formula"])


def test_keyboard_scrubber_play_and_jump(browser, pages):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, data, _ = pages["worked"]
    last = len(data["steps"]) - 1
    open_at(browser, url, 0)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    assert current_step(browser) == "#step=3"
    assert panel_text(browser) == expected_panel(data["steps"][3])
    body.send_keys(Keys.ARROW_LEFT)
    assert current_step(browser) == "#step=2"
    body.send_keys(Keys.END)
    assert current_step(browser) == f"#step={last}"
    body.send_keys(Keys.HOME)
    assert current_step(browser) == "#step=0"

    # The scrubber: its own keys move it, and the page follows.
    scrubber = browser.find_element(By.ID, "tg-scrubber")
    scrubber.send_keys(Keys.END)
    assert current_step(browser) == f"#step={last}"
    scrubber.send_keys(Keys.ARROW_LEFT)
    assert current_step(browser) == f"#step={last - 1}"
    assert panel_text(browser) == expected_panel(data["steps"][last - 1])
    # A click in its middle lands near the middle step.
    browser.execute_script("arguments[0].scrollIntoView()", scrubber)
    browser.find_element(By.ID, "tg-first").click()
    from selenium.webdriver import ActionChains

    ActionChains(browser).move_to_element(scrubber).click().perform()
    middle = int(current_step(browser).removeprefix("#step="))
    assert abs(middle - last / 2) <= last / 8, middle

    # Jump to node: w5 opens the step that completes its gradient, the one with the post's formula.
    Select(browser.find_element(By.ID, "tg-jump")).select_by_visible_text("w5")
    shown = panel_text(browser)
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.0821670406" in shown

    # Space plays (fastest speed) and pauses; the buttons step too.
    Select(browser.find_element(By.ID, "tg-speed")).select_by_index(3)
    browser.find_element(By.ID, "tg-first").click()
    body.send_keys(" ")
    WebDriverWait(browser, 10).until(lambda driver: current_step(driver) not in ("#step=0", "#step=1"))
    body.send_keys(" ")
    paused = current_step(browser)
    time.sleep(0.6)  # over two intervals of the fastest speed: a running player would have moved on
    assert current_step(browser) == paused
    browser.find_element(By.ID, "tg-next").click()
    assert current_step(browser) == f"#step={int(paused.removeprefix('#step=')) + 1}"
    # The fragment set by a link moves the page too.
    browser.execute_script("location.hash = '#step=7'")
    WebDriverWait(browser, 5).until(lambda driver: driver.find_element(By.ID, "tg-heading").text.startswith("Step 7 "))
