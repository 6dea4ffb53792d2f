"""r1ts rewards for verl: a custom reward function that scores through `r1 serve-rewards`.

An example file, not a package: copy it next to your verl job (Python standard library only).

Start the service (on any machine the trainer can reach):

    r1 serve-rewards --host 0.0.0.0 --port 5000 --config rewards.json

Point verl at this file:

    custom_reward_function.path=examples/verl_reward.py
    custom_reward_function.name=compute_score            # one sample per call (verl's naive reward manager)
    # or, one HTTP request per batch (verl's batch reward manager):
    reward_model.reward_manager=batch custom_reward_function.name=compute_score_batch

Environment:
    R1_REWARDS_URL      the service (default http://127.0.0.1:5000)
    R1_REWARDS_API_KEY  sent as "Authorization: Bearer ..." when set
    R1_REWARDS_TIMEOUT  seconds per attempt (default 180)
    R1_REWARDS_RETRIES  attempts on connection errors, 429 and 5xx (default 30: with the backoff, up to 8 s apart,
                        about 3.5 minutes, longer than a busy service's backlog)

What each argument means here:
    solution_str   the response only (verl decodes it without the prompt)
    ground_truth   a gold answer (math: "42", "\\frac{1}{2}"), or code tests: a list of test cases, or a dict /
                   JSON object {"tests": [...]} / {"gold": ..., "task": ...} describing the sample. A missing or
                   empty one, a dict with other keys, or a list of anything but test cases raises ValueError: the
                   service would score such a sample by its other rewards alone
    extra_info     optional keys read: "prompt" (the rendered prompt; the format rewards need it when the chat
                   template opens <think> in the prompt), "task", "language" ("en" | "zh"), "completion_tokens"
                   (enables the overlong penalty)
    data_source    not used (the task comes from ground_truth or extra_info)

Returns {"score": total, <component>: value, ...}: verl takes "score" as the reward and logs the rest. A
component that does not apply to the sample (null from the service) is reported as 0.0, so that every sample
carries the same keys.

compute_score_batch splits a batch into requests the service takes (GET /health tells the most samples and body
bytes one request may carry) and sends them one after another.
"""

import http.client
import json
import os
import threading
import time
import urllib.parse

_URL = urllib.parse.urlsplit(os.environ.get("R1_REWARDS_URL", "http://127.0.0.1:5000"))
_API_KEY = os.environ.get("R1_REWARDS_API_KEY", "")
_TIMEOUT = float(os.environ.get("R1_REWARDS_TIMEOUT", "180"))
_RETRIES = int(os.environ.get("R1_REWARDS_RETRIES", "30"))
if _RETRIES < 1:
    raise ValueError("R1_REWARDS_RETRIES must be at least 1 (the number of attempts), got %d" % _RETRIES)
_RETRY_STATUS = {429, 500, 502, 503, 504}

# One keep-alive connection per thread (reward managers may score from thread pools).
_local = threading.local()


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        cls = http.client.HTTPSConnection if _URL.scheme == "https" else http.client.HTTPConnection
        conn = cls(_URL.hostname, _URL.port, timeout=_TIMEOUT)
        _local.conn = conn
    return conn


def _drop_connection():
    conn = getattr(_local, "conn", None)
    if conn is not None:
        conn.close()
    _local.conn = None


def _post(path, payload):
    return _post_body(path, json.dumps(payload).encode("utf-8"))


def _message(data):
    """The error message of a JSON error answer, else its text."""
    message = data.decode("utf-8", "replace")
    try:
        message = json.loads(message)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        pass
    return message


def _post_body(path, body):
    """POST a JSON body, reusing the thread's connection; retry connection errors, 429 and 5xx with backoff."""
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    if _API_KEY:
        headers["Authorization"] = "Bearer " + _API_KEY
    base = _URL.path.rstrip("/")
    last = None
    for attempt in range(_RETRIES):
        wait = min(8.0, 0.25 * 2**attempt)
        try:
            conn = _connection()
            try:
                conn.request("POST", base + path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                # The server may have answered before reading the whole body (413: too large) and closed.
                try:
                    res = conn.getresponse()
                    data = res.read()
                except (OSError, http.client.HTTPException):
                    raise BrokenPipeError("connection closed while sending %d bytes" % len(body))
                if res.status == 413:
                    _drop_connection()
                    raise ValueError("r1 serve-rewards answered 413: %s" % _message(data))
                raise BrokenPipeError("connection closed while sending %d bytes" % len(body))
            res = conn.getresponse()
            data = res.read()
            if res.status == 200:
                return json.loads(data)
            message = _message(data)
            if res.status not in _RETRY_STATUS:
                raise ValueError("r1 serve-rewards answered %d: %s" % (res.status, message))
            last = "HTTP %d: %s" % (res.status, message)
            retry_after = res.getheader("Retry-After")
            if retry_after and retry_after.isdigit():
                wait = max(wait, float(retry_after))
        except (OSError, http.client.HTTPException) as e:
            # Refused, reset, timed out, or a keep-alive connection the server closed: reconnect and retry.
            _drop_connection()
            last = "%s: %s" % (type(e).__name__, e)
        if attempt + 1 < _RETRIES:
            time.sleep(wait)
    raise RuntimeError("r1 serve-rewards at %s failed %d times; last error: %s" % (_URL.geturl(), _RETRIES, last))


_TRUTH_KEYS = ("gold", "task", "tests", "language", "meta")


def _sample(solution_str, ground_truth, extra_info):
    extra = extra_info if isinstance(extra_info, dict) else {}
    sample = {"prompt": str(extra.get("prompt") or ""), "completion": solution_str}
    truth = ground_truth
    if truth is None or (isinstance(truth, str) and truth.strip() == ""):
        raise ValueError("ground_truth is %s: the accuracy reward needs the sample's gold answer or tests" % ("None" if truth is None else "empty"))
    if isinstance(truth, str) and truth.strip().startswith(("{", "[")):
        try:
            truth = json.loads(truth)
        except ValueError:
            pass  # "{1, 2}" is a set, not JSON: a gold answer
    if isinstance(truth, dict):
        unknown = sorted(str(k) for k in truth if k not in _TRUTH_KEYS)
        if unknown:
            raise ValueError("ground_truth has keys this example does not read: %s (known: %s)" % (", ".join(unknown), ", ".join(_TRUTH_KEYS)))
        if truth.get("gold") is None and truth.get("tests") is None:
            raise ValueError("ground_truth names neither \"gold\" nor \"tests\"")
        for key in _TRUTH_KEYS:
            if truth.get(key) is not None:
                sample[key] = truth[key]
    elif isinstance(truth, (list, tuple)):
        if not truth or not all(isinstance(t, dict) for t in truth):
            raise ValueError("a list ground_truth is read as code tests (objects such as {\"kind\": \"stdio\", \"input\": ..., \"output\": ...}); several acceptable answers are not supported: give one")
        sample["tests"] = list(truth)
    else:
        sample["gold"] = str(truth)
    for key, wire in (("task", "task"), ("language", "language"), ("completion_tokens", "completionTokens")):
        if extra.get(key) is not None:
            sample[wire] = extra[key]
    return sample


def _verl_result(result):
    out = {"score": float(result["total"])}
    for name, value in result["components"].items():
        out[name] = 0.0 if value is None else float(value)
    return out


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's custom reward function: one sample, one request."""
    res = _post("/v1/rewards", {"samples": [_sample(solution_str, ground_truth, extra_info)]})
    return _verl_result(res["results"][0])


_limits = None


def _request_limits():
    """The most samples and body bytes one request may carry, from GET /health (once per process)."""
    global _limits
    if _limits is None:
        try:
            conn = _connection()
            conn.request("GET", _URL.path.rstrip("/") + "/health", headers={"Connection": "keep-alive"})
            res = conn.getresponse()
            health = json.loads(res.read()) if res.status == 200 else {}
        except (OSError, http.client.HTTPException, ValueError):
            _drop_connection()
            health = {}
        _limits = (int(health.get("maxSamplesPerRequest") or 0) or None, int(health.get("bodyLimit") or 0) or None)
    return _limits


def _chunks(encoded, max_samples, max_bytes):
    """Runs of encoded samples that fit in one request: at most max_samples of them, the body within max_bytes."""
    overhead = len(b'{"samples": []}')
    run, size = [], overhead
    for i, e in enumerate(encoded):
        if max_bytes is not None and overhead + len(e) > max_bytes:
            raise ValueError("sample %d alone is %d bytes, over the service's body limit of %d (r1 serve-rewards --body-limit-mb)" % (i, len(e), max_bytes))
        if run and ((max_samples is not None and len(run) >= max_samples) or (max_bytes is not None and size + len(e) + 2 > max_bytes)):
            yield run
            run, size = [], overhead
        run.append(e)
        size += len(e) + 2
    if run:
        yield run


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
    """verl's batch reward manager: the batch in as few requests as the service takes, results in order."""
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    encoded = [json.dumps(_sample(s, g, e)).encode("utf-8") for s, g, e in zip(solution_strs, ground_truths, infos)]
    max_samples, max_bytes = _request_limits()
    out = []
    for run in _chunks(encoded, max_samples, max_bytes):
        res = _post_body("/v1/rewards", b'{"samples": [' + b", ".join(run) + b"]}")
        out.extend(_verl_result(r) for r in res["results"])
    return out
