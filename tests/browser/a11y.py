"""axe-core in the browser tests: the npm package's axe.min.js, vendored under vendor/ (see its
README for the version and licence), injected into the page and run on the whole document."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page, impacts=BLOCKING) -> list[str]:
    """The violations of `impacts` on the page as it is: "rule (impact): first targets"."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]} {v['help']}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: none)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
