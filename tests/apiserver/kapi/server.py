"""The HTTPS server: TLS, authentication, fault injection, routing, and the
response conventions of kube-apiserver (Status bodies, Audit-Id, Warning
headers, gzip for large responses, chunked watch streams)."""
import gzip
import json
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import http.client
import random
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import discovery, errors, eventsv1, httpparse, protobuf
from .api import parse_target
from .control import handle_control
from .errors import ApiError
from .faults import Faults, RequestLog
from .gc import GarbageCollector
from .pvcprotection import PvcProtection
from .nodes import RESOURCES as NODESIM_RESOURCES
from .nodesim import NodeSimulator
from .resources import Registry, default_resources
from .store import Store
from .watch import ChunkedWriter, WatchRegistry

MAX_BODY = 3 * 1024 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024
GZIP_THRESHOLD = 128 * 1024
OPENAPI_V2_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
PUBLIC_PATHS = {"/healthz", "/livez", "/readyz", "/version"}


class ApiServer:
    """Everything a request handler needs; one per process."""

    def __init__(self, tokens=(), client_ca=None, watch_history=10000, bookmark_interval=60.0,
                 admission=None, gzip_enabled=True, verbose=False, nodesim=None):
        self.registry = Registry(default_resources() + NODESIM_RESOURCES)
        self.store = Store(self.registry, history_limit=watch_history)
        self.admission = admission
        self.gc = GarbageCollector(self.store, admission)
        self.pvc_protection = PvcProtection(self.store)
        self.watches = WatchRegistry(self.store)
        self.faults = Faults()
        self.requests = RequestLog()
        self.tokens = set(tokens)
        self.client_ca = client_ca
        self.bookmark_interval = bookmark_interval
        self.gzip_enabled = gzip_enabled
        self.verbose = verbose
        self.openapi = discovery.openapi_documents(self.registry)
        self.httpd = None
        self.address = ""
        # the node simulator (kapi/nodesim.py) when nodesim (its keyword
        # arguments) is given, else None: bound Pods then never start
        self.nodesim = NodeSimulator(self.store, **nodesim) if nodesim is not None else None

    def bootstrap(self):
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.store.ensure_namespace(name)

    def serve(self, host, port, cert_file, key_file):
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(cert_file, key_file)
        tls.set_alpn_protocols(["http/1.1"])
        if self.client_ca:
            tls.load_verify_locations(self.client_ca)
            tls.verify_mode = ssl.CERT_OPTIONAL
        self.httpd = _HTTPServer((host, port), Handler)
        self.httpd.api = self
        self.httpd.tls = tls
        self.address = "%s:%d" % self.httpd.server_address[:2]
        self.gc.start()
        self.pvc_protection.start()
        if self.nodesim:
            self.nodesim.start()
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="http",
                                  daemon=True)
        thread.start()
        return self.httpd.server_address[1]

    def shutdown(self):
        self.gc.stop()
        self.pvc_protection.stop()
        if self.nodesim:
            self.nodesim.stop()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if self.api.verbose:
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 600            # idle keep-alive connections
    disable_nagle_algorithm = True

    def parse_request(self):
        """BaseHTTPRequestHandler.parse_request (same checks and answers)
        with a fast header parser."""
        self.command = None
        self.request_version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            # unusual request lines: let the standard parser answer them
            self.raw_requestline = (requestline + "\r\n").encode("iso-8859-1")
            return super().parse_request()
        version = words[2]
        if version not in ("HTTP/1.0", "HTTP/1.1"):
            return super().parse_request()
        self.request_version = version
        self.close_connection = version == "HTTP/1.0"
        self.command, self.path = words[0], words[1]
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        try:
            lines = httpparse.read_header_lines(self.rfile)
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                            str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers",
                            str(err))
            return False
        self.headers = httpparse.parse_header_lines(lines)
        conntype = self.headers.get("Connection", "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive":
            self.close_connection = False
        if self.headers.get("Expect", "").lower() == "100-continue" and \
                version == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    # ------------------------------------------------------------ transport
    def setup(self):
        self.api = self.server.api
        self.request.settimeout(10)
        self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        self.connection = self.request
        super().setup()

    def log_message(self, fmt, *args):
        if self.api.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_response(self, code, message=None):
        # Go's net/http sends no Server header; Date only.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", _http_date(self))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # -------------------------------------------------------------- request
    def query(self, name):
        values = self.params.get(name)
        return values[0] if values else None

    def query_all(self, name):
        return self.params.get(name) or []

    def body(self):
        if self._body is None:
            self._body = b""      # read at most once, even when reading fails
            try:
                self._body = self._read_body()
            except ValueError:
                self.close_connection = True
                raise errors.bad_request("malformed request body framing")
        return self._body

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    raise _too_large()
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            # Read (and drop) a moderately oversized body so the client gets
            # to see the 413 instead of a broken pipe.
            self.close_connection = True
            left = length if length <= DRAIN_LIMIT else 0
            while left > 0:
                got = self.rfile.read(min(left, 1 << 16))
                if not got:
                    break
                left -= len(got)
            raise _too_large()
        return self.rfile.read(length) if length > 0 else b""

    def authenticate(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            if auth[7:].strip() in self.api.tokens:
                return {"username": "warmpool-test-admin",
                        "groups": ["system:masters", "system:authenticated"]}
            return None
        if self.api.client_ca:
            cert = self.connection.getpeercert()
            if cert:
                subject = dict(x[0] for x in cert.get("subject", ()))
                groups = [v for rdn in cert.get("subject", ()) for k, v in rdn
                          if k == "organizationName"]
                return {"username": subject.get("commonName", ""),
                        "groups": groups + ["system:authenticated"]}
        return None

    def dispatch(self, method):
        self.started = time.monotonic()
        self.warnings = []
        self._body = None
        self.code = 0
        self.responded = False
        self.is_watch = False
        self.delay_ms = 0
        url = httpparse.split_target(self.path)
        self.url_path = url.path
        self.params = urllib.parse.parse_qs(url.query, keep_blank_values=True) \
            if url.query else {}
        control = self.url_path.startswith("/_test/")
        try:
            if control:
                return handle_control(self.api, self, method)
            self.user = self.authenticate()
            if self.user is None and not (self.url_path in PUBLIC_PATHS and
                                          "Authorization" not in self.headers):
                raise errors.UNAUTHORIZED
            delay, failure = self.api.faults.take(method, self.url_path)
            self.delay_ms = delay
            if delay:
                time.sleep(delay / 1000.0)
            if failure is not None:
                return self.inject(failure)
            self.route(method)
        except ApiError as exc:
            self.reply_error(exc)
        except (OSError, ssl.SSLError):     # the client went away or the stream was cut
            self.close_connection = True
        except Exception as exc:  # a bug here must not look like a network failure
            traceback.print_exc(file=sys.stderr)
            if self.responded:
                self.close_connection = True
            else:
                self.reply_error(errors.internal_error("%s: %s" % (type(exc).__name__, exc)))
        finally:
            if not control:
                self.api.requests.add(method, self.url_path, url.query, self.code,
                                      self.headers.get("User-Agent", ""), self.is_watch,
                                      self.delay_ms)

    def _drain_body(self):
        """Read an unread request body so the keep-alive connection stays in sync."""
        if self._body is None:
            try:
                self.body()
            except (ApiError, ValueError, OSError):
                self.close_connection = True

    def inject(self, rule):
        if rule.action == "throttle":
            raise errors.too_many_requests(rule.retry_after)
        if rule.action == "error":
            reasons = {500: "InternalError", 502: "", 503: "ServiceUnavailable",
                       504: "Timeout"}
            raise ApiError(rule.code, reasons.get(rule.code, "InternalError"),
                           "Internal error occurred: injected fault" if rule.code == 500
                           else "injected fault")
        garbage = b'{"kind":"Status","apiVersion":"v1","metadata":{}, <<garbage>>'
        if self.query("watch") in ("true", "1") or "/watch/" in self.url_path:
            self.is_watch = True
            writer = self.start_stream()
            writer.write(b'{"type":"ADDED","object":{"kind":' + b"\x00<<garbage>>\n")
            writer.end()
            self.close_connection = True
            return
        self.reply_raw(200, garbage)

    def route(self, method):
        path = self.url_path
        parts = [p for p in path.split("/")]
        parts = parts[1:] if parts and parts[0] == "" else parts
        if path.endswith("/") and len(parts) > 1:
            parts = parts[:-1]
        api = self.api
        reg = api.registry
        if path in ("/healthz", "/livez", "/readyz"):
            return self.reply_raw(200, b"ok", "text/plain; charset=utf-8")
        if path == "/version":
            return self.reply_json(200, discovery.version())
        if method == "GET" and path == "/openapi/v2":
            return self.reply_raw(200, protobuf.openapi_v2_document(
                "Kubernetes", discovery.KUBE_VERSION["gitVersion"]), OPENAPI_V2_TYPE)
        if method == "GET" and path.startswith("/openapi/"):
            doc = api.openapi.get(path)
            if doc is None:
                raise errors.path_not_found()
            return self.reply_raw(200, doc)
        if parts[:1] == ["api"]:
            if len(parts) == 1 and method == "GET":
                return self.reply_json(200, discovery.api_versions(api.address))
            if len(parts) == 2 and method == "GET" and parts[1] == "v1":
                return self.reply_json(200, discovery.api_resource_list(reg, "", "v1"))
            if len(parts) > 2 and parts[1] == "v1":
                return self.resource(method, "", "v1", parts[2:])
        elif parts[:1] == ["apis"]:
            if len(parts) == 1 and method == "GET":
                return self.reply_json(200, discovery.api_group_list(reg))
            if len(parts) == 2 and method == "GET":
                doc = discovery.api_group(reg, parts[1])
                if doc:
                    return self.reply_json(200, doc)
            if len(parts) == 3 and method == "GET":
                doc = discovery.api_resource_list(reg, parts[1], parts[2])
                if doc:
                    return self.reply_json(200, doc)
            if len(parts) > 3:
                return self.resource(method, parts[1], parts[2], parts[3:])
        raise errors.path_not_found()

    def resource(self, method, group, version, rest):
        target = parse_target(self.api.registry, group, version, rest)
        if target is None:
            raise errors.path_not_found()
        self.is_watch = target.legacy_watch or self.query("watch") in ("true", "1")
        eventsv1.handler_class(target.res)(self.api, self, target).handle(method)

    # ------------------------------------------------------------- response
    def _common_headers(self, content_type):
        self.send_header("Audit-Id", _audit_id())
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", content_type)
        for text in self.warnings:
            self.send_header("Warning", '299 - "%s"' % text.replace("\\", "\\\\")
                             .replace('"', '\\"'))

    def reply_raw(self, code, data, content_type="application/json", headers=None):
        self._drain_body()
        self.code = code
        self.responded = True
        encoding = None
        if (self.api.gzip_enabled and len(data) > GZIP_THRESHOLD and
                "gzip" in (self.headers.get("Accept-Encoding") or "")):
            data = gzip.compress(data, compresslevel=1)
            encoding = "gzip"
        self.send_response(code)
        self._common_headers(content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if encoding:
            self.send_header("Content-Encoding", encoding)
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(data)))
        # headers and body in one TLS write (one record, one system call)
        self._headers_buffer.extend((b"\r\n", data))
        self.flush_headers()

    def reply_json(self, code, obj, content_type="application/json"):
        self.reply_raw(code, json.dumps(obj, separators=(",", ":")).encode(), content_type)

    def reply_error(self, exc):
        if getattr(exc, "plain_text", None):
            return self.reply_raw(exc.code, exc.plain_text.encode(),
                                  "text/plain; charset=utf-8", headers=exc.headers)
        self.reply_raw(exc.code, json.dumps(exc.status(), separators=(",", ":")).encode(),
                       headers=exc.headers)

    def start_stream(self, content_type=None):
        self._drain_body()
        self.code = 200
        self.responded = True
        self.send_response(200)
        self._common_headers(content_type or "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        return ChunkedWriter(self.wfile)


_date_cache = [0, ""]


def _http_date(handler):
    """The Date header, formatted once a second."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = handler.date_time_string(now)
        _date_cache[0] = now
    return _date_cache[1]


def _audit_id():
    """A random (version 4) UUID without a system call per request."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def _too_large():
    return ApiError(413, "RequestEntityTooLarge",
                    "Request entity too large: limit is %d" % MAX_BODY)
