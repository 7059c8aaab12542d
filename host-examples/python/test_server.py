"""Tests for the Python host: its pure logic, and its rules against a fake account service.

Run from this folder: python3 -m unittest (needs the openssl command, which makes the test keys and signatures
independently of the code under test).
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

import config
import host_app
import jwt
import oidc_client
import pages
import server


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(value: dict) -> str:
    return b64(json.dumps(value).encode())


class OpensslKey:
    """An ES256 key pair made, and signing, with the openssl command: a second implementation to check against."""

    def __init__(self, directory: str, kid: str):
        self.kid = kid
        self.pem = os.path.join(directory, f"{kid}.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.pem], check=True)
        spki = subprocess.run(["openssl", "ec", "-in", self.pem, "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
        point = spki[-65:]  # the uncompressed point 04 || x || y ends the SubjectPublicKeyInfo
        assert point[0] == 4
        self.jwk = {"kty": "EC", "crv": "P-256", "x": b64(point[1:33]), "y": b64(point[33:]), "kid": kid, "alg": "ES256", "use": "sig"}

    def sign(self, data: bytes) -> bytes:
        """The JWS form of an ECDSA signature, r || s (32 bytes each); openssl writes DER."""
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.pem], input=data, check=True, capture_output=True).stdout
        assert der[0] == 0x30 and der[2] == 0x02
        r_len = der[3]
        r = int.from_bytes(der[4 : 4 + r_len], "big")
        s_len = der[5 + r_len]
        s = int.from_bytes(der[6 + r_len : 6 + r_len + s_len], "big")
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def jwt(self, claims: dict, **header) -> str:
        signing_input = f"{part({'alg': 'ES256', 'typ': 'JWT', 'kid': self.kid, **header})}.{part(claims)}"
        return f"{signing_input}.{b64(self.sign(signing_input.encode()))}"


KEY: OpensslKey
OTHER_KEY: OpensslKey  # not in the service's key set


def setUpModule():
    global KEY, OTHER_KEY
    directory = tempfile.TemporaryDirectory()
    unittest.addModuleCleanup(directory.cleanup)
    KEY, OTHER_KEY = OpensslKey(directory.name, "k1"), OpensslKey(directory.name, "k2")


def forged(claims: dict, how: str) -> str:
    """ID tokens the service did not sign: another key under its kid, alg none, HS256 keyed with its public key, a
    changed claim under a good signature, or a signature that is not one."""
    if how == "other-key":
        return OTHER_KEY.jwt(claims, kid=KEY.kid)
    if how == "none":
        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
    if how == "hs256":
        signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': KEY.kid})}.{part(claims)}"
        mac = hmac.new(json.dumps(KEY.jwk).encode(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"
    if how == "changed-claims":
        header, _, signature = KEY.jwt({**claims, "sub": "someone-else"}).split(".")
        return f"{header}.{part(claims)}.{signature}"
    if how == "garbage":
        return f"{part({'alg': 'ES256', 'typ': 'JWT', 'kid': KEY.kid})}.{part(claims)}.c2ln"
    raise AssertionError(how)


FORGERIES = ["other-key", "none", "hs256", "changed-claims", "garbage"]


class PkceTest(unittest.TestCase):
    def test_matches_the_rfc_7636_vector(self):
        self.assertEqual(oidc_client.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")

    def test_pair_is_fresh_and_consistent(self):
        (v1, c1), (v2, _) = oidc_client.pkce_pair(), oidc_client.pkce_pair()
        self.assertRegex(v1, r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(c1, oidc_client.pkce_challenge(v1))
        self.assertNotEqual(v1, v2)


class ReturnPathTest(unittest.TestCase):
    def test_paths_on_this_site(self):
        self.assertEqual(server.safe_return_path(None), "/")
        self.assertEqual(server.safe_return_path(""), "/")
        self.assertEqual(server.safe_return_path("/orders"), "/orders")
        self.assertEqual(server.safe_return_path("/orders?page=2"), "/orders?page=2")

    def test_anything_else_is_refused(self):
        for bad in ["https://evil.test/", "//evil.test", "/\\evil.test", "\\\\evil.test", "javascript:alert(1)", "orders",
                    "/\t/evil.test", "/\n/evil.test", "/" + "a" * 2048]:
            with self.subTest(bad=bad):
                self.assertIsNone(server.safe_return_path(bad))


class EscapingTest(unittest.TestCase):
    def test_escape(self):
        self.assertEqual(pages.escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;")

    def test_pages_escape_the_user_and_embed_the_snippet(self):
        page = pages.home_page(service_url="https://accounts.example.test", user={"sub": 'u"1', "name": "<script>alert(1)</script>"})
        self.assertIn("Hello, &lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("<script>alert", page)
        self.assertIn('data-user-sub="u&quot;1" data-user-name="&lt;script&gt;alert(1)&lt;/script&gt;"', page)
        self.assertNotIn("data-user-name", pages.home_page(service_url="https://a.test", user=None))
        self.assertIn('<script type="module" src="https://accounts.example.test/userbox.js"></script>\n  <user-box></user-box>', page)
        self.assertIn("Hello, guest", pages.home_page(service_url="https://a.test", user=None))


class Es256Test(unittest.TestCase):
    # RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample" (also checked with openssl when this was written).
    rfc_key = (
        0x60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6,
        0x7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299,
    )
    rfc_r = 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
    rfc_s = 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8

    def rfc_signature(self, r=None, s=None) -> bytes:
        return (self.rfc_r if r is None else r).to_bytes(32, "big") + (self.rfc_s if s is None else s).to_bytes(32, "big")

    def test_the_rfc_6979_vector_verifies(self):
        self.assertTrue(jwt.es256_verify(self.rfc_key, b"sample", self.rfc_signature()))

    def test_a_changed_message_key_or_signature_does_not(self):
        self.assertFalse(jwt.es256_verify(self.rfc_key, b"samplf", self.rfc_signature()))
        self.assertFalse(jwt.es256_verify(self.rfc_key, b"sample", self.rfc_signature(s=self.rfc_s ^ 1)))
        self.assertFalse(jwt.es256_verify(self.rfc_key, b"sample", self.rfc_signature(r=self.rfc_r ^ 1)))
        other = jwt.p256_public_key(KEY.jwk)
        self.assertFalse(jwt.es256_verify(other, b"sample", self.rfc_signature()))

    def test_out_of_range_or_misshapen_signatures_do_not(self):
        n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
        for signature in [self.rfc_signature(r=0), self.rfc_signature(s=0), self.rfc_signature(r=n),
                          self.rfc_signature(s=n), self.rfc_signature(s=2**256 - 1), self.rfc_signature()[:63], self.rfc_signature() + b"\0", b""]:
            with self.subTest(signature=signature.hex()):
                self.assertFalse(jwt.es256_verify(self.rfc_key, b"sample", signature))

    def test_openssl_signatures_verify_and_only_under_their_key(self):
        mine, theirs = jwt.p256_public_key(KEY.jwk), jwt.p256_public_key(OTHER_KEY.jwk)
        for message in [b"", b"a", b"header.payload", os.urandom(300)]:
            with self.subTest(message=message[:20]):
                signature = KEY.sign(message)
                self.assertTrue(jwt.es256_verify(mine, message, signature))
                self.assertFalse(jwt.es256_verify(theirs, message, signature))
                self.assertFalse(jwt.es256_verify(mine, message + b"x", signature))

    def test_keys_must_be_p256_points_on_the_curve(self):
        x, y = self.rfc_key
        good = {"kty": "EC", "crv": "P-256", "x": b64(x.to_bytes(32, "big")), "y": b64(y.to_bytes(32, "big"))}
        self.assertEqual(jwt.p256_public_key(good), self.rfc_key)
        for bad in [{**good, "y": b64((y + 1).to_bytes(32, "big"))}, {**good, "crv": "P-384"}, {**good, "kty": "RSA"},
                    {**good, "x": good["x"][:-2]}, {**good, "x": good["x"] + "="}, {k: v for k, v in good.items() if k != "y"}]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                jwt.p256_public_key(bad)


class IdTokenTest(unittest.TestCase):
    good = {"iss": "https://accounts.test", "aud": "python", "exp": 2_000, "sub": "u1", "nonce": "n1"}

    def keys(self, kid: str):
        if kid != KEY.kid:
            raise ValueError("unknown key")
        return jwt.p256_public_key(KEY.jwk)

    def verify(self, token: str):
        return jwt.check_id_token(token, keys=self.keys, issuer="https://accounts.test", client_id="python", nonce="n1", now=1_000)

    def check(self, **changes):
        return self.verify(KEY.jwt({**self.good, **changes}))

    def test_accepts_a_good_token(self):
        self.assertEqual(self.check()["sub"], "u1")
        self.assertEqual(self.check(aud=["python", "other"])["sub"], "u1")

    def test_refuses_wrong_claims(self):
        for changes in [{"iss": "https://evil.test"}, {"aud": "other"}, {"exp": 900}, {"nonce": "n2"}, {"sub": None}]:
            with self.subTest(changes=changes), self.assertRaises(ValueError):
                self.check(**changes)
        with self.assertRaises(ValueError):
            jwt.check_id_token("not-a-jwt", keys=self.keys, issuer="x", client_id="python", nonce=None, now=0)

    def test_refuses_a_token_the_service_did_not_sign(self):
        for how in FORGERIES:
            with self.subTest(how=how), self.assertRaises(ValueError):
                self.verify(forged(self.good, how))

    def test_refuses_other_algorithms_unknown_keys_and_critical_headers(self):
        for header in [{"alg": "ES384"}, {"alg": "RS256"}, {"alg": "none"}, {"kid": "k9"}, {"crit": ["exp"], "exp": 1}]:
            with self.subTest(header=header), self.assertRaises(ValueError):
                self.verify(KEY.jwt(self.good, **header))


class KeySetTest(unittest.TestCase):
    def setUp(self):
        self.now, self.fetches, self.published = 0.0, 0, [KEY.jwk]
        self.keys = jwt.KeySet(self.fetch, clock=lambda: self.now)

    def fetch(self):
        self.fetches += 1
        return {"keys": list(self.published)}

    def test_keeps_the_keys_and_refetches_for_an_unknown_kid(self):
        self.assertEqual(self.keys.key("k1"), jwt.p256_public_key(KEY.jwk))
        self.now += 60
        self.keys.key("k1")
        self.assertEqual(self.fetches, 1)
        self.published = [OTHER_KEY.jwk, KEY.jwk]  # the service rotated
        self.assertEqual(self.keys.key("k2"), jwt.p256_public_key(OTHER_KEY.jwk))
        self.assertEqual(self.fetches, 2)

    def test_an_unknown_kid_refetches_at_most_every_30_seconds(self):
        self.keys.key("k1")
        for _ in range(3):
            with self.assertRaises(ValueError):
                self.keys.key("nope")
        self.assertEqual(self.fetches, 1)
        self.now += 31
        with self.assertRaises(ValueError):
            self.keys.key("nope")
        self.assertEqual(self.fetches, 2)

    def test_the_keys_are_refetched_after_ten_minutes_and_dropped_keys_go(self):
        self.keys.key("k1")
        self.published = [OTHER_KEY.jwk]
        self.now += 601
        with self.assertRaises(ValueError):
            self.keys.key("k1")
        self.assertEqual(self.fetches, 2)

    def test_skips_keys_that_are_not_es256_signing_keys(self):
        self.published = [{**KEY.jwk, "alg": "ES384"}, {**OTHER_KEY.jwk, "use": "enc"}, {"kty": "oct", "kid": "k3", "k": "c2VjcmV0"}]
        for kid in ["k1", "k2", "k3"]:
            with self.subTest(kid=kid), self.assertRaises(ValueError):
                self.keys.key(kid)

    def test_an_unreachable_key_set_is_unavailable_not_a_refusal(self):
        def down():
            raise oidc_client.Unavailable("down")

        with self.assertRaises(oidc_client.Unavailable):
            jwt.KeySet(down).key("k1")


class ConfigTest(unittest.TestCase):
    def test_defaults(self):
        c = config.load_config({"PORT": "4003"})
        self.assertEqual((c.host, c.public_url, c.service_url, c.internal_url, c.client_id), ("127.0.0.1", "http://localhost:4003", "http://localhost:4000", "http://localhost:4000", "python"))

    def test_refuses_bad_settings(self):
        for env in [{}, {"PORT": "x"}, {"PORT": "1", "TLS_CERT_FILE": "c"}, {"PORT": "1", "PUBLIC_URL": "https://a.test/path"}]:
            with self.subTest(env=env), self.assertRaises(SystemExit):
                config.load_config(env)

    def test_cookies(self):
        self.assertEqual(server.parse_cookies("a=1; b=x=y;c"), {"a": "1", "b": "x=y"})

    def test_client_secret_comes_from_the_environment(self):
        self.assertIsNone(config.load_config({"PORT": "1"}).client_secret)
        self.assertEqual(config.load_config({"PORT": "1", "USERBOX_CLIENT_SECRET": "s3"}).client_secret, "s3")


class BoxClientTest(unittest.TestCase):
    def test_the_box_gets_its_own_public_client_beside_a_confidential_back_end(self):
        self.assertIn('<user-box client-id="python-box&quot;"></user-box>', pages.home_page(service_url="https://a.test", user=None, box_client_id='python-box"'))
        self.assertIn("<user-box></user-box>", pages.home_page(service_url="https://a.test", user=None))
        self.assertEqual(config.load_config({"PORT": "1", "USERBOX_BOX_CLIENT_ID": "python-box"}).box_client_id, "python-box")


class TokenRequestTest(unittest.TestCase):
    """What the host sends to /token: client_secret_basic when it has a secret, client_id alone when it has none."""

    def sent(self, env: dict[str, str]) -> "urllib.request.Request":
        client = oidc_client.ServiceClient(config.load_config({"PORT": "1", **env}))
        requests = []
        client._call = lambda request: (requests.append(request), (400, {"error": "invalid_grant"}))[1]
        with self.assertRaises(oidc_client.SignedOut):
            client.token({"grant_type": "authorization_code", "code": "c", "code_verifier": "v"})
        return requests[0]

    def test_basic_encodes_both_halves_as_a_form_first(self):
        header = oidc_client.basic_authorization("python", "a+b c/d:\u00e9")
        self.assertEqual(base64.b64decode(header.removeprefix("Basic ")).decode(), "python:a%2Bb+c%2Fd%3A%C3%A9")

    def test_a_confidential_host_authenticates_with_its_secret(self):
        request = self.sent({"USERBOX_CLIENT_SECRET": "sekret"})
        self.assertEqual(request.get_header("Authorization"), oidc_client.basic_authorization("python", "sekret"))
        form = urllib.parse.parse_qs(request.data.decode())
        self.assertNotIn("client_id", form)
        self.assertEqual(form["code_verifier"], ["v"])

    def test_a_public_host_sends_only_its_client_id(self):
        request = self.sent({})
        self.assertIsNone(request.get_header("Authorization"))
        self.assertEqual(urllib.parse.parse_qs(request.data.decode())["client_id"], ["python"])


class FakeService:
    """Stands in for the account service's /token and /userinfo."""

    def __init__(self):
        self.signed_in, self.reachable, self.calls, self.issued, self.forge = True, True, [], 0, None
        self.who = {}  # access token -> the user /userinfo answers
        self.redirect_uri = "https://py.test/callback"

    def tokens(self, nonce=None, sub="u1"):
        self.issued += 1
        name = "Ada <L>" if sub == "u1" else "Bob <B>"
        self.last_sid = f"sid-{self.issued}"
        claims = {"iss": "https://accounts.test", "aud": "python", "exp": time.time() + 600, "sub": sub, "name": name, "sid": self.last_sid}
        self.who[f"at{self.issued}"] = {"sub": sub, "name": name}
        if nonce:
            claims["nonce"] = nonce
        id_token = forged(claims, self.forge) if self.forge else KEY.jwt(claims)
        return {"access_token": f"at{self.issued}", "refresh_token": f"rt{self.issued}", "id_token": id_token, "expires_in": 600}

    def jwks(self):
        self.calls.append("jwks")
        if not self.reachable:
            raise oidc_client.Unavailable("down")
        return {"keys": [KEY.jwk]}

    def authorize_url(self, state, nonce, challenge, prompt, login_hint=None):
        self.last_nonce = nonce
        query = {"state": state, **({"prompt": prompt} if prompt else {}), **({"login_hint": login_hint} if login_hint else {})}
        return "https://accounts.test/authorize?" + urllib.parse.urlencode(query)

    def token(self, form):
        self.calls.append(form["grant_type"])
        if not self.reachable:
            raise oidc_client.Unavailable("down")
        if form["grant_type"] == "authorization_code":
            # "good" signs in Ada (u1); "good-bob" Bob (u2), the account a switch picks.
            if form["code"] not in ("good", "good-bob"):
                raise oidc_client.SignedOut("bad code")
            return self.tokens(self.last_nonce, "u1" if form["code"] == "good" else "u2")
        if not self.signed_in:
            raise oidc_client.SignedOut("ended")
        return self.tokens()

    def userinfo(self, access_token):
        self.calls.append("userinfo")
        if not self.reachable:
            raise oidc_client.Unavailable("down")
        if not self.signed_in or access_token == "expired":
            raise oidc_client.SignedOut("401")
        return self.who.get(access_token, {"sub": "u1", "name": "Ada <L>"})

    def end_session_url(self, id_token, back):
        return f"https://accounts.test/end_session?post_logout_redirect_uri={back}"


class AppTest(unittest.TestCase):
    """The handler over a real socket, with the fake service behind it."""

    @classmethod
    def setUpClass(cls):
        settings = config.load_config({"PORT": "0", "PUBLIC_URL": "https://py.test", "USERBOX_SERVICE_URL": "https://accounts.test"})
        cls.service = FakeService()
        cls.app = host_app.App(settings, client=cls.service)
        cls.httpd = server.Server(("127.0.0.1", 0), server.make_handler(cls.app))
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()

    def setUp(self):
        self.service.signed_in, self.service.reachable, self.service.calls, self.service.forge = True, True, [], None
        self.app.check_every_page = False
        self.jar = {}

    def back_channel_logout(self, token, content_type="application/x-www-form-urlencoded"):
        conn = http.client.HTTPConnection("127.0.0.1", self.httpd.server_address[1])
        conn.request("POST", "/backchannel-logout", body=urllib.parse.urlencode({"logout_token": token}), headers={"Content-Type": content_type})
        res = conn.getresponse()
        body = res.read().decode()
        conn.close()
        return res.status, body, res.getheader("Cache-Control")

    def logout_token(self, **changes):
        claims = {"iss": "https://accounts.test", "aud": "python", "iat": int(time.time()), "exp": int(time.time()) + 120, "jti": os.urandom(8).hex(),
                  "sub": "u1", "sid": self.service.last_sid, "events": {jwt.BACK_CHANNEL_LOGOUT_EVENT: {}}, **changes}
        return KEY.jwt({k: v for k, v in claims.items() if v is not None}, typ="logout+jwt")

    def request(self, path, method="GET", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.httpd.server_address[1])
        cookie = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        conn.request(method, path, headers={"Cookie": cookie, **(headers or {})})
        res = conn.getresponse()
        body = res.read().decode()
        self.set_cookies = res.headers.get_all("Set-Cookie") or []
        for line in res.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in line:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        conn.close()
        return res.status, res.getheader("Location"), body

    def sign_in(self):
        _, location, _ = self.request("/login?return_to=/orders")
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
        status, back, _ = self.request(f"/callback?code=good&state={state}&iss=https%3A%2F%2Faccounts.test")
        self.assertEqual((status, back), (303, "/orders"))
        self.assertIn("__Host-py_session", self.jar)

    def test_first_visit_checks_silently_once(self):
        status, location, _ = self.request("/")
        self.assertEqual(status, 303)
        self.assertIn("prompt=none", location)
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
        self.assertEqual(self.request(f"/callback?error=login_required&state={state}&iss=https%3A%2F%2Faccounts.test")[:2], (303, "/"))
        status, _, body = self.request("/")
        self.assertEqual(status, 200)
        self.assertIn("Hello, guest", body)

    def test_a_callback_this_browser_did_not_start_is_refused(self):
        _, location, _ = self.request("/login")
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
        self.jar = {}
        self.assertEqual(self.request(f"/callback?code=good&state={state}")[0], 400)
        self.assertNotIn("authorization_code", self.service.calls)

    def test_an_answer_without_the_services_iss_is_refused_before_any_code_exchange(self):
        # RFC 9207: the service's discovery says it always sends iss, so an answer without one did not come from it.
        for iss in ["&iss=https%3A%2F%2Fevil.test", ""]:
            for answer in ["code=good", "error=access_denied"]:
                with self.subTest(iss=iss, answer=answer):
                    self.jar, self.service.calls = {}, []
                    _, location, _ = self.request("/login")
                    state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
                    status, _, body = self.request(f"/callback?{answer}&state={state}{iss}")
                    self.assertEqual(status, 400)
                    self.assertIn("did not come from the expected account service", body)
                    self.assertNotIn("authorization_code", self.service.calls)
                    self.assertNotIn("__Host-py_session", self.jar)

    def test_a_sign_in_with_an_id_token_the_service_did_not_sign_is_refused(self):
        for how in FORGERIES:
            with self.subTest(how=how):
                self.jar, self.service.forge = {}, how
                _, location, _ = self.request("/login")
                state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
                status, _, body = self.request(f"/callback?code=good&state={state}&iss=https%3A%2F%2Faccounts.test")
                self.assertEqual(status, 400)
                self.assertIn("could not be completed", body)
                self.assertNotIn("__Host-py_session", self.jar)

    def test_a_refresh_with_an_id_token_the_service_did_not_sign_is_refused(self):
        self.app.check_every_page = True  # the old way: /userinfo on every page
        for how in FORGERIES:
            with self.subTest(how=how):
                self.jar, self.service.forge = {}, None
                self.sign_in()
                session = self.app.store.get(self.jar["__Host-py_session"])
                session.tokens["access_token"] = "expired"
                before = dict(session.tokens)
                self.service.forge, self.service.calls = how, []
                _, _, body = self.request("/")
                self.assertIn("refresh_token", self.service.calls)
                self.assertNotIn("Hello, Ada", body)
                self.assertEqual(session.tokens, before)  # the forged answer's tokens were not taken

    def test_signed_in_pages_render_the_user_escaped(self):
        self.assertEqual(self.request("/orders")[0], 303)
        self.sign_in()
        _, _, body = self.request("/")
        self.assertIn("Hello, Ada &lt;L&gt;", body)
        self.assertEqual(self.request("/orders")[0], 200)

    def test_a_sign_in_lets_the_box_check_again(self):
        self.sign_in()
        self.assertTrue(any(c.startswith("userbox_tried_python=;") and "Max-Age=0" in c for c in self.set_cookies))

    def test_a_401_is_tried_with_one_refresh(self):
        self.app.check_every_page = True  # the old way: /userinfo on every page
        self.sign_in()
        self.app.store.get(self.jar["__Host-py_session"]).tokens["access_token"] = "expired"
        self.service.calls = []
        self.assertIn("Hello, Ada", self.request("/")[2])
        self.assertEqual(self.service.calls, ["userinfo", "refresh_token", "userinfo"])

    def test_signed_out_at_the_service_shows_a_guest(self):
        self.app.check_every_page = True  # the old way: /userinfo on every page
        self.sign_in()
        self.service.signed_in = False
        status, _, body = self.request("/")
        self.assertEqual(status, 200)
        self.assertIn("Hello, guest", body)
        self.assertNotIn("__Host-py_session", self.jar)

    def test_an_unreachable_service_signs_nobody_out(self):
        self.app.check_every_page = True  # the old way: /userinfo on every page
        self.sign_in()
        self.service.reachable = False
        self.assertEqual(self.request("/orders")[0], 503)
        self.service.reachable = True
        self.assertIn("Hello, Ada", self.request("/")[2])

    def test_a_signed_in_page_costs_the_service_no_request(self):
        self.sign_in()
        self.service.calls = []
        self.assertIn("Hello, Ada &lt;L&gt;", self.request("/")[2])
        self.assertEqual(self.request("/orders")[0], 200)
        self.assertEqual(self.service.calls, [])

    def test_a_back_channel_logout_ends_the_host_session_of_that_sid(self):
        self.sign_in()
        mine = dict(self.jar)
        self.jar = {}
        self.sign_in()  # another account session of the same user: stays
        other = dict(self.jar)
        self.jar = mine
        sid = self.app.store.get(mine["__Host-py_session"]).service_sid
        token = self.logout_token(sid=sid)
        self.assertEqual(self.back_channel_logout(token), (200, "", "no-store"))
        status, _, body = self.request("/")
        self.assertEqual(status, 200)
        self.assertIn("Hello, guest", body)
        self.assertEqual(self.request("/orders")[0], 303)
        self.jar = other
        self.assertIn("Hello, Ada", self.request("/")[2])
        # The same token again is a replay.
        self.assertEqual(self.back_channel_logout(token)[:2], (400, '{"error": "invalid_request"}'))

    def test_a_back_channel_logout_with_sub_alone_ends_every_host_session_of_the_user(self):
        self.sign_in()
        self.assertEqual(self.back_channel_logout(self.logout_token(sid=None))[0], 200)
        self.assertIn("Hello, guest", self.request("/")[2])

    def test_forged_logout_tokens_are_refused_and_end_nothing(self):
        self.sign_in()
        sid = self.service.last_sid
        good = dict(sid=sid)
        now = int(time.time())
        cases = {
            "bad signature": OTHER_KEY.jwt({"iss": "https://accounts.test", "aud": "python", "iat": now, "jti": "j1", "sid": sid, "events": {jwt.BACK_CHANNEL_LOGOUT_EVENT: {}}}, kid=KEY.kid, typ="logout+jwt"),
            "wrong iss": self.logout_token(**good, iss="https://evil.test"),
            "wrong aud": self.logout_token(**good, aud="other"),
            "nonce present": self.logout_token(**good, nonce="n"),
            "missing events": self.logout_token(**good, events=None),
            "wrong event": self.logout_token(**good, events={"https://example.test/other": {}}),
            "neither sid nor sub": self.logout_token(sid=None, sub=None),
            "no jti": self.logout_token(**good, jti=None),
            "too old": self.logout_token(**good, iat=now - 600, exp=None),
            "from the future": self.logout_token(**good, iat=now + 600),
            "an ID token's typ": KEY.jwt({"iss": "https://accounts.test", "aud": "python", "iat": now, "jti": "j2", "sid": sid, "events": {jwt.BACK_CHANNEL_LOGOUT_EVENT: {}}}),
            "alg none": forged({"iss": "https://accounts.test", "aud": "python", "iat": now, "jti": "j3", "sid": sid, "events": {jwt.BACK_CHANNEL_LOGOUT_EVENT: {}}}, "none"),
            "not a JWT": "garbage",
        }
        for name, token in cases.items():
            with self.subTest(name=name):
                self.assertEqual(self.back_channel_logout(token)[:2], (400, '{"error": "invalid_request"}'))
        self.assertIn("Hello, Ada", self.request("/")[2])

    def test_login_refuses_foreign_return_paths(self):
        self.assertEqual(self.request("/login?return_to=https%3A%2F%2Fevil.test")[0], 400)

    def test_sign_out(self):
        self.sign_in()
        self.assertEqual(self.request("/logout", "POST", {"Origin": "https://evil.test"})[0], 403)
        status, location, _ = self.request("/logout", "POST", {"Origin": "https://py.test"})
        self.assertEqual(status, 303)
        self.assertTrue(location.startswith("https://accounts.test/end_session?"))
        self.assertNotIn("__Host-py_session", self.jar)

    def test_switch_account_goes_through_the_chooser_and_the_page_follows(self):
        self.sign_in()
        _, _, orders = self.request("/orders")
        self.assertIn('<a class="switch" href="/login?prompt=select_account&amp;return_to=%2Forders">Switch account</a>', orders)
        self.assertIn('<script type="module" src="/account-switch.js"></script>', orders)
        status, location, _ = self.request("/login?prompt=select_account&return_to=%2Forders")
        self.assertEqual(status, 303)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        self.assertEqual(query["prompt"], ["select_account"])
        # The user chose Bob there: the server now renders Bob, not Ada.
        status, back, _ = self.request(f"/callback?code=good-bob&state={query['state'][0]}&iss=https%3A%2F%2Faccounts.test")
        self.assertEqual((status, back), (303, "/orders"))
        _, _, home = self.request("/")
        self.assertIn("Hello, Bob &lt;B&gt;", home)
        self.assertIn('data-user-sub="u2"', home)
        self.assertNotIn("Ada", home)

    def test_login_passes_login_hint_on_and_refuses_a_malformed_one(self):
        self.sign_in()
        status, location, _ = self.request("/login?login_hint=u2&return_to=%2Forders")
        self.assertEqual(status, 303)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        self.assertEqual(query["login_hint"], ["u2"])
        self.request(f"/callback?code=good-bob&state={query['state'][0]}&iss=https%3A%2F%2Faccounts.test")
        self.assertIn('data-user-sub="u2"', self.request("/orders")[2])
        for bad in ["login_hint=a%0Ab", "login_hint=a&login_hint=b", "login_hint=" + "x" * 321, "prompt=consent"]:
            with self.subTest(bad=bad):
                self.assertEqual(self.request(f"/login?{bad}")[0], 400)

    def test_the_switch_hook_is_a_script_of_its_own(self):
        status, _, body = self.request("/account-switch.js")
        self.assertEqual(status, 200)
        self.assertIn("userbox-switch", body)
        self.sign_in()
        _, _, page = self.request("/")
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)")


if __name__ == "__main__":
    unittest.main()
