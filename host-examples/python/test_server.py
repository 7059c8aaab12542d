"""Tests for the Python host: its pure logic, and its rules against a fake account service.

Run from this folder: python3 -m unittest
"""

import base64
import http.client
import json
import threading
import time
import unittest
import urllib.parse

import server


def jwt(claims: dict) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'ES256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


class PkceTest(unittest.TestCase):
    def test_matches_the_rfc_7636_vector(self):
        self.assertEqual(server.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")

    def test_pair_is_fresh_and_consistent(self):
        (v1, c1), (v2, _) = server.pkce_pair(), server.pkce_pair()
        self.assertRegex(v1, r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual(c1, server.pkce_challenge(v1))
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
        self.assertEqual(server.escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;")

    def test_pages_escape_the_user_and_embed_the_snippet(self):
        page = server.home_page(service_url="https://accounts.example.test", user={"sub": 'u"1', "name": "<script>alert(1)</script>"})
        self.assertIn("Hello, &lt;script&gt;alert(1)&lt;/script&gt;", page)
        self.assertNotIn("<script>alert", page)
        self.assertIn('data-user-sub="u&quot;1"', page)
        self.assertIn('<script type="module" src="https://accounts.example.test/userbox.js"></script>\n  <user-box></user-box>', page)
        self.assertIn("Hello, guest", server.home_page(service_url="https://a.test", user=None))


class IdTokenTest(unittest.TestCase):
    good = {"iss": "https://accounts.test", "aud": "python", "exp": 2_000, "sub": "u1", "nonce": "n1"}

    def check(self, **changes):
        return server.check_id_token(jwt({**self.good, **changes}), issuer="https://accounts.test", client_id="python", nonce="n1", now=1_000)

    def test_accepts_a_good_token(self):
        self.assertEqual(self.check()["sub"], "u1")
        self.assertEqual(self.check(aud=["python", "other"])["sub"], "u1")

    def test_refuses_wrong_claims(self):
        for changes in [{"iss": "https://evil.test"}, {"aud": "other"}, {"exp": 900}, {"nonce": "n2"}, {"sub": None}]:
            with self.subTest(changes=changes), self.assertRaises(ValueError):
                self.check(**changes)
        with self.assertRaises(ValueError):
            server.check_id_token("not-a-jwt", issuer="x", client_id="python", nonce=None, now=0)


class ConfigTest(unittest.TestCase):
    def test_defaults(self):
        c = server.load_config({"PORT": "4003"})
        self.assertEqual((c.host, c.public_url, c.service_url, c.internal_url, c.client_id), ("127.0.0.1", "http://localhost:4003", "http://localhost:4000", "http://localhost:4000", "python"))

    def test_refuses_bad_settings(self):
        for env in [{}, {"PORT": "x"}, {"PORT": "1", "TLS_CERT_FILE": "c"}, {"PORT": "1", "PUBLIC_URL": "https://a.test/path"}]:
            with self.subTest(env=env), self.assertRaises(SystemExit):
                server.load_config(env)

    def test_cookies(self):
        self.assertEqual(server.parse_cookies("a=1; b=x=y;c"), {"a": "1", "b": "x=y"})


class FakeService:
    """Stands in for the account service's /token and /userinfo."""

    def __init__(self):
        self.signed_in, self.reachable, self.calls, self.issued = True, True, [], 0
        self.redirect_uri = "https://py.test/callback"

    def tokens(self, nonce=None):
        self.issued += 1
        claims = {"iss": "https://accounts.test", "aud": "python", "exp": time.time() + 600, "sub": "u1", "name": "Ada <L>"}
        if nonce:
            claims["nonce"] = nonce
        return {"access_token": f"at{self.issued}", "refresh_token": f"rt{self.issued}", "id_token": jwt(claims), "expires_in": 600}

    def authorize_url(self, state, nonce, challenge, prompt):
        self.last_nonce = nonce
        return "https://accounts.test/authorize?" + urllib.parse.urlencode({"state": state, **({"prompt": prompt} if prompt else {})})

    def token(self, form):
        self.calls.append(form["grant_type"])
        if not self.reachable:
            raise server.Unavailable("down")
        if form["grant_type"] == "authorization_code":
            if form["code"] != "good":
                raise server.SignedOut("bad code")
            return self.tokens(self.last_nonce)
        if not self.signed_in:
            raise server.SignedOut("ended")
        return self.tokens()

    def userinfo(self, access_token):
        self.calls.append("userinfo")
        if not self.reachable:
            raise server.Unavailable("down")
        if not self.signed_in or access_token == "expired":
            raise server.SignedOut("401")
        return {"sub": "u1", "name": "Ada <L>"}

    def end_session_url(self, id_token, back):
        return f"https://accounts.test/end_session?post_logout_redirect_uri={back}"


class AppTest(unittest.TestCase):
    """The handler over a real socket, with the fake service behind it."""

    @classmethod
    def setUpClass(cls):
        config = server.load_config({"PORT": "0", "PUBLIC_URL": "https://py.test", "USERBOX_SERVICE_URL": "https://accounts.test"})
        cls.service = FakeService()
        cls.app = server.App(config, client=cls.service)
        cls.httpd = server.Server(("127.0.0.1", 0), server.make_handler(cls.app))
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        cls.httpd.server_close()

    def setUp(self):
        self.service.signed_in, self.service.reachable, self.service.calls = True, True, []
        self.jar = {}

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
        self.sign_in()
        self.app.store.get(self.jar["__Host-py_session"]).tokens["access_token"] = "expired"
        self.service.calls = []
        self.assertIn("Hello, Ada", self.request("/")[2])
        self.assertEqual(self.service.calls, ["userinfo", "refresh_token", "userinfo"])

    def test_signed_out_at_the_service_shows_a_guest(self):
        self.sign_in()
        self.service.signed_in = False
        status, _, body = self.request("/")
        self.assertEqual(status, 200)
        self.assertIn("Hello, guest", body)
        self.assertNotIn("__Host-py_session", self.jar)

    def test_an_unreachable_service_signs_nobody_out(self):
        self.sign_in()
        self.service.reachable = False
        self.assertEqual(self.request("/orders")[0], 503)
        self.service.reachable = True
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


if __name__ == "__main__":
    unittest.main()
