# Python imports this module at start-up when its directory is on PYTHONPATH, as MotoS3Server.QuietEnvironment
# sets it for moto_server. moto's web server (werkzeug) writes one access-log line per request, and the AppHost's
# and the services' health checks probe the bucket every few seconds: those probes were most of the console.
# Successful probes (HEAD /<bucket>, GET /<bucket>/?list-type=2&max-keys=1) are dropped; every other request and
# every error is still logged.
import logging
import re

_PROBE = re.compile(r"^(HEAD /[^/?\s]+/?|GET /[^/?\s]+/\?list-type=2&max-keys=1) HTTP/")


class _DropHealthProbes(logging.Filter):
    def filter(self, record):
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) == 3 and _PROBE.match(str(args[0])) and str(args[1]).startswith("2"))


logging.getLogger("werkzeug").addFilter(_DropHealthProbes())
