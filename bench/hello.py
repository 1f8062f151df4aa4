"""The HTTP floor: a bare WSGI app served by the same gunicorn settings as the application."""


def app(environ, start_response):
    body = b'{"hello": "world"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
