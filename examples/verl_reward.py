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
    R1_REWARDS_RETRIES  attempts on connection errors, 429 and 5xx (default 5)

What each argument means here:
    solution_str   the response only (verl decodes it without the prompt)
    ground_truth   a gold answer (math: "42", "\\frac{1}{2}"), or code tests: a list of test cases, or a dict /
                   JSON object {"tests": [...]} / {"gold": ..., "task": ...} describing the sample
    extra_info     optional keys read: "prompt" (the rendered prompt; the format rewards need it when the chat
                   template opens <think> in the prompt), "task", "language" ("en" | "zh"), "completion_tokens"
                   (enables the overlong penalty)
    data_source    not used (the task comes from ground_truth or extra_info)

Returns {"score": total, <component>: value, ...}: verl takes "score" as the reward and logs the rest. A
component that does not apply to the sample (null from the service) is reported as 0.0, so that every sample
carries the same keys.
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
_RETRIES = int(os.environ.get("R1_REWARDS_RETRIES", "5"))
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
    """POST JSON, reusing the thread's connection; retry connection errors, 429 and 5xx with backoff."""
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    if _API_KEY:
        headers["Authorization"] = "Bearer " + _API_KEY
    base = _URL.path.rstrip("/")
    last = None
    for attempt in range(_RETRIES):
        wait = min(8.0, 0.25 * 2**attempt)
        try:
            conn = _connection()
            conn.request("POST", base + path, body=body, headers=headers)
            res = conn.getresponse()
            data = res.read()
            if res.status == 200:
                return json.loads(data)
            message = data.decode("utf-8", "replace")
            try:
                message = json.loads(message)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                pass
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


def _sample(solution_str, ground_truth, extra_info):
    extra = extra_info if isinstance(extra_info, dict) else {}
    sample = {"prompt": str(extra.get("prompt") or ""), "completion": solution_str}
    truth = ground_truth
    if isinstance(truth, str) and truth.strip().startswith(("{", "[")):
        try:
            truth = json.loads(truth)
        except ValueError:
            pass  # "{1, 2}" is a set, not JSON: a gold answer
    if isinstance(truth, dict):
        for key in ("gold", "task", "tests", "language", "meta"):
            if truth.get(key) is not None:
                sample[key] = truth[key]
    elif isinstance(truth, list):
        sample["tests"] = truth
    elif truth is not None:
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


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
    """verl's batch reward manager: the whole batch in one request, results in order."""
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    samples = [_sample(s, g, e) for s, g, e in zip(solution_strs, ground_truths, infos)]
    res = _post("/v1/rewards", {"samples": samples})
    return [_verl_result(r) for r in res["results"]]
