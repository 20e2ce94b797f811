"""Simulated learners, teachers and visitors of quizapp, driving it as a browser does (forms, CSRF tokens,
cookies), for locust.

Each learner registers, then takes quizzes in practice and exam mode (answers every question, finishes,
reads the results), makes a deck and studies its cards (reveal, grade), and opens the statistics. Teachers
log in, upload a bank through the teach page and open the pages in ``TEACHER_PATHS`` (add more there, or
through ``LOAD_TEACHER_PATHS``), with their class's pages among them. Learners also join that class by its
code and take its assignment. Visitors read the catalogue, a bank's page and search.

Every answer and review the server accepted (its 303 after the ``POST``) goes into a tally with what names
it in the database: an answer by its attempt id and position, a review by the token of its form. Every
response of 500 or more is noted with the time it was seen and whether it carried ``Retry-After``; a
``POST`` whose connection broke has an unknown outcome and is counted apart. When the run ends, the tally is
written to ``LOAD_TALLY`` as JSON, for ``run.py`` (or the smoke test) to compare with the database.

Settings from the environment: ``LOAD_HOSTS`` (base URLs, comma-separated; each request goes to one of
them at random, as a load balancer would send it, and a host that refuses connections is left alone for a
few seconds), ``LOAD_TEACHER`` (``login:password`` of a teacher account), ``LOAD_BANK_FILE`` (the bank
teachers upload), ``LOAD_CLASS`` (JSON: the teacher's ``class`` id, its ``assignment`` id and join ``code``,
and the assigned ``bank``'s slug; none, no class pages), ``LOAD_TALLY``.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PASSWORD = "a long load-test passphrase"
CLASS = json.loads(os.environ.get("LOAD_CLASS") or "{}")
TEACHER_PATHS = ["/teach/", "/banks", "/quizzes", "/"]
if CLASS:  # the results grid, the assignment's and a bank's item analysis, what the class has forgotten
    TEACHER_PATHS += [
        f"/classes/{CLASS['class']}/results",
        f"/teach/assignments/{CLASS['assignment']}/analysis",
        f"/teach/banks/{CLASS['bank']}/analysis",
        f"/teach/classes/{CLASS['class']}/forgotten",
    ]
TEACHER_PATHS += [p for p in os.environ.get("LOAD_TEACHER_PATHS", "").split(",") if p]
SEARCH_WORDS = ["myelin", "stem", "cells", "relapse", "trial", "immune", "lesion", "therapy"]
ID = re.compile(r"/(\d+)")


# --- the tally ----------------------------------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[tuple[int, int]] = []  # (attempt id, position) accepted
        self.reviews: list[str] = []  # grade tokens accepted
        self.server_errors: list[dict] = []
        self.unknown_posts = 0  # a POST whose connection broke: saved or not, the client cannot tell
        self.broken_connections = 0
        self.registered: list[str] = []
        self.teacher_pages_refused: list[tuple[str, int]] = []  # a teacher's page that was not a 200
        self.logins = 0  # a learner logging back in, each through the login limits (Redis, when set)
        self.logins_refused: list[int] = []  # statuses of a right password not let in

    def as_json(self) -> dict:
        with self.lock:
            return {
                "answers": self.answers,
                "reviews": self.reviews,
                "server_errors": self.server_errors,
                "unknown_posts": self.unknown_posts,
                "broken_connections": self.broken_connections,
                "registered": self.registered,
                "teacher_pages_refused": self.teacher_pages_refused,
                "logins": self.logins,
                "logins_refused": self.logins_refused,
            }


TALLY = Tally()


@events.quitting.add_listener
def _write_tally(environment, **_kwargs) -> None:
    target = os.environ.get("LOAD_TALLY")
    if target:
        Path(target).write_text(json.dumps(TALLY.as_json()))


# --- reading forms as a browser does -------------------------------------------------------------------------


class Form:
    def __init__(self, action: str, method: str):
        self.action, self.method = action, method
        self.fields: list[tuple[str, str]] = []  # hidden and text fields, in order
        self.choices: dict[str, list[str]] = {}  # radio / checkbox / select name -> values
        self.kinds: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []


class Forms(HTMLParser):
    """Every form of a page, with its fields, choices and named buttons."""

    def __init__(self, html: str, page: str = ""):
        super().__init__()
        self.page = page  # a form without an action posts to its page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page, a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                form.kinds[name] = kind
            elif kind in ("submit", "button", "image"):
                form.buttons.append((name, a.get("value", "")))
            elif kind != "file":
                form.fields.append((name, a.get("value", "")))
                form.kinds[name] = kind
        elif tag == "select" and name:
            self._select = name
            form.choices[name] = []
            form.kinds[name] = "select"
        elif tag == "option" and self._select:
            form.choices[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            form.fields.append((name, ""))
            form.kinds[name] = "textarea"
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def find(self, action_part: str) -> Form | None:
        return next((f for f in self.forms if action_part in f.action), None)


def answer_fields(form: Form) -> list[tuple[str, str]]:
    """A plausible, never blank answer to a question form: one choice per radio group or select, some
    checkboxes, a number in an empty text field (a numeric question reads it; a text question takes it as a
    guess). In an exam a blank answer is accepted (303) and removes what was saved, so it is no answer."""
    data = []
    for name, value in form.fields:
        if not value and form.kinds.get(name) in ("text", "number", "textarea", ""):
            value = str(random.randint(1, 9))
        data.append((name, value))
    for name, values in form.choices.items():
        values = [v for v in values if v]  # not a select's "Choose…": a blank exam answer is saved as none
        if not values:
            continue
        if form.kinds[name] == "checkbox":
            data += [(name, v) for v in random.sample(values, k=random.randint(1, len(values)))]
        else:
            data.append((name, random.choice(values)))
    return data


def path_of(location: str) -> str:
    return urlsplit(location).path


# --- users -----------------------------------------------------------------------------------------------


class Browser(HttpUser):
    """A person with cookies, whose requests a load balancer spreads over the hosts."""

    abstract = True
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.hosts = [h.rstrip("/") for h in os.environ.get("LOAD_HOSTS", self.host or "").split(",") if h]
        self.down: dict[str, float] = {}

    def _host(self) -> str:
        now = time.monotonic()
        up = [h for h in self.hosts if self.down.get(h, 0) <= now]
        return random.choice(up or self.hosts)

    def send(self, method: str, path: str, name: str | None = None, **kwargs):
        """One request; a refused connection is tried once more on another host (nothing reached the app),
        a broken one is not (a POST may have been saved). None when no response came."""
        kwargs.setdefault("allow_redirects", False)
        for attempt in range(2):
            host = self._host()
            with self.client.request(method, host + path, name=name or path, catch_response=True, **kwargs) as response:
                status = response.status_code
                if status == 0:
                    response.failure(response.error)
                elif status >= 500:
                    self._server_error(method, name or path, response)
                    response.failure(f"{status}")
                else:  # a 4xx is the app's answer to what was sent (a time-up, an unreadable answer)
                    response.success()
            if status:
                return response
            refused = "refused" in str(response.error).lower()
            if refused:
                self.down[host] = time.monotonic() + 3
                if attempt == 0 and len(self.hosts) > 1:
                    continue
            with TALLY.lock:
                TALLY.broken_connections += 1
                TALLY.unknown_posts += method == "POST" and not refused
            return None
        return None

    def _server_error(self, method: str, name: str, response) -> None:
        with TALLY.lock:
            TALLY.server_errors.append(
                {
                    "time": time.time(),
                    "method": method,
                    "name": name,
                    "status": response.status_code,
                    "retry_after": response.headers.get("Retry-After"),
                }
            )

    def page(self, path: str, name: str | None = None) -> str | None:
        """GET a page, following redirects as a browser does."""
        response = self.send("GET", path, name, allow_redirects=True)
        return response.text if response is not None and response.status_code == 200 else None

    def submit(self, form_page: str, action_part: str, fields=(), page_name=None, name=None, files=None):
        """Fetch ``form_page``, fill the form whose action contains ``action_part`` and post it. The
        response (redirects not followed), or None."""
        html = self.page(form_page, page_name)
        form = Forms(html, form_page).find(action_part) if html else None
        if form is None:
            return None
        given = {k for k, _ in fields}
        data = [(k, v) for k, v in form.fields if form.kinds.get(k) == "hidden" and k not in given] + list(fields)
        return self.send("POST", path_of(form.action), name, data=data, files=files)


class Learner(Browser):
    weight = 6

    def on_start(self) -> None:
        super().on_start()
        self.login = None
        self.deck: int | None = None
        self.joined = False

    def signed_in(self) -> bool:
        if self.login:
            return True
        login = f"load-{uuid.uuid4().hex[:12]}@example.org"
        fields = [("login", login), ("password", PASSWORD), ("confirm", PASSWORD)]
        response = self.submit("/register", "/register", fields, name="/register")
        if response is not None and response.status_code in (302, 303):
            self.login = login
            with TALLY.lock:
                TALLY.registered.append(login)
        return self.login is not None

    @task(3)
    def practice_quiz(self) -> None:
        self.take_quiz("practice")

    @task(3)
    def exam(self) -> None:
        self.take_quiz("exam")

    @task(4)
    def study(self) -> None:
        if not self.signed_in():
            return
        if self.deck is None and not self.make_deck():
            return
        for _ in range(random.randint(3, 8)):
            html = self.page(f"/study/{self.deck}", "/study/[deck]")
            reveal = Forms(html).find("/answer") if html else None
            if reveal is None:
                return  # nothing due
            params = [(k, v) for k, v in reveal.fields]
            response = self.send("GET", path_of(reveal.action), "/study/[deck]/answer", params=params)
            if response is None or response.status_code != 200:
                return
            grade = Forms(response.text).find("/grade")
            if grade is None:
                return
            fields = dict(grade.fields)
            data = [*grade.fields, ("rating", str(random.choice([1, 3, 3, 3, 4, 2])))]
            posted = self.send("POST", path_of(grade.action), "/study/[deck]/grade", data=data)
            if posted is not None and posted.status_code == 303:
                with TALLY.lock:
                    TALLY.reviews.append(fields["token"])
            self.wait()

    @task(1)
    def log_out_and_in(self) -> None:
        """Log out and back in: every login takes and releases slots of the login limits, so a fault in
        where they are counted (Redis) meets logins throughout the run, not only at its start."""
        if not self.signed_in():
            return
        response = self.submit("/", "/logout", (), "/ (learner)", "/logout")
        if response is None or response.status_code not in (302, 303):
            return
        fields = [("login", self.login), ("password", PASSWORD)]
        response = self.submit("/login", "/login", fields, name="/login (learner)")
        if response is None:
            self.login = None  # no telling whether the session logged in: a new learner next time
            return
        with TALLY.lock:
            if response.status_code in (302, 303):
                TALLY.logins += 1
            else:
                TALLY.logins_refused.append(response.status_code)
        if response.status_code not in (302, 303):
            self.login = None

    @task(1)
    def statistics(self) -> None:
        if self.signed_in():
            self.page("/stats")
            self.page("/", "/ (learner)")

    def make_deck(self) -> bool:
        html = self.page("/decks/new")
        forms = Forms(html, "/decks/new").forms if html else []
        chooser = next((f for f in forms if f.method == "get" and "/decks/new" in f.action), None)
        banks = chooser.choices.get("bank", []) if chooser else []
        banks = [b for b in banks if b]
        if not banks:
            return False
        slug = random.choice(banks)
        response = self.submit(f"/decks/new?bank={slug}", "/decks/new", [("bank", slug)], "/decks/new?bank=[slug]")
        if response is not None and response.status_code == 303:
            self.deck = int(ID.search(path_of(response.headers["Location"])).group(1))
        return self.deck is not None

    def take_quiz(self, mode: str) -> None:
        if not self.signed_in():
            return
        html = self.page("/quizzes/build")
        form = Forms(html).find("/quizzes/build") if html else None
        if form is None or not form.choices.get("build-banks"):
            return
        fields = [
            ("build-banks", random.choice(form.choices["build-banks"])),
            ("build-count", str(random.randint(3, 6))),
            ("build-mode", mode),
            ("build-time_limit", ""),
        ]
        response = self.send(
            "POST", "/quizzes/build", data=[*[(k, v) for k, v in form.fields if k == "csrf_token"], *fields]
        )
        if response is None or response.status_code != 303:
            return
        match = re.search(r"/attempts/(\d+)", response.headers["Location"])
        if not match:
            return
        attempt = int(match.group(1))
        if response.headers["Location"].rstrip("/").endswith("/again"):
            discard = f"/attempts/{attempt}/discard"
            self.submit(discard, discard, (), "/attempts/[id]/discard", "/attempts/[id]/discard (submit)")
            return
        self.answer_all(attempt, 1)

    @task(2)
    def assignment(self) -> None:
        """Join the teacher's class by its code (once), start its assignment (or carry on with the attempt in
        progress, from where it stands) and answer it as a quiz."""
        if not CLASS or not self.signed_in():
            return
        if not self.joined:
            fields = [("code", CLASS["code"])]
            response = self.submit("/classes/join", "/classes/join", fields, None, "/classes/join (submit)")
            if response is None or response.status_code != 303:
                return
            self.joined = True
        page = f"/classes/{CLASS['class']}/assignments/{CLASS['assignment']}"
        name = "/classes/[id]/assignments/[id]"
        response = self.submit(page, "/start", (), name, f"{name}/start")
        if response is None or response.status_code != 303:
            return
        resumed = self.send("GET", path_of(response.headers["Location"]), "/attempts/[id]")
        target = path_of(resumed.headers.get("Location", "")) if resumed is not None else ""
        match = re.search(r"/attempts/(\d+)/questions/(\d+)$", target)
        if match:
            self.answer_all(int(match.group(1)), int(match.group(2)))

    def answer_all(self, attempt: int, position: int) -> None:
        """Answer from ``position`` on as the pages lead, finish, and read the results."""
        while position < 100:
            question = f"/attempts/{attempt}/questions/{position}"
            html = self.page(question, "/attempts/[id]/questions/[n]")
            form = Forms(html).find(question) if html else None
            if form is None:
                break
            data = [*answer_fields(form), ("go", "next")]
            posted = self.send("POST", question, "/attempts/[id]/questions/[n] (answer)", data=data)
            if posted is None or posted.status_code != 303:
                break
            location = path_of(posted.headers["Location"])
            if not re.search(r"/(questions/\d+|finish)$", location):
                break  # refused after all (to the results when time is up, to the history when discarded)
            with TALLY.lock:
                TALLY.answers.append((attempt, position))
            if location == question:  # practice: the feedback
                self.page(question, "/attempts/[id]/questions/[n] (feedback)")
                position += 1
            elif location.endswith("/finish"):
                break
            else:
                position = int(location.rsplit("/", 1)[1])
            self.wait()
        finished = self.submit(
            f"/attempts/{attempt}/finish",
            f"/attempts/{attempt}/finish",
            (),
            "/attempts/[id]/finish",
            "/attempts/[id]/finish (submit)",
        )
        if finished is not None and finished.status_code == 303:
            self.page(f"/attempts/{attempt}/results", "/attempts/[id]/results")


class Teacher(Browser):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        login, _, password = os.environ.get("LOAD_TEACHER", ":").partition(":")
        self.signed = False
        if login:
            response = self.submit("/login", "/login", [("login", login), ("password", password)], name="/login")
            self.signed = response is not None and response.status_code in (302, 303)

    @task(1)
    def upload(self) -> None:
        bank = os.environ.get("LOAD_BANK_FILE")
        if not self.signed or not bank:
            return
        with open(bank, "rb") as handle:
            content = handle.read()
        files = {"bank": (Path(bank).name, content, "application/x-yaml")}
        self.submit("/teach/", "/teach/banks", (), "/teach/", "/teach/banks (upload)", files=files)

    @task(4)
    def read_pages(self) -> None:
        if self.signed:
            path = random.choice(TEACHER_PATHS)
            response = self.send("GET", path, f"{path} (teacher)", allow_redirects=True)
            if response is not None and response.status_code != 200:
                with TALLY.lock:
                    TALLY.teacher_pages_refused.append((path, response.status_code))


class Visitor(Browser):
    weight = 3

    @task(2)
    def catalogue(self) -> None:
        html = self.page("/banks")
        slugs = re.findall(r'href="/banks/([a-z0-9-]+)"', html or "")
        if slugs:
            self.page(f"/banks/{random.choice(slugs)}", "/banks/[slug]")

    @task(1)
    def home(self) -> None:
        self.page("/", "/ (visitor)")

    @task(1)
    def search(self) -> None:
        self.page(f"/search?q={random.choice(SEARCH_WORDS)}", "/search?q=[word]")


class Hello(Browser):
    """The baseline: a bare Flask hello served the same way (chosen by name on locust's command line)."""

    weight = 1

    @task
    def hello(self) -> None:
        self.page("/", "/ (hello)")
