"""A local SMTP server that accepts every message and throws it away, counting them.

`python -m benchmarks.smtp_sink --port 18325`: prints the count when stopped (SIGTERM).
"""

import argparse
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.count += 1
        self.bytes += len(envelope.content or b"")
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    print("ready", flush=True)
    stopped.wait()
    controller.stop()
    print(f"received {sink.count} messages, {sink.bytes} bytes", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
