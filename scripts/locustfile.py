"""Load for scripts/load: leadership reads the province and district pages, an officer opens
(and now and then saves) the month entry form. Settings from the environment (scripts/load
sets them): LOAD_LEADER, LOAD_OFFICER, LOAD_PASSWORD, LOAD_DISTRICT (a sub-agreement id the
leader opens), LOAD_ENTRY (the officer's entry URL)."""

import os
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _login(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/", name="login form")
    token = CSRF.search(page.text).group(1)
    response = user.client.post(
        "/accounts/login/",
        {
            "username": username,
            "password": os.environ["LOAD_PASSWORD"],
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": user.host + "/accounts/login/"},
        name="login",
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not log in ({response.status_code})")


class Leadership(HttpUser):
    weight = 2
    wait_time = between(0.5, 1.5)

    def on_start(self):
        _login(self, os.environ["LOAD_LEADER"])

    @task(3)
    def province(self):
        self.client.get("/progress/", name="province page")

    @task(2)
    def district(self):
        self.client.get(f"/progress/district/{os.environ['LOAD_DISTRICT']}/", name="district page")


class Officer(HttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        _login(self, os.environ["LOAD_OFFICER"])

    @task(4)
    def entry(self):
        self.client.get(os.environ["LOAD_ENTRY"], name="entry page")

    @task(1)
    def save(self):
        url = os.environ["LOAD_ENTRY"]
        page = self.client.get(url, name="entry page")
        form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
        for name in re.findall(r'name="([vnd]_\d+)"', page.text):
            form.setdefault(name, "")
        if 'name="action" value="save"' not in page.text:
            return  # the month is locked (submitted or approved): nothing to save
        form["action"] = "save"
        self.client.post(url, form, headers={"Referer": self.host + url}, name="entry save")
