"""API Gateway for the local runtime: a real HTTP server whose requests become HTTP API events."""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local.runtime.events import http_api_event
from local.runtime.functions import LocalFunction


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: LocalFunction

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


class HttpGateway:
    def __init__(self, routes: list[Route], host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes = routes
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                gateway.answer(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def routed(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes = b"",
        source_ip: str = "127.0.0.1",
    ) -> tuple[Route, dict[str, Any]] | None:
        """The template's route for a request (`target`: its path and query, or a whole URL) and
        the HTTP API event API Gateway would invoke its function with; None when no route takes
        it."""
        split = urlsplit(target)
        for route in self.routes:
            parameters = route.match(method, split.path)
            if parameters is not None:
                return route, http_api_event(
                    method=method,
                    raw_path=split.path,
                    raw_query=split.query,
                    headers=headers,
                    body=body,
                    route_key=route.route_key,
                    path_parameters=parameters,
                    source_ip=source_ip,
                )
        return None

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        found = self.routed(
            request.command,
            request.path,
            dict(request.headers.items()),
            body,
            request.client_address[0],
        )
        if found is None:
            self._write(
                request,
                404,
                {"Content-Type": "application/json"},
                json.dumps({"message": "Not Found"}).encode(),
            )
            return
        route, event = found
        try:
            response = route.function.invoke(event)
        except Exception:
            # API Gateway's answer when the integration fails.
            self._write(
                request,
                500,
                {"Content-Type": "application/json"},
                b'{"message":"Internal Server Error"}',
            )
            raise
        payload = response.get("body") or ""
        raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
        self._write(
            request,
            int(response.get("statusCode", 200)),
            dict(response.get("headers") or {}),
            raw,
            response.get("cookies") or [],
        )

    @staticmethod
    def _write(
        request: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        body: bytes,
        cookies: list[str] | None = None,
    ) -> None:
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        for cookie in cookies or []:
            request.send_header("Set-Cookie", cookie)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)
