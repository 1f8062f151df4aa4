"""Page actions that wait for what they cause.

`page.click()` returns once the click is dispatched, not when the page it sends the browser to
has loaded; reading the page straight after it can read the old one (a CI run counted 0 boxes
on step 2 of the merger form that way). Every click that submits a form or follows a link goes
through `submit`, which returns only when the next page has loaded.
"""


def submit(page, selector: str) -> None:
    """Click what leads to another page (or the same page again) and wait until it has loaded."""
    with page.expect_navigation():
        page.click(selector)
