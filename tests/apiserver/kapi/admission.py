"""Calling admission webhooks the way kube-apiserver does.

For CREATE and UPDATE of the configured resources (main resource only, not
status or scale), an admission.k8s.io/v1 AdmissionReview goes over TLS to
<url>/mutate (its JSONPatch is applied) and then to <url>/validate. A denial
becomes the response Status, prefixed like
  admission webhook "<name>" denied the request: <message>
and a webhook that cannot be called, times out or answers nonsense fails the
request with 500 InternalError "failed calling webhook ..." (failurePolicy
Fail) or is skipped (Ignore). response.warnings become Warning headers.
"""
import base64
import http.client
import json
import socket
import ssl
import urllib.parse
import uuid

from . import patch as jsonpatch
from .errors import ApiError, internal_error
from .objpath import jcopy

EXTENSIONS = "extensions.agents.x-k8s.io"
DEFAULT_RESOURCES = {(EXTENSIONS, "sandboxtemplates"), (EXTENSIONS, "sandboxwarmpools"),
                     (EXTENSIONS, "sandboxclaims")}


class CallError(Exception):
    pass


class WebhookAdmission:
    def __init__(self, url, ca_file=None, client_cert=None, client_key=None, timeout=10.0,
                 mutating_name="mutate.warmpool.io", validating_name="validate.warmpool.io",
                 failure_policy="Fail", resources=None):
        self.url = url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme != "https":
            raise ValueError("webhook URL must be https: %s" % url)
        self.host, self.port = parsed.hostname, parsed.port or 443
        self.base_path = parsed.path
        self.timeout = timeout
        self.mutating_name = mutating_name
        self.validating_name = validating_name
        self.failure_policy = failure_policy
        self.resources = resources or DEFAULT_RESOURCES
        self.tls = ssl.create_default_context(cafile=ca_file)
        if client_cert:
            self.tls.load_cert_chain(client_cert, client_key)
        # kapi/webhookca.ConfiguredCA with --webhook-ca-from: the CA comes
        # from the stored webhook configurations at each call
        self.ca_source = None

    def applies(self, res, subresource):
        return subresource is None and res.key in self.resources

    # ---------------------------------------------------------------- calls
    def mutate(self, ctx, res, operation, obj, old):
        response = self._review(self.mutating_name, "/mutate", ctx, res, operation, obj, old)
        if response is None:
            return obj
        ctx.warnings.extend(response.get("warnings") or [])
        if not response.get("allowed"):
            raise denial(self.mutating_name, response.get("status"))
        encoded = response.get("patch")
        if not encoded:
            return obj
        if response.get("patchType") != "JSONPatch":
            return self._fail(self.mutating_name, "received invalid webhook response: "
                              "patchType must be JSONPatch", obj)
        try:
            ops = base64.b64decode(encoded, validate=True)
            patched = jsonpatch.apply_json_patch(obj, ops)
        except (ValueError, jsonpatch.PatchError) as exc:
            raise internal_error(str(exc))
        if not isinstance(patched, dict) or not isinstance(patched.get("metadata", {}), dict):
            raise internal_error("the patch from webhook %s does not leave an object"
                                 % self.mutating_name)
        return patched

    def validate(self, ctx, res, operation, obj, old):
        response = self._review(self.validating_name, "/validate", ctx, res, operation, obj, old)
        if response is None:
            return
        ctx.warnings.extend(response.get("warnings") or [])
        if not response.get("allowed"):
            raise denial(self.validating_name, response.get("status"))

    def _fail(self, name, why, result=None):
        if self.failure_policy == "Ignore":
            return result
        raise internal_error('failed calling webhook "%s": %s' % (name, why))

    def _review(self, name, path, ctx, res, operation, obj, old):
        """POST an AdmissionReview; the response dict, or None when ignored."""
        request_uid = str(uuid.uuid4())
        review = build_review(request_uid, ctx, res, operation, obj, old)
        try:
            body = self._post(path, review)
        except CallError as exc:
            return self._fail(name, "failed to call webhook: %s" % exc)
        try:
            answer = json.loads(body)
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            return self._fail(name, "received invalid webhook response: %s" % exc)
        if answer.get("apiVersion") != "admission.k8s.io/v1" or \
                answer.get("kind") != "AdmissionReview":
            return self._fail(name, "received invalid webhook response: expected webhook "
                              "response of admission.k8s.io/v1, Kind=AdmissionReview, got %s, "
                              "Kind=%s" % (answer.get("apiVersion"), answer.get("kind")))
        response = answer.get("response")
        if not isinstance(response, dict):
            return self._fail(name, "received invalid webhook response: webhook response "
                              "was absent")
        if response.get("uid") != request_uid:
            return self._fail(name, 'received invalid webhook response: expected '
                              'response.uid="%s", got "%s"' % (request_uid, response.get("uid")))
        return response

    def _post(self, path, review):
        full = "%s%s?timeout=%ds" % (self.base_path, path, max(1, int(self.timeout)))
        url = "https://%s:%d%s" % (self.host, self.port, full)
        data = json.dumps(review).encode()
        tls = self.ca_source.context(path) if self.ca_source else self.tls
        conn = http.client.HTTPSConnection(self.host, self.port, context=tls,
                                           timeout=self.timeout)
        try:
            conn.request("POST", full, body=data,
                         headers={"Content-Type": "application/json",
                                  "Accept": "application/json, */*"})
            resp = conn.getresponse()
            body = resp.read()
        except socket.timeout:
            raise CallError('Post "%s": context deadline exceeded' % url)
        except ConnectionRefusedError:
            raise CallError('Post "%s": dial tcp %s:%d: connect: connection refused'
                            % (url, self.host, self.port))
        except ssl.SSLCertVerificationError as exc:
            raise CallError('Post "%s": tls: failed to verify certificate: %s'
                            % (url, exc.verify_message))
        except (OSError, http.client.HTTPException) as exc:
            raise CallError('Post "%s": %s' % (url, exc))
        finally:
            conn.close()
        if resp.status != 200:
            raise CallError("an error on the server (%s) has prevented the request from "
                            "succeeding" % json.dumps(body[:200].decode("utf-8", "replace")))
        return body


def build_review(request_uid, ctx, res, operation, obj, old):
    meta = obj.get("metadata", {})
    gvk = {"group": res.group, "version": res.version, "kind": res.kind}
    gvr = {"group": res.group, "version": res.version, "resource": res.plural}
    options_kind = "CreateOptions" if operation == "CREATE" else "UpdateOptions"
    options = {"kind": options_kind, "apiVersion": "meta.k8s.io/v1"}
    if ctx.field_manager:
        options["fieldManager"] = ctx.field_manager
    request = {
        "uid": request_uid, "kind": gvk, "resource": gvr,
        "requestKind": gvk, "requestResource": gvr,
        "name": meta.get("name", ""), "operation": operation,
        "userInfo": jcopy(ctx.user), "object": obj, "oldObject": old,
        "dryRun": bool(ctx.dry_run), "options": options,
    }
    if res.namespaced:
        request["namespace"] = meta.get("namespace", "")
    if not request["name"]:
        del request["name"]
    return {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
            "request": request}


def denial(name, status):
    """The client-facing error for a webhook's allowed=false (ToStatusErr)."""
    status = dict(status or {})
    denied_by = 'admission webhook "%s" denied the request' % name
    code = status.get("code") or 0
    if code < 400:
        code = 400
    if status.get("message"):
        message = "%s: %s" % (denied_by, status["message"])
    elif status.get("reason"):
        message = "%s: %s" % (denied_by, status["reason"])
    else:
        message = "%s without explanation" % denied_by
    err = ApiError(code, status.get("reason", ""), message, status.get("details"))
    return err
