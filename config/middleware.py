"""Vietnamese first: the language is Vietnamese unless the user chose English with the switch."""

from django.middleware.locale import LocaleMiddleware


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware without the browser's Accept-Language: officials' browsers are often
    set to English, yet the application speaks Vietnamese unless they pick English (cookie)."""

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
