#!/usr/bin/env python3
"""A real registry (Debian's docker-registry, distribution 2.8) on loopback
for the digest-registry tests, and images pushed into it through the
registry's HTTP API.

  registry.py start DIR [--tls] [--htpasswd USER:PASS] [--token USER:PASS]
      writes DIR/config.yml (storage in DIR/data), starts docker-registry
      (pid in DIR/registry.pid, port in DIR/port) and, with --token, a token
      server (Python, HTTPS with DIR's CA, issuing RS256 JWTs with an x5c
      chain the registry checks against DIR/token.crt); waits for /v2/.
  registry.py push DIR REPO TAG oci|docker|oci-index|docker-list [SEED]
      pushes a config blob, a layer and a manifest (or an index over a fresh
      manifest) and prints the digest the registry answered.
  registry.py stop DIR
"""
import base64, hashlib, json, os, signal, socket, ssl, subprocess, sys, time
import urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MT = {
    "oci": "application/vnd.oci.image.manifest.v1+json",
    "docker": "application/vnd.docker.distribution.manifest.v2+json",
    "oci-index": "application/vnd.oci.image.index.v1+json",
    "docker-list": "application/vnd.docker.distribution.manifest.list.v2+json",
}
CONFIG_MT = {"oci": "application/vnd.oci.image.config.v1+json",
             "docker": "application/vnd.docker.container.image.v1+json"}
LAYER_MT = {"oci": "application/vnd.oci.image.layer.v1.tar+gzip",
            "docker": "application/vnd.docker.image.rootfs.diff.tar.gzip"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(d):
    """A CA, a server certificate for 127.0.0.1/localhost, a token-signing key."""
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=warmpool test CA",
       "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")
    sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", f"{d}/server.key",
       "-out", f"{d}/server.csr")
    with open(f"{d}/san.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    sh("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
       "-CAcreateserial", "-days", "2", "-extfile", f"{d}/san.ext", "-out", f"{d}/server.pem")
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=token signer",
       "-keyout", f"{d}/token.key", "-out", f"{d}/token.crt")


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(d, scope_access, service):
    der = subprocess.run(["openssl", "x509", "-in", f"{d}/token.crt", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
    now = int(time.time())
    claims = {"iss": "warmpool-test-issuer", "sub": "tester", "aud": service, "exp": now + 300, "nbf": now - 10,
              "iat": now, "jti": os.urandom(8).hex(), "access": scope_access}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{d}/token.key"], input=signing_input,
                         check=True, capture_output=True).stdout
    return signing_input.decode() + "." + b64url(sig)


def access_for(scope):
    """repository:a/b:pull,push -> the JWT access claim."""
    if not scope:
        return []
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return [{"type": kind, "name": name, "actions": actions.split(",")}]


def serve_token(d, port, userpass):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            from urllib.parse import urlparse, parse_qs
            q = parse_qs(urlparse(self.path).query)
            with open(f"{d}/token.log", "a") as f:
                f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization", "")}) + "\n")
            want = "Basic " + base64.b64encode(userpass.encode()).decode()
            if self.headers.get("Authorization") != want:
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps({"access_token": jwt(d, access_for(q.get("scope", [""])[0]), q["service"][0]),
                               "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", port), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{d}/server.pem", f"{d}/server.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


def start(d, tls, htpasswd, token):
    os.makedirs(f"{d}/data", exist_ok=True)
    make_certs(d)
    port = free_port()
    cfg = ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true", "storage:",
           "  filesystem:", f"    rootdirectory: {d}/data", "  delete:", "    enabled: true", "http:",
           f"  addr: 127.0.0.1:{port}", "  secret: warmpool-test"]
    if tls:
        cfg += ["  tls:", f"    certificate: {d}/server.pem", f"    key: {d}/server.key"]
    state = {"port": port, "tls": tls}
    if htpasswd:
        import crypt  # bcrypt from libxcrypt; deprecated in 3.11, enough for a test
        user, _, pw = htpasswd.partition(":")
        with open(f"{d}/htpasswd", "w") as f:
            f.write(f"{user}:{crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))}\n")
        cfg += ["auth:", "  htpasswd:", "    realm: warmpool-test", f"    path: {d}/htpasswd"]
        state["basic"] = htpasswd
    if token:
        tport = free_port()
        cfg += ["auth:", "  token:", f"    realm: https://127.0.0.1:{tport}/token", "    service: warmpool-registry",
                "    issuer: warmpool-test-issuer", f"    rootcertbundle: {d}/token.crt"]
        state["token"] = token
        pid = os.fork()
        if pid == 0:
            os.setsid()
            serve_token(d, tport, token)
            os._exit(0)
        with open(f"{d}/token.pid", "w") as f:
            f.write(str(pid))
    with open(f"{d}/config.yml", "w") as f:
        f.write("\n".join(cfg) + "\n")
    with open(f"{d}/state.json", "w") as f:
        json.dump(state, f)
    log = open(f"{d}/registry.log", "w")
    p = subprocess.Popen(["docker-registry", "serve", f"{d}/config.yml"], stdout=log, stderr=log,
                         start_new_session=True)
    with open(f"{d}/registry.pid", "w") as f:
        f.write(str(p.pid))
    for _ in range(300):
        try:
            request(d, "GET", "/v2/")
            break
        except urllib.error.HTTPError:
            break  # 401: up
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("docker-registry did not start: " + open(f"{d}/registry.log").read())
    with open(f"{d}/port", "w") as f:
        f.write(str(port))


def request(d, method, path, body=None, headers=None, scope=None):
    st = json.load(open(f"{d}/state.json"))
    scheme = "https" if st["tls"] else "http"
    url = path if path.startswith("http") else f"{scheme}://127.0.0.1:{st['port']}{path}"
    h = dict(headers or {})
    if "basic" in st:
        h["Authorization"] = "Basic " + base64.b64encode(st["basic"].encode()).decode()
    if "token" in st:
        h["Authorization"] = "Bearer " + jwt(d, access_for(scope), "warmpool-registry")
    ctx = ssl.create_default_context(cafile=f"{d}/ca.pem") if st["tls"] else None
    req = urllib.request.Request(url, data=body, method=method, headers=h)
    return urllib.request.urlopen(req, context=ctx, timeout=10)


def push_blob(d, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    scope = f"repository:{repo}:pull,push"
    r = request(d, "POST", f"/v2/{repo}/blobs/uploads/", b"", scope=scope)
    loc = r.headers["Location"]
    if not loc.startswith("http"):
        st = json.load(open(f"{d}/state.json"))
        loc = f"{'https' if st['tls'] else 'http'}://127.0.0.1:{st['port']}{loc}"
    sep = "&" if "?" in loc else "?"
    request(d, "PUT", f"{loc}{sep}digest={digest}", data, {"Content-Type": "application/octet-stream"}, scope=scope)
    return digest, len(data)


def push_manifest(d, repo, ref, media, doc):
    body = json.dumps(doc).encode()
    r = request(d, "PUT", f"/v2/{repo}/manifests/{ref}", body, {"Content-Type": media},
                scope=f"repository:{repo}:pull,push")
    return r.headers["Docker-Content-Digest"], len(body)


def push_image(d, repo, tag, flavour, seed):
    fam = "oci" if flavour.startswith("oci") else "docker"
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "seed": seed,
                      "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    cdig, clen = push_blob(d, repo, cfg)
    ldig, llen = push_blob(d, repo, ("layer " + seed).encode())
    man = {"schemaVersion": 2, "mediaType": MT[fam],
           "config": {"mediaType": CONFIG_MT[fam], "digest": cdig, "size": clen},
           "layers": [{"mediaType": LAYER_MT[fam], "digest": ldig, "size": llen}]}
    if flavour in ("oci", "docker"):
        return push_manifest(d, repo, tag, MT[fam], man)[0]
    mdig, mlen = push_manifest(d, repo, "inner-" + seed, MT[fam], man)
    index = {"schemaVersion": 2, "mediaType": MT[flavour],
             "manifests": [{"mediaType": MT[fam], "digest": mdig, "size": mlen,
                            "platform": {"architecture": "amd64", "os": "linux"}}]}
    return push_manifest(d, repo, tag, MT[flavour], index)[0]


def stop(d):
    for name in ("registry.pid", "token.pid"):
        try:
            os.killpg(int(open(f"{d}/{name}").read()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "start":
        args = sys.argv[3:]
        opt = lambda k: args[args.index(k) + 1] if k in args else None
        start(d, "--tls" in args, opt("--htpasswd"), opt("--token"))
    elif cmd == "push":
        print(push_image(d, sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] if len(sys.argv) > 6 else "1"))
    elif cmd == "stop":
        stop(d)


if __name__ == "__main__":
    main()
