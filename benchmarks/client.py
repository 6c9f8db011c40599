"""Just enough of a browser to talk to a running server: cookies, CSRF tokens, no
redirects followed. The benchmark logs in with it, and the scale-out test drives two
instances with it (the cookies go with the browser, whichever port it talks to)."""

import http.client
import re
import socket
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    def __init__(self, host=None):
        self.host = host  # the Host header to send, when not 127.0.0.1:port
        self.cookies = {}

    @property
    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, port, method, path, form=None):
        """(status, the path redirected to or None, the page)."""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": self.host} if self.host else {}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        location = response.getheader("Location")
        return response.status, (urlsplit(location).path if location else None), content

    def get(self, port, path):
        return self.request(port, "GET", path)

    def post(self, port, path, form=None, csrf_page="/"):
        _status, _location, page = self.get(port, csrf_page)
        token = CSRF.search(page).group(1)
        return self.request(port, "POST", path, {"csrf_token": token, **(form or {})})

    def login(self, port, email, password):
        return self.post(port, "/auth/login", {"email": email, "password": password},
                         csrf_page="/auth/login")
