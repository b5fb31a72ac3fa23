"""Certificates for the test server, made with the openssl CLI: a CA, a
serving certificate for 127.0.0.1/localhost, and optionally a client CA with
one client certificate (CN = user name, O = group) for certificate auth."""
import os
import subprocess

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]


def _openssl(args, cwd):
    proc = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], proc.stderr.strip()))


def make_ca(directory, name, cn):
    """name.crt/name.key: a self-signed CA (kept if it already exists)."""
    crt, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    if not (os.path.exists(crt) and os.path.exists(key)):
        _openssl(["req", "-x509"] + _EC + ["-keyout", key, "-out", crt, "-days", "3650",
                                           "-subj", "/CN=" + cn,
                                           "-addext", "basicConstraints=critical,CA:TRUE",
                                           "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                 directory)
        os.chmod(key, 0o600)
    return crt, key


def _signed(directory, name, ca, subject, extensions):
    crt, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    if os.path.exists(crt) and os.path.exists(key):
        return crt, key
    csr, ext = os.path.join(directory, name + ".csr"), os.path.join(directory, name + ".ext")
    with open(ext, "w") as f:
        f.write(extensions)
    _openssl(["req"] + _EC + ["-keyout", key, "-out", csr, "-subj", subject], directory)
    _openssl(["x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
              "-out", crt, "-days", "3650", "-extfile", ext], directory)
    os.chmod(key, 0o600)
    os.unlink(csr)
    os.unlink(ext)
    return crt, key


def make_serving(directory):
    """(ca.crt, server.crt, server.key) for https://127.0.0.1 and localhost."""
    ca = make_ca(directory, "ca", "warmpool-test-apiserver-ca")
    crt, key = _signed(directory, "server", ca, "/CN=kube-apiserver",
                       "basicConstraints=CA:FALSE\n"
                       "keyUsage=critical,digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=serverAuth\n"
                       "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,"
                       "DNS:kubernetes.default.svc\n")
    return ca[0], crt, key


def make_client(directory, user, group):
    """(client-ca.crt, client.crt, client.key) for certificate authentication."""
    ca = make_ca(directory, "client-ca", "warmpool-test-client-ca")
    crt, key = _signed(directory, "client", ca, "/O=%s/CN=%s" % (group, user),
                       "basicConstraints=CA:FALSE\n"
                       "keyUsage=critical,digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=clientAuth\n")
    return ca[0], crt, key
