"""Publish the store to an organisation's SPARQL server: one PUT per named graph, changed graphs only.

Any server speaking the SPARQL 1.1 Graph Store HTTP Protocol
(https://www.w3.org/TR/sparql11-http-rdf-update/) will do: Oxigraph (``http://host:7878/store``),
Virtuoso (``http://host:8890/sparql-graph-crud-auth``), Fuseki (``http://host:3030/<dataset>/data``).
Each named graph of the store (one per document, plus ontology, gazetteer, indicators,
reorganisation, shared, status and actuals) is sent as ``PUT <url>?graph=<iri>`` with its triples as
N-Triples, replacing whatever the server held under that name.

A run remembers what it wrote in a manifest beside the store (``data/build.published.json`` for
``data/build``: ``kg build`` replaces the store directory as a whole, so a file inside it would not
survive a rebuild), keyed by target URL: each graph's canonical hash (SHA-256 of its sorted canonical
N-Triples lines, blank nodes labelled by RDFC-1.0 first).  The next run sends only graphs whose hash
changed, and DELETEs graphs it wrote earlier that the store no longer holds; graphs it did not write
are never touched.  The manifest records only what the server acknowledged (2xx), also when a run
stops half-way.  Only the standard library talks HTTP (urllib, with a timeout on every request).
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pyoxigraph as ox

from .errors import KGError
from .store import KGStore, open_store

NTRIPLES = "application/n-triples"
TURTLE = "text/turtle"   # N-Triples is Turtle: the same body, for servers that refuse the first type
MANIFEST_SUFFIX = ".published.json"
DEFAULT_TIMEOUT = 30.0
# RDFC-1.0 (W3C) where this pyoxigraph has it: stable across versions, so hashes stay comparable
_CANON = getattr(ox.CanonicalizationAlgorithm, "RDFC_1_0", ox.CanonicalizationAlgorithm.UNSTABLE)


class PublishError(KGError):
    """The target server is unreachable, refused a request, or the target URL is unusable."""


@dataclass(frozen=True)
class PublishReport:
    """What one run did.  Graph IRIs in the order handled; with `dry_run` nothing was sent and
    `sent`/`deleted` are what would have been."""

    url: str
    sent: tuple[str, ...]
    skipped: tuple[str, ...]
    deleted: tuple[str, ...]
    triples_sent: int
    bytes_sent: int
    dry_run: bool
    manifest: Path
    seconds: float


@dataclass(frozen=True)
class GraphBody:
    """One named graph as sorted canonical N-Triples, with its hash."""

    iri: str
    body: bytes
    triples: int
    sha256: str


def check_url(url: str) -> str:
    """The target URL if usable: http(s), a host, no credentials or fragment in it."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as e:
        raise PublishError(f"{url}: not a usable URL ({e})") from e
    if parts.scheme not in ("http", "https"):
        raise PublishError(f"{url}: only http:// and https:// Graph Store endpoints are accepted")
    if not parts.hostname:
        raise PublishError(f"{url}: no host in the URL")
    if parts.username is not None or parts.password is not None:
        raise PublishError(f"{_redact(url)}: give credentials with --user/--password (or KG_PUBLISH_USER, "
                           "KG_PUBLISH_PASSWORD), not in the URL: the URL is recorded in the manifest")
    if parts.fragment:
        raise PublishError(f"{url}: a Graph Store URL has no #fragment")
    return url


def manifest_path(store_dir: str | Path) -> Path:
    """Where the publish manifest of a store lives: beside it, so that it outlives `kg build`."""
    p = Path(store_dir).absolute()
    return p.with_name(p.name + MANIFEST_SUFFIX)


def graph_body(store: ox.Store, graph: ox.NamedNode) -> GraphBody:
    """A named graph as sorted canonical N-Triples lines (blank nodes relabelled by RDFC-1.0 first), so
    that the same content always gives the same bytes and hash, whatever the build's blank node ids."""
    quads = list(store.quads_for_pattern(None, None, None, graph))
    if any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads):
        ds = ox.Dataset(quads)
        ds.canonicalize(_CANON)
        quads = list(ds)
    data = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
    lines = sorted(set(data.splitlines()))
    body = b"".join(line + b"\n" for line in lines)
    return GraphBody(graph.value, body, len(lines), hashlib.sha256(body).hexdigest())


def read_manifest(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PublishError(f"{path}: unreadable publish manifest ({e}); remove it to publish every graph again") \
            from e
    if not isinstance(data, dict):
        raise PublishError(f"{path}: not a publish manifest; remove it to publish every graph again")
    return data


def _write_manifest(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def publish(store: KGStore | str | Path, url: str, user: str | None = None, password: str | None = None,
            dry_run: bool = False, force: bool = False, timeout: float = DEFAULT_TIMEOUT,
            manifest: str | Path | None = None,
            progress: Callable[[str, str], None] | None = None) -> PublishReport:
    """Write each named graph of `store` to the Graph Store endpoint `url`; return what was done.

    Graphs whose canonical hash matches the manifest's record for `url` are skipped (all are sent
    with `force`); graphs recorded for `url` but no longer in the store are deleted there.  The first
    failure stops the run with a one-line PublishError naming the URL, the graph and the HTTP status;
    what the server had acknowledged until then is recorded.  `progress(action, graph)` is called
    after each graph ("sent", "skipped", "deleted"; "send"/"delete" on a dry run).
    """
    t0 = time.perf_counter()
    url = check_url(url)
    if password is not None and user is None:
        raise PublishError("a password was given without a user name (--user)")
    kg = store if isinstance(store, KGStore) else open_store(store)
    mpath = Path(manifest) if manifest is not None else manifest_path(kg.path)
    whole = read_manifest(mpath)
    entry = whole.get(url, {})
    recorded: dict[str, dict] = dict(entry.get("graphs", {})) if isinstance(entry, dict) else {}
    client = None if dry_run else _GraphStore(url, user, password, timeout)
    sent: list[str] = []
    skipped: list[str] = []
    deleted: list[str] = []
    triples = nbytes = 0
    # graphs named by an IRI (a blank-node graph name cannot be addressed over the protocol)
    local = sorted((g for g in kg.store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)
    try:
        for name in local:
            g = graph_body(kg.store, name)
            if not force and recorded.get(g.iri, {}).get("sha256") == g.sha256:
                skipped.append(g.iri)
                if progress:
                    progress("skipped", g.iri)
                continue
            if client:
                client.put(g.iri, g.body)
                recorded[g.iri] = {"sha256": g.sha256, "triples": g.triples}
            sent.append(g.iri)
            triples += g.triples
            nbytes += len(g.body)
            if progress:
                progress("send" if dry_run else "sent", g.iri)
        names = {g.value for g in local}
        for iri in sorted(set(recorded) - names):
            if client:
                client.delete(iri)
                del recorded[iri]
            deleted.append(iri)
            if progress:
                progress("delete" if dry_run else "deleted", iri)
    finally:
        if client and (sent or deleted):   # only what the server acknowledged
            whole[url] = {"graphs": recorded, "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                          "store": str(kg.path.absolute())}
            _write_manifest(mpath, whole)
    return PublishReport(url, tuple(sent), tuple(skipped), tuple(deleted), triples, nbytes, dry_run, mpath,
                         time.perf_counter() - t0)


class _GraphStore:
    """A Graph Store Protocol client over urllib: PUT and DELETE of one graph, with a time limit on every
    request and Basic or Digest authentication, whichever the server asks for.

    The way to authenticate is learnt from a body-less request (HEAD) before the first graph, and a
    Digest nonce is fetched the same way before each upload: a server refusing an unauthenticated
    upload may close the connection while the body is still being sent (Virtuoso does), so a body is
    only ever sent with credentials the server has asked for.  Basic credentials are never sent to a
    server that did not ask for them.
    """

    def __init__(self, url: str, user: str | None, password: str | None, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self.content_type = NTRIPLES
        self.user = user
        self.password = password or ""
        self.scheme: str | None = None       # "basic" or "digest", once the server has asked
        self.challenge: dict[str, str] = {}
        self.probed = False
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        if user is not None:
            passwords.add_password(None, url, user, self.password)
        self.digest = urllib.request.AbstractDigestAuthHandler(passwords)
        self.opener = urllib.request.build_opener()

    def graph_url(self, iri: str) -> str:
        parts = urllib.parse.urlsplit(self.url)
        query = (parts.query + "&" if parts.query else "") + urllib.parse.urlencode({"graph": iri})
        return urllib.parse.urlunsplit(parts._replace(query=query))

    def put(self, iri: str, body: bytes) -> None:
        status = self._request("PUT", iri, body)
        if status == 415 and self.content_type == NTRIPLES:
            self.content_type = TURTLE   # the same bytes are valid Turtle
            status = self._request("PUT", iri, body)
        if status == 415:
            self._fail("PUT", iri, 415, "Unsupported Media Type", "the server takes neither N-Triples nor Turtle")

    def delete(self, iri: str) -> None:
        self._request("DELETE", iri, None)

    def _request(self, method: str, iri: str, body: bytes | None) -> int:
        if self.user is not None and not self.probed:
            self.probed = True
            if self._challenge(iri):
                # the credentials are tried on a body-less request first, so that a refusal is a clear 401
                # (a server refusing an upload may close the connection before it has read the body)
                check = self._exchange("HEAD", iri, None)
                if isinstance(check, urllib.error.HTTPError) and check.code not in (401, 403):
                    check.close()   # a server without HEAD: the credentials are judged on the request itself
                else:
                    self._check("HEAD", iri, check)
        elif self.scheme == "digest" and body is not None:
            self._challenge(iri)   # a fresh nonce, so that the body is sent once, with credentials
        sent_credentials = self.scheme is not None
        answer = self._exchange(method, iri, body)
        if isinstance(answer, urllib.error.HTTPError) and answer.code == 401 and self.user is not None \
                and (not sent_credentials or self._stale(answer)) and self._learn(answer):
            answer.close()
            answer = self._exchange(method, iri, body)   # asked for credentials we have: once more with them
        return self._check(method, iri, answer)

    def _check(self, method: str, iri: str, answer: int | urllib.error.HTTPError) -> int:
        """The status of a successful answer (or of one the caller handles); a PublishError otherwise."""
        if not isinstance(answer, urllib.error.HTTPError):
            return answer
        code = answer.code
        if (code == 404 and method in ("DELETE", "HEAD")) or (code == 415 and method == "PUT"):
            answer.close()
            return code   # already gone: what a DELETE wants / the caller tries Turtle
        detail = _detail(answer)
        location = answer.headers.get("Location")
        answer.close()
        self._fail(method, iri, code, answer.reason, detail, location)

    def _challenge(self, iri: str) -> bool:
        """Ask the server, with a body-less request, how it wants us to authenticate; True if it said."""
        probe = self._exchange("HEAD", iri, None, authorize=False)
        learned = self._learn(probe)
        if isinstance(probe, urllib.error.HTTPError):
            probe.close()
        return learned

    @staticmethod
    def _stale(answer: urllib.error.HTTPError) -> bool:
        return any("stale=true" in h.lower().replace(" ", "").replace('"', "")
                   for h in answer.headers.get_all("WWW-Authenticate") or [])

    def _learn(self, answer: int | urllib.error.HTTPError) -> bool:
        """Take the authentication the server asks for in a 401 answer; True if we can give it."""
        if not isinstance(answer, urllib.error.HTTPError) or answer.code != 401 or self.user is None:
            return False
        offers = {}
        for header in answer.headers.get_all("WWW-Authenticate") or []:
            scheme, _, rest = header.strip().partition(" ")
            offers[scheme.lower()] = rest
        if "digest" in offers:
            self.scheme = "digest"
            self.challenge = urllib.request.parse_keqv_list(
                [x for x in urllib.request.parse_http_list(offers["digest"]) if x])
            return True
        if "basic" in offers:
            self.scheme = "basic"
            return True
        return False

    def _exchange(self, method: str, iri: str, body: bytes | None,
                  authorize: bool = True) -> int | urllib.error.HTTPError:
        """One request: its status, or the HTTPError of a 4xx/5xx answer; a PublishError when there is
        no answer."""
        req = urllib.request.Request(self.graph_url(iri), data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", f"{self.content_type}; charset=utf-8")
        if authorize and self.scheme == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            req.add_header("Authorization", f"Basic {token}")
        elif authorize and self.scheme == "digest":
            try:
                value = self.digest.get_authorization(req, self.challenge)
            except (urllib.error.URLError, ValueError) as e:
                raise PublishError(f"publish to {self.url}: {method} graph <{iri}> failed: the server asks for "
                                   f"a kind of Digest authentication not supported here ({e})") from e
            if value:
                req.add_header("Authorization", f"Digest {value}")
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                resp.read()
                return int(resp.status)
        except urllib.error.HTTPError as e:
            return e
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, TimeoutError):
                what = f"no answer within {self.timeout:g} s"
            elif isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                what = f"cannot connect ({reason}); is the server running?"
            elif isinstance(reason, ssl.SSLError):
                what = f"TLS failed ({reason}); the server's certificate must be one this machine trusts " \
                       "(SSL_CERT_FILE names extra ones)"
            else:
                what = f"connection broken ({reason})"
            raise PublishError(f"publish to {self.url}: {method} graph <{iri}> failed: {what}") from e
        except TimeoutError as e:
            raise PublishError(f"publish to {self.url}: {method} graph <{iri}> failed: "
                               f"no answer within {self.timeout:g} s") from e
        except (OSError, http.client.HTTPException) as e:
            raise PublishError(f"publish to {self.url}: {method} graph <{iri}> failed: "
                               f"connection broken ({type(e).__name__}: {e})") from e
        except ValueError as e:   # e.g. a Digest variant urllib does not speak
            raise PublishError(f"publish to {self.url}: {method} graph <{iri}> failed: {e}") from e

    def _fail(self, method: str, iri: str, code: int, reason: object, detail: str = "",
              location: str | None = None) -> NoReturn:
        hint = ""
        if code in (401, 403):
            hint = "; check --user/--password and that the user may write graphs" if self.user is not None \
                else "; the server wants credentials: give --user and --password"
        elif code == 404 and method == "PUT":
            hint = "; is this the server's Graph Store endpoint? (Oxigraph: /store, Fuseki: /DATASET/data, " \
                   "Virtuoso: /sparql-graph-crud-auth)"
        elif 300 <= code < 400 and location:
            hint = f"; the server redirects to {location}: publish to that URL"
        said = f" (server said: {detail})" if detail else ""
        raise PublishError(f"publish to {self.url}: {method} graph <{iri}> failed: HTTP {code} {reason}{said}{hint}")


def _detail(e: urllib.error.HTTPError) -> str:
    """The first words of an error page, as one short line."""
    try:
        raw = e.read(4000)
    except (OSError, http.client.HTTPException):
        return ""
    text = raw.decode("utf-8", "replace")
    text = re.sub(r"(?is)<(script|style|title|head)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))
