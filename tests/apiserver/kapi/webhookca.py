"""The CA bundle of admission calls, read from the stored webhook
configurations (--webhook-ca-from NAME), as kube-apiserver does: the
MutatingWebhookConfiguration NAME's caBundle for /mutate, the
ValidatingWebhookConfiguration NAME's for /validate, read at each call, so
a webhook that patches its own caBundle (warmpool-webhook
--self-managed-secret) is trusted as soon as the patch is stored.

Also the resources that needs: Secrets and both configuration kinds."""

import base64
import ssl

from . import errors
from .resources import Resource

ADMISSIONREGISTRATION = "admissionregistration.k8s.io"


def extra_resources():
    return [
        Resource("", "v1", "Secret", "secrets", builtin=True),
        Resource(ADMISSIONREGISTRATION, "v1", "ValidatingWebhookConfiguration",
                 "validatingwebhookconfigurations", namespaced=False, builtin=True),
        Resource(ADMISSIONREGISTRATION, "v1", "MutatingWebhookConfiguration",
                 "mutatingwebhookconfigurations", namespaced=False, builtin=True),
    ]


class ConfiguredCA:
    """ssl contexts from the stored configurations' caBundle (first webhook)."""

    def __init__(self, store, registry, name, client_cert=None, client_key=None):
        self.store = store
        self.name = name
        self.client = (client_cert, client_key) if client_cert else None
        self.res = {path: registry.lookup(ADMISSIONREGISTRATION, "v1", plural) for path, plural in
                    (("/mutate", "mutatingwebhookconfigurations"),
                     ("/validate", "validatingwebhookconfigurations"))}
        self._cache = {}

    def context(self, path):
        """The context for a call to path; raises ssl.SSLError-like CallError
        text through ValueError when there is no usable bundle."""
        stored = self.store.find(self.res[path], "", self.name)
        hooks = (stored.obj.get("webhooks") or []) if stored is not None else []
        bundle = ((hooks[0].get("clientConfig") or {}).get("caBundle") if hooks else None) or ""
        if bundle not in self._cache:
            ctx = ssl.create_default_context()
            if bundle:
                try:
                    ctx.load_verify_locations(cadata=base64.b64decode(bundle).decode())
                except (ValueError, ssl.SSLError) as exc:
                    raise errors.internal_error("invalid caBundle: %s" % exc)
            else:
                # no bundle: only system roots, which never signed the webhook's
                # certificate (kube-apiserver behaves the same)
                pass
            if self.client:
                ctx.load_cert_chain(*self.client)
            self._cache = {bundle: ctx}
        return self._cache[bundle]
