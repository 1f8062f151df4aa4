"""DRF's content negotiation, its choice kept per request shape (issue 17).

Choosing the renderer parsed the Accept header and matched it against each renderer's media
type on every request: 80 µs, a twentieth of an uncached list of one district's records. The
choice depends on the format asked for (`?format=` or a suffix), the Accept header and the
view's renderers alone, so it is kept by those, made by DRF's own DefaultContentNegotiation
the first time. A refusal (406, an unknown format's 404) is never kept: it is DRF's each time.
tests/api/test_negotiation.py holds each choice to DRF's own.
"""

import threading

from rest_framework.negotiation import DefaultContentNegotiation

# (format, Accept, the renderers' classes, media types and formats) -> (the renderer's position
# among them, the media type chosen). The Accept header is the client's: at most CHOICES_MAX
# kept, then chosen each time.
_CHOICES: dict[tuple, tuple[int, str]] = {}
CHOICES_MAX = 1024
_LOCK = threading.Lock()


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        key = (
            format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE),
            request.META.get("HTTP_ACCEPT", "*/*"),
            tuple((type(renderer), renderer.media_type, renderer.format) for renderer in renderers),
        )
        chosen = _CHOICES.get(key)
        if chosen is not None:
            position, media_type = chosen
            return renderers[position], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        position = next((i for i, candidate in enumerate(renderers) if candidate is renderer), None)
        if position is not None and len(_CHOICES) < CHOICES_MAX:
            with _LOCK:
                _CHOICES[key] = (position, media_type)
        return renderer, media_type


def clear() -> None:
    with _LOCK:
        _CHOICES.clear()
