# Stratus's runtime client for python functions: imports the handler module and serves the Lambda Runtime API loop.
import http.client
import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
END_MARK = "\u0000stratus:end:"
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
if TASK_ROOT not in sys.path:
    sys.path.insert(0, TASK_ROOT)


def watch_parent():
    # Stratus closes our stdin when it goes away, however it goes away: then so do we.
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    os._exit(0)


threading.Thread(target=watch_parent, daemon=True).start()
connection = http.client.HTTPConnection(API)


def call(method, path, body=None, headers=None):
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read()
    except Exception:
        os._exit(0)


def error_payload(error, request_id=None):
    payload = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(error.__traceback__)),
    }
    if request_id:
        payload["requestId"] = request_id
    return payload


def init_error(error_type, error):
    payload = error_payload(error)
    payload["errorType"] = error_type
    payload["errorMessage"] = f"Unable to import module '{os.environ.get('_HANDLER', '')}': {error}" if error_type == "Runtime.ImportModuleError" else str(error)
    print(f"[ERROR] {error_type}: {payload['errorMessage']}".replace("\n", "\r"), flush=True)
    call("POST", "/2018-06-01/runtime/init/error", json.dumps(payload), {"Lambda-Runtime-Function-Error-Type": error_type})
    os._exit(1)


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        init_error("Runtime.MalformedHandlerName", ValueError(f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)"))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as error:
        init_error("Runtime.UserCodeSyntaxError", error)
    except Exception as error:
        init_error("Runtime.ImportModuleError", error)
    handler = getattr(module, function_name, None)
    if handler is None:
        init_error("Runtime.HandlerNotFound", AttributeError(f"Handler '{function_name}' missing on module '{module_name}'"))
    return handler


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = CURRENT["request_id"]
        return True


CURRENT = {"request_id": None}
# The logging format of Lambda's python runtime: level, UTC time, request id, message (one event per record).
_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
_handler.formatter.converter = time.gmtime
_handler.addFilter(_RequestIdFilter())
logging.getLogger().addHandler(_handler)


class Context:
    def __init__(self, headers, request_id):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        client_context = headers.get("lambda-runtime-client-context")
        self.client_context = json.loads(client_context) if client_context else None
        self._deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


def main():
    handler = load_handler()
    while True:
        _, headers, body = call("GET", "/2018-06-01/runtime/invocation/next")
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        CURRENT["request_id"] = request_id
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        try:
            event = json.loads(body) if body else {}
        except ValueError:
            event = body.decode("utf-8", "replace")
        try:
            result = handler(event, Context(headers, request_id))
            out, path, extra = json.dumps(result), "response", {}
        except Exception as error:
            payload = error_payload(error, request_id)
            print(f"[ERROR] {payload['errorType']}: {payload['errorMessage']}\rTraceback (most recent call last):\r" + "\r".join(line.rstrip("\n").replace("\n", "\r") for line in payload["stackTrace"]), flush=True)
            out, path, extra = json.dumps(payload), "error", {"Lambda-Runtime-Function-Error-Type": payload["errorType"]}
        sys.stdout.write(f"{END_MARK}{request_id}\n")
        sys.stdout.flush()
        call("POST", f"/2018-06-01/runtime/invocation/{request_id}/{path}", out, {"Content-Type": "application/json", **extra})


main()
