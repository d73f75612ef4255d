"""The policy bundle server of the local stack and the tests: static files over HTTP on loopback,
each with an ETag (its SHA-256), answering 304 Not Modified to a matching If-None-Match. OPA's
bundle plugin sends the ETag of the bundle it holds: unchanged, it does not download, verify and
activate the same bundle again at every poll, as it does from a server without ETags.

    python tools/stack/bundle_server.py PORT DIRECTORY
"""

from __future__ import annotations

import hashlib
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class BundleHandler(SimpleHTTPRequestHandler):
    _etag: str | None = None  # of the file being sent

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_file():
            etag = '"' + hashlib.sha256(path.read_bytes()).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self._etag = etag
        super().do_GET()

    def end_headers(self) -> None:
        if self._etag is not None:
            self.send_header("ETag", self._etag)
            self._etag = None
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return  # OPA polls every second or two: no line per request


def main() -> None:
    port, directory = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(BundleHandler, directory=directory))
    server.serve_forever()


if __name__ == "__main__":
    main()
