"""Typed runtime failures, each with a one-line message for a person.

Every failure a command can meet is one of these: `str(error)` is the line
shown after "error: ", `hint` the optional next step, `exit_code` what the
command exits with. Messages are built from the URL, the status and the
server's words; `redacted()` takes the key and every tool header value out
of them all the same, in case a server echoes one back. Server text in a
message is already one line with its control characters escaped
(sanitize.one_line), so a message is safe to print.

`run_may_exist` is True on failures after which a run may exist although
none was named (policy.post_meaning decided it): the record says `unknown`
and nothing sends the same request again blindly.
"""

from __future__ import annotations

from ..exitcodes import EXIT_INTERRUPTED, EXIT_RUN_FAILED, EXIT_SPEC_ERRORS, EXIT_USAGE
from ..sanitize import one_line, scrub_text

_CHECK_ACCOUNT = "not retried, so that no run is paid for twice; check your AI21 account before running again"


def attach_command(run_id: str) -> str:
    """`maestro runs attach ID`, as a hint may say it: the id itself when it can
    be copied from a terminal, else a pointer to the record id (a server's id
    may hold control characters or be endless; attach takes either id)."""
    if len(run_id) <= 100 and run_id.isprintable() and not any(c.isspace() for c in run_id):
        return f"maestro runs attach {run_id}"
    return "maestro runs attach RECORD (the run's record id, from `maestro runs list`)"


def redact(text: str, *secrets: str | None) -> str:
    """`text` (a message of ours) without any of the secrets."""
    return scrub_text(text, secrets)


class RuntimeFailure(Exception):
    """Base of every runtime error. Subclasses set exit_code."""

    exit_code = EXIT_RUN_FAILED
    run_may_exist = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def redacted(self, *secrets: str | None) -> "RuntimeFailure":
        self.message = redact(self.message, *secrets)
        self.args = (self.message,)
        if self.hint:
            self.hint = redact(self.hint, *secrets)
        return self


# ------------------------------------------------------------ before any call


class UsageFailure(RuntimeFailure):
    """The command line or environment cannot work (exit 2)."""

    exit_code = EXIT_USAGE


class MissingKey(UsageFailure):
    def __init__(self, url: str | None = None) -> None:
        if url:  # resuming a run: --local is no alternative
            super().__init__(f"no API key: set AI21_API_KEY to reach {url}")
        else:
            super().__init__("no API key: set AI21_API_KEY, or add --local to run against the built-in local server")


class InsecureURL(UsageFailure):
    """Plain http to a host that is not loopback (message from transport.py)."""


class BadURL(UsageFailure):
    """A base URL that is not an http(s) URL naming a host."""


# ------------------------------------------------------------ talking to a server


class Unreachable(RuntimeFailure):
    """No answer from the server at all (after retries where allowed)."""

    def __init__(self, url: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"could not reach {url}: {reason}", hint=hint)
        self.url = url
        self.reason = reason


class MaybeSubmitted(RuntimeFailure):
    """The POST reached the server but no answer came back: a run may exist.

    Not retried on purpose; repeating it could start (and bill) a second run.
    """

    run_may_exist = True

    def __init__(self, url: str, reason: str, *, answered: bool = False) -> None:
        what = "no usable answer" if answered else "no answer"
        super().__init__(
            f"{what} from {url} after the request was sent ({reason}); a run may have been created",
            hint=_CHECK_ACCOUNT,
        )
        self.reason = reason


class UnreadableRun(RuntimeFailure):
    """The server named a run (the id is kept and recorded) but the rest of its answer is unusable."""

    run_may_exist = True

    def __init__(self, run_id: str, url: str, problem: str) -> None:
        super().__init__(
            f"{url} answered with {problem}, not a run this client can follow",
            hint=f"the run exists on the server; look again later with: {attach_command(run_id)}",
        )
        self.run_id = run_id


class Redirected(RuntimeFailure):
    """A 3xx: not followed, since a redirect could carry the key elsewhere."""

    def __init__(self, status: int, location: str | None, *, run_may_exist: bool = False) -> None:
        where = f" to {location}" if location else ""
        super().__init__(
            f"{status}: the server redirected{where}; not followed (a redirect could carry the API key elsewhere)",
            hint=_CHECK_ACCOUNT if run_may_exist else "give the final address as --base-url (it ends in /studio/v1)",
        )
        self.run_may_exist = run_may_exist


class DeadlineReached(RuntimeFailure):
    """--timeout ran out while a call was in flight (raised by the client; poll.py words it)."""

    def __init__(self, method: str) -> None:
        super().__init__(f"no complete answer to the {method} before the deadline")
        self.method = method


class HTTPFailure(RuntimeFailure):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str, *, hint: str | None = None, detail: str | None = None) -> None:
        super().__init__(f"{status}: {message}", hint=hint)
        self.status = status
        self.detail = detail


class AuthRejected(HTTPFailure):
    def __init__(self, status: int, *, key_sent: bool) -> None:
        if key_sent:
            super().__init__(status, "the API key was rejected", hint="check AI21_API_KEY")
        else:
            super().__init__(status, "the server wants an API key", hint="set AI21_API_KEY")


class RequestRejected(HTTPFailure):
    """400/422: the server judged the body invalid (what `maestro check` should have caught)."""

    exit_code = EXIT_SPEC_ERRORS

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, f"the server rejected the request: {detail}", detail=detail)


class RunNotFound(HTTPFailure):
    def __init__(self, run_id: str, base_url: str) -> None:
        super().__init__(404, f"no run {run_id} at {base_url}")


class NoAPIHere(HTTPFailure):
    def __init__(self, url: str) -> None:
        super().__init__(404, f"no Maestro runs API at {url}", hint="check --base-url or AI21_API_HOST (it ends in /studio/v1)")


class RateLimited(HTTPFailure):
    def __init__(self, retries: int, retry_after: float | None) -> None:
        if retry_after is None:
            wait = ""
        elif retry_after == float("inf"):
            wait = "; it asked to wait for ever"
        else:
            wait = f"; it asked to wait {retry_after:g} s"
        super().__init__(429, f"rate limited by the server after {retries} retries{wait}", hint="run fewer at once (-j) or later")


class ServerError(HTTPFailure):
    def __init__(self, status: int, retries: int, detail: str | None) -> None:
        tail = f" after {retries} retries" if retries else ""
        said = f": {detail}" if detail else ""
        super().__init__(status, f"server error{tail}{said}", detail=detail)


class BadResponse(RuntimeFailure):
    def __init__(self, url: str, what: str) -> None:
        super().__init__(f"{url} answered with {what}, not a Maestro run")


# ------------------------------------------------------------ the run itself


class PollTimeout(RuntimeFailure):
    def __init__(self, run_id: str, seconds: float) -> None:
        super().__init__(
            f"run {one_line(run_id, 100)} is still in progress after {seconds:g} s",
            hint=f"it keeps going on the server; pick it up with: {attach_command(run_id)}",
        )
        self.run_id = run_id


class LostContact(RuntimeFailure):
    """Polling gave up; the run itself may be fine."""

    def __init__(self, run_id: str, cause: RuntimeFailure) -> None:
        super().__init__(
            f"lost contact while polling run {one_line(run_id, 100)}: {cause}",
            hint=f"the run may still finish; pick it up with: {attach_command(run_id)}",
        )
        self.run_id = run_id
        self.cause = cause


def left_behind(run_id: str | None, *, local: bool = False) -> tuple[str, str | None]:
    """What a command stopped by Ctrl-C or SIGTERM left of one run: (what became
    of it, the next step or None). The one wording of it, for Interrupted (the
    record's error), `maestro run` and `runs attach` (stopped_lines) and the
    watch mode, each of which puts its own words before it."""
    if run_id and local:
        return f"run {one_line(run_id, 100)} was on the built-in local server, which stops now", None
    if run_id:
        return f"run {one_line(run_id, 100)} keeps going on the server", f"resume with: {attach_command(run_id)}"
    return "before the server answered; a run may or may not have been created", None


def stopped_lines(in_flight, *, total: int, started: int, local: bool, word: str = "interrupted") -> list[str]:
    """What `maestro run` or `runs attach` prints when Ctrl-C (word "interrupted")
    or SIGTERM ("terminated") stops it: a line per run still in flight (each a
    batch.Tracker event: .spec, .run_id), then the specs never started.

    SIGTERM gets one line per run: a service manager's log keeps lines apart."""
    lines = []
    for event in in_flight:
        who = f"{event.spec}: " if total > 1 and event.spec else ""
        what, step = left_behind(event.run_id, local=local)
        if step is None:
            lines.append(f"{word}: {who}{what}")
        elif word == "interrupted":
            lines += [f"{word}: {who}{what}", f"  {step}"]
        else:
            lines.append(f"{word}: {who}{what}; {step}")
    not_started = total - started
    if not_started > 0:
        lines.append(f"{word}: {not_started} spec{'s' if not_started > 1 else ''} not started")
    if not in_flight and not_started <= 0:
        lines.append(word)
    return lines


class Interrupted(RuntimeFailure):
    exit_code = EXIT_INTERRUPTED

    def __init__(self, run_id: str | None) -> None:
        what, step = left_behind(run_id)
        super().__init__(f"interrupted; {what}" if run_id else f"interrupted {what}", hint=step)
        self.run_id = run_id
        self.run_may_exist = run_id is None  # the POST was out: a run may exist
